"""Check pages: the list by due date and department, a check with its checklist, and an engagement's plan."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Response, Stream, Template

from governance.accounts.roles import OUTSOURCING_READERS, Role, effective_roles
from governance.accounts.services import UserService
from governance.calendar import display_year, today_tokyo, wareki
from governance.contracts.forms import SUBMITTERS
from governance.db import write_transaction
from governance.engagements.services import EngagementService
from governance.errors import DomainError, ValidationError
from governance.files.services import FileService
from governance.verification import schemas
from governance.verification.controllers._check_items import has_file, read_item_results
from governance.verification.controllers._forms import check_forms, form_download, offered_forms
from governance.verification.plan import KIND_LABELS
from governance.verification.register import CHECK_COLUMNS, CHECK_TITLE
from governance.verification.services import (
    CheckFilter,
    CheckService,
    ReportLinkService,
    ResultInput,
    export_checks,
    list_checks,
)
from governance.verification.tables import CHECK_STATUS_LABELS, ITEM_RESULT_LABELS, SEVERITY_LABELS
from governance.web.access import access
from governance.web.captions import department_label, filter_caption
from governance.web.exporting import export_links, export_response, wanted_format
from governance.web.forms import parse_form
from governance.web.pages import notice_of, principal, redirect, render
from governance.web.params import PathId, query_number, query_page
from governance.web.scope import listing_department
from governance.web.uploads import KEEPS_FIELDS, oversized_errors

READ = access(OUTSOURCING_READERS)
PERFORM = access(Role.department_staff, Role.procurement, Role.security_officer)
PER_PAGE = 50


def _date(q: Any, name: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(q.get(name, "")).strip())
    except ValueError:
        return None


async def export_check_register(fmt: str, f: CheckFilter) -> Stream:
    """The register of every check the list's filters (and the department scope) match, not one page."""
    rows = export_checks(f, today=today_tokyo())
    return await export_response(fmt, CHECK_TITLE, CHECK_COLUMNS, rows, fallback="checks")


async def staff_options() -> dict[str, str]:
    """Active users who can perform checks or own measures, for select boxes."""
    return {
        str(u.id): f"{u.full_name}（{u.department_name}）"
        for u in await UserService().list_users(include_inactive=False)
        if {"department_staff", "procurement", "security_officer"} & effective_roles(u.roles)
    }


