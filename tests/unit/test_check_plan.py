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
        for c in s.clause.checks
    ]


def item(check_id: str, when: str, clause: str = "ANX-X") -> ItemSource:
    return ItemSource(check_id, f"{check_id}の確認", when, ("OUT-CHK-03",), clause)


def test_mynumber_contract_plans_yearly_inspection_and_end_of_term_destruction():
    plan = plan_checks(sources(MN), signed_on=dt.date(2026, 3, 25), start=dt.date(2026, 4, 1), end=dt.date(2027, 3, 31))
    kinds = {c.kind for c in plan.checks}
    assert {"at_signing", "monthly", "yearly", "at_end"} <= kinds
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
    assert plan.checks[0].kind == "at_signing" and plan.checks[0].due == dt.date(2027, 1, 15)


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
