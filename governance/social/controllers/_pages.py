"""Staff pages for official social media accounts (/social-accounts)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.response import Redirect, Stream, Template

from governance.accounts.services import UserService
from governance.errors import ValidationError
from governance.social import schemas
from governance.social.checklist import BADGE_LABELS
from governance.social.controllers._exports import ACCOUNT_COLUMNS, ACCOUNT_EXPORT_TITLE
from governance.social.incidents import INCIDENT_KIND_LABELS
from governance.social.lifecycle import APPLICATION_KIND_LABELS, STATUS_LABELS
from governance.social.platforms import PLATFORM_LABELS
from governance.social.rules import APPROVAL_LABELS, FOLLOW_LABELS, REPLY_LABELS
from governance.social.services import (
    APPROVER_ROLES,
    EDITOR_ROLES,
    INCIDENT_ROLES,
    READER_ROLES,
    AccountFilter,
    AccountQueries,
    AccountService,
    IncidentService,
    WorkflowService,
    form_options,
    load_settings,
)
from governance.social.tables import PERSON_ROLE_LABELS, PersonRole
from governance.web.access import access
from governance.web.captions import department_label, filter_caption
from governance.web.exporting import export_links, export_response, wanted_format
from governance.web.forms import parse_form
from governance.web.pages import notice_of, principal, redirect, render
from governance.web.params import PathId, query_number
from governance.web.scope import listing_department

READ = access(READER_ROLES)
EDIT = access(EDITOR_ROLES)
APPROVE = access(APPROVER_ROLES)
INCIDENT = access(INCIDENT_ROLES)
MULTILINE = frozenset({"purpose", "extra_prohibited_content", "prohibited_terms", "extra_classified_markers",
                       "allowed_link_domains", "allowed_contacts", "reason", "note", "comment", "summary"})  # fmt: skip
FLAGS = {"noncompliant": "安全対策に不足があるもの", "dormant": "休眠の疑いがあるもの"}
FLAG_CAPTIONS = {"noncompliant": "安全対策に不足あり", "dormant": "休眠の疑いあり"}


async def _choices() -> dict[str, Any]:
    settings = await load_settings()
    return {
        **await form_options(),
        "categories": {c: c for c in settings.template.content_categories},
        "approvals": APPROVAL_LABELS,
        "replies": REPLY_LABELS,
        "follows": FOLLOW_LABELS,
        "rule_template": settings.template,
    }


class SocialAccountPageController(Controller):
    """SNSアカウント: list, register (開設申請), detail with rules, checklist, people, applications and incidents."""

    path = "/social-accounts"
    include_in_schema = False

    @get("/", opt=READ)
    async def index(self, request: Request[Any, Any, Any]) -> Template | Stream:
        """List accounts with their compliance and dormant flags (``?format=xlsx|csv``: as a file)."""
        q = request.query_params
        filters = AccountFilter(
            status=q.get("status", "") if q.get("status", "") in STATUS_LABELS else "",
            platform=q.get("platform", "") if q.get("platform", "") in PLATFORM_LABELS else "",
            flag=q.get("flag", "") if q.get("flag", "") in FLAGS else "",
            department_id=listing_department(request, query_number(q, "department_id")),
        )
        if fmt := wanted_format(request):
            rows = AccountQueries().export_rows(filters)
            return await export_response(fmt, ACCOUNT_EXPORT_TITLE, ACCOUNT_COLUMNS, rows, fallback="social-accounts")
        accounts = await AccountQueries().list(filters)
        named = q.get("department_id") is not None and filters.department_id is not None
        departments = await UserService().list_departments() if named else []
        caption = filter_caption(
            [department_label(departments, filters.department_id), STATUS_LABELS.get(filters.status),
             PLATFORM_LABELS.get(filters.platform), FLAG_CAPTIONS.get(filters.flag)],
            "SNSアカウント", len(accounts),
        )  # fmt: skip
        return render(
            "social/index.html",
            rows=accounts,
            caption=caption,
            clear_href="/social-accounts",
            department_filter=filters.department_id if named else None,
            exports=export_links(request),
            filters=filters,
            statuses=STATUS_LABELS,
            platforms=PLATFORM_LABELS,
            flags=FLAGS,
            can_edit=principal(request).has_any(*EDITOR_ROLES),
            notice=notice_of(request),
            active_nav="social_accounts",
        )

    async def _form(
        self, *, account: Any = None, values: dict[str, Any], errors: dict[str, str], status_code: int = 200
    ) -> Template:
        return render(
            "social/form.html",
            status_code=status_code,
            account=account,
            values=values,
            errors=errors,
            **await _choices(),
            active_nav="social_accounts",
        )

    @get("/new", opt=EDIT)
    async def new(self, request: Request[Any, Any, Any]) -> Template:
        """Show the registration (opening application) form."""
        user = principal(request)
        values = {"department_id": str(user.department_id), "approval": "none", "reply_policy": "none",
                  "follow_policy": "none", "availability2_on_website": True}  # fmt: skip
        return await self._form(values=values, errors={})

    @post("/", opt=EDIT)
    async def create(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        """Register an account; its opening application goes to the security officers."""
        result = parse_form(await request.form(), schemas.AccountCreate, multiline=MULTILINE)
        errors = result.errors
        if result.ok:
            try:
                new_id = await AccountService().create(result.value, actor=principal(request).actor)
                return redirect(f"/social-accounts/{new_id}", "created")
            except ValidationError as exc:
                errors = exc.field_errors
        return await self._form(values=result.raw, errors=errors, status_code=422)

    @get("/{account_id:int}", opt=READ)
    async def detail(self, request: Request[Any, Any, Any], account_id: PathId) -> Template:
        """Show an account with everything recorded about it."""
        return await self._detail(request, account_id)

    async def _detail(
        self, request: Request[Any, Any, Any], account_id: int, *, status_code: int = 200,
        forms: dict[str, tuple[dict[str, Any], dict[str, str]]] | None = None,
    ) -> Template:  # fmt: skip
        account = await AccountQueries().get(account_id)
        user = principal(request)
        may_edit = user.has_any("pr_staff") or (
            user.has_any("department_staff") and user.department_id == account.department_id
        )
        return render(
            "social/detail.html",
            status_code=status_code,
            a=account,
            forms=forms or {},
            security_values={k: ("" if v is None else v) for k, v in msgspec.structs.asdict(account.security).items()},
            can_edit=may_edit and account.status != "closed",
            can_approve=user.has_any(*APPROVER_ROLES),
            can_incident=user.has_any(*INCIDENT_ROLES),
            me=user.id,
            badges=BADGE_LABELS,
            person_roles={k: v for k, v in PERSON_ROLE_LABELS.items() if k != PersonRole.responsible},
            incident_kinds=INCIDENT_KIND_LABELS,
            application_kinds=APPLICATION_KIND_LABELS,
            users=(await form_options())["users"],
            notice=notice_of(request),
            active_nav="social_accounts",
        )

    async def _submit(
        self, request: Request[Any, Any, Any], account_id: int, struct: type, form_key: str, anchor: str,
        call: Callable[[Any], Awaitable[Any]],
    ) -> Template | Redirect:  # fmt: skip
        """Parse a form posted from the detail page, run the use case, and redirect (or show the errors)."""
        result = parse_form(await request.form(), struct, multiline=MULTILINE)
        errors = result.errors
        if result.ok:
            try:
                await call(result.value)
                return redirect(f"/social-accounts/{account_id}#{anchor}", "saved")
            except ValidationError as exc:
                errors = exc.field_errors
        return await self._detail(request, account_id, status_code=422, forms={form_key: (result.raw, errors)})

    @get("/{account_id:int}/edit", opt=EDIT)
    async def edit(self, request: Request[Any, Any, Any], account_id: PathId) -> Template:
        """Show the form for the account's basics."""
        a = await AccountQueries().get(account_id)
        values = {"service_id": str(a.service_id), "url": a.profile_url, "display_name": a.display_name,
                  "department_id": str(a.department_id), "purpose": a.purpose, "audience": a.audience,
                  "public_contact": a.public_contact, "operated_by_contractor": a.operated_by_contractor,
                  "engagement_id": str(a.engagement_id or "")}  # fmt: skip
        return await self._form(account=a, values=values, errors={})

    @post("/{account_id:int}", opt=EDIT)
    async def update(self, request: Request[Any, Any, Any], account_id: PathId) -> Template | Redirect:
        """Save the account's basics."""
        a = await AccountQueries().get(account_id)
        result = parse_form(await request.form(), schemas.AccountUpdate, multiline=MULTILINE)
        errors = result.errors
        if result.ok:
            try:
                await AccountService().update(account_id, result.value, actor=principal(request).actor)
                return redirect(f"/social-accounts/{account_id}", "saved")
            except ValidationError as exc:
                errors = exc.field_errors
        return await self._form(account=a, values=result.raw, errors=errors, status_code=422)

    @get("/{account_id:int}/rules", opt=EDIT)
    async def rules_form(self, request: Request[Any, Any, Any], account_id: PathId) -> Template:
        """Show the form for the account's posting rules."""
        a = await AccountQueries().get(account_id)
        return render("social/rules.html", a=a, values=_rules_values(a),
                      errors={}, **await _choices(), active_nav="social_accounts")  # fmt: skip

    @post("/{account_id:int}/rules", opt=EDIT)
    async def rules_save(self, request: Request[Any, Any, Any], account_id: PathId) -> Template | Redirect:
        """Save the account's posting rules."""
        a = await AccountQueries().get(account_id)
        result = parse_form(await request.form(), schemas.RulesUpdate, multiline=MULTILINE)
        errors = result.errors
        if result.ok:
            try:
                await AccountService().update_rules(account_id, result.value, actor=principal(request).actor)
                return redirect(f"/social-accounts/{account_id}#rules", "saved")
            except ValidationError as exc:
                errors = exc.field_errors
        return render("social/rules.html", status_code=422, a=a, values=result.raw, errors=errors,
                      **await _choices(), active_nav="social_accounts")  # fmt: skip

    @post("/{account_id:int}/checklist", opt=EDIT)
    async def checklist(self, request: Request[Any, Any, Any], account_id: PathId) -> Template | Redirect:
        """Record the account's security settings."""
        actor = principal(request).actor
        return await self._submit(
            request, account_id, schemas.ChecklistUpdate, "checklist", "security",
            lambda v: AccountService().update_checklist(account_id, v, actor=actor),
        )  # fmt: skip

    @post("/{account_id:int}/people", opt=EDIT)
    async def add_person(self, request: Request[Any, Any, Any], account_id: PathId) -> Template | Redirect:
        """Grant an operator or credential holder access."""
        actor = principal(request).actor
        return await self._submit(
            request, account_id, schemas.PersonAdd, "person", "people",
            lambda v: AccountService().add_person(account_id, v, actor=actor),
        )  # fmt: skip

    @post("/{account_id:int}/people/{person_id:int}/end", opt=EDIT)
    async def end_person(
        self, request: Request[Any, Any, Any], account_id: PathId, person_id: PathId
    ) -> Template | Redirect:
        """Record the removal of a person's access."""
        actor = principal(request).actor
        return await self._submit(
            request, account_id, schemas.PersonEnd, "person_end", "people",
            lambda v: AccountService().end_person(account_id, person_id, v, actor=actor),
        )  # fmt: skip

    @post("/{account_id:int}/responsible", opt=EDIT)
    async def responsible(self, request: Request[Any, Any, Any], account_id: PathId) -> Template | Redirect:
        """Name a new responsible person."""
        actor = principal(request).actor
        return await self._submit(
            request, account_id, schemas.ResponsibleChange, "responsible", "people",
            lambda v: AccountService().change_responsible(account_id, v, actor=actor),
        )  # fmt: skip

    @post("/{account_id:int}/applications", opt=EDIT)
    async def apply(self, request: Request[Any, Any, Any], account_id: PathId) -> Template | Redirect:
        """Submit an opening (after a return) or closing application."""
        actor = principal(request).actor
        return await self._submit(
            request, account_id, schemas.ApplicationCreate, "application", "applications",
            lambda v: WorkflowService().apply(account_id, v, actor=actor),
        )  # fmt: skip

    @post("/{account_id:int}/applications/{application_id:int}/approve", opt=APPROVE)
    async def approve(
        self, request: Request[Any, Any, Any], account_id: PathId, application_id: PathId
    ) -> Template | Redirect:
        """Approve an application (never one's own)."""
        actor = principal(request).actor
        return await self._submit(
            request, account_id, schemas.DecisionIn, f"decision{application_id}", "applications",
            lambda v: WorkflowService().approve(account_id, application_id, v, actor=actor),
        )  # fmt: skip

    @post("/{account_id:int}/applications/{application_id:int}/return", opt=APPROVE)
    async def return_application(
        self, request: Request[Any, Any, Any], account_id: PathId, application_id: PathId
    ) -> Template | Redirect:
        """Return an application with a reason."""
        actor = principal(request).actor
        return await self._submit(
            request, account_id, schemas.DecisionIn, f"decision{application_id}", "applications",
            lambda v: WorkflowService().return_(account_id, application_id, v, actor=actor),
        )  # fmt: skip

    @post("/{account_id:int}/suspend", opt=EDIT)
    async def suspend(self, request: Request[Any, Any, Any], account_id: PathId) -> Template | Redirect:
        """Suspend the account (休止)."""
        actor = principal(request).actor
        return await self._submit(
            request, account_id, schemas.StatusChange, "suspend", "status",
            lambda v: WorkflowService().set_suspended(account_id, True, v, actor=actor),
        )  # fmt: skip

    @post("/{account_id:int}/resume", opt=EDIT)
    async def resume(self, request: Request[Any, Any, Any], account_id: PathId) -> Template | Redirect:
        """Resume a suspended account."""
        actor = principal(request).actor
        return await self._submit(
            request, account_id, schemas.StatusChange, "suspend", "status",
            lambda v: WorkflowService().set_suspended(account_id, False, v, actor=actor),
        )  # fmt: skip

    @post("/{account_id:int}/attest", opt=EDIT)
    async def attest(self, request: Request[Any, Any, Any], account_id: PathId) -> Template | Redirect:
        """Record the responsible person's re-attestation."""
        actor = principal(request).actor
        return await self._submit(
            request, account_id, schemas.AttestationIn, "attest", "attestations",
            lambda v: WorkflowService().attest(account_id, v, actor=actor),
        )  # fmt: skip

    @post("/{account_id:int}/incidents", opt=INCIDENT)
    async def incident(self, request: Request[Any, Any, Any], account_id: PathId) -> Template | Redirect:
        """Record a takeover or impersonation."""
        actor = principal(request).actor
        return await self._submit(
            request, account_id, schemas.IncidentCreate, "incident", "incidents",
            lambda v: IncidentService().create(account_id, v, actor=actor),
        )  # fmt: skip

    @post("/{account_id:int}/incidents/{incident_id:int}/steps", opt=INCIDENT)
    async def incident_step(
        self, request: Request[Any, Any, Any], account_id: PathId, incident_id: PathId
    ) -> Template | Redirect:
        """Record a response step as done now."""
        actor = principal(request).actor
        return await self._submit(
            request, account_id, schemas.StepRecord, f"step{incident_id}", f"incident-{incident_id}",
            lambda v: IncidentService().record_step(account_id, incident_id, v, actor=actor),
        )  # fmt: skip


def _rules_values(a: Any) -> dict[str, Any]:
    r = a.own_rules
    return {"content_categories": r.content_categories, "extra_prohibited_content": r.extra_prohibited_content,
            "prohibited_terms": r.prohibited_terms, "extra_classified_markers": r.extra_classified_markers,
            "allowed_link_domains": r.allowed_link_domains, "allowed_contacts": r.allowed_contacts,
            "hours_start": r.hours_start, "hours_end": r.hours_end, "approval": r.approval,
            "reply_policy": r.reply_policy, "follow_policy": r.follow_policy,
            "availability2_on_website": r.availability2_on_website}  # fmt: skip
