"""To-do items of verification: one's checks and measures due soon or overdue, sign-offs, escalated findings."""

from __future__ import annotations

import datetime as dt
from typing import Any

from piccolo.columns.combination import WhereRaw

from governance.accounts.roles import Role
from governance.actor import Actor
from governance.system.todos import TodoGroup, TodoItem, bounded, register_todo_provider
from governance.verification.tables import (
    MEASURE_KIND_LABELS,
    Check,
    CheckStatus,
    Finding,
    FindingStatus,
    Measure,
    MeasureStatus,
    check_status_in_sql,
)

HORIZON_DAYS = 30
"""Checks and measures due within this many days (or overdue) are on the home page."""


OPEN_CHECKS_SQL = check_status_in_sql((CheckStatus.planned, CheckStatus.in_progress))
"""The condition of the partial index of one's open checks (migration 2026-12-05T17:50), with literals."""


def _own_checks(user_id: int, until: dt.date) -> tuple[Any, ...]:
    return (Check.assignee == user_id, WhereRaw(OPEN_CHECKS_SQL), Check.due_on <= until)


def own_checks_query(user_id: int, until: dt.date) -> Any:
    """The user's open checks due by ``until``, by due date, read on the partial index of open checks.

    That index (migration 2026-12-05T17:50) gives the due-date order of the user's open checks alone; on
    (assignee, due_on, id) both engines read every check ever assigned to the user, years of done ones included.
    """
    return (
        Check.select(Check.id, Check.title, Check.due_on, Check.engagement.title.as_alias("engagement_title"))
        .where(*_own_checks(user_id, until)).order_by(Check.due_on).order_by(Check.id)
    )  # fmt: skip


def _own_measures(user_id: int, until: dt.date) -> tuple[Any, ...]:
    return (Measure.owner == user_id, Measure.status == MeasureStatus.open, Measure.due_on <= until)


def own_measures_query(user_id: int, until: dt.date) -> Any:
    """The user's open measures due by ``until``, by due date (index on owner, status, due_on, id)."""
    return (
        Measure.select(
            Measure.id, Measure.kind, Measure.due_on, Measure.finding, Measure.finding.title.as_alias("finding_title")
        ).where(*_own_measures(user_id, until)).order_by(Measure.due_on).order_by(Measure.id)
    )  # fmt: skip


async def checks_and_measures(actor: Actor, today: dt.date) -> list[TodoGroup]:
    """The actor's open checks and measures due within the horizon, and checks waiting for another's sign-off.

    Each kind is chosen, ordered by due date (overdue ones first) and bounded in SQL; its total is counted in SQL.
    """
    if actor.id is None:
        return []
    until = today + dt.timedelta(days=HORIZON_DAYS)
    checks, total = await bounded(own_checks_query(actor.id, until), Check.count().where(*_own_checks(actor.id, until)))
    groups = [TodoGroup("確認", [
        TodoItem(title=f"{c['title']}（{c['engagement_title']}）", href=f"/checks/{c['id']}", due=c["due_on"],
                 kind="確認", overdue=c["due_on"] < today)
        for c in checks
    ], total, f"/checks/?status=open&mine=1&due_to={until.isoformat()}")]  # fmt: skip
    measures, total = await bounded(
        own_measures_query(actor.id, until), Measure.count().where(*_own_measures(actor.id, until))
    )
    groups.append(TodoGroup("措置", [
        TodoItem(title=f"{MEASURE_KIND_LABELS.get(m['kind'], m['kind'])}（{m['finding_title']}）",
                 href=f"/findings/{m['finding']}", due=m["due_on"], kind="措置", overdue=m["due_on"] < today)
        for m in measures
    ], total, "/findings/"))  # fmt: skip
    if actor.has_any(Role.department_staff, Role.procurement, Role.security_officer):
        # Whoever performed the check or recorded any of its results signs off nothing of it (the service refuses).
        reviewing: list[Any] = [
            Check.status == CheckStatus.reviewing,
            (Check.performed_by != actor.id) | Check.performed_by.is_null(),
            WhereRaw(
                'NOT EXISTS (SELECT 1 FROM checklist_item WHERE checklist_item."check" = verification_check.id'
                " AND checklist_item.recorded_by = {})",
                actor.id,
            ),
        ]
        if not actor.has_any(Role.security_officer) and actor.department_id is not None:
            # unary + keeps the planner on the (status, due_on) index: few checks are in review, a department has many
            reviewing.append(WhereRaw("+verification_check.department = {}", actor.department_id))
        rows, total = await bounded(
            Check.select(Check.id, Check.title, Check.due_on).where(*reviewing).order_by(Check.due_on)
            .order_by(Check.id),
            Check.count().where(*reviewing),
        )  # fmt: skip
        groups.append(TodoGroup("確認結果の承認", [
            TodoItem(title=f"確認結果の承認：{c['title']}", href=f"/checks/{c['id']}", due=c["due_on"],
                     kind="確認結果の承認", overdue=c["due_on"] < today)
            for c in rows
        ], total, "/checks/?status=reviewing"))  # fmt: skip
    if actor.has_any(Role.security_officer):
        escalated = (Finding.status == FindingStatus.open, Finding.escalated_at.is_not_null())
        rows, total = await bounded(
            Finding.select(Finding.id, Finding.title).where(*escalated).order_by(Finding.id),
            Finding.count().where(*escalated),
        )
        groups.append(TodoGroup("指摘事項（報告）", [
            TodoItem(title=f"報告された指摘事項：{f['title']}", href=f"/findings/{f['id']}", kind="指摘事項（報告）")
            for f in rows
        ], total, "/findings/"))  # fmt: skip
    return groups


def register() -> None:
    """Register this domain's to-do providers (idempotent)."""
    register_todo_provider(checks_and_measures)
