"""Checks, findings and measures over /api/v1."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import JSONBody, QueryParameter
from litestar.response import Stream

from governance.accounts.roles import OUTSOURCING_READERS
from governance.calendar import today_tokyo
from governance.errors import ValidationError
from governance.schema import MAX_ID
from governance.verification import schemas
from governance.verification.controllers._check_pages import PERFORM, export_check_register
from governance.verification.controllers._finding_pages import export_finding_register
from governance.verification.services import (
    CheckFilter,
    CheckService,
    FindingService,
    ReportLinkService,
    ResultInput,
    list_checks,
    list_findings,
)
from governance.verification.tables import CHECK_STATUS_LABELS, FINDING_STATUS_LABELS
from governance.web.access import access
from governance.web.exporting import ExportOperation, ExportParam, wanted_format
from governance.web.pages import principal
from governance.web.params import PathId
from governance.web.scope import listing_department

READ = access(OUTSOURCING_READERS)
OptionalId = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)]
Limit = Annotated[int, QueryParameter(ge=1, le=500)]
Offset = Annotated[int, QueryParameter(ge=0, le=10_000_000)]
DateParam = Annotated[dt.date | None, QueryParameter()]
CheckStatusParam = Annotated[
    str | None,
    QueryParameter(max_length=20, description="planned / in_progress / reviewing / done / cancelled / overdue / open"),
]

FindingStatusParam = Annotated[str | None, QueryParameter(max_length=20, description="open / closed")]


def _finding_status(status: str | None) -> str | None:
    if status is not None and status not in FINDING_STATUS_LABELS:
        raise ValidationError({"status": "状態は open / closed のいずれかを指定してください。"})
    return status


class CheckApiController(Controller):
    """Checks: list, detail, results, submission, sign-off, cancellation, report links, event checks."""

    path = "/api/v1"
    tags = ["verification"]

    @get("/checks", opt=READ, operation_class=ExportOperation)
    async def list_checks(
        self,
        request: Request[Any, Any, Any],
        status: CheckStatusParam = None,
        department_id: OptionalId = None,
        engagement_id: OptionalId = None,
        assignee_id: OptionalId = None,
        due_from: DateParam = None,
        due_to: DateParam = None,
        limit: Limit = 100,
        offset: Offset = 0,
        format: ExportParam = None,  # read through wanted_format(), with Accept
    ) -> schemas.CheckPage | Stream:
        """Checks by due date; ``status=overdue`` lists open checks past their due date.

        With ``format=xlsx|csv`` (or ``Accept`` naming the file type) every matching check comes as a file.
        """
        if status is not None and status not in {*CHECK_STATUS_LABELS, "open"}:
            raise ValidationError({"status": "状態は planned / in_progress / reviewing / done / cancelled / overdue / "
                                             "open のいずれかを指定してください。"})  # fmt: skip
        department_id = listing_department(request, department_id)
        f = CheckFilter(status, department_id, engagement_id, assignee_id, due_from, due_to)
        if fmt := wanted_format(request):
            return await export_check_register(fmt, f)
        rows, total = await list_checks(f, today=today_tokyo(), limit=limit, offset=offset)
        return schemas.CheckPage(items=[schemas.check_out(r) for r in rows], total=total)

    @get("/checks/{check_id:int}", opt=READ)
    async def get_check(self, check_id: PathId) -> schemas.CheckDetailOut:
        """A check with its checklist (each item traceable to its clause and requirements)."""
        return schemas.check_detail_out(await CheckService().get(check_id))

    @post("/checks/{check_id:int}/results", opt=PERFORM)
    async def record(
        self, request: Request[Any, Any, Any], check_id: PathId, data: JSONBody[schemas.ResultsIn]
    ) -> schemas.CheckDetailOut:
        """Record results; each 不適合 (nonconforming) opens a finding."""
        await CheckService().record_results(
            check_id,
            [ResultInput(r.item_id, r.result, r.note, r.evidence_file_id, r.severity) for r in data.results],
            actor=principal(request).actor,
        )
        return schemas.check_detail_out(await CheckService().get(check_id))

    @post("/checks/{check_id:int}/submit", opt=PERFORM)
    async def submit(self, request: Request[Any, Any, Any], check_id: PathId) -> schemas.CheckDetailOut:
        """Mark the check performed; it waits for another person's sign-off."""
        await CheckService().submit(check_id, actor=principal(request).actor)
        return schemas.check_detail_out(await CheckService().get(check_id))

    @post("/checks/{check_id:int}/review", opt=PERFORM)
    async def review(
        self, request: Request[Any, Any, Any], check_id: PathId, data: JSONBody[schemas.ReviewIn]
    ) -> schemas.CheckDetailOut:
        """Sign off (approve) or return; never by the performer."""
        await CheckService().review(check_id, approve=data.approve, note=data.note, actor=principal(request).actor)
        return schemas.check_detail_out(await CheckService().get(check_id))

    @post("/checks/{check_id:int}/cancel", opt=PERFORM)
    async def cancel(
        self, request: Request[Any, Any, Any], check_id: PathId, data: JSONBody[schemas.CancelIn]
    ) -> schemas.CheckDetailOut:
        """Cancel a check with the reason."""
        await CheckService().cancel(check_id, reason=data.reason, actor=principal(request).actor)
        return schemas.check_detail_out(await CheckService().get(check_id))

    @post("/checks/{check_id:int}/assign", opt=PERFORM)
    async def assign(
        self, request: Request[Any, Any, Any], check_id: PathId, data: JSONBody[schemas.AssignIn]
    ) -> schemas.CheckDetailOut:
        """Set who performs the check."""
        await CheckService().assign(check_id, data.assignee_id, actor=principal(request).actor)
        return schemas.check_detail_out(await CheckService().get(check_id))

    @post("/checks/{check_id:int}/report-links", opt=PERFORM)
    async def create_link(
        self, request: Request[Any, Any, Any], check_id: PathId, data: JSONBody[schemas.ReportLinkIn]
    ) -> schemas.ReportLinkOut:
        """Issue a contractor report link; the URL is returned once and never again."""
        settings = request.app.state.settings
        days = data.days or settings.report_link_days
        now = dt.datetime.now(dt.UTC)
        svc = ReportLinkService(settings.data_dir)
        token = await svc.create(check_id, days=days, actor=principal(request).actor, now=now)
        link = await svc.open(token, now=now)
        return schemas.ReportLinkOut(
            id=link["id"], url=f"{settings.public_base_url}/report/{token}", expires_at=link["expires_at"]
        )

    @post("/checks/{check_id:int}/report-links/{link_id:int}/revoke", opt=PERFORM, status_code=204)
    async def revoke_link(self, request: Request[Any, Any, Any], check_id: PathId, link_id: PathId) -> None:
        """Revoke a report link."""
        await ReportLinkService(request.app.state.settings.data_dir).revoke(
            link_id, actor=principal(request).actor, check_id=check_id
        )

    @post("/engagements/{engagement_id:int}/checks/events", opt=PERFORM)
    async def open_event(
        self, request: Request[Any, Any, Any], engagement_id: PathId, data: JSONBody[schemas.EventCheckIn]
    ) -> schemas.CheckDetailOut:
        """Open a check for an event from the signed plan's templates."""
        check_id = await CheckService().open_event_check(
            engagement_id, data.template_id, note=data.note, due_on=data.due_on, actor=principal(request).actor
        )
        return schemas.check_detail_out(await CheckService().get(check_id))


