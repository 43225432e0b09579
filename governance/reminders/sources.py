"""What can be due: each subject has a source that returns its items due within a rule's horizon (set-based).

Each source runs one indexed query bounded by the horizon (and, when the rule repeats while overdue, by the open
status), so a run costs what is due, not what exists. Domains may register more sources (``register_source``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from governance.accounts.roles import Role
from governance.contractors.tables import CERTIFICATION_LABELS, Certification, Suspension
from governance.contracts.tables import Contract
from governance.engagements.tables import Engagement, EngagementStatus
from governance.engagements.term import Term
from governance.reminders.notify import Recipient, recipients_by_id, users_with_role
from governance.reminders.rules import Rule
from governance.verification.tables import MEASURE_KIND_LABELS, Check, CheckStatus, Measure, MeasureStatus


@dataclass(frozen=True)
class DueItem:
    """Something due on a date, with the people to remind."""

    subject_type: str
    subject_id: int
    due: dt.date
    title: str
    link: str
    recipients: tuple[Recipient, ...]


Source = Callable[[Rule, dt.date], Awaitable[list[DueItem]]]

_sources: dict[str, Source] = {}


def register_source(subject: str, source: Source) -> None:
    """Add (or replace) the source of a reminder subject (see ``rules.SUBJECT_LABELS``)."""
    _sources[subject] = source


def sources() -> dict[str, Source]:
    """The registered sources by subject."""
    return dict(_sources)


def window(rule: Rule, today: dt.date) -> tuple[dt.date | None, dt.date]:
    """The due dates a rule can fire for today: from today (or the past, when it repeats overdue) to the horizon."""
    return (None if rule.overdue_every else today), today + dt.timedelta(days=rule.horizon)


async def _department_staff(department_ids: set[int]) -> dict[int, tuple[Recipient, ...]]:
    out: dict[int, tuple[Recipient, ...]] = {}
    for dept in sorted(department_ids):
        out[dept] = tuple(await users_with_role(Role.department_staff, department_id=dept))
    return out


async def _people(user_ids: list[int | None], departments: list[int]) -> list[tuple[Recipient, ...]]:
    """Per row: the named user when active, else the department's staff (so nothing is due unseen)."""
    users = await recipients_by_id(u for u in user_ids if u is not None)
    fallback = await _department_staff({d for u, d in zip(user_ids, departments, strict=True) if u not in users})
    return [(users[u],) if u in users else fallback.get(d, ()) for u, d in zip(user_ids, departments, strict=True)]


async def due_checks(rule: Rule, today: dt.date) -> list[DueItem]:
    """Checks to perform due within the window; the assignee, else the department's staff.

    A check waiting for sign-off (確認待ち) has been performed: its sign-off is on the reviewers' home page instead.
    """
    start, end = window(rule, today)
    query = Check.select(
        Check.id, Check.title, Check.due_on, Check.assignee, Check.department,
        Check.engagement.title.as_alias("engagement_title"),
    ).where(Check.status.is_in([CheckStatus.planned, CheckStatus.in_progress]), Check.due_on <= end)  # fmt: skip
    if start:
        query = query.where(Check.due_on >= start)
    rows = await query
    people = await _people([r["assignee"] for r in rows], [r["department"] for r in rows])
    return [
        DueItem("check", r["id"], r["due_on"], f"{r['title']}（{r['engagement_title']}）", f"/checks/{r['id']}", p)
        for r, p in zip(rows, people, strict=True)
    ]


async def due_measures(rule: Rule, today: dt.date) -> list[DueItem]:
    """Open measures due within the window; their owner."""
    start, end = window(rule, today)
    query = Measure.select(
        Measure.id, Measure.kind, Measure.due_on, Measure.owner, Measure.finding,
        Measure.finding.title.as_alias("finding_title"), Measure.finding.department.as_alias("department"),
    ).where(Measure.status == MeasureStatus.open, Measure.due_on <= end)  # fmt: skip
    if start:
        query = query.where(Measure.due_on >= start)
    rows = await query
    people = await _people([r["owner"] for r in rows], [r["department"] for r in rows])
    return [
        DueItem(
            "measure", r["id"], r["due_on"], f"{MEASURE_KIND_LABELS.get(r['kind'], r['kind'])}（{r['finding_title']}）",
            f"/findings/{r['finding']}", p,
        )
        for r, p in zip(rows, people, strict=True)
    ]  # fmt: skip


async def _procurement() -> tuple[Recipient, ...]:
    return tuple(await users_with_role(Role.procurement))


