"""JSON API for external services and their usage applications."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post, put
from litestar.params import JSONBody, QueryParameter
from litestar.response import Stream

from governance.external import schemas
from governance.external.controllers._common import APPLY, READ, REVIEW, scheme
from governance.external.controllers._exports import (
    APPLICATION_COLUMNS,
    APPLICATION_EXPORT_TITLE,
    SERVICE_COLUMNS,
    SERVICE_EXPORT_TITLE,
)
from governance.external.services import ApplicationService, LifecycleService, RegistryService, ServiceQuery
from governance.schema import MAX_ID
from governance.web.exporting import ExportOperation, ExportParam, export_response, wanted_format
from governance.web.pages import principal
from governance.web.params import PathId
from governance.web.scope import listing_department

Text = Annotated[str, QueryParameter(max_length=100)]
Code = Annotated[str, QueryParameter(max_length=20)]


class ExternalServiceApiController(Controller):
    """External services (外部サービス台帳) and their lifecycle records."""

    path = "/api/v1/external-services"
    tags = ["external services"]

    @get("/", opt=READ, operation_class=ExportOperation)
    async def list_services(
        self,
        request: Request[Any, Any, Any],
        q: Text = "",
        regime: Annotated[str, QueryParameter(max_length=10, description="full or low")] = "",
        status: Code = "",
        kind: Code = "",
        department_id: Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)] = None,
        review: Annotated[str, QueryParameter(max_length=10, description="overdue, soon or none")] = "",
        page: Annotated[int, QueryParameter(ge=1, le=100000)] = 1,
        per_page: Annotated[int, QueryParameter(ge=1, le=100)] = 50,
        format: ExportParam = None,  # read through wanted_format(), with Accept
    ) -> schemas.ServicePage | Stream:
        """List services (filter by text, regime, status, kind, using department and review due).

        With ``format=xlsx`` or ``csv`` (or that Accept), every matching service comes as a file instead of a page.
        """
        query = ServiceQuery(q=q, regime=regime, status=status, kind=kind, department_id=department_id,
                             review=review, page=page, per_page=per_page)  # fmt: skip
        if fmt := wanted_format(request):
            rows = RegistryService().export_rows(query)
            return await export_response(fmt, SERVICE_EXPORT_TITLE, SERVICE_COLUMNS, rows, fallback="external-services")
        return await RegistryService().list(query)

    @get("/{service_id:int}", opt=READ)
    async def get_service(self, request: Request[Any, Any, Any], service_id: PathId) -> schemas.Service:
        """Return a service with its regime and why, checklist, usage, applications and records."""
        return await _service(request, service_id)

    @post("/", opt=APPLY)
    async def create_service(
        self, request: Request[Any, Any, Any], data: JSONBody[schemas.ServiceCreate]
    ) -> schemas.Service:
        """Register a service (the regime follows max_confidentiality under the scheme in force)."""
        service = RegistryService()
        new_id = await service.create(data, scheme=scheme(request), actor=principal(request).actor)
        return await _service(request, new_id)

    @put("/{service_id:int}", opt=APPLY)
    async def update_service(
        self, request: Request[Any, Any, Any], service_id: PathId, data: JSONBody[schemas.ServiceUpdate]
    ) -> schemas.Service:
        """Change a service's registry data (a new terms_version asks every using department to re-confirm)."""
        service = RegistryService()
        await service.update(service_id, data, scheme=scheme(request), actor=principal(request).actor)
        return await _service(request, service_id)

    @post("/{service_id:int}/applications", opt=APPLY)
    async def create_application(
        self, request: Request[Any, Any, Any], service_id: PathId, data: JSONBody[schemas.ApplicationCreate]
    ) -> schemas.Application:
        """Start a draft usage application of the caller's department."""
        new_id = await ApplicationService().create(
            service_id, data, scheme=scheme(request), actor=principal(request).actor
        )
        return await RegistryService().application(new_id)

    async def _record(self, request: Request[Any, Any, Any], service_id: int, kind: str, data: Any) -> schemas.Service:
        lifecycle = LifecycleService()
        step = {"build": lifecycle.confirm_build, "review": lifecycle.record_review, "exit": lifecycle.confirm_exit}
        await step[kind](service_id, data, actor=principal(request).actor)
        return await _service(request, service_id)

    @post("/{service_id:int}/build", opt=APPLY)
    async def confirm_build(
        self, request: Request[Any, Any, Any], service_id: PathId, data: JSONBody[schemas.RecordIn]
    ) -> schemas.Service:
        """Record the build-time check (EXT-BLD-01; the service's administrator)."""
        return await self._record(request, service_id, "build", data)

    @post("/{service_id:int}/reviews", opt=APPLY)
    async def record_review(
        self, request: Request[Any, Any, Any], service_id: PathId, data: JSONBody[schemas.RecordIn]
    ) -> schemas.Service:
        """Record a periodic operational review (EXT-OPS-01; the service's administrator)."""
        return await self._record(request, service_id, "review", data)

    @post("/{service_id:int}/exit", opt=APPLY)
    async def confirm_exit(
        self, request: Request[Any, Any, Any], service_id: PathId, data: JSONBody[schemas.RecordIn]
    ) -> schemas.Service:
        """Record the exit measures (EXT-END-01; the service's administrator)."""
        return await self._record(request, service_id, "exit", data)

    @post("/{service_id:int}/end", opt=APPLY)
    async def end_service(
        self, request: Request[Any, Any, Any], service_id: PathId, data: JSONBody[schemas.EndIn]
    ) -> schemas.Service:
        """Mark the service's use ended (refused until the exit measures are confirmed)."""
        await LifecycleService().end(service_id, data, actor=principal(request).actor)
        return await _service(request, service_id)

    @post("/{service_id:int}/terms-changes", opt=APPLY)
    async def record_terms_change(
        self, request: Request[Any, Any, Any], service_id: PathId, data: JSONBody[schemas.TermsChangeIn]
    ) -> schemas.Service:
        """Record a new terms-of-use version; every using department is asked to re-confirm."""
        await RegistryService().record_terms_change(service_id, data, actor=principal(request).actor)
        return await _service(request, service_id)

    @put("/{service_id:int}/administrator", opt=REVIEW)
    async def change_administrator(
        self, request: Request[Any, Any, Any], service_id: PathId, data: JSONBody[schemas.AdministratorIn]
    ) -> schemas.Service:
        """Appoint another administrator (外部サービス管理者; security officers)."""
        await LifecycleService().change_administrator(service_id, data, actor=principal(request).actor)
        return await _service(request, service_id)

    @put("/{service_id:int}/usages/{usage_id:int}", opt=APPLY)
    async def update_usage(
        self,
        request: Request[Any, Any, Any],
        service_id: PathId,
        usage_id: PathId,
        data: JSONBody[schemas.UsageUpdate],
    ) -> schemas.Service:
        """Record a department's current use; use above the approved classification is flagged."""
        await LifecycleService().update_usage(service_id, usage_id, data, actor=principal(request).actor)
        return await _service(request, service_id)

    @post("/{service_id:int}/usages/{usage_id:int}/reconfirm", opt=APPLY)
    async def reconfirm_terms(
        self, request: Request[Any, Any, Any], service_id: PathId, usage_id: PathId
    ) -> schemas.Service:
        """The using department re-confirms after a terms-of-use change."""
        await LifecycleService().reconfirm_terms(service_id, usage_id, actor=principal(request).actor)
        return await _service(request, service_id)


