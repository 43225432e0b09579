"""Identify the user behind each request (a session cookie on pages, a bearer token on ``/api``); session-bound CSRF."""

from __future__ import annotations

import hashlib
import hmac
from secrets import compare_digest
from typing import Any

from litestar.connection import ASGIConnection, Request
from litestar.enums import RequestEncodingType, ScopeType
from litestar.exceptions import PermissionDeniedException
from litestar.middleware._utils import should_bypass_middleware
from litestar.middleware.authentication import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.middleware.csrf import CSRF_SECRET_LENGTH, CSRFMiddleware, generate_csrf_hash, generate_csrf_token
from litestar.types import Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

from governance.accounts.passwords import token_digest
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


def _bound_secret(secret: str, session_cookie: str | None) -> str:
    """The key that signs CSRF tokens for one session (or for visitors who are not signed in)."""
    binding = "session:" + token_digest(session_cookie) if session_cookie else "anonymous"
    return hmac.new(secret.encode(), binding.encode(), hashlib.sha256).hexdigest()


def _session_cookie_set(message: Message) -> tuple[bool, str | None]:
    """Tell whether a response start sets or deletes the session cookie, and its new value (None: deleted)."""
    for name, value in message.get("headers", []):
        if name.lower() != b"set-cookie":
            continue
        text = value.decode("latin-1")
        key, _, rest = text.partition("=")
        if key.strip() != SESSION_COOKIE:
            continue
        cookie_value = rest.split(";", 1)[0].strip().strip('"')
        deleted = not cookie_value or "max-age=0" in text.lower().replace(" ", "")
        return True, None if deleted else cookie_value
    return False, None


class SessionCSRFMiddleware(CSRFMiddleware):
    """Litestar's double-submit CSRF check, with every token bound to the session it was issued for.

    Litestar signs the random token with one application-wide key, so a token (and cookie) obtained in one session
    is accepted in any other: whoever can plant a ``gov_csrf`` cookie in a victim's browser can forge its forms.
    Here the signing key is derived from the application key and the SHA-256 of the ``gov_session`` cookie (or
    "anonymous" before sign-in). A token from another session does not verify and is refused; a page request whose
    cookie does not fit the session gets a fresh token, and a response that signs in or out (sets or deletes
    ``gov_session``) issues a token for the new session at once, so the next form works without reloading.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check unsafe requests and issue or rotate the token cookie."""
        if scope["type"] != ScopeType.HTTP or should_bypass_middleware(
            scope=scope,
            scopes=self.scopes,
            exclude_opt_key=self.config.exclude_from_csrf_key,
            exclude_path_pattern=self.exclude,
        ):
            await self.app(scope, receive, send)
            return
        request: Request[Any, Any, Any] = scope["litestar_app"].request_class(scope=scope, receive=receive)
        secret = _bound_secret(self.config.secret, request.cookies.get(SESSION_COOKIE))
        cookie = request.cookies.get(self.config.cookie_name)
        if cookie is not None and self._decode(cookie, secret) is None:
            cookie = None  # made for another session (or under an earlier key)
        state = ScopeState.from_scope(scope)
        if request.method in self.config.safe_methods:
            token = state.csrf_token = cookie or generate_csrf_token(secret=secret)
            await self.app(scope, receive, self._rotating_send(send, None if cookie else token))
            return
        submitted = request.headers.get(self.config.header_name)
        content_type, _ = request.content_type
        if not submitted and content_type in {RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART}:
            submitted = (await request.form()).get("_csrf_token")
        if cookie is None or not isinstance(submitted, str) or not compare_digest(submitted, cookie):
            raise PermissionDeniedException("CSRF token verification failed")
        state.csrf_token = cookie
        await self.app(scope, receive, self._rotating_send(send, None))

    def _decode(self, token: str, secret: str) -> str | None:
        if len(token) < CSRF_SECRET_LENGTH + 1:
            return None
        random_part, signature = token[:CSRF_SECRET_LENGTH], token[CSRF_SECRET_LENGTH:]
        expected = generate_csrf_hash(token=random_part, secret=secret)
        return random_part if compare_digest(signature, expected) else None

    def _rotating_send(self, send: Send, new_token: str | None) -> Send:
        """Wrap ``send``: set ``new_token`` as the cookie, or a token for the session the response opens or ends."""

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                changed, session = _session_cookie_set(message)
                token = generate_csrf_token(secret=_bound_secret(self.config.secret, session)) if changed else new_token
                if token is not None:
                    message.setdefault("headers", [])
                    self._set_cookie_if_needed(message=message, token=token)  # type: ignore[arg-type]
            await send(message)

        return wrapped
