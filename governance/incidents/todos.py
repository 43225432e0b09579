"""To-do items of incidents: each open deadline (速報, 確報, 本人への通知 …) and each open incident to work on."""

from __future__ import annotations

import datetime as dt

from governance.accounts.roles import Role, is_department_scoped
from governance.actor import Actor
from governance.incidents.queries import current_steps, open_deadlines
from governance.incidents.services import RECORD_ROLES
from governance.incidents.tables import Incident, IncidentStatus
from governance.system.todos import TodoGroup, TodoItem, group, register_todo_provider


async def incident_todos(actor: Actor, today: dt.date) -> list[TodoGroup]:
    """Open incidents of the actor's department (every department for the security office), deadlines first.

    Only open incidents within the actor's scope are loaded (SQL); their deadlines are judged from their steps in
    Python, and each kind is bounded to the most urgent ones.
    """
    if not actor.has_any(*RECORD_ROLES):
        return []
    query = Incident.select(Incident.id, Incident.title, Incident.status, Incident.assessment, Incident.department)
    query = query.where(Incident.status == IncidentStatus.open)
    if not actor.has_any(Role.security_officer) or is_department_scoped(actor.roles):
        query = query.where(Incident.department == (actor.department_id or -1))
    rows = await query
    current = await current_steps([r["id"] for r in rows])
    deadline_items: list[TodoItem] = []
    open_items: list[TodoItem] = []
    for r in rows:
        deadlines = open_deadlines(r, current[r["id"]])
        for d in deadlines:
            due = dt.date.fromisoformat(d["due"]) if d.get("due") else None
            deadline_items.append(TodoItem(title=f"{d['label']}：{r['title']}", href=f"/incidents/{r['id']}#deadlines",
                                           due=due if due else today, kind="事故・インシデントの期限",
                                           overdue=due is not None and due < today))  # fmt: skip
        if not deadlines:
            open_items.append(TodoItem(title=f"事故・インシデントの対応：{r['title']}",
                                       href=f"/incidents/{r['id']}#steps", kind="事故・インシデント"))  # fmt: skip
    return [group("事故・インシデントの期限", deadline_items, more_href="/incidents/"),
            group("事故・インシデント", open_items, more_href="/incidents/")]  # fmt: skip


def register() -> None:
    """Register the to-do provider and the reminder sources of incidents (idempotent)."""
    from governance.incidents.reminders import register as register_reminders

    register_todo_provider(incident_todos)
    register_reminders()
