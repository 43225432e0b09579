"""Identify the user behind each request: a session cookie on pages, a bearer token on ``/api``."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware.authentication import AbstractAuthenticationMiddleware, AuthenticationResult

from governance.accounts.services import AuthService, TokenService

SESSION_COOKIE = "gov_session"
CSRF_COOKIE = "gov_csrf"
API_PREFIX = "/api/"


class AuthenticationMiddleware(AbstractAuthenticationMiddleware):
    """Sets ``request.user`` to a ``Principal`` or None; refusing access is the access guard's job.

    The API accepts only ``Authorization: Bearer`` tokens and ignores cookies, so a page on another site cannot make a
    signed-in browser call it; that is why ``/api`` is exempt from CSRF checks. Pages accept only the session cookie.
    """

    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        """Resolve the credential of the request, if any."""
        auth_service: AuthService = connection.app.state.auth_service
        if connection.scope["path"].startswith(API_PREFIX):
            header = connection.headers.get("authorization", "")
            scheme, _, token = header.partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                principal = await TokenService().resolve(token.strip())
                return AuthenticationResult(user=principal, auth="token" if principal else None)
            return AuthenticationResult(user=None, auth=None)
        cookie = connection.cookies.get(SESSION_COOKIE)
        if cookie:
            principal = await auth_service.resolve_session(cookie)
            return AuthenticationResult(user=principal, auth="session" if principal else None)
        return AuthenticationResult(user=None, auth=None)
