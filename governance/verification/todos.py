"""To-do items of verification: one's checks and measures due soon or overdue, sign-offs, escalated findings."""

from __future__ import annotations

import datetime as dt

from governance.accounts.roles import Role
from governance.actor import Actor
from governance.system.todos import TodoItem, register_todo_provider
from governance.verification.tables import (
    MEASURE_KIND_LABELS,
    Check,
    ChecklistItem,
    CheckStatus,
    Finding,
    FindingStatus,
    Measure,
    MeasureStatus,
)

HORIZON_DAYS = 30
"""Checks and measures due within this many days (or overdue) are on the home page."""


async def checks_and_measures(actor: Actor, today: dt.date) -> list[TodoItem]:
    """The actor's open checks and measures due within the horizon, and checks waiting for another's sign-off."""
    if actor.id is None:
        return []
    until = today + dt.timedelta(days=HORIZON_DAYS)
    checks = await Check.select(
        Check.id, Check.title, Check.due_on, Check.engagement.title.as_alias("engagement_title")
    ).where(
        Check.assignee == actor.id, Check.status.is_in([CheckStatus.planned, CheckStatus.in_progress]),
        Check.due_on <= until,
    )  # fmt: skip
    items = [
        TodoItem(title=f"{c['title']}（{c['engagement_title']}）", href=f"/checks/{c['id']}", due=c["due_on"],
                 kind="確認", overdue=c["due_on"] < today)
        for c in checks
    ]  # fmt: skip
    measures = await Measure.select(
        Measure.id, Measure.kind, Measure.due_on, Measure.finding, Measure.finding.title.as_alias("finding_title")
    ).where(Measure.owner == actor.id, Measure.status == MeasureStatus.open, Measure.due_on <= until)
    items += [
        TodoItem(title=f"{MEASURE_KIND_LABELS.get(m['kind'], m['kind'])}（{m['finding_title']}）",
                 href=f"/findings/{m['finding']}", due=m["due_on"], kind="措置", overdue=m["due_on"] < today)
        for m in measures
    ]  # fmt: skip
    if actor.has_any(Role.department_staff, Role.procurement, Role.security_officer):
        reviewing = Check.select(Check.id, Check.title, Check.due_on, Check.performed_by).where(
            Check.status == CheckStatus.reviewing
        )
        if not actor.has_any(Role.security_officer) and actor.department_id is not None:
            reviewing = reviewing.where(Check.department == actor.department_id)
        rows = await reviewing
        # Whoever performed the check or recorded any of its results signs off nothing of it (the service refuses).
        mine = {
            r["check"]
            for r in await ChecklistItem.select(ChecklistItem.check).where(
                ChecklistItem.check.is_in([c["id"] for c in rows] or [0]), ChecklistItem.recorded_by == actor.id
            )
        }
        items += [
            TodoItem(title=f"確認結果の承認：{c['title']}", href=f"/checks/{c['id']}", due=c["due_on"],
                     kind="確認結果の承認", overdue=c["due_on"] < today)
            for c in rows
            if c["performed_by"] != actor.id and c["id"] not in mine
        ]  # fmt: skip
    if actor.has_any(Role.security_officer):
        escalated = await Finding.select(Finding.id, Finding.title).where(
            Finding.status == FindingStatus.open, Finding.escalated_at.is_not_null()
        )
        items += [
            TodoItem(title=f"報告された指摘事項：{f['title']}", href=f"/findings/{f['id']}", kind="指摘事項（報告）")
            for f in escalated
        ]
    return items


def register() -> None:
    """Register this domain's to-do providers (idempotent)."""
    register_todo_provider(checks_and_measures)
