"""To-do items of the engagements domain: selections to approve, and one's own selections in progress or returned."""

from __future__ import annotations

import datetime as dt
from typing import Any

from governance.accounts.roles import Role
from governance.actor import Actor
from governance.engagements.tables import Selection, SelectionStatus
from governance.system.todos import TodoGroup, TodoItem, bounded, register_todo_provider


def _columns() -> tuple[Any, ...]:
    return (Selection.id, Selection.version, Selection.engagement.title.as_alias("engagement_title"))


async def selections_to_approve(actor: Actor, today: dt.date) -> list[TodoGroup]:
    """Submitted selections for security officers, oldest first (not their own: they cannot approve those)."""
    if not actor.has_any(Role.security_officer):
        return []
    where = (Selection.status == SelectionStatus.submitted,
             (Selection.prepared_by != actor.id) | Selection.prepared_by.is_null())  # fmt: skip
    rows, total = await bounded(
        Selection.select(*_columns()).where(*where).order_by(Selection.submitted_at).order_by(Selection.id),
        Selection.count().where(*where),
    )
    return [TodoGroup("選定の承認", [
        TodoItem(title=f"選定の承認：{row['engagement_title']}（第{row['version']}版）",
                 href=f"/selections/{row['id']}", kind="選定の承認")
        for row in rows
    ], total, f"/selections/?status={SelectionStatus.submitted}")]  # fmt: skip


async def selections_in_progress(actor: Actor, today: dt.date) -> list[TodoGroup]:
    """The actor's own selections still being prepared; the returned ones (差戻し) first, to be corrected."""
    if actor.id is None or not actor.has_any(Role.procurement, Role.department_staff):
        return []
    mine = (Selection.status == SelectionStatus.draft, Selection.prepared_by == actor.id)
    returned, total_returned = await bounded(
        Selection.select(*_columns()).where(*mine, Selection.reviewed_at.is_not_null()).order_by(Selection.id),
        Selection.count().where(*mine, Selection.reviewed_at.is_not_null()),
    )
    drafts, total_drafts = await bounded(
        Selection.select(*_columns()).where(*mine, Selection.reviewed_at.is_null()).order_by(Selection.id),
        Selection.count().where(*mine, Selection.reviewed_at.is_null()),
    )
    href = f"/selections/?status={SelectionStatus.draft}"
    return [
        TodoGroup("選定の差戻し", [
            TodoItem(title=f"差し戻された選定の修正：{r['engagement_title']}（第{r['version']}版）",
                     href=f"/selections/{r['id']}", kind="選定の差戻し")
            for r in returned
        ], total_returned, href),
        TodoGroup("選定の作成", [
            TodoItem(title=f"作成中の選定：{r['engagement_title']}（第{r['version']}版）",
                     href=f"/selections/{r['id']}", kind="選定の作成")
            for r in drafts
        ], total_drafts, href),
    ]  # fmt: skip


def register() -> None:
    """Register this domain's to-do providers (idempotent)."""
    register_todo_provider(selections_to_approve)
    register_todo_provider(selections_in_progress)
