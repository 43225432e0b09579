"""Lists of checks and findings, filtered and paged (set-based, on the status/due-date indexes)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from governance.verification.services._checks import TO_PERFORM, display_status
from governance.verification.tables import (
    CHECK_STATUS_LABELS,
    FINDING_STATUS_LABELS,
    OPEN_CHECK_STATUSES,
    SEVERITY_LABELS,
    Check,
    Finding,
)


@dataclass(frozen=True)
class CheckFilter:
    """What to list: every field optional; ``status`` may be ``overdue`` (still to perform and past due)."""

    status: str | None = None
    department_id: int | None = None
    engagement_id: int | None = None
    assignee_id: int | None = None
    due_from: dt.date | None = None
    due_to: dt.date | None = None


async def list_checks(
    f: CheckFilter, *, today: dt.date, limit: int = 100, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """Checks by due date (then id), with the total count for paging."""
    conditions = []
    if f.status == "overdue":
        conditions += [Check.status.is_in(list(TO_PERFORM)), Check.due_on < today]
    elif f.status == "open":
        conditions.append(Check.status.is_in(list(OPEN_CHECK_STATUSES)))
    elif f.status:
        conditions.append(Check.status == f.status)
    if f.department_id is not None:
        conditions.append(Check.department == f.department_id)
    if f.engagement_id is not None:
        conditions.append(Check.engagement == f.engagement_id)
    if f.assignee_id is not None:
        conditions.append(Check.assignee == f.assignee_id)
    if f.due_from is not None:
        conditions.append(Check.due_on >= f.due_from)
    if f.due_to is not None:
        conditions.append(Check.due_on <= f.due_to)
    query = Check.select(
        Check.id, Check.title, Check.kind, Check.due_on, Check.status, Check.engagement, Check.department,
        Check.assignee, Check.engagement.title.as_alias("engagement_title"),
        Check.department.name.as_alias("department_name"), Check.assignee.full_name.as_alias("assignee_name"),
    )  # fmt: skip
    count = Check.count()
    if conditions:
        query = query.where(*conditions)
        count = count.where(*conditions)
    rows = await query.order_by(Check.due_on).order_by(Check.id).limit(limit).offset(offset)
    for r in rows:
        r["display_status"] = display_status(r["status"], r["due_on"], today)
        r["status_label"] = CHECK_STATUS_LABELS[r["display_status"]]
    return rows, await count


async def list_findings(
    *, status: str | None = None, department_id: int | None = None, limit: int = 100, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """Findings, open ones first, then newest first."""
    conditions = []
    if status:
        conditions.append(Finding.status == status)
    if department_id is not None:
        conditions.append(Finding.department == department_id)
    query = Finding.select(
        Finding.id, Finding.title, Finding.severity, Finding.status, Finding.opened_at, Finding.escalated_at,
        Finding.engagement, Finding.check, Finding.engagement.title.as_alias("engagement_title"),
        Finding.department.name.as_alias("department_name"),
    )  # fmt: skip
    count = Finding.count()
    if conditions:
        query = query.where(*conditions)
        count = count.where(*conditions)
    rows = (
        await query.order_by(Finding.status, ascending=False)
        .order_by(Finding.id, ascending=False)
        .limit(limit)
        .offset(offset)
    )
    for r in rows:
        r["severity_label"] = SEVERITY_LABELS.get(r["severity"], r["severity"])
        r["status_label"] = FINDING_STATUS_LABELS.get(r["status"], r["status"])
    return rows, await count
