"""外部サービス pages: the registry list, register and edit, the detail with its regime, checklist and records."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Stream, Template

from governance.accounts.roles import Role
from governance.accounts.services import UserService
from governance.calendar import today_tokyo
from governance.errors import DomainError, ValidationError
from governance.external import schemas
from governance.external.controllers._common import APPLY, CHOICES, MULTILINE, READ, levels, scheme
from governance.external.controllers._exports import SERVICE_COLUMNS, SERVICE_EXPORT_TITLE
from governance.external.services import (
    APPLICANT_ROLES,
    DUE_SOON_DAYS,
    LifecycleService,
    RegistryService,
    ServiceQuery,
    administrator_candidates,
    approver_roles,
)
from governance.web.captions import department_label, filter_caption
from governance.web.exporting import export_links, export_response, wanted_format
from governance.web.forms import parse_form
from governance.web.pages import notice_of, principal, redirect, render
from governance.web.params import PathId, query_number, query_page
from governance.web.scope import listing_department

_SERVICE_FIELDS = tuple(schemas.ServiceCreate.__struct_fields__)


REVIEW_CAPTIONS = {
    "overdue": "定期確認の期限超過",
    "soon": f"定期確認の期限が{DUE_SOON_DAYS}日以内",
    "none": "定期確認の期限なし",
}
"""The review filters as the caption above the list names them (「…の外部サービス（3件）」)."""

class ExternalServicePageController(Controller):
    """The registry of external services (外部サービス台帳) and each service's lifecycle."""

    path = "/external-services"
    include_in_schema = False

    @get("/", opt=READ)
    async def index(self, request: Request[Any, Any, Any]) -> Template | Stream:
        """List services with filters by regime, status, kind, department and review due (?format=xlsx|csv: all)."""
        q = request.query_params
        query = ServiceQuery(
            q=str(q.get("q", ""))[:100], regime=str(q.get("regime", ""))[:10], status=str(q.get("status", ""))[:20],
            kind=str(q.get("kind", ""))[:20], department_id=query_number(q, "department_id"),
            review=str(q.get("review", ""))[:10], page=query_page(q),
        )  # fmt: skip
        if fmt := wanted_format(request):
            rows = RegistryService().export_rows(query)
            return await export_response(fmt, SERVICE_EXPORT_TITLE, SERVICE_COLUMNS, rows, fallback="external-services")
        result = await RegistryService().list(query)
        departments = await UserService().list_departments()
        caption = filter_caption(
            [f"{name}が利用又は申請" if (name := department_label(departments, query.department_id)) else None,
             REVIEW_CAPTIONS.get(query.review)],
            "外部サービス", result.total,
        )  # fmt: skip
        return render(
            "external/index.html", result=result, query=query, pages=max(1, -(-result.total // result.per_page)),
            caption=caption, clear_href="/external-services",
            departments=departments, today=today_tokyo(), notice=notice_of(request),
            can_register=principal(request).has_any(*APPLICANT_ROLES), active_nav="external_services",
            exports=export_links(request), **CHOICES,
        )  # fmt: skip

    async def _form(
        self,
        request: Request[Any, Any, Any],
        *,
        service: Any = None,
        values: dict[str, Any],
        errors: dict[str, str],
        status_code: int = 200,
    ) -> Template:
        links = await RegistryService().link_options(listing_department(request, None))
        return render(
            "external/form.html", status_code=status_code, service=service, values=values, errors=errors,
            levels=levels(scheme(request)), links=links, active_nav="external_services", **CHOICES,
        )  # fmt: skip

    @get("/new", opt=APPLY)
    async def new(self, request: Request[Any, Any, Any]) -> Template:
        """Show the registration form."""
        values = {"kind": "saas", "contract_type": "terms_of_use", "data_location": "unknown", "ismap": "none",
                  "max_confidentiality": "2", "review_cycle_months": "12"}  # fmt: skip
        return await self._form(request, values=values, errors={})

    @post("/", opt=APPLY)
    async def create(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        """Register a service."""
        result = parse_form(await request.form(), schemas.ServiceCreate, multiline=MULTILINE)
        if not result.ok:
            return await self._form(request, values=result.raw, errors=result.errors, status_code=422)
        try:
            new_id = await RegistryService().create(
                result.value, scheme=scheme(request), actor=principal(request).actor
            )
        except ValidationError as exc:
            return await self._form(request, values=result.raw, errors=exc.field_errors, status_code=422)
        return redirect(f"/external-services/{new_id}", "created")

    @get("/{service_id:int}", opt=READ)
    async def detail(self, request: Request[Any, Any, Any], service_id: PathId) -> Template:
        """Show a service: registry data, regime and why, checklist, administrator, usage, applications, records."""
        return await self._detail(request, service_id)

    async def _detail(
        self,
        request: Request[Any, Any, Any],
        service_id: int,
        *,
        status_code: int = 200,
        error: str | None = None,
        errors: dict[str, str] | None = None,
        form: str = "",
    ) -> Template:
        service = await RegistryService().get(service_id, applications_of=listing_department(request, None))
        user = principal(request)
        is_admin = user.id == service.administrator_id
        officer = user.has_any(Role.security_officer)
        appointer = user.has_any(*approver_roles())
        active = service.status in ("approved", "operating")
        return render(
            "external/detail.html", status_code=status_code, s=service, error=error, errors=errors or {},
            failed_form=form, today=today_tokyo(), levels=levels(service.scheme), is_admin=is_admin,
            can_apply=user.has_any(*APPLICANT_ROLES) and service.status != "ended",
            can_edit=service.status != "ended" and (officer or is_admin or (
                service.status == "registered" and service.created_by_id == user.id)),
            can_terms=active and (officer or is_admin), can_end=active and (officer or is_admin),
            can_appoint=active and appointer,
            candidates=await administrator_candidates() if active and appointer else [],
            my_department=user.department_id if user.has_any(*APPLICANT_ROLES) else None,
            can_audit=user.has_any(Role.admin, Role.auditor, Role.security_officer),
            notice=notice_of(request), active_nav="external_services", **CHOICES,
        )  # fmt: skip

    @get("/{service_id:int}/edit", opt=APPLY)
    async def edit(self, request: Request[Any, Any, Any], service_id: PathId) -> Template:
        """Show the edit form."""
        s = await RegistryService().get(service_id)
        values = {f: getattr(s, f, "") for f in _SERVICE_FIELDS}
        values.update(contractor_id=s.contractor_id, engagement_id=s.engagement_id, contract_id=s.contract_id)
        values = {k: ("" if v is None else v) for k, v in values.items()}
        return await self._form(request, service=s, values=values, errors={})

    @post("/{service_id:int}", opt=APPLY)
    async def update(self, request: Request[Any, Any, Any], service_id: PathId) -> Template | Redirect:
        """Save changes to the registry data."""
        s = await RegistryService().get(service_id)
        result = parse_form(await request.form(), schemas.ServiceUpdate, multiline=MULTILINE)
        if not result.ok:
            return await self._form(request, service=s, values=result.raw, errors=result.errors, status_code=422)
        try:
            await RegistryService().update(
                service_id, result.value, scheme=scheme(request), actor=principal(request).actor
            )
        except ValidationError as exc:
            return await self._form(request, service=s, values=result.raw, errors=exc.field_errors, status_code=422)
        return redirect(f"/external-services/{service_id}", "saved")

    async def _run(
        self, request: Request[Any, Any, Any], service_id: int, action: Awaitable[Any], *, form: str, anchor: str
    ) -> Template | Redirect:
        """Run a lifecycle step; show the page again with the message when the use case refuses."""
        try:
            await action
        except ValidationError as exc:
            return await self._detail(
                request, service_id, status_code=422, error=exc.message, errors=exc.field_errors, form=form
            )
        except DomainError as exc:
            return await self._detail(request, service_id, status_code=exc.status_code, error=exc.message, form=form)
        return redirect(f"/external-services/{service_id}#{anchor}", "saved")

    async def _record(self, request: Request[Any, Any, Any], service_id: int, kind: str) -> Template | Redirect:
        result = parse_form(await request.form(), schemas.RecordIn, multiline=MULTILINE)
        if not result.ok:
            return await self._detail(request, service_id, status_code=422, errors=result.errors, form=kind,
                                      error="入力内容に誤りがあります。")  # fmt: skip
        lifecycle, actor = LifecycleService(), principal(request).actor
        step = {"build": lifecycle.confirm_build, "review": lifecycle.record_review, "exit": lifecycle.confirm_exit}
        return await self._run(request, service_id, step[kind](service_id, result.value, actor=actor), form=kind,
                               anchor="records")  # fmt: skip

    @post("/{service_id:int}/build", opt=APPLY)
    async def build(self, request: Request[Any, Any, Any], service_id: PathId) -> Template | Redirect:
        """Record the build-time check (EXT-BLD-01; the service's administrator)."""
        return await self._record(request, service_id, "build")

    @post("/{service_id:int}/reviews", opt=APPLY)
    async def review(self, request: Request[Any, Any, Any], service_id: PathId) -> Template | Redirect:
        """Record a periodic operational review (EXT-OPS-01; the service's administrator)."""
        return await self._record(request, service_id, "review")

    @post("/{service_id:int}/exit", opt=APPLY)
    async def exit_measures(self, request: Request[Any, Any, Any], service_id: PathId) -> Template | Redirect:
        """Record the exit measures (EXT-END-01; the service's administrator)."""
        return await self._record(request, service_id, "exit")

    @post("/{service_id:int}/end", opt=APPLY)
    async def end(self, request: Request[Any, Any, Any], service_id: PathId) -> Template | Redirect:
        """Mark the service's use ended (after the exit measures)."""
        result = parse_form(await request.form(), schemas.EndIn)
        if not result.ok:
            return await self._detail(request, service_id, status_code=422, errors=result.errors, form="end",
                                      error="入力内容に誤りがあります。")  # fmt: skip
        action = LifecycleService().end(service_id, result.value, actor=principal(request).actor)
        return await self._run(request, service_id, action, form="end", anchor="records")

    @post("/{service_id:int}/terms", opt=APPLY)
    async def terms(self, request: Request[Any, Any, Any], service_id: PathId) -> Template | Redirect:
        """Record a change of the terms of use; every using department is asked to re-confirm."""
        result = parse_form(await request.form(), schemas.TermsChangeIn, multiline=MULTILINE)
        if not result.ok:
            return await self._detail(request, service_id, status_code=422, errors=result.errors, form="terms",
                                      error="入力内容に誤りがあります。")  # fmt: skip
        action = RegistryService().record_terms_change(service_id, result.value, actor=principal(request).actor)
        return await self._run(request, service_id, action, form="terms", anchor="usage")

    @post("/{service_id:int}/administrator", opt=APPLY)
    async def administrator(self, request: Request[Any, Any, Any], service_id: PathId) -> Template | Redirect:
        """Appoint another administrator (security officers)."""
        result = parse_form(await request.form(), schemas.AdministratorIn)
        if not result.ok:
            return await self._detail(request, service_id, status_code=422, errors=result.errors, form="admin",
                                      error="入力内容に誤りがあります。")  # fmt: skip
        action = LifecycleService().change_administrator(service_id, result.value, actor=principal(request).actor)
        return await self._run(request, service_id, action, form="admin", anchor="usage")

    @post("/{service_id:int}/usages/{usage_id:int}", opt=APPLY)
    async def usage(self, request: Request[Any, Any, Any], service_id: PathId, usage_id: PathId) -> Template | Redirect:
        """Update a department's current use (accounts, classification in use)."""
        result = parse_form(await request.form(), schemas.UsageUpdate)
        if not result.ok:
            return await self._detail(request, service_id, status_code=422, errors=result.errors, form="usage",
                                      error="入力内容に誤りがあります。")  # fmt: skip
        action = LifecycleService().update_usage(service_id, usage_id, result.value, actor=principal(request).actor)
        return await self._run(request, service_id, action, form="usage", anchor="usage")

    @post("/{service_id:int}/usages/{usage_id:int}/reconfirm", opt=APPLY)
    async def reconfirm(
        self, request: Request[Any, Any, Any], service_id: PathId, usage_id: PathId
    ) -> Template | Redirect:
        """The using department re-confirms after a terms-of-use change."""
        action = LifecycleService().reconfirm_terms(service_id, usage_id, actor=principal(request).actor)
        return await self._run(request, service_id, action, form="usage", anchor="usage")
