"""事故・インシデント pages: the list (open first, nearest deadline first), open one, its page with the clock."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Stream, Template

from governance.accounts.roles import Role
from governance.accounts.services import UserService
from governance.calendar import TOKYO, today_tokyo
from governance.db import write_transaction
from governance.errors import DomainError, ValidationError
from governance.exports import field
from governance.files.services import FileService
from governance.incidents import schemas
from governance.incidents.queries import export_rows, get_incident, list_incidents
from governance.incidents.services import (
    DECIDE_ROLES,
    FACT_FIELDS,
    FACT_LABELS,
    READ_ROLES,
    RECORD_ROLES,
    IncidentQuery,
    IncidentService,
    at_tokyo,
)
from governance.incidents.steps import GROUP_LABELS
from governance.web.access import access
from governance.web.exporting import export_links, export_response, wanted_format
from governance.web.forms import parse_form
from governance.web.pages import notice_of, principal, redirect, render
from governance.web.params import PathId, query_number, query_page
from governance.web.scope import listing_department
from governance.web.uploads import KEEPS_FIELDS, oversized_errors

READ = access(READ_ROLES)
RECORD = access(RECORD_ROLES)
DECIDE = access(DECIDE_ROLES)
MULTILINE = frozenset({"summary", "containment", "note"})

EXPORT_TITLE = "事故・インシデント一覧"
COLUMNS = (
    field("id", "番号", 8),
    field("title", "件名", 30),
    field("kind_label", "種類", 24),
    field("department_name", "所管課", 18),
    field("status_label", "状態", 10),
    field("discovered_at", "発覚日時", 18),
    field("occurred_at", "発生日時", 18),
    field("people", "人数", 12),
    field("report_required_label", "委員会への報告", 12),
    field("next_deadline_label", "次の期限", 24),
    field("next_deadline", "次の期限の日", 16),
    field("closed_at", "完了日時", 18),
)
"""The incident register as exported."""

CHOICES: dict[str, Any] = {"kinds": schemas.KIND_LABELS, "statuses": schemas.STATUS_LABELS,
                           "step_statuses": schemas.STEP_STATUS_LABELS, "groups": GROUP_LABELS}  # fmt: skip


def query_of(request: Request[Any, Any, Any]) -> IncidentQuery:
    """The list filters from the query string, the department limited by scope."""
    q = request.query_params
    return IncidentQuery(
        department_id=listing_department(request, query_number(q, "department_id")),
        kind=str(q.get("kind", ""))[:30], status=str(q.get("status", ""))[:20], page=query_page(q),
    )  # fmt: skip


def facts_values(i: schemas.Incident) -> dict[str, Any]:
    """An incident's facts as form values."""
    disc = i.discovered_at.astimezone(TOKYO)
    occ = i.occurred_at.astimezone(TOKYO) if i.occurred_at else None
    return {
        **{f: getattr(i, f) for f in FACT_FIELDS if f not in ("discovered_at", "occurred_at")},
        "discovered_on": disc.date().isoformat(), "discovered_time": f"{disc:%H:%M}",
        "occurred_on": occ.date().isoformat() if occ else "", "occurred_time": f"{occ:%H:%M}" if occ else "",
        "people_min": "" if i.people_min is None else i.people_min,
        "people_max": "" if i.people_max is None else i.people_max,
    }  # fmt: skip


