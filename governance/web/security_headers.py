"""Security headers on every response; the Content-Security-Policy allows only the app's own assets."""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'"
)

HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
}


async def add_security_headers(message: Message, scope: Scope) -> None:
    """Add the security headers (and no-store on pages, which may show personal data) to a response start.

    Registered as the app's ``before_send`` hook rather than as middleware: Litestar runs app middleware per route,
    so a response made without a route (404, 405), or by the app-level exception handler after a middleware raised
    (a failed CSRF check), would pass by a middleware. ``before_send`` wraps the ``send`` of every HTTP response.

    Args:
        message: an ASGI message the app is about to send.
        scope: the connection's scope.
    """
    if message["type"] != "http.response.start" or scope.get("type") != "http":
        return
    headers = MutableScopeHeaders.from_message(message)
    for key, value in HEADERS.items():
        if key not in headers:
            headers[key] = value
    headers["x-content-type-options"] = "nosniff"  # never weakened by a handler
    if not scope["path"].startswith("/static/") and "cache-control" not in headers:
        headers["cache-control"] = "no-store"
