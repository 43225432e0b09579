"""The signed-in user's own page: profile, password, personal API tokens."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template

from governance.accounts import schemas
from governance.accounts.passwords import token_digest
from governance.accounts.roles import ALL_ROLES
from governance.accounts.services import TokenService, UserService
from governance.errors import ValidationError
from governance.web.access import access
from governance.web.authentication import SESSION_COOKIE
from governance.web.forms import parse_form, require_confirmation
from governance.web.pages import notice_of, principal, redirect, render
from governance.web.params import PathId


def notice_with_revocations(request: Request[Any, Any, Any]) -> str | None:
    """The notice of the query string, plus how many API tokens a password change revoked (``revoked=N``)."""
    notice = notice_of(request)
    revoked = request.query_params.get("revoked", "")
    if notice and revoked.isdigit() and 0 < int(revoked) < 100_000:
        notice += f"APIトークン{int(revoked)}件を失効させました。"
    return notice


class AccountController(Controller):
    """Pages every signed-in user has for their own account."""

    path = "/account"
    opt = access(ALL_ROLES)
    include_in_schema = False

    async def _page(self, request: Request[Any, Any, Any], *, status_code: int = 200, **extra: Any) -> Template:
        user = principal(request)
        tokens = await TokenService().list(user_id=user.id)
        context: dict[str, Any] = {
            "me": user,
            "tokens": tokens,
            "notice": notice_with_revocations(request),
            "password_errors": {},
            "token_errors": {},
            "token_values": {},
            "new_token": None,
        }
        context.update(extra)
        return render("accounts/account.html", status_code=status_code, **context)

    @get("/")
    async def show(self, request: Request[Any, Any, Any]) -> Template:
        """Show the user's profile, password form and tokens."""
        return await self._page(request)

    @post("/password")
    async def change_password(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        """Change one's own password; other sessions of the user end."""
        user = principal(request)
        form = await request.form()
        result = parse_form(form, schemas.PasswordChange)
        require_confirmation(result, form, "new_password")
        if not result.ok:
            return await self._page(request, status_code=422, password_errors=result.errors)
        try:
            revoked = await UserService().change_own_password(
                result.value, actor=user.actor, keep_session_hash=token_digest(request.cookies.get(SESSION_COOKIE, ""))
            )
        except ValidationError as exc:
            return await self._page(request, status_code=422, password_errors=exc.field_errors)
        return redirect(f"/account?revoked={revoked}" if revoked else "/account", "password_changed")

    @post("/tokens")
    async def create_token(self, request: Request[Any, Any, Any]) -> Template:
        """Issue a personal API token and show it once (pages are reached only with a session cookie)."""
        user = principal(request)
        result = parse_form(await request.form(), schemas.ApiTokenCreate)
        if not result.ok:
            return await self._page(request, status_code=422, token_errors=result.errors, token_values=result.raw)
        try:
            created = await TokenService().create(result.value, actor=user.actor, via=user.via)
        except ValidationError as exc:
            return await self._page(request, status_code=422, token_errors=exc.field_errors, token_values=result.raw)
        return await self._page(request, new_token=created)

    @post("/tokens/{token_id:int}/revoke")
    async def revoke_token(self, request: Request[Any, Any, Any], token_id: PathId) -> Redirect:
        """Revoke one of one's own tokens."""
        await TokenService().revoke(token_id, actor=principal(request).actor)
        return redirect("/account", "token_revoked")
