"""JSON API for engagements and selections."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post, put
from litestar.params import JSONBody, QueryParameter
from litestar.response import Stream

from governance.accounts.roles import OUTSOURCING_READERS, STAFF_EDITORS, Role
from governance.engagements import schemas
from governance.engagements.controllers._pages import export_engagements, scheme_in_force
from governance.engagements.controllers._selection_pages import export_selections
from governance.engagements.services import EngagementQuery, EngagementService, SelectionQuery, SelectionService
from governance.engagements.tables import SELECTION_STATUS_LABELS
from governance.errors import ValidationError
from governance.schema import MAX_ID
from governance.web.access import access
from governance.web.exporting import ExportOperation, ExportParam, wanted_format
from governance.web.pages import principal
from governance.web.params import PathId
from governance.web.scope import listing_department

READ = access(OUTSOURCING_READERS)
WRITE = access(STAFF_EDITORS)
REVIEW = access(Role.security_officer)


class EngagementApiController(Controller):
    """Engagements."""

    path = "/api/v1/engagements"
    tags = ["engagements"]

    @get("/", opt=READ, operation_class=ExportOperation)
    async def list_engagements(
        self,
        request: Request[Any, Any, Any],
        q: Annotated[str, QueryParameter(max_length=100)] = "",
        status: Annotated[str, QueryParameter(max_length=20)] = "",
        tier: Annotated[int | None, QueryParameter(ge=1, le=3)] = None,
        sort: Annotated[str, QueryParameter(max_length=10, description="new, title, start or tier")] = "new",
        page: Annotated[int, QueryParameter(ge=1, le=100000)] = 1,
        format: ExportParam = None,  # read through wanted_format(), with Accept
    ) -> list[schemas.EngagementSummary] | Stream:
        """List engagements, newest first.

        With ``format=xlsx|csv`` (or ``Accept`` naming the file type) every matching engagement comes as a file.
        """
        query = EngagementQuery(
            q=q, status=status, tier=tier, sort=sort, page=page, department_id=listing_department(request, None)
        )
        if fmt := wanted_format(request):
            return await export_engagements(fmt, query)
        items, _ = await EngagementService().list(query)
        return items

    @get("/{engagement_id:int}", opt=READ)
    async def get_engagement(self, engagement_id: PathId) -> schemas.Engagement:
        """Return an engagement with facts, flags, tier, term arithmetic and tier history."""
        return await EngagementService().get(engagement_id)

    @post("/", opt=WRITE)
    async def create_engagement(
        self, request: Request[Any, Any, Any], data: JSONBody[schemas.EngagementCreate]
    ) -> schemas.Engagement:
        """Register an engagement."""
        service = EngagementService()
        data = scheme_in_force(request, data)
        return await service.get(await service.create(data, actor=principal(request).actor))

    @put("/{engagement_id:int}", opt=WRITE)
    async def update_engagement(
        self, request: Request[Any, Any, Any], engagement_id: PathId, data: JSONBody[schemas.EngagementUpdate]
    ) -> schemas.Engagement:
        """Change an engagement (a raised tier needs tier_change_reason)."""
        service = EngagementService()
        await service.update(engagement_id, scheme_in_force(request, data), actor=principal(request).actor)
        return await service.get(engagement_id)

    @post("/{engagement_id:int}/selections", opt=WRITE)
    async def start_selection(
        self, request: Request[Any, Any, Any], engagement_id: PathId, data: JSONBody[schemas.SelectionCreate]
    ) -> schemas.Selection:
        """Start a selection record with the criteria the engagement's facts call for."""
        service = SelectionService()
        return await service.get(await service.create(engagement_id, data, actor=principal(request).actor))


