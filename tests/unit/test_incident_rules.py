"""The statutory leak-report rules (governance.incidents.rules): every rule at its boundary, deadlines, JSON."""

from __future__ import annotations

import datetime as dt

import pytest

from governance.incidents import rules
from governance.incidents.rules import Assessment, IncidentFacts, assess, facts_of, period_end

JST = dt.timezone(dt.timedelta(hours=9))


def facts(**kw: object) -> IncidentFacts:
    base: dict[str, object] = {"kind": "data_breach", "discovered_at": dt.datetime(2026, 6, 10, 10, 0, tzinfo=JST)}
    base.update(kw)
    return IncidentFacts(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kw", "required", "codes"),
    [
        ({}, False, []),
        ({"personal_info": True, "people_min": 5}, False, []),
        # 規則第43条第4号: more than 100 — exactly 100 is not, 101 is
        ({"personal_info": True, "people_min": 100}, False, []),
        ({"personal_info": True, "people_min": 101}, True, ["people"]),
        # a range counts at its upper end
        ({"personal_info": True, "people_min": 90, "people_max": 100}, False, []),
        ({"personal_info": True, "people_min": 90, "people_max": 101}, True, ["people"]),
        ({"personal_info": True, "people_min": 100, "people_max": 120}, True, ["people"]),
        ({"personal_info": True, "people_min": None, "people_max": None}, False, []),
        # 第1号 要配慮 (one person is enough), 第2号 財産的被害, 第3号 不正の目的, 第5号 条例要配慮
        ({"personal_info": True, "sensitive_info": True, "people_min": 1}, True, ["sensitive"]),
        ({"sensitive_info": True}, True, ["sensitive"]),
        ({"personal_info": True, "property_damage": True}, True, ["property_damage"]),
        ({"personal_info": True, "unauthorised_purpose": True}, True, ["unauthorised"]),
        ({"personal_info": True, "ordinance_sensitive_info": True}, True, ["ordinance_sensitive"]),
        # no personal information: 不正の目的 or 財産的被害 alone is no leak of 保有個人情報
        ({"unauthorised_purpose": True, "property_damage": True}, False, []),
        # 特定個人情報 (番号法第29条の4, 番号法規則第2条)
        ({"specific_personal_info": True, "people_min": 3}, True, ["mn_system"]),
        (
            {"specific_personal_info": True, "unauthorised_purpose": True},
            True,
            ["unauthorised", "mn_system", "mn_unauthorised"],
        ),
        ({"specific_personal_info": True, "people_min": 100}, True, ["mn_system"]),
        ({"specific_personal_info": True, "people_min": 101}, True, ["people", "mn_system", "mn_people"]),
        # everything at once, in the order of the 号
        (
            {
                "personal_info": True,
                "sensitive_info": True,
                "property_damage": True,
                "unauthorised_purpose": True,
                "ordinance_sensitive_info": True,
                "people_min": 500,
            },
            True,
            ["sensitive", "property_damage", "unauthorised", "people", "ordinance_sensitive"],
        ),
    ],
)
def test_report_required_and_why(kw: dict[str, object], required: bool, codes: list[str]) -> None:
    result = assess(facts(**kw))
    assert result.report_required is required
    assert [r.code for r in result.reasons] == codes
    for reason in result.reasons:
        assert reason.text and "第" in reason.citation and "条" in reason.citation
    if not required:
        assert result.deadlines == ()


def test_the_kind_does_not_hide_a_leak() -> None:
    """An SNS takeover that exposed personal data is judged on its facts like any other incident."""
    assert assess(facts(kind="sns_takeover", personal_info=True, unauthorised_purpose=True)).report_required


@pytest.mark.parametrize(
    ("known", "days", "due"),
    [
        # 初日不算入 (民法第140条): 30 days from 6/10 end on 7/10 (a Friday)
        (dt.date(2026, 6, 10), 30, dt.date(2026, 7, 10)),
        # across a month end: 1/30 + 30 = 3/1 (2026 is no leap year; 3/1 is a Sunday → Monday 3/2)
        (dt.date(2026, 1, 30), 30, dt.date(2026, 3, 2)),
        # leap year: 1/30/2028 + 30 = 2/29/2028 (a Tuesday)
        (dt.date(2028, 1, 30), 30, dt.date(2028, 2, 29)),
        # year end: 12/1 + 30 = 12/31 (閉庁) → 1/4 (Monday, first open day of 2027)
        (dt.date(2026, 12, 1), 30, dt.date(2027, 1, 4)),
        # 60 days across the year end: 11/15 + 60 = 1/14/2027 (a Thursday)
        (dt.date(2026, 11, 15), 60, dt.date(2027, 1, 14)),
        # a holiday: 4/29/2027 (昭和の日, Thursday) — 3/30 + 30
        (dt.date(2027, 3, 30), 30, dt.date(2027, 4, 30)),
        # Golden Week: 4/3/2027 + 30 = 5/3 (憲法記念日) → 5/4, 5/5 holidays → 5/6
        (dt.date(2027, 4, 3), 30, dt.date(2027, 5, 6)),
    ],
)
def test_period_end(known: dt.date, days: int, due: dt.date) -> None:
    counted, moved = period_end(known, days)
    assert counted == known + dt.timedelta(days=days)
    assert moved == due


