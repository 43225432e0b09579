"""Lists of checks and findings, filtered and paged (set-based, on the status/due-date indexes), and exported."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from piccolo.columns.combination import WhereRaw

from governance.calendar import TOKYO, display_date
from governance.db import keyset_chunks
from governance.listing import ids_then_rows
from governance.verification.plan import KIND_LABELS
from governance.verification.services._checks import TO_PERFORM, display_status
from governance.verification.tables import (
    CHECK_STATUS_LABELS,
    FINDING_STATUS_LABELS,
    MEASURE_KIND_LABELS,
    MEASURE_STATUS_LABELS,
    OPEN_CHECK_STATUSES,
    SEVERITY_LABELS,
    Check,
    CheckStatus,
    Finding,
    Measure,
    MeasureStatus,
    check_status_in_sql,
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


def check_conditions(f: CheckFilter, *, today: dt.date) -> list[Any]:
    """The check list's filters as query conditions: the page, the API list and the export share them."""
    conditions: list[Any] = []
    # Several states as literals: the partial indexes of these two filters (migration 2026-12-05T17:55) hold exactly
    # their rows in due-date order, so a page reads fifty index entries instead of sorting every open check.
    if f.status == "overdue":
        conditions += [WhereRaw(check_status_in_sql(TO_PERFORM)), Check.due_on < today]
    elif f.status == "open":
        conditions.append(WhereRaw(check_status_in_sql(OPEN_CHECK_STATUSES)))
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
    return conditions


def _check_columns() -> tuple[Any, ...]:
    return (
        Check.id, Check.title, Check.kind, Check.due_on, Check.status, Check.engagement, Check.department,
        Check.assignee, Check.engagement.title.as_alias("engagement_title"),
        Check.department.name.as_alias("department_name"), Check.assignee.full_name.as_alias("assignee_name"),
    )  # fmt: skip


def _with_status(row: dict[str, Any], today: dt.date) -> dict[str, Any]:
    row["display_status"] = display_status(row["status"], row["due_on"], today)
    row["status_label"] = CHECK_STATUS_LABELS[row["display_status"]]
    return row


def check_ids_query(f: CheckFilter, *, today: dt.date, limit: int = 100, offset: int = 0) -> Any:
    """The page's check ids: the one table, the filters, ordered by due date then id, limited (indexed order).

    The list (and the query-plan test) run exactly this query; the rows are loaded for these ids only.
    """
    query = Check.select(Check.id)
    if conditions := check_conditions(f, today=today):
        query = query.where(*conditions)
    return query.order_by(Check.due_on, Check.id).limit(limit).offset(offset)


