"""Audit log pages (filter, page, CSV export) and API."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, get
from litestar.params import QueryParameter
from litestar.response import Stream, Template

from governance.accounts.roles import Role
from governance.accounts.tables import User
from governance.audit import schemas
from governance.audit.labels import TARGET_LABELS
from governance.audit.services import ACTION_LABELS, AuditFilter, AuditService
from governance.calendar import parse_date_text
from governance.exports import Column, field
from governance.schema import MAX_ID
from governance.web.access import access
from governance.web.exporting import ExportOperation, ExportParam, export_response, wanted_format
from governance.web.pages import render
from governance.web.params import query_page

AUDIT_READERS = access(Role.admin, Role.auditor, Role.security_officer)
PAGE_SIZE = 50

AUDIT_COLUMNS = (
    field("id", "番号", 8),
    field("occurred_at", "日時", 18),
    field("actor_id", "操作者ID", 8),
    field("actor_label", "操作者", 18),
    field("action", "操作", 24),
    Column("操作名", lambda r: ACTION_LABELS.get(r["action"], ""), 24),
    field("target_type", "対象種別", 14),
    field("target_id", "対象ID", 8),
    field("target_label", "対象", 30),
    field("before_json", "変更前", 30),
    field("after_json", "変更後", 30),
    field("prev_hash", "直前ハッシュ", 20),
    field("entry_hash", "ハッシュ", 20),
    Column("対象種別名", lambda r: TARGET_LABELS.get(r["target_type"], ""), 16),
)
"""The audit log as exported: every column of an entry, so the chain can be checked from the file, then the label of
the target's kind (added last, so that the columns of earlier exports keep their places)."""

Text = Annotated[str, QueryParameter(max_length=200)]
DateParam = Annotated[dt.date | None, QueryParameter()]


def _filter(actor: str, action: str, target_type: str, target_id: str, date_from: Any, date_to: Any) -> AuditFilter:
    return AuditFilter(
        actor=actor.strip(),
        action=action.strip(),
        target_type=target_type.strip(),
        target_id=target_id.strip(),
        date_from=date_from,
        date_to=date_to,
    )


async def _chain(first: dict[str, Any], rest: AsyncIterator[dict[str, Any]]) -> AsyncIterator[dict[str, Any]]:
    yield first
    async for row in rest:
        yield row


def _parse_date(value: str) -> tuple[dt.date | None, str | None]:
    if not value.strip():
        return None, None
    day = parse_date_text(value)
    if day is None:
        return None, "日付は「令和8年4月1日」「R8.4.1」「2026-04-01」のいずれかの形で、実在する日付を入力してください。"
    return day, None


async def _with_people(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Entries about a user get ``target_name``: the person's name as registered now (the entry keeps the login)."""
    ids = {int(r["target_id"]) for r in rows if r["target_type"] == "user" and str(r["target_id"]).isdigit()}
    if not ids:
        return rows
    names = {
        u["id"]: u["full_name"] for u in await User.select(User.id, User.full_name).where(User.id.is_in(list(ids)))
    }
    return [
        r | {"target_name": names.get(int(r["target_id"]), "")}
        if r["target_type"] == "user" and str(r["target_id"]).isdigit()
        else r
        for r in rows
    ]


class AuditPageController(Controller):
    """The audit log for administrators, auditors and security officers."""

    path = "/audit"
    opt = AUDIT_READERS
    include_in_schema = False

    def _read_filter(self, request: Request[Any, Any, Any]) -> tuple[AuditFilter, dict[str, str], dict[str, str]]:
        q = request.query_params
        values = {k: str(q.get(k, ""))[:200] for k in ("actor", "action", "target_type", "target_id", "from", "to")}
        errors: dict[str, str] = {}
        for key, value in values.items():
            if "\x00" in value:  # PostgreSQL cannot compare text holding NUL; refuse it before any query runs
                errors[key] = "使用できない文字（NUL文字）が含まれています。"
        date_from, err = _parse_date(values["from"])
        if err:
            errors["from"] = err
        date_to, err = _parse_date(values["to"])
        if err:
            errors["to"] = err
        f = _filter(values["actor"], values["action"], values["target_type"], values["target_id"], date_from, date_to)
        return f, values, errors

    @get("/")
    async def index(self, request: Request[Any, Any, Any]) -> Template:
        """Show entries matching the filter, newest first, 50 per page."""
        f, values, errors = self._read_filter(request)
        page = query_page(request.query_params)
        if errors:
            rows, total = [], 0
        else:
            rows, total = await AuditService().list(f, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
            rows = await _with_people(rows)
        query = urlencode({k: v for k, v in values.items() if v})
        return render(
            "audit/index.html",
            status_code=422 if errors else 200,
            rows=rows,
            total=total,
            page=page,
            pages=max(1, (total + PAGE_SIZE - 1) // PAGE_SIZE),
            values=values,
            errors=errors,
            query=query,
            actions=ACTION_LABELS,
            targets=TARGET_LABELS,
        )

    @get(["/export.csv", "/export.xlsx"])
    async def export(self, request: Request[Any, Any, Any]) -> Stream | Template:
        """Download every matching entry as CSV (UTF-8 with BOM, so Excel opens it) or as an .xlsx workbook."""
        f, _, errors = self._read_filter(request)
        if errors:
            return render(
                "errors/error.html",
                status_code=422,
                status=422,
                title="入力内容に誤りがあります",
                detail="；".join(errors.values()),
                field_errors=[],
                incident="",
            )
        fmt = "xlsx" if request.url.path.endswith(".xlsx") else "csv"
        return await export_response(fmt, "監査ログ", AUDIT_COLUMNS, AuditService().iter_all(f), fallback="audit-log")


class AuditApiController(Controller):
    """Audit entries over the API."""

    path = "/api/v1/audit-entries"
    tags = ["audit"]
    opt = AUDIT_READERS

    @get("/", operation_class=ExportOperation)
    async def list_entries(
        self,
        request: Request[Any, Any, Any],
        actor: Text = "",
        action: Text = "",
        target_type: Text = "",
        target_id: Text = "",
        date_from: DateParam = None,
        date_to: DateParam = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
        offset: Annotated[int, QueryParameter(ge=0, le=MAX_ID)] = 0,
        format: ExportParam = None,  # read through wanted_format(), with Accept
    ) -> schemas.AuditPage | Stream:
        """List entries newest first, filtered by actor, action (prefix), target and date (Japan time).

        With ``format=xlsx`` or ``csv`` (or that Accept), every matching entry comes as a file, oldest first, with
        every column of the entry (so the hash chain can be checked from the file).
        """
        f = _filter(actor, action, target_type, target_id, date_from, date_to)
        if fmt := wanted_format(request):
            rows = AuditService().iter_all(f)
            return await export_response(fmt, "監査ログ", AUDIT_COLUMNS, rows, fallback="audit-log")
        rows, total = await AuditService().list(f, limit=limit, offset=offset)
        return schemas.AuditPage(items=[schemas.AuditEntry(**r) for r in rows], total=total, limit=limit, offset=offset)

    @get("/verify")
    async def verify(self) -> schemas.ChainStatus:
        """Verify the hash chain and name the first broken entry, if any."""
        report = await AuditService().verify()
        return schemas.ChainStatus(
            ok=report.ok,
            checked=report.checked,
            head_hash=report.head_hash,
            broken_id=report.broken_id,
            reason=report.reason,
        )
