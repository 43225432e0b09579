"""Reminder sources of incidents: each open statutory deadline (速報, 確報, 本人への通知, and the 番号法 ones).

Before the due date the department's staff and whoever opened the incident are reminded; once a deadline is overdue
the reminder escalates to the security office (情報セキュリティ担当者, 統括情報セキュリティ責任者 and CISO, who hold or
imply that role). A deadline whose law fixes no day (速やかに) has no date to remind of: it stands on the home page's
to-do list instead. The exactly-once log (reminders.notify) keys each reminder by subject, rule, occurrence and person.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from governance.accounts.roles import Role
from governance.incidents.queries import current_steps, open_deadlines
from governance.incidents.tables import Incident, IncidentStatus
from governance.reminders.notify import Recipient, recipients_by_id, users_with_role
from governance.reminders.rules import Rule
from governance.reminders.sources import DueItem, register_source, window

SUBJECTS: dict[str, tuple[str, ...]] = {
    "incident_preliminary": ("preliminary", "mn_preliminary"),
    "incident_final": ("final", "mn_final"),
    "incident_notify": ("notify_individuals",),
}
"""Reminder subjects (rules.SUBJECT_LABELS) and the deadline keys each covers."""


async def open_incident_deadlines() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(incident, deadline) for every open deadline with a day of open incidents."""
    rows = await Incident.select(
        Incident.id, Incident.title, Incident.status, Incident.assessment, Incident.department, Incident.reported_by,
    ).where(Incident.status == IncidentStatus.open, Incident.report_required.eq(True))  # fmt: skip
    current = await current_steps([r["id"] for r in rows])
    return [(r, d) for r in rows for d in open_deadlines(r, current[r["id"]]) if d.get("due")]


async def _recipients(row: dict[str, Any], overdue: bool) -> tuple[Recipient, ...]:
    people = list(await users_with_role(Role.department_staff, department_id=row["department"]))
    if row["reported_by"] is not None:
        people += (await recipients_by_id([row["reported_by"]])).values()
    if overdue:
        people += await users_with_role(Role.security_officer)
    seen: dict[int, Recipient] = {}
    for p in people:
        seen.setdefault(p.user_id, p)
    return tuple(seen.values())


def source_for(subject: str) -> Any:
    """The reminder source of one subject."""
    keys = SUBJECTS[subject]

    async def due(rule: Rule, today: dt.date) -> list[DueItem]:
        start, end = window(rule, today)
        items = []
        for row, d in await open_incident_deadlines():
            if d["key"] not in keys:
                continue
            day = dt.date.fromisoformat(d["due"])
            if day > end or (start is not None and day < start):
                continue
            overdue = day < today
            title = f"{d['label']}（{row['title']}）" + ("　期限を過ぎています" if overdue else "")
            items.append(DueItem(f"incident_{d['key']}"[:40], row["id"], day, title, f"/incidents/{row['id']}",
                                 await _recipients(row, overdue)))  # fmt: skip
        return items

    return due


def register() -> None:
    """Register the incident sources with the reminder machinery (idempotent)."""
    for subject in SUBJECTS:
        register_source(subject, source_for(subject))
