"""JSON API for incidents: list (and export), read, open, change facts, record steps, close."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, patch, post
from litestar.params import JSONBody, QueryParameter
from litestar.response import Stream

from governance.incidents import schemas
from governance.incidents.controllers import COLUMNS, DECIDE, EXPORT_TITLE, READ, RECORD
from governance.incidents.queries import export_rows, get_incident, list_incidents
from governance.incidents.services import IncidentQuery, IncidentService
from governance.schema import MAX_ID
from governance.web.exporting import ExportOperation, ExportParam, export_response, wanted_format
from governance.web.pages import principal
from governance.web.params import PathId
from governance.web.scope import listing_department


class IncidentApiController(Controller):
    """Incidents (事故・インシデント) with their decision, deadlines and steps."""

    path = "/api/v1/incidents"
    tags = ["incidents"]

    @get("/", opt=READ, operation_class=ExportOperation)
    async def list_incidents(
        self,
        request: Request[Any, Any, Any],
        department_id: Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)] = None,
        kind: Annotated[str, QueryParameter(max_length=30)] = "",
        status: Annotated[str, QueryParameter(max_length=20, description="open or closed")] = "",
        page: Annotated[int, QueryParameter(ge=1, le=100000)] = 1,
        per_page: Annotated[int, QueryParameter(ge=1, le=100)] = 50,
        format: ExportParam = None,  # read through wanted_format(), with Accept
    ) -> schemas.IncidentPage | Stream:
        """List incidents, open first and the nearest open deadline first (format=xlsx|csv: every match as a file)."""
        query = IncidentQuery(department_id=listing_department(request, department_id), kind=kind, status=status,
                              page=page, per_page=per_page)  # fmt: skip
        if fmt := wanted_format(request):
            return await export_response(fmt, EXPORT_TITLE, COLUMNS, export_rows(query), fallback="incidents")
        return await list_incidents(query)

    @get("/{incident_id:int}", opt=READ)
    async def get_incident(self, incident_id: PathId) -> schemas.Incident:
        """Return an incident: facts, the decision with reasons and citations, deadlines, steps, history."""
        return await get_incident(incident_id)

    @post("/", opt=RECORD)
    async def open_incident(
        self, request: Request[Any, Any, Any], data: JSONBody[schemas.IncidentOpen]
    ) -> schemas.Incident:
        """Open an incident with the facts known now (the decision is computed at once)."""
        new_id = await IncidentService().open(data, actor=principal(request).actor)
        return await get_incident(new_id)

    @patch("/{incident_id:int}", opt=RECORD)
    async def change_facts(
        self, request: Request[Any, Any, Any], incident_id: PathId, data: JSONBody[schemas.FactsPatch]
    ) -> schemas.Incident:
        """Change facts (fields given and not null); the decision and deadlines are recomputed and the change kept."""
        changes = {f: getattr(data, f) for f in data.__struct_fields__ if f != "note" and getattr(data, f) is not None}
        if "title" in changes:
            changes["title"] = changes["title"].strip()
        await IncidentService().update_facts(incident_id, changes, actor=principal(request).actor, note=data.note)
        return await get_incident(incident_id)

    @post("/{incident_id:int}/steps", opt=RECORD)
    async def record_step(
        self, request: Request[Any, Any, Any], incident_id: PathId, data: JSONBody[schemas.StepIn]
    ) -> schemas.Incident:
        """Add an entry on a step (evidence as the id of a stored file); the latest entry of a step counts."""
        await IncidentService().record_step(
            incident_id, data.step, actor=principal(request).actor, status=data.status, note=data.note,
            evidence_file_id=data.evidence_file_id, done_on=data.done_on, measure_id=data.measure_id,
        )  # fmt: skip
        return await get_incident(incident_id)

    @post("/{incident_id:int}/close", opt=DECIDE)
    async def close_incident(
        self, request: Request[Any, Any, Any], incident_id: PathId, data: JSONBody[schemas.CloseIn]
    ) -> schemas.Incident:
        """Close the incident (409 naming each missing step until every required step is done with evidence)."""
        await IncidentService().close(incident_id, actor=principal(request).actor, note=data.note)
        return await get_incident(incident_id)
