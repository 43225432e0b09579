"""Unit tests for engagement facts: condition flags, their reasons, and the consistency rules."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from governance.engagements.facts import (
    CONFIDENTIALITY_LABELS,
    CONFIDENTIALITY_LEVELS,
    FLAG_LABELS,
    SEGMENT_LABELS,
    WORK_KIND_LABELS,
    WORK_LOCATION_LABELS,
    EngagementFacts,
    Flag,
    Scheme,
    Segment,
    WorkKind,
    WorkLocation,
)

SEGMENTS = [s.value for s in Segment]
WORK_KINDS = [k.value for k in WorkKind]
WORK_LOCATIONS = [w.value for w in WorkLocation]
ALL_LEVELS = ["3A", "3B", "3C", "3", "2", "1"]

# --- strategies (also used by test_tier and test_selection_criteria) ----------------------------------------------

subcontractor_names = st.lists(
    st.sampled_from(["A社", "B社", "株式会社C", "D組合"]), min_size=1, max_size=3, unique=True
)


@st.composite
def consistent_facts(draw: st.DrawFn) -> EngagementFacts:
    """Facts that pass ``problems()``: the shapes the application stores."""
    scheme = draw(st.sampled_from([Scheme.R6.value, Scheme.R5.value]))
    specific = draw(st.booleans())
    personal = specific or draw(st.booleans())
    levels = CONFIDENTIALITY_LEVELS[scheme]
    segments = draw(st.frozensets(st.sampled_from(SEGMENTS)))
    if specific or "mynumber" in segments:  # マイナンバー is 3B or above (R6), 3 (R5)
        levels = levels[: levels.index("3B" if scheme == Scheme.R6.value else "3") + 1]
    confidentiality = draw(st.sampled_from([x for x in levels if x != "1"] if personal else list(levels)))
    subcontracting = draw(st.booleans())
    return EngagementFacts(
        scheme=scheme,
        confidentiality=confidentiality,
        integrity=draw(st.sampled_from([1, 2])),
        availability=draw(st.sampled_from([1, 2])),
        personal_info=personal,
        specific_personal_info=specific,
        segments=segments,
        work_kinds=draw(st.frozensets(st.sampled_from(WORK_KINDS), min_size=1)),
        work_locations=draw(st.frozensets(st.sampled_from(WORK_LOCATIONS), min_size=1)),
        remote_access=draw(st.booleans()),
        off_premises=draw(st.booleans()),
        subcontracting=subcontracting,
        subcontractors=tuple(draw(subcontractor_names)) if subcontracting else (),
    )


# Anything the dataclass can hold, including contradictions and values outside the choices.
arbitrary_facts = st.builds(
    EngagementFacts,
    scheme=st.sampled_from(["R6", "R5", "R4", ""]),
    confidentiality=st.sampled_from([*ALL_LEVELS, "4", ""]),
    integrity=st.integers(min_value=0, max_value=3),
    availability=st.integers(min_value=0, max_value=3),
    personal_info=st.booleans(),
    specific_personal_info=st.booleans(),
    segments=st.frozensets(st.sampled_from([*SEGMENTS, "dmz"])),
    work_kinds=st.frozensets(st.sampled_from([*WORK_KINDS, "gardening"])),
    work_locations=st.frozensets(st.sampled_from([*WORK_LOCATIONS, "moon"])),
    remote_access=st.booleans(),
    off_premises=st.booleans(),
    subcontracting=st.booleans(),
    subcontractors=st.lists(st.sampled_from(["A社", "B社"]), max_size=2).map(tuple),
)

# A consistent baseline: public clerical work at the office, nothing else.
BASE = EngagementFacts(work_kinds=frozenset({"clerical"}), work_locations=frozenset({"onsite"}))


def facts(**changes: Any) -> EngagementFacts:
    return dataclasses.replace(BASE, **changes)


# --- flags ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, {"ALL"}),
        # PI: personal_info, or specific_personal_info on its own
        ({"personal_info": True, "confidentiality": "2"}, {"ALL", "PI", "C2+"}),
        ({"personal_info": True}, {"ALL", "PI"}),
        ({"specific_personal_info": True}, {"ALL", "PI", "MN"}),
        ({"personal_info": True, "specific_personal_info": True}, {"ALL", "PI", "MN"}),
        # MN: specific_personal_info, or the マイナンバー利用事務系 segment
        ({"segments": frozenset({"mynumber"})}, {"ALL", "MN", "PI"}),
        ({"segments": frozenset({"lgwan"})}, {"ALL"}),
        ({"segments": frozenset({"internet"})}, {"ALL"}),
        ({"segments": frozenset({"lgwan", "internet"})}, {"ALL"}),
        # C2+: every level but 1, in both schemes
        ({"scheme": "R6", "confidentiality": "3A"}, {"ALL", "C2+"}),
        ({"scheme": "R6", "confidentiality": "3B"}, {"ALL", "C2+"}),
        ({"scheme": "R6", "confidentiality": "3C"}, {"ALL", "C2+"}),
        ({"scheme": "R6", "confidentiality": "2"}, {"ALL", "C2+"}),
        ({"scheme": "R6", "confidentiality": "1"}, {"ALL"}),
        ({"scheme": "R5", "confidentiality": "3"}, {"ALL", "C2+"}),
        ({"scheme": "R5", "confidentiality": "2"}, {"ALL", "C2+"}),
        ({"scheme": "R5", "confidentiality": "1"}, {"ALL"}),
        ({"confidentiality": "9"}, {"ALL"}),  # an unknown level is not C2+
        # SYS: each of the three system work kinds
        ({"work_kinds": frozenset({"system_operation"})}, {"ALL", "SYS"}),
        ({"work_kinds": frozenset({"system_development"})}, {"ALL", "SYS", "DEV"}),
        ({"work_kinds": frozenset({"system_development", "system_operation"})}, {"ALL", "SYS", "DEV"}),
        # CLOUD also when the work is done in the contractor's cloud; SAAS when that is the only place
        ({"work_locations": frozenset({"contractor_cloud"})}, {"ALL", "CLOUD", "SAAS"}),
        ({"work_locations": frozenset({"contractor_cloud", "remote"})}, {"ALL", "CLOUD"}),
        (
            {"work_kinds": frozenset({"cloud_service"}), "work_locations": frozenset({"contractor_cloud"})},
            {"ALL", "CLOUD", "SAAS"},
        ),
        # CLOUD, SNS
        ({"work_kinds": frozenset({"cloud_service"})}, {"ALL", "CLOUD"}),
        ({"work_kinds": frozenset({"social_media"})}, {"ALL", "SNS"}),
        ({"work_kinds": frozenset({"clerical", "other"})}, {"ALL"}),
        ({"work_kinds": frozenset()}, {"ALL"}),
        (
            {"work_kinds": frozenset({"cloud_service", "system_operation", "social_media"})},
            {"ALL", "CLOUD", "SYS", "SNS"},
        ),
        # SUB: the subcontracting answer, not the list of names
        ({"subcontracting": True, "subcontractors": ("A社",)}, {"ALL", "SUB"}),
        ({"subcontracting": True}, {"ALL", "SUB"}),
        ({"subcontractors": ("A社",)}, {"ALL"}),
        # facts that raise no flag on their own
        ({"remote_access": True}, {"ALL"}),
        ({"off_premises": True}, {"ALL"}),
        ({"integrity": 2, "availability": 2}, {"ALL"}),
        ({"work_locations": frozenset({"remote", "contractor_site"})}, {"ALL"}),
    ],
)
def test_flags_follow_the_facts(changes: dict[str, Any], expected: set[str]) -> None:
    assert facts(**changes).flags == frozenset(expected)


def test_every_flag_can_hold_at_once() -> None:
    everything = facts(
        confidentiality="3A",
        personal_info=True,
        specific_personal_info=True,
        segments=frozenset(SEGMENTS),
        work_kinds=frozenset(WORK_KINDS),
        work_locations=frozenset({"contractor_cloud"}),
        subcontracting=True,
        subcontractors=("A社",),
    )
    assert everything.flags == frozenset(f.value for f in Flag)
    assert set(FLAG_LABELS) == set(everything.flags)


@given(arbitrary_facts)
def test_flags_are_plain_strings_and_always_include_all(f: EngagementFacts) -> None:
    assert "ALL" in f.flags
    assert all(type(flag) is str for flag in f.flags)
    assert f.flags <= {flag.value for flag in Flag}


@given(arbitrary_facts)
def test_flags_match_their_definitions(f: EngagementFacts) -> None:
    kinds = set(f.work_kinds)
    assert ("PI" in f.flags) == (f.personal_info or f.specific_personal_info or "mynumber" in f.segments)
    assert ("MN" in f.flags) == (f.specific_personal_info or "mynumber" in f.segments)
    assert ("C2+" in f.flags) == (f.confidentiality in {"3A", "3B", "3C", "3", "2"})
    assert ("SYS" in f.flags) == bool(kinds & {"system_development", "system_operation"})
    assert ("CLOUD" in f.flags) == ("cloud_service" in kinds or "contractor_cloud" in f.work_locations)
    assert ("SUB" in f.flags) == f.subcontracting
    assert ("SNS" in f.flags) == ("social_media" in kinds)
    assert ("DEV" in f.flags) == ("system_development" in kinds)
    premises = {"onsite", "contractor_site", "remote"}
    assert ("SAAS" in f.flags) == ("CLOUD" in f.flags and bool(f.work_locations) and not f.work_locations & premises)


@given(consistent_facts())
def test_specific_personal_information_always_brings_personal_information(f: EngagementFacts) -> None:
    if f.specific_personal_info:
        assert {"PI", "MN"} <= f.flags


def test_mynumber_segment_implies_personal_information() -> None:
    f = facts(segments=frozenset({"mynumber"}), confidentiality="2")
    assert "MN" in f.flags
    assert "PI" in f.flags or "personal_info" in f.problems()


@pytest.mark.parametrize(
    ("level", "flag"),
    [("3A", True), ("3B", True), ("3C", True), ("3", True), ("2", True), ("1", False)],
)
def test_is_c2_plus(level: str, flag: bool) -> None:
    assert facts(confidentiality=level).is_c2_plus is flag


@pytest.mark.parametrize(
    ("level", "top"),
    [("3A", True), ("3B", True), ("3C", True), ("3", True), ("2", False), ("1", False)],
)
def test_is_top_confidentiality(level: str, top: bool) -> None:
    assert facts(confidentiality=level).is_top_confidentiality is top


# --- flag_reasons --------------------------------------------------------------------------------------------------


@given(arbitrary_facts)
def test_flag_reasons_give_exactly_one_reason_per_flag(f: EngagementFacts) -> None:
    reasons = f.flag_reasons()
    assert set(reasons) == set(f.flags)
    assert all(isinstance(r, str) and r for r in reasons.values())


@given(consistent_facts())
def test_flag_reasons_hold_for_consistent_facts(f: EngagementFacts) -> None:
    assert set(f.flag_reasons()) == set(f.flags)


@pytest.mark.parametrize(
    ("changes", "flag", "reason"),
    [
        ({}, "ALL", "すべての委託に共通"),
        ({"personal_info": True, "confidentiality": "2"}, "PI", "個人情報を取り扱う"),
        ({"specific_personal_info": True}, "PI", "個人情報を取り扱う"),
        ({"personal_info": True, "specific_personal_info": True}, "MN", "特定個人情報（マイナンバー）を取り扱う"),
        ({"segments": frozenset({"mynumber"})}, "MN", "マイナンバー利用事務系に接続する"),
        # handling 特定個人情報 is the stronger reason and wins over the segment
        (
            {"specific_personal_info": True, "personal_info": True, "segments": frozenset({"mynumber"})},
            "MN",
            "特定個人情報（マイナンバー）を取り扱う",
        ),
        ({"confidentiality": "3A"}, "C2+", "自治体機密性3Aの情報を取り扱う"),
        ({"confidentiality": "3B"}, "C2+", "自治体機密性3Bの情報を取り扱う"),
        ({"confidentiality": "3C"}, "C2+", "自治体機密性3Cの情報を取り扱う"),
        ({"confidentiality": "2"}, "C2+", "機密性2の情報を取り扱う"),
        ({"scheme": "R5", "confidentiality": "3"}, "C2+", "機密性3の情報を取り扱う"),
        ({"work_kinds": frozenset({"system_operation"})}, "SYS", "業務の種類：システム運用・保守"),
        (
            # sorted by value: development < operation; non-system kinds are left out
            {"work_kinds": frozenset({"system_operation", "clerical", "system_development"})},
            "SYS",
            "業務の種類：システム開発・構築・システム運用・保守",
        ),
        ({"work_kinds": frozenset({"cloud_service"})}, "CLOUD", "業務の種類：クラウドサービス（SaaS等）の提供"),
        ({"work_locations": frozenset({"contractor_cloud"})}, "CLOUD", "作業場所：乙のクラウド環境"),
        ({"work_kinds": frozenset({"social_media"})}, "SNS", "業務の種類：SNS・ウェブサイトの運用"),
        ({"work_kinds": frozenset({"system_development"})}, "DEV", "業務の種類：システム開発・構築"),
        ({"subcontracting": True, "subcontractors": ("A社",)}, "SUB", "再委託を予定（A社）"),
        ({"subcontracting": True, "subcontractors": ("A社", "B社")}, "SUB", "再委託を予定（A社、B社）"),
    ],
)
def test_flag_reasons_name_the_fact(changes: dict[str, Any], flag: str, reason: str) -> None:
    assert facts(**changes).flag_reasons()[flag] == reason


# --- problems ------------------------------------------------------------------------------------------------------

R6_CHOICES = "機密性は 自治体機密性3A・自治体機密性3B・自治体機密性3C・機密性2・機密性1 のいずれかを選んでください。"
R5_CHOICES = "機密性は 機密性3・機密性2・機密性1 のいずれかを選んでください。"
PI_NEEDS_C2 = "個人情報は公開を前提としない情報です。機密性は2以上を選んでください。"
UNKNOWN = "選択肢にない値が含まれています。"
MN_R6 = (
    "特定個人情報（マイナンバー）やマイナンバー利用事務系の情報は、自治体機密性3B以上に分類される情報です。"
    "機密性は自治体機密性3B以上を選んでください。"
)
MN_R5 = (
    "特定個人情報（マイナンバー）やマイナンバー利用事務系の情報は、機密性3以上に分類される情報です。"
    "機密性は機密性3以上を選んでください。"
)
CONTRACT_TYPE = "契約の性質は「請負」又は「準委任」を選んでください（空欄の場合は業務の種類から判定します）。"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"scheme": "R4"}, {"scheme": "分類の基準はR6またはR5を選んでください。"}),
        # with an unknown scheme there is no list to check the level against
        ({"scheme": "", "confidentiality": "3A"}, {"scheme": "分類の基準はR6またはR5を選んでください。"}),
        ({"scheme": "R5", "confidentiality": "3A"}, {"confidentiality": R5_CHOICES}),
        ({"scheme": "R5", "confidentiality": "3B"}, {"confidentiality": R5_CHOICES}),
        ({"scheme": "R5", "confidentiality": "3C"}, {"confidentiality": R5_CHOICES}),
        ({"scheme": "R6", "confidentiality": "3"}, {"confidentiality": R6_CHOICES}),
        ({"scheme": "R6", "confidentiality": ""}, {"confidentiality": R6_CHOICES}),
        ({"integrity": 0}, {"integrity": "完全性は1または2を選んでください。"}),
        ({"integrity": 3}, {"integrity": "完全性は1または2を選んでください。"}),
        ({"availability": 0}, {"availability": "可用性は1または2を選んでください。"}),
        ({"availability": 3}, {"availability": "可用性は1または2を選んでください。"}),
        (
            {"specific_personal_info": True, "confidentiality": "3B"},
            {"personal_info": "特定個人情報を取り扱う場合は、個人情報も「取り扱う」としてください。"},
        ),
        # マイナンバー is classified 自治体機密性3B or above (R6), 機密性3 (R5)
        ({"specific_personal_info": True, "personal_info": True, "confidentiality": "3C"}, {"confidentiality": MN_R6}),
        ({"specific_personal_info": True, "personal_info": True, "confidentiality": "2"}, {"confidentiality": MN_R6}),
        ({"segments": frozenset({"mynumber"}), "confidentiality": "2"}, {"confidentiality": MN_R6}),
        (
            {"specific_personal_info": True, "personal_info": True, "scheme": "R5", "confidentiality": "2"},
            {"confidentiality": MN_R5},
        ),
        ({"contract_type_choice": "lease"}, {"contract_type": CONTRACT_TYPE}),
        ({"personal_info": True, "confidentiality": "1"}, {"confidentiality": PI_NEEDS_C2}),
        ({"personal_info": True, "scheme": "R5", "confidentiality": "1"}, {"confidentiality": PI_NEEDS_C2}),
        ({"segments": frozenset({"mynumber", "dmz"}), "confidentiality": "3A"}, {"segments": UNKNOWN}),
        ({"work_kinds": frozenset({"clerical", "gardening"})}, {"work_kinds": UNKNOWN}),
        ({"work_locations": frozenset({"moon"})}, {"work_locations": UNKNOWN}),
        ({"work_kinds": frozenset()}, {"work_kinds": "業務の種類を1つ以上選んでください。"}),
        ({"work_locations": frozenset()}, {"work_locations": "作業場所を1つ以上選んでください。"}),
        (
            {"subcontracting": True},
            {"subcontractors": "再委託を予定している場合は、再委託先（予定）を入力してください。"},
        ),
        ({"subcontractors": ("A社",)}, {"subcontractors": "再委託を予定しない場合、再委託先は入力できません。"}),
    ],
)
def test_problems_report_each_rule(changes: dict[str, Any], expected: dict[str, str]) -> None:
    assert facts(**changes).problems() == expected


def test_problems_report_several_fields_at_once() -> None:
    f = EngagementFacts(
        scheme="R5",
        confidentiality="3A",
        integrity=5,
        availability=-1,
        specific_personal_info=True,
        segments=frozenset({"dmz"}),
        subcontractors=("A社",),
    )
    assert set(f.problems()) == {
        "confidentiality",
        "integrity",
        "availability",
        "personal_info",
        "segments",
        "work_kinds",
        "work_locations",
        "subcontractors",
    }


def test_personal_information_at_level_one_is_reported_even_with_a_wrong_scheme_level() -> None:
    # personal information at 機密性1 is the more useful message: it replaces the generic level message
    f = facts(scheme="R5", confidentiality="1", personal_info=True)
    assert f.problems() == {"confidentiality": PI_NEEDS_C2}


def test_a_fully_consistent_engagement_has_no_problems() -> None:
    f = EngagementFacts(
        scheme="R6",
        confidentiality="3A",
        integrity=2,
        availability=2,
        personal_info=True,
        specific_personal_info=True,
        segments=frozenset(SEGMENTS),
        work_kinds=frozenset(WORK_KINDS),
        work_locations=frozenset(WORK_LOCATIONS),
        remote_access=True,
        off_premises=True,
        subcontracting=True,
        subcontractors=("A社", "B社"),
    )
    assert f.problems() == {}


@pytest.mark.parametrize(("scheme", "level"), [(s, x) for s, levels in CONFIDENTIALITY_LEVELS.items() for x in levels])
def test_every_level_of_a_scheme_is_accepted(scheme: str, level: str) -> None:
    assert facts(scheme=scheme, confidentiality=level).problems() == {}


def test_the_defaults_only_lack_work_kinds_and_locations() -> None:
    assert EngagementFacts().problems() == {
        "work_kinds": "業務の種類を1つ以上選んでください。",
        "work_locations": "作業場所を1つ以上選んでください。",
    }


@given(consistent_facts())
def test_consistent_facts_have_no_problems(f: EngagementFacts) -> None:
    assert f.problems() == {}


@given(arbitrary_facts)
def test_problems_name_known_fields_in_japanese(f: EngagementFacts) -> None:
    field_names = {x.name for x in dataclasses.fields(EngagementFacts)}
    for name, message in f.problems().items():
        assert name in field_names
        assert message.endswith("。")


def test_labels_cover_every_choice() -> None:
    assert set(SEGMENT_LABELS) == set(SEGMENTS)
    assert set(WORK_KIND_LABELS) == set(WORK_KINDS)
    assert set(WORK_LOCATION_LABELS) == set(WORK_LOCATIONS)
    assert set(CONFIDENTIALITY_LABELS) == set(ALL_LEVELS)
    assert set(FLAG_LABELS) == {f.value for f in Flag}
