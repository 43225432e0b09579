"""Unit tests for contractor selection criteria (OUT-SEL-01…13), certificate status and answer pre-fill."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from governance.contractors.certificates import CERT_STATUS_LABELS, CertificateFact, certification_status
from governance.engagements.criteria import (
    ANSWER_LABELS,
    CATALOG,
    CATALOG_BY_ID,
    Answer,
    Criterion,
    criteria_for,
    prefill,
)
from governance.engagements.facts import EngagementFacts, Flag
from tests.unit.test_engagement_facts import arbitrary_facts, consistent_facts

D = dt.date.fromisoformat

ALWAYS = ["OUT-SEL-01", "OUT-SEL-02", "OUT-SEL-03", "OUT-SEL-11", "OUT-SEL-12"]
PERSONAL = ["OUT-SEL-04", "OUT-SEL-05", "OUT-SEL-06", "OUT-SEL-07", "OUT-SEL-08", "OUT-SEL-09"]

BASE = EngagementFacts(work_kinds=frozenset({"clerical"}), work_locations=frozenset({"onsite"}))


def facts(**changes: Any) -> EngagementFacts:
    return dataclasses.replace(BASE, **changes)


def ids(f: EngagementFacts) -> list[str]:
    return [a.criterion.id for a in criteria_for(f)]


def in_catalog_order(selected: list[str]) -> list[str]:
    return sorted(selected, key=lambda x: int(x.rsplit("-", 1)[1]))


# --- the catalog ---------------------------------------------------------------------------------------------------


def test_catalog_holds_out_sel_01_to_13_once_each_in_order() -> None:
    assert [c.id for c in CATALOG] == [f"OUT-SEL-{n:02d}" for n in range(1, 14)]
    assert list(CATALOG_BY_ID) == [c.id for c in CATALOG]
    assert all(CATALOG_BY_ID[c.id] is c for c in CATALOG)


def test_every_criterion_has_a_label_a_description_and_known_flags() -> None:
    known = {f.value for f in Flag}
    for c in CATALOG:
        assert c.label
        assert c.description
        assert c.flags
        assert c.flags <= known, c.id


@pytest.mark.parametrize(
    ("criterion_id", "flags", "certs"),
    [
        ("OUT-SEL-01", {"ALL"}, ()),
        ("OUT-SEL-02", {"ALL"}, ("isms",)),
        ("OUT-SEL-03", {"ALL"}, ()),
        ("OUT-SEL-04", {"PI"}, ("privacy_mark", "iso27701")),
        ("OUT-SEL-05", {"PI"}, ()),
        ("OUT-SEL-06", {"PI"}, ()),
        ("OUT-SEL-07", {"PI"}, ()),
        ("OUT-SEL-08", {"PI"}, ()),
        ("OUT-SEL-09", {"PI"}, ()),
        ("OUT-SEL-10", {"CLOUD"}, ("ismap", "ismap_liu")),
        ("OUT-SEL-11", {"ALL"}, ()),
        ("OUT-SEL-12", {"ALL"}, ()),
        ("OUT-SEL-13", {"MN"}, ()),
    ],
)
def test_catalog_conditions_and_certificates(criterion_id: str, flags: set[str], certs: tuple[str, ...]) -> None:
    c = CATALOG_BY_ID[criterion_id]
    assert c.flags == frozenset(flags)
    assert c.certification_kinds == certs


# --- criteria_for --------------------------------------------------------------------------------------------------


def test_every_engagement_gets_the_common_criteria() -> None:
    assert ids(BASE) == ALWAYS


@given(arbitrary_facts)
def test_common_criteria_apply_to_any_facts(f: EngagementFacts) -> None:
    assert set(ALWAYS) <= set(ids(f))


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, ALWAYS),
        ({"personal_info": True, "confidentiality": "2"}, ALWAYS + PERSONAL),
        ({"work_kinds": frozenset({"cloud_service"})}, [*ALWAYS, "OUT-SEL-10"]),
        (
            {"personal_info": True, "specific_personal_info": True, "confidentiality": "2"},
            ALWAYS + PERSONAL + ["OUT-SEL-13"],
        ),
        (
            {
                "personal_info": True,
                "specific_personal_info": True,
                "confidentiality": "3A",
                "work_kinds": frozenset({"cloud_service"}),
            },
            [*ALWAYS, *PERSONAL, "OUT-SEL-10", "OUT-SEL-13"],
        ),
        # flags without a criterion of their own add nothing
        ({"confidentiality": "3A"}, ALWAYS),
        ({"work_kinds": frozenset({"system_operation", "social_media"})}, ALWAYS),
        ({"subcontracting": True, "subcontractors": ("A社",)}, ALWAYS),
    ],
)
def test_criteria_follow_the_flags_in_catalog_order(changes: dict[str, Any], expected: list[str]) -> None:
    assert ids(facts(**changes)) == in_catalog_order(expected)


def test_mynumber_segment_alone_brings_the_number_act_criterion() -> None:
    assert "OUT-SEL-13" in ids(facts(segments=frozenset({"mynumber"}), confidentiality="2"))


def test_mynumber_segment_alone_also_brings_the_personal_information_criteria() -> None:
    assert set(PERSONAL) <= set(ids(facts(segments=frozenset({"mynumber"}), confidentiality="2")))


@given(arbitrary_facts)
def test_a_criterion_applies_exactly_when_one_of_its_flags_holds(f: EngagementFacts) -> None:
    selected = ids(f)
    for c in CATALOG:
        assert (c.id in selected) == bool(c.flags & f.flags), c.id


@given(consistent_facts())
def test_criteria_come_in_catalog_order_without_duplicates(f: EngagementFacts) -> None:
    selected = ids(f)
    assert selected == in_catalog_order(selected)
    assert len(set(selected)) == len(selected)


@given(consistent_facts())
def test_specific_personal_information_brings_the_personal_and_number_act_criteria(f: EngagementFacts) -> None:
    if f.specific_personal_info:
        assert set(PERSONAL) | {"OUT-SEL-13"} <= set(ids(f))


@given(arbitrary_facts)
def test_every_applied_criterion_has_reasons_taken_from_the_facts(f: EngagementFacts) -> None:
    reasons = f.flag_reasons()
    for applied in criteria_for(f):
        assert applied.reasons
        assert all(r for r in applied.reasons)
        expected = tuple(reasons[flag] for flag in sorted(applied.criterion.flags & f.flags))
        assert applied.reasons == expected


@pytest.mark.parametrize(
    ("changes", "criterion_id", "reasons"),
    [
        ({}, "OUT-SEL-01", ("すべての委託に共通",)),
        ({"personal_info": True, "confidentiality": "2"}, "OUT-SEL-04", ("個人情報を取り扱う",)),
        ({"work_kinds": frozenset({"cloud_service"})}, "OUT-SEL-10", ("業務の種類：クラウドサービス（SaaS等）の提供",)),
        (
            {"personal_info": True, "specific_personal_info": True, "confidentiality": "2"},
            "OUT-SEL-13",
            ("特定個人情報（マイナンバー）を取り扱う",),
        ),
        (
            {"segments": frozenset({"mynumber"}), "confidentiality": "2"},
            "OUT-SEL-13",
            ("マイナンバー利用事務系に接続する",),
        ),
    ],
)
def test_reasons_name_the_facts(changes: dict[str, Any], criterion_id: str, reasons: tuple[str, ...]) -> None:
    applied = {a.criterion.id: a for a in criteria_for(facts(**changes))}
    assert applied[criterion_id].reasons == reasons


def test_a_criterion_with_several_flags_lists_the_reasons_of_those_that_hold_sorted_by_flag() -> None:
    custom = Criterion("X-1", "テスト", "再委託又はSNS", frozenset({"SUB", "SNS", "CLOUD"}))
    f = facts(subcontracting=True, subcontractors=("A社",), work_kinds=frozenset({"social_media"}))
    (applied,) = criteria_for(f, catalog=[custom])
    # "SNS" < "SUB": CLOUD does not hold and is left out
    assert applied.reasons == ("業務の種類：SNS・ウェブサイトの運用", "再委託を予定（A社）")
    assert criteria_for(BASE, catalog=[custom]) == []


def test_reasons_of_a_criterion_holding_under_every_flag_are_sorted_by_flag_name() -> None:
    custom = Criterion("X-2", "テスト", "すべての条件", frozenset(f.value for f in Flag))
    f = facts(
        confidentiality="3A",
        personal_info=True,
        specific_personal_info=True,
        work_kinds=frozenset({"system_operation", "cloud_service", "social_media"}),
        subcontracting=True,
        subcontractors=("A社",),
    )
    (applied,) = criteria_for(f, catalog=[custom])
    reasons = f.flag_reasons()
    assert applied.reasons == tuple(reasons[x] for x in ["ALL", "C2+", "CLOUD", "MN", "PI", "SNS", "SUB", "SYS"])


def test_criteria_for_uses_the_given_catalog_in_its_order() -> None:
    first, second = CATALOG_BY_ID["OUT-SEL-12"], CATALOG_BY_ID["OUT-SEL-01"]
    assert [a.criterion for a in criteria_for(BASE, catalog=(first, second))] == [first, second]
    assert criteria_for(BASE, catalog=()) == []


# --- certification_status ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("valid_from", "valid_until", "on", "warn_days", "expected"),
    [
        # the last day of validity
        (None, "2026-06-30", "2026-06-30", 0, "expiring"),
        (None, "2026-06-30", "2026-06-30", 30, "expiring"),
        (None, "2026-06-30", "2026-06-30", -1, "valid"),  # a negative window never warns
        # the day after
        (None, "2026-06-30", "2026-07-01", 0, "expired"),
        (None, "2026-06-30", "2026-07-01", 30, "expired"),
        (None, "2026-06-30", "2027-07-01", 30, "expired"),
        # the edges of the warning window: 30 days left warns, 31 does not
        (None, "2026-06-30", "2026-05-31", 30, "expiring"),
        (None, "2026-06-30", "2026-05-30", 30, "valid"),
        (None, "2026-06-30", "2026-06-29", 1, "expiring"),
        (None, "2026-06-30", "2026-06-29", 0, "valid"),
        # before valid_from, even when it is also past valid_until (inconsistent dates)
        ("2026-04-01", "2027-03-31", "2026-03-31", 30, "not_yet"),
        ("2026-04-01", None, "2026-03-31", 0, "not_yet"),
        ("2026-04-01", "2026-03-01", "2026-03-31", 0, "not_yet"),
        # on valid_from
        ("2026-04-01", "2027-03-31", "2026-04-01", 30, "valid"),
        ("2026-04-01", "2026-04-10", "2026-04-01", 30, "expiring"),
        # without an end date
        (None, None, "2026-04-01", 30, "valid"),
        ("2026-04-01", None, "2099-12-31", 30, "valid"),
    ],
)
def test_certification_status(
    valid_from: str | None, valid_until: str | None, on: str, warn_days: int, expected: str
) -> None:
    status = certification_status(
        D(valid_from) if valid_from else None, D(valid_until) if valid_until else None, D(on), warn_days=warn_days
    )
    assert status == expected


dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 12, 31))


@given(st.none() | dates, st.none() | dates, dates, st.integers(min_value=-10, max_value=400))
def test_certification_status_matches_its_definition(
    valid_from: dt.date | None, valid_until: dt.date | None, on: dt.date, warn_days: int
) -> None:
    status = certification_status(valid_from, valid_until, on, warn_days=warn_days)
    assert status in CERT_STATUS_LABELS
    if valid_from is not None and on < valid_from:
        assert status == "not_yet"
    elif valid_until is None:
        assert status == "valid"
    elif on > valid_until:
        assert status == "expired"
    else:
        assert status == ("expiring" if (valid_until - on).days <= warn_days else "valid")


def test_status_and_answer_labels_are_japanese() -> None:
    assert CERT_STATUS_LABELS == {
        "valid": "有効",
        "expiring": "期限間近",
        "expired": "期限切れ",
        "not_yet": "有効期間前",
    }
    assert (Answer.conforms, Answer.fails, Answer.not_applicable) == ("conforms", "fails", "not_applicable")
    assert ANSWER_LABELS == {"conforms": "適合", "fails": "不適合", "not_applicable": "該当なし"}


# --- prefill -------------------------------------------------------------------------------------------------------

ON = D("2026-06-01")
ISMS = CATALOG_BY_ID["OUT-SEL-02"]
PMARK = CATALOG_BY_ID["OUT-SEL-04"]
ISMAP = CATALOG_BY_ID["OUT-SEL-10"]


def cert(
    kind: str = "isms",
    number: str = "IS 123456",
    valid_from: str | None = "2024-01-01",
    valid_until: str | None = "2027-12-31",
    label: str = "ISMS認証",
) -> CertificateFact:
    return CertificateFact(
        kind, label, number, D(valid_from) if valid_from else None, D(valid_until) if valid_until else None
    )


@pytest.mark.parametrize("criterion", [c for c in CATALOG if not c.certification_kinds], ids=lambda c: c.id)
def test_prefill_is_none_for_criteria_no_certificate_can_show(criterion: Criterion) -> None:
    assert prefill(criterion, [cert(kind=k) for k in ("isms", "privacy_mark", "ismap")], ON) is None


@pytest.mark.parametrize("criterion", [ISMS, PMARK, ISMAP], ids=lambda c: c.id)
def test_prefill_leaves_the_answer_open_without_a_relevant_certificate(criterion: Criterion) -> None:
    result = prefill(criterion, [], ON)
    assert result is not None
    assert result.answer is None
    assert result.note == "登録された認証はありません。"


def test_prefill_ignores_certificates_of_other_kinds() -> None:
    pmark = cert(kind="privacy_mark", label="プライバシーマーク", number="10820123")
    result = prefill(ISMS, [pmark], ON)
    assert result is not None
    assert (result.answer, result.note) == (None, "登録された認証はありません。")


def test_a_valid_certificate_conforms_and_is_cited() -> None:
    result = prefill(ISMS, [cert()], ON)
    assert result is not None
    assert result.answer == Answer.conforms
    assert result.note == "ISMS認証 IS 123456（有効期限 令和9年12月31日）"


@pytest.mark.parametrize(
    ("criterion", "kind", "label", "number"),
    [
        (PMARK, "privacy_mark", "プライバシーマーク", "10820123(05)"),
        (PMARK, "iso27701", "ISO/IEC 27701", "PIMS 0001"),
        (ISMAP, "ismap", "ISMAP", "C21-0001-1"),
        (ISMAP, "ismap_liu", "ISMAP-LIU", "L22-0001-1"),
    ],
)
def test_each_listed_kind_prefills_its_criterion(criterion: Criterion, kind: str, label: str, number: str) -> None:
    result = prefill(criterion, [cert(kind=kind, label=label, number=number)], ON)
    assert result is not None
    assert result.answer == Answer.conforms
    assert number in result.note
    assert result.note.startswith(label)


def test_a_certificate_without_an_end_date_conforms_without_a_date_in_the_note() -> None:
    result = prefill(ISMS, [cert(valid_until=None)], ON)
    assert result is not None
    assert (result.answer, result.note) == (Answer.conforms, "ISMS認証 IS 123456")


def test_a_certificate_on_its_last_day_still_conforms() -> None:
    result = prefill(ISMS, [cert(valid_until="2026-06-01")], ON)
    assert result is not None
    assert result.answer == Answer.conforms
    assert result.note == "ISMS認証 IS 123456（有効期限 令和8年6月1日）"


def test_a_certificate_on_its_first_day_conforms() -> None:
    result = prefill(ISMS, [cert(valid_from="2026-06-01")], ON)
    assert result is not None
    assert result.answer == Answer.conforms


def test_only_an_expired_certificate_fails_and_says_so() -> None:
    result = prefill(ISMS, [cert(valid_until="2026-05-31")], ON)
    assert result is not None
    assert result.answer == Answer.fails
    assert result.note == "ISMS認証 IS 123456（期限切れ）"


def test_the_latest_expired_certificate_is_cited() -> None:
    old = cert(number="OLD", valid_from="2018-01-01", valid_until="2021-01-01")
    newer = cert(number="NEWER", valid_from="2021-01-01", valid_until="2026-01-01")
    result = prefill(ISMS, [newer, old], ON)
    assert result is not None
    assert (result.answer, result.note) == (Answer.fails, "ISMS認証 NEWER（期限切れ）")


def test_a_certificate_not_yet_in_force_fails_and_says_so() -> None:
    result = prefill(ISMS, [cert(valid_from="2026-06-02")], ON)
    assert result is not None
    assert result.answer == Answer.fails
    assert result.note == "ISMS認証 IS 123456（有効期間前）"


def test_expired_and_future_certificates_cite_the_future_one() -> None:
    expired = cert(number="OLD", valid_from="2023-01-01", valid_until="2026-05-31")
    future = cert(number="NEW", valid_from="2026-07-01", valid_until="2029-06-30")
    result = prefill(ISMS, [expired, future], ON)
    assert result is not None
    assert (result.answer, result.note) == (Answer.fails, "ISMS認証 NEW（有効期間前）")


def test_an_open_ended_future_certificate_is_cited_like_one_with_an_end_date() -> None:
    expired = cert(number="OLD", valid_from="2023-01-01", valid_until="2026-05-31")
    future = cert(number="NEW", valid_from="2026-07-01", valid_until=None)
    result = prefill(ISMS, [expired, future], ON)
    assert result is not None
    assert (result.answer, result.note) == (Answer.fails, "ISMS認証 NEW（有効期間前）")


@pytest.mark.parametrize("order", ["valid_first", "expired_first"])
def test_a_valid_certificate_wins_over_an_expired_one(order: str) -> None:
    expired = cert(number="OLD", valid_from="2020-01-01", valid_until="2023-01-01")
    valid = cert(number="CUR", valid_from="2023-01-01", valid_until="2026-12-31")
    certificates = [valid, expired] if order == "valid_first" else [expired, valid]
    result = prefill(ISMS, certificates, ON)
    assert result is not None
    assert (result.answer, result.note) == (Answer.conforms, "ISMS認証 CUR（有効期限 令和8年12月31日）")


def test_a_valid_certificate_wins_over_a_future_one() -> None:
    valid = cert(number="CUR", valid_until="2026-12-31")
    future = cert(number="NEXT", valid_from="2026-12-01", valid_until="2029-11-30")
    result = prefill(ISMS, [future, valid], ON)
    assert result is not None
    assert (result.answer, result.note) == (Answer.conforms, "ISMS認証 CUR（有効期限 令和8年12月31日）")


def test_among_valid_certificates_the_longest_lasting_is_cited() -> None:
    short = cert(number="SHORT", valid_until="2026-09-30")
    long = cert(number="LONG", valid_until="2028-09-30")
    open_ended = cert(number="OPEN", valid_until=None)
    result = prefill(ISMS, [short, long], ON)
    assert result is not None
    assert result.note == "ISMS認証 LONG（有効期限 令和10年9月30日）"
    result = prefill(ISMS, [short, open_ended, long], ON)
    assert result is not None
    assert result.note == "ISMS認証 OPEN"


def test_an_irrelevant_valid_certificate_does_not_rescue_an_expired_relevant_one() -> None:
    expired_isms = cert(valid_until="2026-01-31")
    valid_pmark = cert(kind="privacy_mark", label="プライバシーマーク", number="10820123")
    result = prefill(ISMS, [valid_pmark, expired_isms], ON)
    assert result is not None
    assert result.answer == Answer.fails
    assert "期限切れ" in result.note
    assert "10820123" not in result.note


def test_prefill_accepts_any_iterable_once() -> None:
    result = prefill(ISMS, iter([cert()]), ON)
    assert result is not None
    assert result.answer == Answer.conforms


certificate_facts = st.builds(
    CertificateFact,
    kind=st.sampled_from(["isms", "privacy_mark", "iso27701", "ismap", "ismap_liu", "other"]),
    label=st.sampled_from(["ISMS認証", "Pマーク", "ISMAP"]),
    number=st.text(alphabet="0123456789ABC-", min_size=1, max_size=8),
    valid_from=st.none() | dates,
    valid_until=st.none() | dates,
)


@given(st.sampled_from([ISMS, PMARK, ISMAP]), st.lists(certificate_facts, max_size=5), dates)
def test_prefill_conforms_exactly_when_a_relevant_certificate_is_in_force(
    criterion: Criterion, certificates: list[CertificateFact], on: dt.date
) -> None:
    result = prefill(criterion, certificates, on)
    assert result is not None
    relevant = [c for c in certificates if c.kind in criterion.certification_kinds]
    in_force = [
        c
        for c in relevant
        if (c.valid_from is None or c.valid_from <= on) and (c.valid_until is None or on <= c.valid_until)
    ]
    if not relevant:
        assert result.answer is None
    elif in_force:
        assert result.answer == Answer.conforms
        assert any(result.note.startswith(f"{c.label} {c.number}") for c in in_force)
    else:
        assert result.answer == Answer.fails
        assert result.note.endswith(("（期限切れ）", "（有効期間前）"))