class SelectionApiController(Controller):
    """Selection records and their workflow."""

    path = "/api/v1/selections"
    tags = ["engagements"]

    @get("/", opt=READ, operation_class=ExportOperation)
    async def list_selections(
        self,
        request: Request[Any, Any, Any],
        q: Annotated[str, QueryParameter(max_length=100, description="委託業務の業務名（部分一致）")] = "",
        department_id: Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)] = None,
        status: Annotated[
            str, QueryParameter(max_length=20, description="draft / submitted / approved / superseded")
        ] = "",
        method: Annotated[str, QueryParameter(max_length=40)] = "",
        page: Annotated[int, QueryParameter(ge=1, le=100000)] = 1,
        per_page: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
        format: ExportParam = None,  # read through wanted_format(), with Accept
    ) -> schemas.SelectionPage | Stream:
        """List selection versions of every engagement the user may see, newest first.

        With ``format=xlsx|csv`` (or ``Accept`` naming the file type) every matching version comes as a file.
        """
        if status and status not in SELECTION_STATUS_LABELS:
            raise ValidationError({"status": "状態は draft / submitted / approved / superseded のいずれかです。"})
        query = SelectionQuery(
            q=q, department_id=listing_department(request, department_id), status=status, method=method, page=page,
            per_page=per_page,
        )  # fmt: skip
        if fmt := wanted_format(request):
            return await export_selections(fmt, query)
        return await SelectionService().list(query)

    @get("/{selection_id:int}", opt=READ)
    async def get_selection(self, selection_id: PathId) -> schemas.Selection:
        """Return a selection with criteria, candidates, answers and suggestions."""
        return await SelectionService().get(selection_id)

    @post("/{selection_id:int}/candidates", opt=WRITE)
    async def add_candidate(
        self, request: Request[Any, Any, Any], selection_id: PathId, data: JSONBody[schemas.CandidateAdd]
    ) -> schemas.Selection:
        """Add a candidate (certification criteria are pre-filled)."""
        service = SelectionService()
        await service.add_candidate(selection_id, data.contractor_id, actor=principal(request).actor)
        return await service.get(selection_id)

    @put("/{selection_id:int}/evaluations", opt=WRITE)
    async def save_evaluations(
        self, request: Request[Any, Any, Any], selection_id: PathId, data: JSONBody[list[schemas.EvaluationIn]]
    ) -> schemas.Selection:
        """Record answers (conforms / fails / not_applicable) and notes."""
        service = SelectionService()
        await service.save_evaluations(selection_id, data, actor=principal(request).actor)
        return await service.get(selection_id)

    @put("/{selection_id:int}/decision", opt=WRITE)
    async def decide(
        self, request: Request[Any, Any, Any], selection_id: PathId, data: JSONBody[schemas.Decision]
    ) -> schemas.Selection:
        """Record the selected contractor and rationale."""
        service = SelectionService()
        await service.decide(selection_id, data, actor=principal(request).actor)
        return await service.get(selection_id)

    @post("/{selection_id:int}/submit", opt=WRITE)
    async def submit(self, request: Request[Any, Any, Any], selection_id: PathId) -> schemas.Selection:
        """Submit for approval."""
        service = SelectionService()
        await service.submit(selection_id, actor=principal(request).actor)
        return await service.get(selection_id)

    @post("/{selection_id:int}/approve", opt=REVIEW)
    async def approve(
        self, request: Request[Any, Any, Any], selection_id: PathId, data: JSONBody[schemas.ReviewIn]
    ) -> schemas.Selection:
        """Approve (情報セキュリティ担当者, not the preparer)."""
        service = SelectionService()
        await service.approve(selection_id, actor=principal(request).actor, comment=data.comment)
        return await service.get(selection_id)

    @post("/{selection_id:int}/return", opt=REVIEW)
    async def return_to_preparer(
        self, request: Request[Any, Any, Any], selection_id: PathId, data: JSONBody[schemas.ReviewIn]
    ) -> schemas.Selection:
        """Return for correction with a comment."""
        service = SelectionService()
        await service.return_to_preparer(selection_id, actor=principal(request).actor, comment=data.comment)
        return await service.get(selection_id)
