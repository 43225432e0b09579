"""To-do items of the engagements domain: selections to approve, and one's own selections in progress or returned."""

from __future__ import annotations

import datetime as dt

from governance.accounts.roles import Role
from governance.actor import Actor
from governance.engagements.services import SelectionService
from governance.system.todos import TodoItem, register_todo_provider


async def selections_to_approve(actor: Actor, today: dt.date) -> list[TodoItem]:
    """Submitted selections for security officers (not their own: they cannot approve those)."""
    if not actor.has_any(Role.security_officer):
        return []
    return [
        TodoItem(
            title=f"選定の承認：{row['engagement_title']}（第{row['version']}版）",
            href=f"/selections/{row['id']}",
            kind="選定の承認",
        )
        for row in await SelectionService().awaiting_approval()
        if row["prepared_by"] != actor.id
    ]


async def selections_in_progress(actor: Actor, today: dt.date) -> list[TodoItem]:
    """The actor's own selections still being prepared; a returned one (差戻し) first, to be corrected."""
    if actor.id is None or not actor.has_any(Role.procurement, Role.department_staff):
        return []
    rows = await SelectionService().in_progress_of(actor.id)
    returned = [r for r in rows if r["reviewed_at"] is not None]
    drafts = [r for r in rows if r["reviewed_at"] is None]
    return [
        TodoItem(title=f"差し戻された選定の修正：{r['engagement_title']}（第{r['version']}版）",
                 href=f"/selections/{r['id']}", kind="選定の差戻し")
        for r in returned
    ] + [
        TodoItem(title=f"作成中の選定：{r['engagement_title']}（第{r['version']}版）", href=f"/selections/{r['id']}",
                 kind="選定の作成")
        for r in drafts
    ]  # fmt: skip


def register() -> None:
    """Register this domain's to-do providers (idempotent)."""
    register_todo_provider(selections_to_approve)
    register_todo_provider(selections_in_progress)