def test_final_report_30_days_and_60_with_unauthorised_purpose() -> None:
    plain = assess(facts(personal_info=True, people_min=150))
    final = plain.deadline("final")
    assert final is not None and final.due == dt.date(2026, 7, 10)
    assert "第44条第2項" in final.citation and "30日" in final.note
    with_purpose = assess(facts(personal_info=True, people_min=150, unauthorised_purpose=True)).deadline("final")
    assert with_purpose is not None and with_purpose.due == dt.date(2026, 8, 10)  # 6/10 + 60 = 8/9 (Sun) → 8/10
    assert "60日" in with_purpose.note


def test_preliminary_and_notice_have_no_fixed_day() -> None:
    result = assess(facts(personal_info=True, sensitive_info=True))
    assert [d.key for d in result.deadlines] == ["preliminary", "final", "notify_individuals"]
    for key in ("preliminary", "notify_individuals"):
        deadline = result.deadline(key)
        assert deadline is not None and deadline.due is None and "速やかに" in deadline.note
    notice = result.deadline("notify_individuals")
    assert notice is not None and "第68条第2項" in notice.citation
    assert rules.preliminary_target(facts()) == dt.date(2026, 6, 15)


def test_the_clock_starts_on_the_japan_date() -> None:
    """23:30 UTC on 6/9 is 6/10 08:30 in Tokyo: the day known is 6/10."""
    late = facts(personal_info=True, people_min=200, discovered_at=dt.datetime(2026, 6, 9, 23, 30, tzinfo=dt.UTC))
    final = assess(late).deadline("final")
    assert final is not None and final.due == dt.date(2026, 7, 10)


def test_specific_personal_info_deadlines() -> None:
    result = assess(facts(specific_personal_info=True, people_min=2))
    assert [d.key for d in result.deadlines] == ["mn_preliminary", "mn_final", "notify_individuals"]
    mn_final = result.deadline("mn_final")
    assert mn_final is not None and mn_final.due == dt.date(2026, 7, 10) and "番号法" in mn_final.citation
    both = assess(facts(specific_personal_info=True, unauthorised_purpose=True))
    assert [d.key for d in both.deadlines] == [
        "preliminary",
        "final",
        "notify_individuals",
        "mn_preliminary",
        "mn_final",
    ]
    assert both.deadline("mn_final").due == dt.date(2026, 8, 10)  # type: ignore[union-attr]


def test_json_round_trip_and_not_assessed() -> None:
    result = assess(facts(specific_personal_info=True, sensitive_info=True, unauthorised_purpose=True, people_min=300))
    data = result.to_json()
    assert data["report_required"] is True and isinstance(data["deadlines"][1]["due"], str)
    assert Assessment.from_json(data) == result
    assert Assessment.from_json({}) == Assessment(report_required=False)
    assert Assessment.from_json(None).reasons == ()


def test_facts_of_a_row() -> None:
    row = {
        "kind": "data_breach",
        "discovered_at": "2026-06-10T01:00:00+00:00",
        "personal_info": 1,
        "sensitive_info": 0,
        "ordinance_sensitive_info": None,
        "specific_personal_info": False,
        "people_min": 100,
        "people_max": 120,
        "unauthorised_purpose": False,
        "property_damage": False,
        "title": "ignored",
    }
    got = facts_of(row)
    assert got.personal_info is True and got.ordinance_sensitive_info is False
    assert got.discovered_at == dt.datetime(2026, 6, 10, 1, 0, tzinfo=dt.UTC)
    assert assess(got).report_required
    naive = facts_of({**row, "discovered_at": dt.datetime(2026, 6, 10, 1, 0)})
    assert naive.discovered_at.tzinfo is not None