class CheckPageController(Controller):
    """確認: checks by due date, and one check with its checklist."""

    path = "/checks"
    include_in_schema = False

    @get("/", opt=READ)
    async def index(self, request: Request[Any, Any, Any]) -> Template | Stream:
        """Checks by due date, filtered by status, department, assignee and period; grouped by month.

        ``?format=xlsx|csv``: every matching check as a file.
        """
        q = request.query_params
        me = principal(request)
        status = str(q.get("status", "open"))[:20]
        f = CheckFilter(
            status=status if status in {*CHECK_STATUS_LABELS, "open"} else None,
            department_id=listing_department(request, query_number(q, "department_id")),
            assignee_id=me.id if q.get("mine") == "1" else None,
            due_from=_date(q, "due_from"),
            due_to=_date(q, "due_to"),
        )
        if fmt := wanted_format(request):
            return await export_check_register(fmt, f)
        page = query_page(q)
        today = today_tokyo()
        rows, total = await list_checks(f, today=today, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
        months: dict[str, list[dict[str, Any]]] = {}
        for r in rows:
            months.setdefault(f"{display_year(r['due_on'])}{r['due_on'].month}月", []).append(r)
        departments = await UserService().list_departments()
        period = f"期限{wareki(f.due_from) if f.due_from else ''}〜{wareki(f.due_to) if f.due_to else ''}"
        caption = filter_caption(
            [department_label(departments, f.department_id), CHECK_STATUS_LABELS.get(f.status or ""),
             "自分が担当" if f.assignee_id else None, period if f.due_from or f.due_to else None],
            "確認", total,
        )  # fmt: skip
        return render(
            "verification/checks.html", months=months, total=total, page=page,
            pages=max(1, -(-total // PER_PAGE)), status=status, f=f, mine=q.get("mine") == "1",
            statuses={"open": "未完了（すべて）", **CHECK_STATUS_LABELS, "": "すべて"}, caption=caption,
            clear_href="/checks", departments=departments, today=today, exports=export_links(request),
            notice=notice_of(request), active_nav="verification",
        )  # fmt: skip

    async def _page(
        self,
        request: Request[Any, Any, Any],
        check_id: int,
        *,
        status_code: int = 200,
        error: str | None = None,
        errors: dict[str, str] | None = None,
        new_link: str | None = None,
        typed: dict[int, dict[str, Any]] | None = None,
    ) -> Template:
        check = await CheckService().get(check_id)
        me = principal(request)
        can_perform = me.has_any(Role.department_staff, Role.procurement, Role.security_officer)
        # who submitted the check or recorded a result performed it: sign-off is offered to others only
        performers = {check["performed_by"], *(i["recorded_by"] for i in check["checklist"])}
        forms, forms_problem = await offered_forms(request, check_id)
        return render(
            "verification/check.html", status_code=status_code, c=check, error=error, errors=errors or {},
            typed=typed or {}, results=ITEM_RESULT_LABELS, severities=SEVERITY_LABELS, kinds=KIND_LABELS,
            can_perform=can_perform and check["status"] in ("planned", "in_progress"),
            can_review=can_perform and check["status"] == "reviewing" and me.id not in performers,
            can_cancel=can_perform and check["status"] in ("planned", "in_progress", "reviewing"),
            staff=await staff_options() if can_perform else {}, new_link=new_link, forms=forms,
            forms_problem=forms_problem, submitters=SUBMITTERS,
            base_url=request.app.state.settings.public_base_url, notice=notice_of(request),
            active_nav="verification",
        )  # fmt: skip

    @get("/{check_id:int}", opt=READ)
    async def show(self, request: Request[Any, Any, Any], check_id: PathId) -> Template:
        """A check: its checklist with results, reports, findings and links."""
        return await self._page(request, check_id)

    @get("/{check_id:int}/forms/{form_id:str}", opt=READ)
    async def form(self, request: Request[Any, Any, Any], check_id: PathId, form_id: FromPath[str]) -> Response[bytes]:
        """Download a 様式 the check offers, pre-filled with the engagement, contractor, period and items (.docx)."""
        return form_download(await check_forms(request).fill(check_id, form_id))

    async def _act(
        self, request: Request[Any, Any, Any], check_id: int, action: Any, typed: dict[int, Any] | None = None
    ) -> Template | Redirect:
        try:
            await action
        except ValidationError as exc:  # the form is shown again with what was typed (``typed``: per item)
            return await self._page(request, check_id, status_code=422, errors=exc.field_errors, typed=typed)
        except DomainError as exc:
            return await self._page(request, check_id, status_code=exc.status_code, error=exc.message, typed=typed)
        return redirect(f"/checks/{check_id}", "saved")

    @post("/{check_id:int}/items", opt=PERFORM | KEEPS_FIELDS)
    async def record_all(self, request: Request[Any, Any, Any], check_id: PathId) -> Template | Redirect:
        """Record every item changed on the page at once (``action=submit``: then ask for sign-off).

        All or nothing: on any error the page comes back with every item as typed and nothing is saved.
        """
        form = await request.form()
        check = await CheckService().get(check_id)
        read = read_item_results(form, check["checklist"])
        if errors := {**oversized_errors(request), **read.errors}:
            return await self._page(request, check_id, status_code=422, errors=errors, typed=read.typed)
        actor = principal(request).actor
        files = FileService(request.app.state.settings.data_dir)

        async def go() -> None:
            async with write_transaction():
                results = []
                for r in read.results:
                    upload = form.get(f"evidence_{r.item_id}")
                    evidence_id = None
                    if has_file(upload):
                        field = f"evidence_{r.item_id}"
                        evidence_id = await files.save(await upload.read(), upload.filename, actor=actor, field=field)
                    results.append(ResultInput(r.item_id, r.result, r.note, evidence_id, r.severity))
                if results:
                    await CheckService().record_results(check_id, results, actor=actor)

        saved = await self._act(request, check_id, go(), typed=read.typed)
        if form.get("action") != "submit" or not isinstance(saved, Redirect):
            return saved
        return await self._act(request, check_id, CheckService().submit(check_id, actor=actor), typed=read.typed)

    @post("/{check_id:int}/items/{item_id:int}", opt=PERFORM | KEEPS_FIELDS)
    async def record(self, request: Request[Any, Any, Any], check_id: PathId, item_id: PathId) -> Template | Redirect:
        """Record one item's result, note and evidence file."""
        form = await request.form()
        result = parse_form(form, schemas.ItemResultForm, multiline=frozenset({"note"}))
        oversized = {f"{k}_{item_id}": v for k, v in oversized_errors(request).items()}  # the field is "evidence"
        if not result.ok or oversized:
            errors = {f"{k}_{item_id}": v for k, v in result.errors.items()} | oversized
            return await self._page(request, check_id, status_code=422, errors=errors, typed={item_id: result.raw})
        actor = principal(request).actor
        upload = form.get("evidence")

        async def go() -> None:
            async with write_transaction():
                evidence_id = None
                if upload is not None and getattr(upload, "filename", ""):
                    evidence_id = await FileService(request.app.state.settings.data_dir).save(
                        await upload.read(), upload.filename, actor=actor, field=f"evidence_{item_id}"
                    )
                v = result.value
                await CheckService().record_results(
                    check_id, [ResultInput(item_id, v.result, v.note, evidence_id, v.severity)], actor=actor
                )

        return await self._act(request, check_id, go(), typed={item_id: result.raw})

    @post("/{check_id:int}/assign", opt=PERFORM)
    async def assign(self, request: Request[Any, Any, Any], check_id: PathId) -> Template | Redirect:
        """Change who performs the check."""
        raw = str((await request.form()).get("assignee_id", "")).strip()
        assignee = int(raw) if raw.isdigit() and len(raw) < 9 else None
        if raw and assignee is None:
            return await self._page(
                request, check_id, status_code=422, errors={"assignee_id": "担当者を選んでください。"}
            )
        return await self._act(
            request, check_id, CheckService().assign(check_id, assignee, actor=principal(request).actor)
        )

    @post("/{check_id:int}/submit", opt=PERFORM)
    async def submit(self, request: Request[Any, Any, Any], check_id: PathId) -> Template | Redirect:
        """Mark the check as performed (it then waits for another person's sign-off)."""
        return await self._act(request, check_id, CheckService().submit(check_id, actor=principal(request).actor))

    @post("/{check_id:int}/review", opt=PERFORM)
    async def review(self, request: Request[Any, Any, Any], check_id: PathId) -> Template | Redirect:
        """Sign off or return the check."""
        form = await request.form()
        approve = form.get("decision") == "approve"
        note = str(form.get("note", ""))[:2000]
        return await self._act(
            request, check_id,
            CheckService().review(check_id, approve=approve, note=note, actor=principal(request).actor),
        )  # fmt: skip

    @post("/{check_id:int}/cancel", opt=PERFORM)
    async def cancel(self, request: Request[Any, Any, Any], check_id: PathId) -> Template | Redirect:
        """Cancel the check with a reason."""
        reason = str((await request.form()).get("reason", ""))[:2000]
        return await self._act(
            request, check_id, CheckService().cancel(check_id, reason=reason, actor=principal(request).actor)
        )

    @post("/{check_id:int}/links", opt=PERFORM)
    async def create_link(self, request: Request[Any, Any, Any], check_id: PathId) -> Template:
        """Issue a report link for the contractor; its URL is shown once."""
        settings = request.app.state.settings
        try:
            token = await ReportLinkService(settings.data_dir).create(
                check_id, days=settings.report_link_days, actor=principal(request).actor
            )
        except DomainError as exc:
            return await self._page(request, check_id, status_code=exc.status_code, error=exc.message)
        return await self._page(request, check_id, new_link=f"{settings.public_base_url}/report/{token}")

    @post("/{check_id:int}/links/{link_id:int}/revoke", opt=PERFORM)
    async def revoke_link(
        self, request: Request[Any, Any, Any], check_id: PathId, link_id: PathId
    ) -> Template | Redirect:
        """Revoke a report link."""
        svc = ReportLinkService(request.app.state.settings.data_dir)
        return await self._act(
            request, check_id, svc.revoke(link_id, actor=principal(request).actor, check_id=check_id)
        )


class EngagementChecksController(Controller):
    """An engagement's check plan, and opening a check when an event happens."""

    path = "/engagements/{engagement_id:int}/checks"
    include_in_schema = False

    async def _page(
        self, request: Request[Any, Any, Any], engagement_id: int, *, status_code: int = 200,
        errors: dict[str, str] | None = None, values: dict[str, Any] | None = None,
    ) -> Template:  # fmt: skip
        engagement = await EngagementService().get(engagement_id)
        today = today_tokyo()
        rows, total = await list_checks(CheckFilter(engagement_id=engagement_id), today=today, limit=1000)
        me = principal(request)
        return render(
            "verification/engagement_checks.html", status_code=status_code, e=engagement, checks=rows,
            total=total, templates=await CheckService().event_templates(engagement_id),
            can_perform=me.has_any(Role.department_staff, Role.procurement, Role.security_officer),
            errors=errors or {}, values=values or {}, today=today, notice=notice_of(request),
            active_nav="verification",
        )  # fmt: skip

    @get("/", opt=READ)
    async def show(self, request: Request[Any, Any, Any], engagement_id: PathId) -> Template:
        """The engagement's checks (the signed plan) and the event checks it offers."""
        return await self._page(request, engagement_id)

    @post("/events", opt=PERFORM)
    async def open_event(self, request: Request[Any, Any, Any], engagement_id: PathId) -> Template | Redirect:
        """Open a check for an event (事故, 再委託先の変更 …)."""
        form = await request.form()
        result = parse_form(form, schemas.EventCheckIn, multiline=frozenset({"note"}))
        if not result.ok:
            return await self._page(request, engagement_id, status_code=422, errors=result.errors, values=result.raw)
        v = result.value
        try:
            check_id = await CheckService().open_event_check(
                engagement_id, v.template_id, note=v.note, due_on=v.due_on, actor=principal(request).actor
            )
        except ValidationError as exc:
            return await self._page(request, engagement_id, status_code=422, errors=exc.field_errors, values=result.raw)
        return redirect(f"/checks/{check_id}", "created")
