"""Usage application pages (利用申請): the form with the regime's checklist, the list, review and decision."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.response import Redirect, Stream, Template

from governance.errors import DomainError, ValidationError
from governance.external import schemas
from governance.external.checklist import applicant_items
from governance.external.controllers._common import APPLY, CHOICES, MULTILINE, READ, REVIEW, levels, scheme
from governance.external.controllers._exports import APPLICATION_COLUMNS, APPLICATION_EXPORT_TITLE
from governance.external.regime import level_problem, regime_for
from governance.external.services import (
    ApplicationService,
    RegistryService,
    administrator_candidates,
    approver_roles,
)
from governance.web.exporting import export_links, export_response, wanted_format
from governance.web.forms import parse_form
from governance.web.pages import notice_of, principal, redirect, render
from governance.web.params import PathId
from governance.web.scope import listing_department

_APPLICATION_FIELDS = tuple(schemas.ApplicationCreate.__struct_fields__)


def _only_regime_items(data: Any, scheme_name: str) -> Any:
    """Keep the confirmations of the regime the chosen classification leads to (the form may show the other one)."""
    if level_problem(scheme_name, data.confidentiality):
        return data
    wanted = {c.id for c in applicant_items(regime_for(scheme_name, data.confidentiality).regime)}
    return msgspec.structs.replace(data, checklist=[c for c in data.checklist if c in wanted])


class ApplicationPageController(Controller):
    """Usage applications of external services."""

    path = "/external-services"
    include_in_schema = False

    async def _form(
        self,
        request: Request[Any, Any, Any],
        service_id: int,
        *,
        application: Any = None,
        values: dict[str, Any],
        errors: dict[str, str],
        status_code: int = 200,
    ) -> Template:
        service = await RegistryService().get(service_id)
        scheme_name = scheme(request)
        level = str(values.get("confidentiality") or "")
        regime = regime_for(scheme_name, level) if not level_problem(scheme_name, level) else None
        return render(
            "external/application_form.html", status_code=status_code, s=service, application=application,
            values=values, errors=errors, levels=levels(scheme_name), regime=regime,
            items=applicant_items(regime.regime) if regime else (), active_nav="external_services", **CHOICES,
        )  # fmt: skip

    @get("/{service_id:int}/apply", opt=APPLY)
    async def new(self, request: Request[Any, Any, Any], service_id: PathId) -> Template:
        """Show the application form; ?confidentiality= shows that classification's checklist (htmx swaps it in)."""
        service = await RegistryService().get(service_id)
        level = str(request.query_params.get("confidentiality", ""))[:4] or service.max_confidentiality
        values = {"confidentiality": level, "account_count": "1", "terms_version": service.terms_version,
                  "checklist": []}  # fmt: skip
        return await self._form(request, service_id, values=values, errors={})

    @post("/{service_id:int}/applications", opt=APPLY)
    async def create(self, request: Request[Any, Any, Any], service_id: PathId) -> Template | Redirect:
        """Save a draft application of the user's department."""
        result = parse_form(await request.form(), schemas.ApplicationCreate, multiline=MULTILINE)
        if not result.ok:
            return await self._form(request, service_id, values=result.raw, errors=result.errors, status_code=422)
        data = _only_regime_items(result.value, scheme(request))
        try:
            new_id = await ApplicationService().create(
                service_id, data, scheme=scheme(request), actor=principal(request).actor
            )
        except ValidationError as exc:
            return await self._form(request, service_id, values=result.raw, errors=exc.field_errors, status_code=422)
        return redirect(f"/external-services/applications/{new_id}", "created")

    @get("/applications", opt=READ)
    async def index(self, request: Request[Any, Any, Any]) -> Template | Stream:
        """List usage applications, newest first (filter by status; “mine” shows the user's department).

        ``?format=xlsx|csv`` sends every matching application as a file (the page shows the latest 200).
        """
        status = str(request.query_params.get("status", ""))[:20]
        mine = request.query_params.get("mine") == "1"
        user = principal(request)
        department = listing_department(request, user.department_id if mine else None)
        if fmt := wanted_format(request):
            rows = RegistryService().export_applications(status=status, department_id=department)
            return await export_response(
                fmt, APPLICATION_EXPORT_TITLE, APPLICATION_COLUMNS, rows, fallback="external-applications"
            )
        items = await RegistryService().applications(status=status, department_id=department)
        return render(
            "external/applications.html", items=items, status=status, mine=mine, notice=notice_of(request),
            active_nav="external_services", exports=export_links(request), **CHOICES,
        )  # fmt: skip

    async def _page(
        self,
        request: Request[Any, Any, Any],
        application_id: int,
        *,
        status_code: int = 200,
        error: str | None = None,
        errors: dict[str, str] | None = None,
    ) -> Template:
        app = await RegistryService().application(application_id)
        user = principal(request)
        reviewer = user.has_any(*approver_roles())
        return render(
            "external/application.html", status_code=status_code, a=app, error=error, errors=errors or {},
            own=app.applicant_id == user.id, reviewer=reviewer,
            candidates=await administrator_candidates() if reviewer and app.status == "under_review" else [],
            notice=notice_of(request), active_nav="external_services", **CHOICES,
        )  # fmt: skip

    async def _run(
        self, request: Request[Any, Any, Any], application_id: int, action: Awaitable[Any]
    ) -> Template | Redirect:
        try:
            await action
        except ValidationError as exc:
            return await self._page(
                request, application_id, status_code=422, error=exc.message, errors=exc.field_errors
            )
        except DomainError as exc:
            return await self._page(request, application_id, status_code=exc.status_code, error=exc.message)
        return redirect(f"/external-services/applications/{application_id}", "saved")

    @get("/applications/{application_id:int}", opt=READ)
    async def detail(self, request: Request[Any, Any, Any], application_id: PathId) -> Template:
        """Show an application: what is asked, the regime and its checklist (ISMAP included), flags and review."""
        return await self._page(request, application_id)

    @get("/applications/{application_id:int}/edit", opt=APPLY)
    async def edit(self, request: Request[Any, Any, Any], application_id: PathId) -> Template:
        """Show the form of a draft or returned application."""
        app = await RegistryService().application(application_id)
        values: dict[str, Any] = {f: getattr(app, f) for f in _APPLICATION_FIELDS if f != "checklist"}
        values = {k: ("" if v is None else v) for k, v in values.items()}
        values["checklist"] = [c.id for c in app.checks if c.confirmed]
        if request.query_params.get("confidentiality"):
            values["confidentiality"] = str(request.query_params["confidentiality"])[:4]
        return await self._form(request, app.service_id, application=app, values=values, errors={})

    @post("/applications/{application_id:int}", opt=APPLY)
    async def update(self, request: Request[Any, Any, Any], application_id: PathId) -> Template | Redirect:
        """Save changes to a draft or returned application."""
        app = await RegistryService().application(application_id)
        result = parse_form(await request.form(), schemas.ApplicationUpdate, multiline=MULTILINE)
        errors = result.errors
        if result.ok:
            try:
                await ApplicationService().update(
                    application_id, _only_regime_items(result.value, scheme(request)), scheme=scheme(request),
                    actor=principal(request).actor,
                )  # fmt: skip
                return redirect(f"/external-services/applications/{application_id}", "saved")
            except ValidationError as exc:
                errors = exc.field_errors
            except DomainError as exc:
                return await self._page(request, application_id, status_code=exc.status_code, error=exc.message)
        return await self._form(
            request, app.service_id, application=app, values=result.raw, errors=errors, status_code=422
        )

    @post("/applications/{application_id:int}/submit", opt=APPLY)
    async def submit(self, request: Request[Any, Any, Any], application_id: PathId) -> Template | Redirect:
        """Apply (申請)."""
        action = ApplicationService().submit(application_id, actor=principal(request).actor)
        return await self._run(request, application_id, action)

    @post("/applications/{application_id:int}/review", opt=REVIEW)
    async def start_review(self, request: Request[Any, Any, Any], application_id: PathId) -> Template | Redirect:
        """Take the application into review (審査; a security officer other than the applicant)."""
        action = ApplicationService().start_review(application_id, actor=principal(request).actor)
        return await self._run(request, application_id, action)

    @post("/applications/{application_id:int}/approve", opt=REVIEW)
    async def approve(self, request: Request[Any, Any, Any], application_id: PathId) -> Template | Redirect:
        """Approve and appoint the service's administrator (外部サービス管理者)."""
        result = parse_form(await request.form(), schemas.ApproveIn, multiline=MULTILINE)
        if not result.ok:
            return await self._page(
                request, application_id, status_code=422, error="承認できません。", errors=result.errors
            )
        action = ApplicationService().approve(application_id, result.value, actor=principal(request).actor)
        return await self._run(request, application_id, action)

    @post("/applications/{application_id:int}/reject", opt=REVIEW)
    async def reject(self, request: Request[Any, Any, Any], application_id: PathId) -> Template | Redirect:
        """Reject (却下) with the reason."""
        return await self._decide(request, application_id, "reject")

    @post("/applications/{application_id:int}/return", opt=REVIEW)
    async def return_to_applicant(self, request: Request[Any, Any, Any], application_id: PathId) -> Template | Redirect:
        """Send back to the applicant (差戻し) with the reason."""
        return await self._decide(request, application_id, "return")

    async def _decide(self, request: Request[Any, Any, Any], application_id: int, kind: str) -> Template | Redirect:
        result = parse_form(await request.form(), schemas.CommentIn, multiline=MULTILINE)
        if not result.ok:
            return await self._page(request, application_id, status_code=422, error="入力内容に誤りがあります。",
                                    errors=result.errors)  # fmt: skip
        service, actor = ApplicationService(), principal(request).actor
        step = service.reject if kind == "reject" else service.return_to_applicant
        return await self._run(request, application_id, step(application_id, result.value, actor=actor))