class IncidentPageController(Controller):
    """The incidents of the whole product (委託先の事故, 外部サービス, SNS) and their response."""

    path = "/incidents"
    include_in_schema = False

    @get("/", opt=READ)
    async def index(self, request: Request[Any, Any, Any]) -> Template | Stream:
        """List incidents, open first and nearest deadline first (?format=xlsx|csv: every match as a file)."""
        query = query_of(request)
        if fmt := wanted_format(request):
            return await export_response(fmt, EXPORT_TITLE, COLUMNS, export_rows(query), fallback="incidents")
        result = await list_incidents(query)
        return render(
            "incidents/index.html", result=result, query=query, pages=max(1, -(-result.total // result.per_page)),
            departments=await UserService().list_departments(), today=today_tokyo(), notice=notice_of(request),
            can_open=principal(request).has_any(*RECORD_ROLES), exports=export_links(request),
            active_nav="incidents", **CHOICES,
        )  # fmt: skip

    async def _new(self, request: Request[Any, Any, Any], values: dict[str, Any], errors: dict[str, str],
                   status_code: int = 200) -> Template:  # fmt: skip
        return render("incidents/new.html", values=values, errors=errors, status_code=status_code,
                      departments=await UserService().list_departments(), active_nav="incidents",
                      **CHOICES)  # fmt: skip

    @get("/new", opt=RECORD)
    async def new(self, request: Request[Any, Any, Any]) -> Template:
        """Show the form to open an incident."""
        user = principal(request)
        values = {"kind": "data_breach", "department_id": user.department_id or "",
                  "discovered_on": today_tokyo().isoformat()}  # fmt: skip
        return await self._new(request, values, {})

    @post("/", opt=RECORD)
    async def create(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        """Open an incident."""
        result = parse_form(await request.form(), schemas.IncidentOpen, multiline=MULTILINE)
        if not result.ok:
            return await self._new(request, result.raw, result.errors, 422)
        try:
            new_id = await IncidentService().open(result.value, actor=principal(request).actor)
        except ValidationError as exc:
            return await self._new(request, result.raw, exc.field_errors, 422)
        return redirect(f"/incidents/{new_id}", "created")

    async def _page(self, request: Request[Any, Any, Any], incident_id: int, *, status_code: int = 200,
                    errors: dict[str, str] | None = None, values: dict[str, Any] | None = None,
                    error: str | None = None, step_values: dict[str, Any] | None = None,
                    close_values: dict[str, Any] | None = None) -> Template:  # fmt: skip
        incident = await get_incident(incident_id)
        user = principal(request)
        return render(
            "incidents/detail.html", status_code=status_code, i=incident, errors=errors or {}, error=error,
            values=values or facts_values(incident), step_values=step_values or {}, close_values=close_values or {},
            notice=notice_of(request),
            can_record=user.has_any(*RECORD_ROLES) and incident.status == "open",
            can_decide=user.has_any(*DECIDE_ROLES) and incident.status == "open",
            can_audit=user.has_any(Role.admin, Role.auditor, Role.security_officer), today=today_tokyo(),
            step_options={s.key: s.label for s in incident.steps}, fact_labels=FACT_LABELS,
            fact_errors={k: m for k, m in (errors or {}).items() if not k.startswith(("step_", "close_"))},
            active_nav="incidents", **CHOICES,
        )  # fmt: skip

    @get("/{incident_id:int}", opt=READ)
    async def detail(self, request: Request[Any, Any, Any], incident_id: PathId) -> Template:
        """Show an incident: the clock, the decision and why, facts, their history, steps, closing."""
        return await self._page(request, incident_id)

    @post("/{incident_id:int}/facts", opt=RECORD)
    async def facts(self, request: Request[Any, Any, Any], incident_id: PathId) -> Template | Redirect:
        """Record the facts as known now (the decision and deadlines are recomputed and the change kept)."""
        result = parse_form(await request.form(), schemas.FactsForm, multiline=MULTILINE)
        if not result.ok:
            return await self._page(request, incident_id, status_code=422, errors=result.errors, values=result.raw)
        v = result.value
        changes = {f: getattr(v, f) for f in FACT_FIELDS if f not in ("discovered_at", "occurred_at")}
        changes["title"] = v.title.strip()
        changes["discovered_at"] = at_tokyo(v.discovered_on, v.discovered_time)
        changes["occurred_at"] = at_tokyo(v.occurred_on, v.occurred_time) if v.occurred_on else None
        try:
            await IncidentService().update_facts(incident_id, changes, actor=principal(request).actor, note=v.note)
        except ValidationError as exc:
            return await self._page(request, incident_id, status_code=422, errors=exc.field_errors, values=result.raw)
        return redirect(f"/incidents/{incident_id}#facts", "saved")

    @post("/{incident_id:int}/steps", opt=RECORD | KEEPS_FIELDS)
    async def record_step(self, request: Request[Any, Any, Any], incident_id: PathId) -> Template | Redirect:
        """Record an entry on a step, with its evidence file."""
        form = await request.form()
        result = parse_form(form, schemas.StepIn, multiline=MULTILINE)
        oversized = oversized_errors(request)
        current = await get_incident(incident_id)
        keep = facts_values(current)
        if not result.ok or oversized:
            errors = {f"step_{k}": v for k, v in (result.errors | oversized).items()}
            return await self._page(request, incident_id, status_code=422, errors=errors, values=keep,
                                    step_values=result.raw)  # fmt: skip
        actor = principal(request).actor
        upload = form.get("evidence")
        v = result.value
        try:
            async with write_transaction():
                evidence = v.evidence_file_id
                if upload is not None and getattr(upload, "filename", ""):
                    evidence = await FileService(request.app.state.settings.data_dir).save(
                        await upload.read(), upload.filename, actor=actor, field="evidence"
                    )
                await IncidentService().record_step(
                    incident_id, v.step, actor=actor, status=v.status, note=v.note, evidence_file_id=evidence,
                    done_on=v.done_on, measure_id=v.measure_id,
                )  # fmt: skip
        except ValidationError as exc:
            errors = {f"step_{k}": m for k, m in exc.field_errors.items()}
            return await self._page(request, incident_id, status_code=422, errors=errors, values=keep,
                                    step_values=result.raw)  # fmt: skip
        except DomainError as exc:
            if exc.status_code == 404:
                raise
            return await self._page(request, incident_id, status_code=exc.status_code, error=exc.message,
                                    values=keep, step_values=result.raw)  # fmt: skip
        return redirect(f"/incidents/{incident_id}#steps", "saved")

    @post("/{incident_id:int}/close", opt=DECIDE)
    async def close(self, request: Request[Any, Any, Any], incident_id: PathId) -> Template | Redirect:
        """Close the incident (refused, naming each missing step, until every required step is done)."""
        note = str((await request.form()).get("note", ""))[:4000]
        try:
            await IncidentService().close(incident_id, actor=principal(request).actor, note=note)
        except ValidationError as exc:
            return await self._page(request, incident_id, status_code=422, close_values={"note": note},
                                    errors={f"close_{k}": m for k, m in exc.field_errors.items()})  # fmt: skip
        except DomainError as exc:
            if exc.status_code == 404:
                raise
            return await self._page(request, incident_id, status_code=exc.status_code, error=exc.message,
                                    close_values={"note": note})  # fmt: skip
        return redirect(f"/incidents/{incident_id}", "saved")