class FindingApiController(Controller):
    """Findings and measures."""

    path = "/api/v1/findings"
    tags = ["verification"]

    @get("/", opt=READ, operation_class=ExportOperation)
    async def list_findings(
        self,
        request: Request[Any, Any, Any],
        status: FindingStatusParam = None,
        department_id: OptionalId = None,
        limit: Limit = 100,
        offset: Offset = 0,
        format: ExportParam = None,  # read through wanted_format(), with Accept
    ) -> list[schemas.FindingOut] | Stream:
        """Findings, open first (without measures; fetch one for them).

        With ``format=xlsx|csv`` (or ``Accept`` naming the file type) every matching finding comes as a file, one
        row per finding with its measures summarised.
        """
        status, department_id = _finding_status(status), listing_department(request, department_id)
        if fmt := wanted_format(request):
            return await export_finding_register(fmt, status=status, department_id=department_id)
        rows, _ = await list_findings(status=status, department_id=department_id, limit=limit, offset=offset)
        svc = FindingService()
        return [schemas.finding_out(await svc.get(r["id"])) for r in rows]

    @get("/{finding_id:int}", opt=READ)
    async def get_finding(self, finding_id: PathId) -> schemas.FindingOut:
        """A finding with its measures."""
        return schemas.finding_out(await FindingService().get(finding_id))

    @post("/{finding_id:int}/measures", opt=PERFORM)
    async def add_measure(
        self, request: Request[Any, Any, Any], finding_id: PathId, data: JSONBody[schemas.MeasureIn]
    ) -> schemas.FindingOut:
        """Decide a measure with its owner and due date."""
        await FindingService().add_measure(
            finding_id, kind=data.kind, description=data.description, owner_id=data.owner_id, due_on=data.due_on,
            actor=principal(request).actor,
        )  # fmt: skip
        return schemas.finding_out(await FindingService().get(finding_id))

    @post("/{finding_id:int}/measures/{measure_id:int}/close", opt=PERFORM)
    async def close_measure(
        self, request: Request[Any, Any, Any], finding_id: PathId, measure_id: PathId,
        data: JSONBody[schemas.MeasureCloseIn],
    ) -> schemas.FindingOut:  # fmt: skip
        """Record a measure as carried out (done) or withdrawn."""
        await FindingService().close_measure(
            measure_id, done=data.done, note=data.note, evidence_id=data.evidence_file_id,
            actor=principal(request).actor, finding_id=finding_id,
        )  # fmt: skip
        return schemas.finding_out(await FindingService().get(finding_id))

    @post("/{finding_id:int}/close", opt=PERFORM)
    async def close(
        self, request: Request[Any, Any, Any], finding_id: PathId, data: JSONBody[schemas.FindingCloseIn]
    ) -> schemas.FindingOut:
        """Close the finding with how the correction was verified."""
        await FindingService().close(
            finding_id, verification_note=data.verification_note, actor=principal(request).actor
        )
        return schemas.finding_out(await FindingService().get(finding_id))
