"""Official social media accounts over the API (/api/v1/social-accounts)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post, put
from litestar.params import JSONBody, QueryParameter
from litestar.response import Stream

from governance.accounts.roles import Role
from governance.social import schemas
from governance.social.controllers._exports import ACCOUNT_COLUMNS, ACCOUNT_EXPORT_TITLE
from governance.social.services import (
    APPROVER_ROLES,
    CHECKER_ROLES,
    EDITOR_ROLES,
    INCIDENT_ROLES,
    READER_ROLES,
    AccountFilter,
    AccountQueries,
    AccountService,
    IncidentService,
    PostCheckService,
    WorkflowService,
    load_settings,
    template_values,
)
from governance.web.access import access
from governance.web.exporting import ExportOperation, ExportParam, export_response, wanted_format
from governance.web.pages import principal
from governance.web.params import PathId
from governance.web.scope import listing_department

READ = access(READER_ROLES)
EDIT = access(EDITOR_ROLES)
APPROVE = access(APPROVER_ROLES)
INCIDENT = access(INCIDENT_ROLES)
CHECK = access(CHECKER_ROLES)


class SocialAccountApiController(Controller):
    """SNS accounts: registry, rules, checklist, people, applications, attestations, incidents, post check."""

    path = "/api/v1/social-accounts"
    tags = ["social-accounts"]

    @get("/", opt=READ, operation_class=ExportOperation)
    async def list_accounts(
        self,
        request: Request[Any, Any, Any],
        status: Annotated[str, QueryParameter(max_length=20)] = "",
        platform: Annotated[str, QueryParameter(max_length=20)] = "",
        flag: Annotated[str, QueryParameter(max_length=20, description="noncompliant または dormant")] = "",
        format: ExportParam = None,  # read through wanted_format(), with Accept
    ) -> list[schemas.AccountSummary] | Stream:
        """List accounts with their compliance (missing checklist items) and dormant flags.

        With ``format=xlsx`` or ``csv`` (or that Accept), the same accounts come as a file.
        """
        department = listing_department(request, None)
        filters = AccountFilter(status=status, platform=platform, flag=flag, department_id=department)
        if fmt := wanted_format(request):
            rows = AccountQueries().export_rows(filters)
            return await export_response(fmt, ACCOUNT_EXPORT_TITLE, ACCOUNT_COLUMNS, rows, fallback="social-accounts")
        return await AccountQueries().list(filters)

    @post("/", opt=EDIT)
    async def create_account(
        self, request: Request[Any, Any, Any], data: JSONBody[schemas.AccountCreate]
    ) -> schemas.Account:
        """Register an account; its opening application goes to the security officers (SNS-09)."""
        new_id = await AccountService().create(data, actor=principal(request).actor)
        return await AccountQueries().get(new_id)

    @get("/{account_id:int}", opt=READ)
    async def get_account(self, account_id: PathId) -> schemas.Account:
        """Return an account with everything recorded about it."""
        return await AccountQueries().get(account_id)

    @put("/{account_id:int}", opt=EDIT)
    async def update_account(
        self, request: Request[Any, Any, Any], account_id: PathId, data: JSONBody[schemas.AccountUpdate]
    ) -> schemas.Account:
        """Change an account's basics."""
        await AccountService().update(account_id, data, actor=principal(request).actor)
        return await AccountQueries().get(account_id)

    @put("/{account_id:int}/rules", opt=EDIT)
    async def update_rules(
        self, request: Request[Any, Any, Any], account_id: PathId, data: JSONBody[schemas.RulesUpdate]
    ) -> schemas.Account:
        """Change the account's posting rules (lists one item a line; they may only tighten the template)."""
        await AccountService().update_rules(account_id, data, actor=principal(request).actor)
        return await AccountQueries().get(account_id)

    @put("/{account_id:int}/checklist", opt=EDIT)
    async def update_checklist(
        self, request: Request[Any, Any, Any], account_id: PathId, data: JSONBody[schemas.ChecklistUpdate]
    ) -> schemas.Account:
        """Record the account's security settings (SNS-02/03/15)."""
        await AccountService().update_checklist(account_id, data, actor=principal(request).actor)
        return await AccountQueries().get(account_id)

    @post("/{account_id:int}/people", opt=EDIT)
    async def add_person(
        self, request: Request[Any, Any, Any], account_id: PathId, data: JSONBody[schemas.PersonAdd]
    ) -> schemas.Account:
        """Grant an operator or credential holder access from a date."""
        await AccountService().add_person(account_id, data, actor=principal(request).actor)
        return await AccountQueries().get(account_id)

    @post("/{account_id:int}/people/{person_id:int}/end", opt=EDIT)
    async def end_person(
        self, request: Request[Any, Any, Any], account_id: PathId, person_id: PathId, data: JSONBody[schemas.PersonEnd]
    ) -> schemas.Account:
        """Record the date a person's access was removed."""
        await AccountService().end_person(account_id, person_id, data, actor=principal(request).actor)
        return await AccountQueries().get(account_id)

    @post("/{account_id:int}/responsible", opt=EDIT)
    async def change_responsible(
        self, request: Request[Any, Any, Any], account_id: PathId, data: JSONBody[schemas.ResponsibleChange]
    ) -> schemas.Account:
        """Name a new responsible person from a date (the current one's period ends the day before)."""
        await AccountService().change_responsible(account_id, data, actor=principal(request).actor)
        return await AccountQueries().get(account_id)

    @post("/{account_id:int}/applications", opt=EDIT)
    async def apply(
        self, request: Request[Any, Any, Any], account_id: PathId, data: JSONBody[schemas.ApplicationCreate]
    ) -> schemas.Account:
        """Submit an opening (after a return) or closing application."""
        await WorkflowService().apply(account_id, data, actor=principal(request).actor)
        return await AccountQueries().get(account_id)

    @post("/{account_id:int}/applications/{application_id:int}/approve", opt=APPROVE)
    async def approve(
        self, request: Request[Any, Any, Any], account_id: PathId, application_id: PathId,
        data: JSONBody[schemas.DecisionIn],
    ) -> schemas.Account:  # fmt: skip
        """Approve an application (security officers; never the applicant)."""
        await WorkflowService().approve(account_id, application_id, data, actor=principal(request).actor)
        return await AccountQueries().get(account_id)

    @post("/{account_id:int}/applications/{application_id:int}/return", opt=APPROVE)
    async def return_application(
        self, request: Request[Any, Any, Any], account_id: PathId, application_id: PathId,
        data: JSONBody[schemas.DecisionIn],
    ) -> schemas.Account:  # fmt: skip
        """Return an application with a reason."""
        await WorkflowService().return_(account_id, application_id, data, actor=principal(request).actor)
        return await AccountQueries().get(account_id)

    @post("/{account_id:int}/suspend", opt=EDIT)
    async def suspend(
        self, request: Request[Any, Any, Any], account_id: PathId, data: JSONBody[schemas.StatusChange]
    ) -> schemas.Account:
        """Suspend an account in operation (休止)."""
        await WorkflowService().set_suspended(account_id, True, data, actor=principal(request).actor)
        return await AccountQueries().get(account_id)

    @post("/{account_id:int}/resume", opt=EDIT)
    async def resume(
        self, request: Request[Any, Any, Any], account_id: PathId, data: JSONBody[schemas.StatusChange]
    ) -> schemas.Account:
        """Resume a suspended account."""
        await WorkflowService().set_suspended(account_id, False, data, actor=principal(request).actor)
        return await AccountQueries().get(account_id)

    @post("/{account_id:int}/attestations", opt=EDIT)
    async def attest(
        self, request: Request[Any, Any, Any], account_id: PathId, data: JSONBody[schemas.AttestationIn]
    ) -> schemas.Account:
        """Record the responsible person's re-attestation."""
        await WorkflowService().attest(account_id, data, actor=principal(request).actor)
        return await AccountQueries().get(account_id)

    @post("/{account_id:int}/incidents", opt=INCIDENT)
    async def create_incident(
        self, request: Request[Any, Any, Any], account_id: PathId, data: JSONBody[schemas.IncidentCreate]
    ) -> list[schemas.IncidentOut]:
        """Record a takeover (SNS-11) or impersonation (SNS-12); returns the account's incidents."""
        await IncidentService().create(account_id, data, actor=principal(request).actor)
        return await AccountQueries.incidents(account_id)

    @post("/{account_id:int}/incidents/{incident_id:int}/steps", opt=INCIDENT)
    async def record_step(
        self, request: Request[Any, Any, Any], account_id: PathId, incident_id: PathId,
        data: JSONBody[schemas.StepRecord],
    ) -> list[schemas.IncidentOut]:  # fmt: skip
        """Record a response step as done now by the caller; the incident closes after its last step."""
        await IncidentService().record_step(account_id, incident_id, data, actor=principal(request).actor)
        return await AccountQueries.incidents(account_id)

    @post("/post-check", opt=CHECK, status_code=200)
    async def post_check(
        self, request: Request[Any, Any, Any], data: JSONBody[schemas.PostCheckIn]
    ) -> schemas.PostCheckOut:
        """Check a draft against the account's rules; the draft is stored only when ``keep`` is true."""
        return await PostCheckService().check(data, actor=principal(request).actor)

    @get("/template", opt=READ)
    async def get_template(self) -> schemas.TemplateUpdate:
        """Return the municipal template of posting rules and checklist settings."""
        return schemas.TemplateUpdate(**template_values(await load_settings()))

    @put("/template", opt=access(Role.security_officer))
    async def update_template(
        self, request: Request[Any, Any, Any], data: JSONBody[schemas.TemplateUpdate]
    ) -> schemas.TemplateUpdate:
        """Change the municipal template (security officers)."""
        await AccountService().update_template(data, actor=principal(request).actor)
        return schemas.TemplateUpdate(**template_values(await load_settings()))