async def list_checks(
    f: CheckFilter, *, today: dt.date, limit: int = 100, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """Checks by due date (then id), with the total count for paging.

    Ids first (``check_ids_query``, on the indexes), then the page's rows joined for those ids only, in the ids' order.
    """
    count = Check.count()
    if conditions := check_conditions(f, today=today):
        count = count.where(*conditions)
    rows, total = await ids_then_rows(check_ids_query(f, today=today, limit=limit, offset=offset),
                                      Check.select(*_check_columns()), Check.id, count)  # fmt: skip
    return [_with_status(r, today) for r in rows], total


def _day(value: dt.datetime | None) -> dt.date | None:
    return value.astimezone(TOKYO).date() if value is not None else None


async def export_checks(f: CheckFilter, *, today: dt.date, chunk: int = 500) -> AsyncIterator[dict[str, Any]]:
    """Every check the list's filters match, in id order, a chunk at a time (for the register).

    Each row has the status as the page shows it (期限超過 derived the same way), the kind's label, who performed
    and who signed off, and when (as Japan dates).
    """
    columns = (
        *_check_columns(), Check.performed_by.full_name.as_alias("performed_by_name"), Check.performed_at,
        Check.reviewed_by.full_name.as_alias("reviewed_by_name"), Check.reviewed_at, Check.review_note,
        Check.cancel_reason,
    )  # fmt: skip
    async for rows in keyset_chunks(
        lambda: Check.select(*columns), Check, check_conditions(f, today=today), chunk=chunk
    ):
        for r in rows:
            approved = r["status"] == CheckStatus.done
            yield {
                **_with_status(r, today),
                "kind_label": KIND_LABELS.get(r["kind"], r["kind"]),
                "performed_on": _day(r["performed_at"]),
                "approved_by": r["reviewed_by_name"] if approved else "",
                "approved_on": _day(r["reviewed_at"]) if approved else None,
            }


def finding_conditions(
    *, status: str | None = None, department_id: int | None = None, severity: str | None = None,
    measures_overdue_on: dt.date | None = None,
) -> list[Any]:  # fmt: skip
    """The finding list's filters as query conditions: the page, the API list and the export share them.

    ``measures_overdue_on``: only findings with a measure still open whose due date is before that day.
    """
    conditions: list[Any] = []
    if status:
        conditions.append(Finding.status == status)
    if department_id is not None:
        conditions.append(Finding.department == department_id)
    if severity:
        conditions.append(Finding.severity == severity)
    if measures_overdue_on is not None:
        late = Measure.select(Measure.finding).where(
            Measure.status == MeasureStatus.open, Measure.due_on < measures_overdue_on
        )
        conditions.append(Finding.id.is_in(late))
    return conditions


def _finding_columns() -> tuple[Any, ...]:
    return (
        Finding.id, Finding.title, Finding.severity, Finding.status, Finding.opened_at, Finding.escalated_at,
        Finding.engagement, Finding.check, Finding.engagement.title.as_alias("engagement_title"),
        Finding.department.name.as_alias("department_name"),
    )  # fmt: skip


def _labelled(row: dict[str, Any]) -> dict[str, Any]:
    row["severity_label"] = SEVERITY_LABELS.get(row["severity"], row["severity"])
    row["status_label"] = FINDING_STATUS_LABELS.get(row["status"], row["status"])
    return row


def finding_ids_query(
    *, status: str | None = None, department_id: int | None = None, severity: str | None = None,
    measures_overdue_on: dt.date | None = None, limit: int = 100, offset: int = 0,
) -> Any:  # fmt: skip
    """The page's finding ids: open ones first, then newest first, on the one table (indexed order)."""
    query = Finding.select(Finding.id)
    if conditions := finding_conditions(
        status=status, department_id=department_id, severity=severity, measures_overdue_on=measures_overdue_on
    ):
        query = query.where(*conditions)
    query = query.order_by(Finding.status, ascending=False).order_by(Finding.id, ascending=False)
    return query.limit(limit).offset(offset)


async def list_findings(
    *, status: str | None = None, department_id: int | None = None, severity: str | None = None,
    measures_overdue_on: dt.date | None = None, limit: int = 100, offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:  # fmt: skip
    """Findings, open ones first, then newest first (filters as ``finding_conditions``): ids first, then their rows."""
    filters = {"status": status, "department_id": department_id, "severity": severity,
               "measures_overdue_on": measures_overdue_on}  # fmt: skip
    count = Finding.count()
    if conditions := finding_conditions(**filters):
        count = count.where(*conditions)
    rows, total = await ids_then_rows(finding_ids_query(**filters, limit=limit, offset=offset),
                                      Finding.select(*_finding_columns()), Finding.id, count)  # fmt: skip
    return [_labelled(r) for r in rows], total


async def export_findings(
    *, status: str | None = None, department_id: int | None = None, severity: str | None = None,
    measures_overdue_on: dt.date | None = None, chunk: int = 500,
) -> AsyncIterator[dict[str, Any]]:  # fmt: skip
    """Every finding the list's filters match, newest first, a chunk at a time, each with its measures summarised.

    One row per finding: the measures (kind, due date, status, owner) in one cell, their count, how many are still
    open, and the earliest due date among the open ones (the finding's next deadline).
    """
    columns = (
        *_finding_columns(), Finding.description, Finding.check.title.as_alias("check_title"),
        Finding.verification_note, Finding.closed_at,
    )  # fmt: skip
    where = finding_conditions(
        status=status, department_id=department_id, severity=severity, measures_overdue_on=measures_overdue_on
    )
    async for rows in keyset_chunks(lambda: Finding.select(*columns), Finding, where, chunk=chunk, newest_first=True):
        measures: dict[int, list[dict[str, Any]]] = {}
        for m in (
            await Measure.select(
                Measure.finding, Measure.kind, Measure.due_on, Measure.status, Measure.owner.full_name.as_alias("owner")
            )
            .where(Measure.finding.is_in([r["id"] for r in rows]))
            .order_by(Measure.id)
        ):
            measures.setdefault(m["finding"], []).append(m)
        for r in rows:
            taken = measures.get(r["id"], [])
            still_open = [m for m in taken if m["status"] == MeasureStatus.open]
            yield {
                **_labelled(r),
                "opened_on": _day(r["opened_at"]),
                "escalated": r["escalated_at"] is not None,
                "closed_on": _day(r["closed_at"]),
                "measure_count": len(taken),
                "open_measures": len(still_open),
                "next_due": min((m["due_on"] for m in still_open), default=None),
                "measures": [
                    f"{MEASURE_KIND_LABELS.get(m['kind'], m['kind'])}（期限 {display_date(m['due_on'])}・"
                    f"{MEASURE_STATUS_LABELS.get(m['status'], m['status'])}・{m['owner'] or '担当者なし'}）"
                    for m in taken
                ],
            }
