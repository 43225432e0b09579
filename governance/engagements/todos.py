"""To-do items of the engagements domain: selections waiting for a security officer's approval."""

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


def register() -> None:
    """Register this domain's to-do providers (idempotent)."""
    register_todo_provider(selections_to_approve)