async def due_certificates(rule: Rule, today: dt.date) -> list[DueItem]:
    """Certificates expiring within the window: procurement staff and supervisors of contracted work."""
    start, end = window(rule, today)
    query = Certification.select(
        Certification.id, Certification.kind, Certification.valid_until, Certification.contractor,
        Certification.contractor.name.as_alias("contractor_name"),
    ).where(Certification.valid_until.is_not_null(), Certification.valid_until <= end)  # fmt: skip
    if start:
        query = query.where(Certification.valid_until >= start)
    rows = await query
    if not rows:
        return []
    procurement = await _procurement()
    contracts = await Contract.select(Contract.contractor, Contract.engagement.supervisor.as_alias("supervisor")).where(
        Contract.contractor.is_in(sorted({r["contractor"] for r in rows})),
        Contract.engagement.status == EngagementStatus.contracted,
    )
    supervisors = await recipients_by_id(c["supervisor"] for c in contracts)
    by_contractor: dict[int, list[Recipient]] = {}
    for c in contracts:
        if c["supervisor"] in supervisors:
            by_contractor.setdefault(c["contractor"], []).append(supervisors[c["supervisor"]])
    out = []
    for r in rows:
        people = {p.user_id: p for p in (*procurement, *by_contractor.get(r["contractor"], []))}
        label = CERTIFICATION_LABELS.get(r["kind"], r["kind"])
        out.append(
            DueItem("certificate", r["id"], r["valid_until"], f"{r['contractor_name']}の{label}",
                    f"/contractors/{r['contractor']}", tuple(people.values()))
        )  # fmt: skip
    return out


async def _contracted() -> list[dict]:
    return await Engagement.select(
        Engagement.id, Engagement.title, Engagement.start_date, Engagement.end_date, Engagement.renewal,
        Engagement.renewal_months, Engagement.notice_days, Engagement.supervisor, Engagement.department,
    ).where(Engagement.status == EngagementStatus.contracted)  # fmt: skip


async def _term_items(kind: str, rule: Rule, today: dt.date) -> list[DueItem]:
    start, end = window(rule, today)
    rows = []
    for r in await _contracted():
        term = Term(r["start_date"], r["end_date"], r["renewal"], r["renewal_months"], r["notice_days"])
        due = term.current_end(today) if kind == "contract_end" else term.cancel_by(today)
        if due is not None and due <= end and (start is None or due >= start):
            rows.append((r, due))
    people = await _people([r["supervisor"] for r, _ in rows], [r["department"] for r, _ in rows])
    label = "契約期間の満了" if kind == "contract_end" else "解約申出期限"
    return [
        DueItem(kind, r["id"], due, f"{r['title']}の{label}", f"/engagements/{r['id']}", p)
        for (r, due), p in zip(rows, people, strict=True)
    ]


async def due_contract_ends(rule: Rule, today: dt.date) -> list[DueItem]:
    """Contracted engagements whose current term ends within the window."""
    return await _term_items("contract_end", rule, today)


async def due_notices(rule: Rule, today: dt.date) -> list[DueItem]:
    """Automatically renewed contracts whose last day to give notice (解約申出期限) falls within the window."""
    return await _term_items("notice", rule, today)


async def due_suspension_ends(rule: Rule, today: dt.date) -> list[DueItem]:
    """指名停止 periods ending within the window: procurement staff (to reconsider the contractor)."""
    start, end = window(rule, today)
    query = Suspension.select(
        Suspension.id, Suspension.end_date, Suspension.contractor, Suspension.contractor.name.as_alias("name")
    ).where(Suspension.end_date.is_not_null(), Suspension.end_date <= end)
    if start:
        query = query.where(Suspension.end_date >= start)
    rows = await query
    procurement = await _procurement() if rows else ()
    return [
        DueItem("suspension_end", r["id"], r["end_date"], f"{r['name']}の指名停止の終了",
                f"/contractors/{r['contractor']}", procurement)
        for r in rows
    ]  # fmt: skip


def register_builtin_sources() -> None:
    """Register the outsourcing subjects (idempotent)."""
    register_source("check", due_checks)
    register_source("measure", due_measures)
    register_source("certificate", due_certificates)
    register_source("contract_end", due_contract_ends)
    register_source("notice", due_notices)
    register_source("suspension_end", due_suspension_ends)
    # The other domains' sources, so that a run without the web app (cron's ``governance reminders run``) sends
    # what the app's own scheduler sends: the incidents' statutory deadlines and external services' reviews.
    from governance.external.reminders import register as register_external
    from governance.incidents.reminders import register as register_incidents

    register_incidents()
    register_external()
