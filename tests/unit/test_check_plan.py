"""Check planning from a contract's clause check items: due dates on office days, grouping, traceability."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from governance.calendar import is_business_day
from governance.contracts.clauses import select_clauses
from governance.contracts.library import load_library
from governance.engagements.facts import EngagementFacts
from governance.verification.plan import ItemSource, plan_checks

ROOT = Path(__file__).resolve().parents[2] / "contract_templates"
MN = EngagementFacts(
    confidentiality="3B", personal_info=True, specific_personal_info=True, segments=frozenset({"mynumber"}),
    work_kinds=frozenset({"system_operation"}), work_locations=frozenset({"contractor_site"}), subcontracting=True,
    subcontractors=("株式会社下請",),
)  # fmt: skip
PUBLIC = EngagementFacts(work_kinds=frozenset({"clerical"}), work_locations=frozenset({"onsite"}))


def sources(facts: EngagementFacts) -> list[ItemSource]:
    lib = load_library(ROOT)
    return [
        ItemSource(c.id, c.what, c.when, c.requirements, s.clause.id)
        for s in select_clauses(facts, lib)
        for c in s.checks
    ]


def item(check_id: str, when: str, clause: str = "ANX-X") -> ItemSource:
    return ItemSource(check_id, f"{check_id}の確認", when, ("OUT-CHK-03",), clause)


def test_mynumber_contract_plans_yearly_inspection_and_end_of_term_destruction():
    plan = plan_checks(sources(MN), signed_on=dt.date(2026, 3, 25), start=dt.date(2026, 4, 1), end=dt.date(2027, 3, 31))
    kinds = {c.kind for c in plan.checks}
    assert {"before_start", "monthly", "yearly", "at_end"} <= kinds
    before = next(c for c in plan.checks if c.kind == "before_start")
    assert before.due == dt.date(2026, 3, 31)  # handed in before work begins on 4/1
    handed_in = {i.check_id for i in before.items}
    assert {"CHK-STRUCTURE-NOTICE", "CHK-WORKER-BRIEFING", "CHK-SUBCONTRACT-PRIOR"} <= handed_in
    yearly = [c for c in plan.checks if c.kind == "yearly"]
    assert len(yearly) == 1 and yearly[0].due == dt.date(2027, 1, 29)  # 1/31 is a Sunday
    assert any("OUT-CHK-05" in i.requirements or "OUT-CHK-07" in i.requirements for i in yearly[0].items)
    at_end = next(c for c in plan.checks if c.kind == "at_end")
    assert at_end.due == dt.date(2027, 4, 14) and any(i.clause_id == "ANX-TK13-RETURN" for i in at_end.items)
    assert len([c for c in plan.checks if c.kind == "monthly"]) == 12
    assert plan.on_event  # incident, subcontractor change … as templates


def test_public_clerical_work_has_no_personal_data_inspection():
    plan = plan_checks(sources(PUBLIC), signed_on=dt.date(2026, 3, 25), start=dt.date(2026, 4, 1),
                       end=dt.date(2027, 3, 31))  # fmt: skip
    requirements = {r for c in plan.checks for i in c.items for r in i.requirements}
    assert "OUT-CHK-05" not in requirements and "OUT-CHK-07" not in requirements


def test_every_due_date_is_a_business_day_and_dates_are_ordered():
    plan = plan_checks(sources(MN), signed_on=dt.date(2026, 12, 25), start=dt.date(2027, 1, 1),
                       end=dt.date(2028, 12, 31))  # fmt: skip
    dues = [c.due for c in plan.checks]
    assert all(is_business_day(d) for d in dues) and dues == sorted(dues)
    # before work starts on 1/1: the last open day before the year-end closure, after the signing on 12/25
    assert plan.checks[0].kind == "before_start" and plan.checks[0].due == dt.date(2026, 12, 28)


def test_items_of_the_same_kind_and_date_form_one_check():
    plan = plan_checks([item("CHK-A", "monthly"), item("CHK-B", "monthly", "ANX-Y")], signed_on=dt.date(2026, 4, 1),
                       start=dt.date(2026, 4, 1), end=dt.date(2026, 6, 30))  # fmt: skip
    assert [len(c.items) for c in plan.checks] == [2, 2, 2]
    assert plan.checks[0].due == dt.date(2026, 5, 11)  # 5/10 is a Sunday
    assert plan.checks[0].title == "定期報告（毎月）　令和8年4月分"
    assert {i.clause_id for i in plan.checks[0].items} == {"ANX-X", "ANX-Y"}


def test_quarterly_and_short_terms():
    plan = plan_checks([item("CHK-Q", "quarterly"), item("CHK-Y", "yearly")], signed_on=dt.date(2026, 7, 1),
                       start=dt.date(2026, 7, 1), end=dt.date(2026, 11, 30))  # fmt: skip
    assert [(c.kind, c.due) for c in plan.checks] == [
        ("quarterly", dt.date(2026, 10, 13)),  # 10/10 is a Saturday and 10/12 スポーツの日
        ("yearly", dt.date(2026, 11, 30)),  # the term ends before January: checked by its end
        ("quarterly", dt.date(2026, 12, 10)),  # the term ends 11/30: that partial quarter is checked too
    ]


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="ends before"):
        plan_checks([], signed_on=dt.date(2026, 4, 1), start=dt.date(2026, 4, 2), end=dt.date(2026, 4, 1))
    with pytest.raises(ValueError, match="unknown check kind"):
        plan_checks([item("X", "weekly")], signed_on=dt.date(2026, 4, 1), start=dt.date(2026, 4, 1),
                    end=dt.date(2026, 5, 1))  # fmt: skip


def due_of(kind: str, *, start: dt.date, end: dt.date, signed_on: dt.date | None = None) -> list[dt.date]:
    plan = plan_checks([item("CHK-X", kind)], signed_on=signed_on or start, start=start, end=end)
    return [c.due for c in plan.checks]


def test_monthly_due_on_a_tenth_that_is_closed_moves_to_the_next_business_day():
    dues = dict(zip(range(1, 13), due_of("monthly", start=dt.date(2027, 1, 1), end=dt.date(2027, 12, 31)), strict=True))
    assert dues[12] == dt.date(2028, 1, 11)  # 2028-01-10 is 成人の日 (a Monday)
    assert dues[7] == dt.date(2027, 8, 10)  # a plain Tuesday stays
    assert dues[1] == dt.date(2027, 2, 10)
    december_2026 = due_of("monthly", start=dt.date(2026, 12, 1), end=dt.date(2026, 12, 31))
    assert december_2026 == [dt.date(2027, 1, 12)]  # 1/10 is a Sunday and 1/11 成人の日


def test_year_end_closure_12_29_to_1_3_is_skipped():
    # at_end: 10 business days after a term ending on 12/28 skip 12/29–1/3, the weekends and 成人の日 (2027-01-11)
    assert due_of("at_end", start=dt.date(2026, 4, 1), end=dt.date(2026, 12, 28)) == [dt.date(2027, 1, 18)]
    # a term ending 12/31 is checked yearly by its last business day before the closure
    assert due_of("yearly", start=dt.date(2026, 4, 1), end=dt.date(2026, 12, 31)) == [dt.date(2026, 12, 28)]
    # signed on 12/28 (the last open day): the 10 business days start after the closure
    assert due_of("at_signing", start=dt.date(2027, 1, 4), end=dt.date(2027, 3, 31),
                  signed_on=dt.date(2026, 12, 28)) == [dt.date(2027, 1, 18)]  # fmt: skip
    # signed inside the closure: the same count, the closed days never count
    assert due_of("at_signing", start=dt.date(2027, 1, 4), end=dt.date(2027, 3, 31),
                  signed_on=dt.date(2026, 12, 30)) == [dt.date(2027, 1, 18)]  # fmt: skip
    # signed on the Friday before: 12/28 is the first of the 10 days
    assert due_of("at_signing", start=dt.date(2027, 1, 4), end=dt.date(2027, 3, 31),
                  signed_on=dt.date(2026, 12, 25)) == [dt.date(2027, 1, 15)]  # fmt: skip


def test_yearly_due_is_the_last_business_day_of_january_in_each_fiscal_year():
    dues = due_of("yearly", start=dt.date(2025, 4, 1), end=dt.date(2028, 3, 31))
    assert dues == [dt.date(2026, 1, 30), dt.date(2027, 1, 29), dt.date(2028, 1, 31)]  # 1/31: Sat, Sun, Mon
    assert all(is_business_day(d) for d in dues)


def test_before_start_checks_fall_due_before_work_begins_or_on_a_late_signing():
    start, end = dt.date(2026, 4, 1), dt.date(2027, 3, 31)
    # signed well ahead: due on the last business day before the start (3/31 is a Tuesday)
    assert due_of("before_start", start=start, end=end, signed_on=dt.date(2026, 3, 2)) == [dt.date(2026, 3, 31)]
    # a start on Monday 2026-05-11: due the Friday before
    assert due_of("before_start", start=dt.date(2026, 5, 11), end=end, signed_on=dt.date(2026, 4, 20)) == [
        dt.date(2026, 5, 8)
    ]
    # signed on the first day of work, or later: due on the signing date, never later
    assert due_of("before_start", start=start, end=end, signed_on=start) == [start]
    assert due_of("before_start", start=start, end=end, signed_on=dt.date(2026, 4, 15)) == [dt.date(2026, 4, 15)]


def test_report_frequency_follows_the_tier():
    lib = load_library(ROOT)
    low = EngagementFacts(work_kinds=frozenset({"cloud_service"}), work_locations=frozenset({"contractor_cloud"}))
    low_public = EngagementFacts(work_kinds=frozenset({"research"}), work_locations=frozenset({"contractor_site"}))

    def report_kinds(facts: EngagementFacts) -> set[str]:
        return {c.when for s in select_clauses(facts, lib) for c in s.checks if c.id.endswith("-REPORT")}

    assert report_kinds(MN) == {"monthly"}  # 高
    assert report_kinds(low) == {"quarterly"}  # 中 (cloud)
    assert report_kinds(low_public) == {"yearly"}  # 低
