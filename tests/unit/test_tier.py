"""Unit tests for the criticality tier (重要度 高/中/低) computed from engagement facts."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from governance.engagements.facts import CONFIDENTIALITY_LEVELS, EngagementFacts
from governance.engagements.tier import TIER_LABELS, TierResult, criticality
from tests.unit.test_engagement_facts import arbitrary_facts, consistent_facts

# Public clerical work at the office: nothing raises the tier.
BASE = EngagementFacts(work_kinds=frozenset({"clerical"}), work_locations=frozenset({"onsite"}))
# Personal information at 機密性2, kept at the office: the consistent way to have PI without exposure.
PI_BASE = dataclasses.replace(BASE, personal_info=True, confidentiality="2")

LOW_REASON = "公開情報のみを取り扱い、情報システムに関わらない"


def facts(base: EngagementFacts = BASE, **changes: Any) -> EngagementFacts:
    return dataclasses.replace(base, **changes)


# --- 高 ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("f", "reason"),
    [
        # MN, by handling 特定個人情報 …
        # (マイナンバー is classified 自治体機密性3B or above, which is itself a reason for 高)
        (
            facts(PI_BASE, specific_personal_info=True, confidentiality="3B"),
            ("特定個人情報（マイナンバー）に関わる業務", "自治体機密性3Bの情報を取り扱う"),
        ),
        # … or by connecting to the マイナンバー利用事務系 alone, without personal information of its own
        (
            facts(segments=frozenset({"mynumber"}), confidentiality="3A"),
            ("特定個人情報（マイナンバー）に関わる業務", "自治体機密性3Aの情報を取り扱う"),
        ),
        # the most sensitive level, alone (no personal information)
        (facts(scheme="R6", confidentiality="3A"), "自治体機密性3Aの情報を取り扱う"),
        (facts(scheme="R6", confidentiality="3B"), "自治体機密性3Bの情報を取り扱う"),
        (facts(scheme="R6", confidentiality="3C"), "自治体機密性3Cの情報を取り扱う"),
        (facts(scheme="R5", confidentiality="3"), "機密性3の情報を取り扱う"),
        # personal information leaving the municipality's control, one way at a time
        (facts(PI_BASE, off_premises=True), "個人情報を取り扱い、庁外への持ち出しがある"),
        (facts(PI_BASE, remote_access=True), "個人情報を取り扱い、リモートアクセスがある"),
        (facts(PI_BASE, subcontracting=True, subcontractors=("A社",)), "個人情報を取り扱い、再委託がある"),
    ],
)
def test_each_high_trigger_alone_gives_tier_three(f: EngagementFacts, reason: str | tuple[str, ...]) -> None:
    assert f.problems() == {}
    result = criticality(f)
    assert result.tier == 3
    assert result.label == "高"
    assert result.reasons == (reason if isinstance(reason, tuple) else (reason,))


def test_all_exposures_are_named_in_one_reason_in_a_fixed_order() -> None:
    f = facts(PI_BASE, subcontracting=True, subcontractors=("A社",), remote_access=True, off_premises=True)
    assert criticality(f).reasons == ("個人情報を取り扱い、庁外への持ち出し・リモートアクセス・再委託がある",)


def test_several_high_triggers_are_all_named() -> None:
    f = facts(
        PI_BASE,
        confidentiality="3A",
        specific_personal_info=True,
        off_premises=True,
    )
    assert criticality(f) == TierResult(
        3,
        (
            "特定個人情報（マイナンバー）に関わる業務",
            "自治体機密性3Aの情報を取り扱う",
            "個人情報を取り扱い、庁外への持ち出しがある",
        ),
    )


def test_high_reasons_leave_out_the_medium_ones() -> None:
    f = facts(PI_BASE, remote_access=True, integrity=2, work_kinds=frozenset({"system_operation"}))
    assert criticality(f).reasons == ("個人情報を取り扱い、リモートアクセスがある",)


@pytest.mark.parametrize(
    "changes",
    [
        {"off_premises": True},
        {"remote_access": True},
        {"subcontracting": True, "subcontractors": ("A社",)},
        {"off_premises": True, "remote_access": True, "subcontracting": True, "subcontractors": ("A社",)},
    ],
)
def test_exposure_without_personal_information_is_not_high(changes: dict[str, Any]) -> None:
    assert criticality(facts(**changes)).tier == 1
    assert criticality(facts(confidentiality="2", **changes)).tier == 2


# --- 中 ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("f", "reason"),
    [
        (facts(confidentiality="2"), "機密性2の情報を取り扱う"),
        (facts(scheme="R5", confidentiality="2"), "機密性2の情報を取り扱う"),
        (facts(integrity=2), "完全性2の情報を取り扱う"),
        (facts(availability=2), "可用性2の情報を取り扱う"),
        (facts(work_kinds=frozenset({"system_development"})), "情報システムの開発・運用・保守"),
        (facts(work_kinds=frozenset({"system_operation"})), "情報システムの開発・運用・保守"),
        (facts(work_kinds=frozenset({"cloud_service"})), "クラウドサービスの利用"),
        (facts(work_locations=frozenset({"contractor_cloud"})), "クラウドサービスの利用"),
    ],
)
def test_each_medium_trigger_alone_gives_tier_two(f: EngagementFacts, reason: str) -> None:
    assert f.problems() == {}
    result = criticality(f)
    assert result.tier == 2
    assert result.label == "中"
    assert result.reasons == (reason,)


def test_personal_information_on_premises_is_medium_and_named() -> None:
    # PI cannot be consistent without 機密性2 or above, so it comes with the C2+ reason.
    assert criticality(PI_BASE) == TierResult(2, ("機密性2の情報を取り扱う", "個人情報を取り扱う"))


def test_personal_information_alone_is_medium_even_when_the_level_is_wrongly_one() -> None:
    # inconsistent facts (problems() rejects them) still get a sensible tier
    assert criticality(facts(personal_info=True)) == TierResult(2, ("個人情報を取り扱う",))


def test_all_medium_reasons_are_listed_in_rule_order() -> None:
    f = facts(
        PI_BASE,
        integrity=2,
        availability=2,
        work_kinds=frozenset({"system_development", "cloud_service"}),
    )
    assert criticality(f).reasons == (
        "機密性2の情報を取り扱う",
        "個人情報を取り扱う",
        "完全性2の情報を取り扱う",
        "可用性2の情報を取り扱う",
        "情報システムの開発・運用・保守",
        "クラウドサービスの利用",
    )


# --- 低 ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "f",
    [
        BASE,
        facts(work_kinds=frozenset({"other"})),
        facts(work_kinds=frozenset({"social_media"})),  # SNS alone does not raise the tier
        facts(work_kinds=frozenset({"clerical", "social_media", "other"})),
        facts(segments=frozenset({"lgwan", "internet"})),
        facts(work_locations=frozenset({"contractor_site", "remote"})),
        facts(scheme="R5"),
        facts(subcontracting=True, subcontractors=("A社",)),
        facts(off_premises=True, remote_access=True),
    ],
)
def test_public_work_without_systems_is_low(f: EngagementFacts) -> None:
    assert f.problems() == {}
    assert criticality(f) == TierResult(1, (LOW_REASON,))
    assert criticality(f).label == "低"


def test_tier_labels() -> None:
    assert TIER_LABELS == {3: "高", 2: "中", 1: "低"}


# --- the demo combinations -----------------------------------------------------------------------------------------


def test_demo_mynumber_with_subcontracting_at_the_contractor_is_high() -> None:
    f = EngagementFacts(
        scheme="R6",
        confidentiality="3B",
        personal_info=True,
        specific_personal_info=True,
        segments=frozenset({"mynumber"}),
        work_kinds=frozenset({"clerical"}),
        work_locations=frozenset({"contractor_site"}),
        off_premises=True,
        subcontracting=True,
        subcontractors=("データ入力株式会社",),
    )
    assert f.problems() == {}
    result = criticality(f)
    assert (result.tier, result.label) == (3, "高")
    assert "特定個人情報（マイナンバー）に関わる業務" in result.reasons
    assert any("再委託" in r for r in result.reasons)


def test_demo_personal_data_at_the_office_only_is_medium() -> None:
    f = EngagementFacts(
        scheme="R6",
        confidentiality="2",
        personal_info=True,
        work_kinds=frozenset({"clerical"}),
        work_locations=frozenset({"onsite"}),
        remote_access=False,
        off_premises=False,
        subcontracting=False,
    )
    assert f.problems() == {}
    result = criticality(f)
    assert (result.tier, result.label) == (2, "中")
    assert "個人情報を取り扱う" in result.reasons


def test_demo_cloud_saas_with_public_data_only_is_medium() -> None:
    f = EngagementFacts(
        scheme="R6",
        confidentiality="1",
        work_kinds=frozenset({"cloud_service"}),
        work_locations=frozenset({"remote"}),
    )
    assert f.problems() == {}
    assert criticality(f) == TierResult(2, ("クラウドサービスの利用",))


def test_demo_pure_public_clerical_work_is_low() -> None:
    f = EngagementFacts(
        scheme="R6",
        confidentiality="1",
        work_kinds=frozenset({"clerical"}),
        work_locations=frozenset({"onsite"}),
    )
    assert f.problems() == {}
    assert criticality(f) == TierResult(1, (LOW_REASON,))


# --- properties ----------------------------------------------------------------------------------------------------


def _higher_levels(f: EngagementFacts) -> list[str]:
    levels = CONFIDENTIALITY_LEVELS.get(f.scheme, ())
    if f.confidentiality not in levels:
        return []
    return list(levels[: levels.index(f.confidentiality)])  # levels are listed most sensitive first


@st.composite
def raised(draw: st.DrawFn, base: st.SearchStrategy[EngagementFacts]) -> tuple[EngagementFacts, EngagementFacts]:
    """Facts and the same facts with one more fact that can only add risk."""
    f = draw(base)
    options: list[dict[str, Any]] = [
        {"personal_info": True},
        {"specific_personal_info": True},
        {"segments": f.segments | {draw(st.sampled_from(["mynumber", "lgwan", "internet"]))}},
        {"work_kinds": f.work_kinds | {draw(st.sampled_from(["system_development", "cloud_service", "other"]))}},
        {"work_locations": f.work_locations | {draw(st.sampled_from(["onsite", "contractor_site", "remote"]))}},
        {"remote_access": True},
        {"off_premises": True},
        {"subcontracting": True, "subcontractors": f.subcontractors or ("A社",)},
        {"integrity": 2},
        {"availability": 2},
    ]
    if higher := _higher_levels(f):
        options.append({"confidentiality": draw(st.sampled_from(higher))})
    return f, dataclasses.replace(f, **draw(st.sampled_from(options)))


@given(raised(consistent_facts()))
def test_adding_a_risk_never_lowers_the_tier(pair: tuple[EngagementFacts, EngagementFacts]) -> None:
    before, after = pair
    assert criticality(after).tier >= criticality(before).tier


@given(raised(arbitrary_facts))
def test_adding_a_risk_never_lowers_the_tier_even_for_inconsistent_facts(
    pair: tuple[EngagementFacts, EngagementFacts],
) -> None:
    before, after = pair
    assert criticality(after).tier >= criticality(before).tier


@given(consistent_facts())
def test_specific_personal_information_makes_any_engagement_high(f: EngagementFacts) -> None:
    level = f.confidentiality if f.confidentiality in ("3A", "3B", "3") else ("3B" if f.scheme == "R6" else "3")
    g = dataclasses.replace(f, specific_personal_info=True, personal_info=True, confidentiality=level)
    assert g.problems() == {}
    result = criticality(g)
    assert result.tier == 3
    assert "特定個人情報（マイナンバー）に関わる業務" in result.reasons


@given(consistent_facts())
def test_turning_personal_information_on_never_lowers_the_tier(f: EngagementFacts) -> None:
    level = f.confidentiality if f.confidentiality != "1" else "2"
    g = dataclasses.replace(f, personal_info=True, confidentiality=level)
    assert g.problems() == {}
    assert criticality(g).tier >= max(criticality(f).tier, 2)


@given(arbitrary_facts)
def test_tier_is_the_documented_rule(f: EngagementFacts) -> None:
    """An independent restatement of the module docstring."""
    pi = f.personal_info or f.specific_personal_info
    mn = f.specific_personal_info or "mynumber" in f.segments
    top = f.confidentiality in {"3A", "3B", "3C", "3"}
    exposed = pi and (f.off_premises or f.remote_access or f.subcontracting)
    system = bool(set(f.work_kinds) & {"system_development", "system_operation"})
    cloud = "cloud_service" in f.work_kinds or "contractor_cloud" in f.work_locations
    c2 = f.confidentiality in {"3A", "3B", "3C", "3", "2"}
    if mn or top or exposed:
        expected = 3
    elif c2 or pi or f.integrity == 2 or f.availability == 2 or system or cloud:
        expected = 2
    else:
        expected = 1
    result = criticality(f)
    assert result.tier == expected
    assert result.reasons
    assert all(isinstance(r, str) and r for r in result.reasons)
    assert len(set(result.reasons)) == len(result.reasons)
