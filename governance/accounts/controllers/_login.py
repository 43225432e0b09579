"""Sign-in, sign-out and first-run setup pages."""

from __future__ import annotations

import math
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from governance.accounts import schemas
from governance.accounts.client_limit import SignInLimiter
from governance.accounts.roles import ALL_ROLES
from governance.accounts.services import AuthService, SetupService
from governance.errors import AuthenticationError, DomainError, ValidationError
from governance.settings import get_settings
from governance.web.access import PUBLIC, access
from governance.web.authentication import SESSION_COOKIE
from governance.web.forms import parse_form, require_confirmation
from governance.web.pages import notice_of, principal, redirect, render, safe_next


def cookie_secure(request: Request[Any, Any, Any]) -> bool:
    """Decide the Secure flag of cookies from the setting (``auto`` follows the request's scheme)."""
    setting = get_settings().cookie_secure
    return request.url.scheme == "https" if setting == "auto" else setting == "true"


class LoginController(Controller):
    """Sign in and out."""

    path = "/"
    opt = access(PUBLIC)
    include_in_schema = False

    @get("/login", name="login")
    async def login_form(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        """Show the sign-in form (or go home when already signed in)."""
        if request.scope.get("user") is not None:
            return redirect(safe_next(request.query_params.get("next")))
        needs_setup = await SetupService().needs_setup()
        return render(
            "accounts/login.html",
            next=safe_next(request.query_params.get("next")),
            username="",
            error=None,
            notice=notice_of(request),
            needs_setup=needs_setup,
        )

    @post("/login")
    async def login(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        """Check the credentials and open a session (at most the allowed number of attempts per client address)."""
        form = await request.form()
        username = str(form.get("username", "")).strip()[:64]
        password = str(form.get("password", ""))[:256]
        target = safe_next(str(form.get("next", "/")))
        auth: AuthService = request.app.state.auth_service
        client = request.client.host if request.client else ""
        limiter: SignInLimiter | None = request.app.state.login_limiter
        wait = limiter.acquire(client) if limiter is not None else 0.0
        if wait > 0:
            # Refused before any password is checked or any counter is touched: a client that sends too many
            # attempts neither keeps the server busy nor adds to a user name's lock-out.
            seconds = math.ceil(wait)
            minutes = math.ceil(seconds / 60)
            return Template(
                template_name="accounts/login.html",
                context={
                    "next": target,
                    "username": username,
                    "error": "この端末からのログインの試行が多すぎるため、受け付けを一時的に停止しています。"
                    f"約{minutes}分後に再度お試しください。",
                    "notice": None,
                    "needs_setup": False,
                },
                status_code=429,
                headers={"Retry-After": str(seconds)},
            )
        try:
            if not username or not password:
                raise AuthenticationError("ユーザー名とパスワードを入力してください。")
            token = await auth.sign_in(username, password, ip=client, user_agent=request.headers.get("user-agent", ""))
        except AuthenticationError as exc:
            return render(
                "accounts/login.html",
                status_code=401,
                next=target,
                username=username,
                error=exc.message,
                notice=None,
                needs_setup=False,
            )
        if limiter is not None:
            limiter.refund(client)  # successes do not count against the address (many staff behind one proxy)
        response = redirect(target)
        response.set_cookie(
            SESSION_COOKIE,
            token,
            httponly=True,
            samesite="lax",
            secure=cookie_secure(request),
            path="/",
            max_age=int(auth.policy.max_age.total_seconds()),
        )
        return response

    @post("/logout", opt=access(ALL_ROLES))
    async def logout(self, request: Request[Any, Any, Any]) -> Redirect:
        """End the session."""
        user = principal(request)
        token = request.cookies.get(SESSION_COOKIE, "")
        await request.app.state.auth_service.sign_out(token, actor=user.actor)
        response = redirect("/login", "signed_out")
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response


class SetupController(Controller):
    """The one-time link that creates the first administrator."""

    path = "/setup"
    opt = access(PUBLIC)
    include_in_schema = False

    @get("/{token:str}")
    async def setup_form(self, token: FromPath[str]) -> Template:
        """Show the first-administrator form when the link is valid."""
        if not await SetupService().token_is_valid(token):
            return render("accounts/setup_invalid.html", status_code=404)
        return render("accounts/setup.html", token=token, values={}, errors={})

    @post("/{token:str}")
    async def setup(self, request: Request[Any, Any, Any], token: FromPath[str]) -> Template | Redirect:
        """Create the first department and administrator."""
        service = SetupService()
        if not await service.token_is_valid(token):
            return render("accounts/setup_invalid.html", status_code=404)
        form = await request.form()
        result = parse_form(form, schemas.SetupForm)
        require_confirmation(result, form, "password")
        if not result.ok:
            return render("accounts/setup.html", status_code=422, token=token, values=result.raw, errors=result.errors)
        try:
            await service.complete(token, result.value)
        except ValidationError as exc:
            return render(
                "accounts/setup.html", status_code=422, token=token, values=result.raw, errors=exc.field_errors
            )
        except DomainError:
            return render("accounts/setup_invalid.html", status_code=404)
        return redirect("/login", "setup_done")
