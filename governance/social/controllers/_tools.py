"""Staff tools for social media: the post check and the municipal template of posting rules."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template

from governance.accounts.roles import Role
from governance.errors import ValidationError
from governance.social import schemas
from governance.social.postcheck import RULES
from governance.social.rules import APPROVAL_LABELS, FOLLOW_LABELS, REPLY_LABELS
from governance.social.services import (
    CHECKER_ROLES,
    READER_ROLES,
    AccountService,
    PostCheckService,
    account_options,
    load_settings,
    template_values,
)
from governance.web.access import access
from governance.web.forms import parse_form
from governance.web.pages import notice_of, principal, redirect, render
from governance.web.scope import listing_department

CHECK = access(CHECKER_ROLES)
READ = access(READER_ROLES)
OFFICER = access(Role.security_officer)
TEMPLATE_MULTILINE = frozenset({"content_categories", "prohibited_content", "classified_markers",
                                "allowed_link_domains", "shortener_hosts", "allowed_contacts",
                                "municipal_mail_domains"})  # fmt: skip


class SocialToolsPageController(Controller):
    """投稿チェック and 市の雛形 (posting rules every account starts from)."""

    path = "/social-accounts"
    include_in_schema = False

    async def _check_page(
        self, request: Request[Any, Any, Any], *, values: dict[str, Any], errors: dict[str, str],
        result: Any = None, status_code: int = 200,
    ) -> Template:  # fmt: skip
        name = (
            "social/_postcheck_result.html" if request.headers.get("hx-request") and result else "social/postcheck.html"
        )
        return render(
            name,
            status_code=status_code,
            accounts=await account_options(listing_department(request, None)),
            values=values,
            errors=errors,
            result=result,
            rules=RULES,
            active_nav="social_accounts",
        )

    @get("/post-check", opt=CHECK)
    async def post_check_form(self, request: Request[Any, Any, Any]) -> Template:
        """Show the post check form (the account may be chosen in the query string)."""
        return await self._check_page(request, values={"account_id": request.query_params.get("account", "")},
                                      errors={})  # fmt: skip

    @post("/post-check", opt=CHECK)
    async def post_check(self, request: Request[Any, Any, Any]) -> Template:
        """Check a draft against the account's rules; nothing is stored unless 記録する is ticked."""
        result = parse_form(await request.form(), schemas.PostCheckIn, multiline=frozenset({"text"}))
        if not result.ok:
            return await self._check_page(request, values=result.raw, errors=result.errors, status_code=422)
        answer = await PostCheckService().check(result.value, actor=principal(request).actor)
        return await self._check_page(request, values=result.raw, errors={}, result=answer)

    async def _template_page(
        self, request: Request[Any, Any, Any], *, values: dict[str, Any], errors: dict[str, str], status_code: int = 200
    ) -> Template:
        return render(
            "social/template.html",
            status_code=status_code,
            values=values,
            errors=errors,
            approvals=APPROVAL_LABELS,
            replies=REPLY_LABELS,
            follows=FOLLOW_LABELS,
            can_edit=principal(request).has_any(Role.security_officer),
            notice=notice_of(request),
            active_nav="social_accounts",
        )

    @get("/template", opt=READ)
    async def template(self, request: Request[Any, Any, Any]) -> Template:
        """Show the municipal template (security officers may change it)."""
        values = template_values(await load_settings())
        values["password_max_days"] = values["password_max_days"] or ""
        return await self._template_page(request, values=values, errors={})

    @post("/template", opt=OFFICER)
    async def template_save(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        """Save the municipal template."""
        result = parse_form(await request.form(), schemas.TemplateUpdate, multiline=TEMPLATE_MULTILINE)
        errors = result.errors
        if result.ok:
            try:
                await AccountService().update_template(result.value, actor=principal(request).actor)
                return redirect("/social-accounts/template", "saved")
            except ValidationError as exc:
                errors = exc.field_errors
        return await self._template_page(request, values=result.raw, errors=errors, status_code=422)