class ExternalApplicationApiController(Controller):
    """Usage applications: 下書き → 申請 → 審査 → 承認 / 却下 / 差戻し."""

    path = "/api/v1/external-applications"
    tags = ["external services"]

    @get("/", opt=READ, operation_class=ExportOperation)
    async def list_applications(
        self,
        request: Request[Any, Any, Any],
        status: Code = "",
        service_id: Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)] = None,
        department_id: Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)] = None,
        format: ExportParam = None,  # read through wanted_format(), with Accept
    ) -> list[schemas.ApplicationSummary] | Stream:
        """List applications, newest first (the latest 200; ``format=xlsx`` or ``csv`` sends every one as a file)."""
        department = listing_department(request, department_id)
        if fmt := wanted_format(request):
            rows = RegistryService().export_applications(service_id=service_id, status=status, department_id=department)
            return await export_response(
                fmt, APPLICATION_EXPORT_TITLE, APPLICATION_COLUMNS, rows, fallback="external-applications"
            )
        return await RegistryService().applications(service_id=service_id, status=status, department_id=department)

    @get("/{application_id:int}", opt=READ)
    async def get_application(self, application_id: PathId) -> schemas.Application:
        """Return an application with its regime, checklist, flags and review."""
        return await RegistryService().application(application_id)

    @put("/{application_id:int}", opt=APPLY)
    async def update_application(
        self, request: Request[Any, Any, Any], application_id: PathId, data: JSONBody[schemas.ApplicationUpdate]
    ) -> schemas.Application:
        """Change a draft or returned application (the applicant)."""
        await ApplicationService().update(application_id, data, scheme=scheme(request), actor=principal(request).actor)
        return await RegistryService().application(application_id)

    @post("/{application_id:int}/submit", opt=APPLY)
    async def submit(self, request: Request[Any, Any, Any], application_id: PathId) -> schemas.Application:
        """Apply (申請; the applicant)."""
        await ApplicationService().submit(application_id, actor=principal(request).actor)
        return await RegistryService().application(application_id)

    @post("/{application_id:int}/start-review", opt=REVIEW)
    async def start_review(self, request: Request[Any, Any, Any], application_id: PathId) -> schemas.Application:
        """Take into review (審査; a security officer other than the applicant)."""
        await ApplicationService().start_review(application_id, actor=principal(request).actor)
        return await RegistryService().application(application_id)

    @post("/{application_id:int}/approve", opt=REVIEW)
    async def approve(
        self, request: Request[Any, Any, Any], application_id: PathId, data: JSONBody[schemas.ApproveIn]
    ) -> schemas.Application:
        """Approve and appoint the service's administrator (never one's own application)."""
        await ApplicationService().approve(application_id, data, actor=principal(request).actor)
        return await RegistryService().application(application_id)

    @post("/{application_id:int}/reject", opt=REVIEW)
    async def reject(
        self, request: Request[Any, Any, Any], application_id: PathId, data: JSONBody[schemas.CommentIn]
    ) -> schemas.Application:
        """Reject (却下) with the reason."""
        await ApplicationService().reject(application_id, data, actor=principal(request).actor)
        return await RegistryService().application(application_id)

    @post("/{application_id:int}/return", opt=REVIEW)
    async def return_to_applicant(
        self, request: Request[Any, Any, Any], application_id: PathId, data: JSONBody[schemas.CommentIn]
    ) -> schemas.Application:
        """Send back to the applicant (差戻し) with the reason."""
        await ApplicationService().return_to_applicant(application_id, data, actor=principal(request).actor)
        return await RegistryService().application(application_id)


async def _service(request: Request[Any, Any, Any], service_id: int) -> schemas.Service:
    """The service as the caller may see it: a department user sees only their department's applications."""
    return await RegistryService().get(service_id, applications_of=listing_department(request, None))
