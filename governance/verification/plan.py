"""Plan the verification checks of a signed contract from its clauses' check items (pure: no database, no web).

Scheduling rules (dates are office dates: a due date on a closed day moves to the next business day):

- ``before_start``: what the contractor must hand in before work begins (業務体制届・従事者の誓約書・再委託の承認 …):
  due on the last business day before the term starts, or on the signing date when the contract is signed later
  than that (never after work has begun, unless the signature itself comes after the start).
- ``at_signing``: 10 business days after the signing date (設計への反映の確認 …).
- ``monthly``: the 10th of the following month, for every month of the term (定期報告書).
- ``quarterly``: the 10th of the month after each quarter of the fiscal year (6/30, 9/30, 12/31, 3/31) in the term,
  and after the term's end when it falls inside a quarter.
- ``yearly``: once per fiscal year of the term, by the last business day of January — before the year-end
  closure of accounts, so that findings can still be acted on in the same 年度; a term ending earlier in the year is
  checked by its end date instead.
- ``at_end``: 10 business days after the term ends (返還・廃棄の確認と消去証明書).
- ``on_event``: not scheduled; listed as templates to open when the event happens (事故, 再委託先の変更 …).

Check items of the same kind falling on the same date form one check with several checklist items; each item keeps
the clause and requirement ids it came from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from governance.calendar import add_business_days, fiscal_year, next_business_day, previous_business_day

KIND_LABELS: dict[str, str] = {
    "before_start": "業務の開始前の確認",
    "at_signing": "契約締結時の確認",
    "monthly": "定期報告（毎月）",
    "quarterly": "定期確認（四半期）",
    "yearly": "年次の確認・実地検査",
    "at_end": "契約終了時の確認",
    "on_event": "事象発生時の確認",
}


@dataclass(frozen=True)
class ItemSource:
    """A check item as the clause library states it, with the clause it belongs to."""

    check_id: str
    what: str
    when: str
    requirements: tuple[str, ...]
    clause_id: str


@dataclass(frozen=True)
class PlannedItem:
    """One line of a checklist, traceable to its clause and requirements."""

    check_id: str
    what: str
    clause_id: str
    requirements: tuple[str, ...]


@dataclass(frozen=True)
class PlannedCheck:
    """A check to perform by a due date (None for event-triggered templates)."""

    kind: str
    due: dt.date | None
    items: tuple[PlannedItem, ...]
    period: str = ""

    @property
    def title(self) -> str:
        """A Japanese title such as 定期報告（毎月）令和8年4月分."""
        return KIND_LABELS[self.kind] + (f"　{self.period}" if self.period else "")


@dataclass(frozen=True)
class Plan:
    """The scheduled checks (by due date) and the event templates."""

    checks: tuple[PlannedCheck, ...]
    on_event: tuple[PlannedCheck, ...] = field(default_factory=tuple)


def _tenth_of_next_month(year: int, month: int) -> dt.date:
    y, m = (year + 1, 1) if month == 12 else (year, month + 1)
    return next_business_day(dt.date(y, m, 10))


def _months(start: dt.date, end: dt.date) -> Iterable[tuple[int, int]]:
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        yield y, m
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def _quarter_ends(start: dt.date, end: dt.date) -> Iterable[dt.date]:
    """The quarter ends within the term, and the term's end when it falls inside a quarter (a last, partial one)."""
    last = None
    for y, m in _months(start, end):
        if m in (3, 6, 9, 12):
            q_end = dt.date(y + (m == 12), 1 if m == 12 else m + 1, 1) - dt.timedelta(days=1)
            if start <= q_end <= end:
                last = q_end
                yield q_end
    if last != end:
        yield end


def _due_dates(kind: str, signed_on: dt.date, start: dt.date, end: dt.date) -> list[tuple[dt.date, str]]:
    from governance.calendar import wareki_fiscal_year, wareki_year

    if kind == "before_start":
        return [(max(signed_on, previous_business_day(start - dt.timedelta(days=1))), "")]
    if kind == "at_signing":
        return [(add_business_days(signed_on, 10), "")]
    if kind == "at_end":
        return [(add_business_days(end, 10), "")]
    if kind == "monthly":
        return [(_tenth_of_next_month(y, m), f"{wareki_year(dt.date(y, m, 1))}{m}月分") for y, m in _months(start, end)]
    if kind == "quarterly":
        out = []
        for q_end in _quarter_ends(start, end):
            out.append((_tenth_of_next_month(q_end.year, q_end.month), f"{wareki_year(q_end)}{q_end.month}月末まで"))
        return out
    if kind == "yearly":
        out = []
        for fy in range(fiscal_year(start), fiscal_year(end) + 1):
            due = previous_business_day(dt.date(fy + 1, 1, 31))
            if due > end:
                due = previous_business_day(end)
            if due >= start:
                out.append((due, wareki_fiscal_year(fy)))
        return out
    raise ValueError(f"unknown check kind {kind!r}")


def check_period(kind: str, due: dt.date, start: dt.date, end: dt.date) -> tuple[dt.date, dt.date] | None:
    """The period a check answers for (what its report or checklist covers), read back from its due date.

    The inverse of the scheduling rules above: a monthly check covers the month before the month it is due in; a
    quarterly one the quarter (4–6, 7–9, 10–12, 1–3) ending in that month; a yearly one its fiscal year up to the due
    date; the other kinds the whole term (start to end). Each period is cut to the term; an event check has none, and
    neither has a period that falls wholly outside the term.
    """
    if kind == "on_event":
        return None
    month_before = due.replace(day=1) - dt.timedelta(days=1)
    if kind == "monthly":
        first, last = month_before.replace(day=1), month_before
    elif kind == "quarterly":
        first, last = month_before.replace(month=month_before.month - (month_before.month - 1) % 3, day=1), month_before
    elif kind == "yearly":
        first, last = dt.date(fiscal_year(due), 4, 1), due
    else:
        first, last = start, end
    first, last = max(first, start), min(last, end)
    return (first, last) if first <= last else None


def plan_checks(items: Iterable[ItemSource], *, signed_on: dt.date, start: dt.date, end: dt.date) -> Plan:
    """Plan the checks of a contract signed on ``signed_on`` whose (current) term runs from start to end.

    Raises:
        ValueError: when the term ends before it starts or an item has an unknown kind.
    """
    if end < start:
        raise ValueError("the term ends before it starts")
    scheduled: dict[tuple[str, dt.date, str], list[PlannedItem]] = {}
    events: dict[str, list[PlannedItem]] = {}
    for source in items:
        item = PlannedItem(source.check_id, source.what, source.clause_id, source.requirements)
        if source.when == "on_event":
            events.setdefault(source.check_id, []).append(item)
            continue
        for due, period in _due_dates(source.when, signed_on, start, end):
            scheduled.setdefault((source.when, due, period), []).append(item)
    checks = tuple(
        PlannedCheck(kind, due, tuple(sorted(found, key=lambda i: i.check_id)), period)
        for (kind, due, period), found in sorted(scheduled.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    )
    templates = tuple(PlannedCheck("on_event", None, tuple(found)) for _, found in sorted(events.items()))
    return Plan(checks, templates)
