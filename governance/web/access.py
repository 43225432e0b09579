"""Route access policy: every route states who may use it; a route that states nothing is refused."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from governance.accounts.roles import ALL_ROLES, Role

ACCESS_KEY = "access"
PUBLIC = "public"
"""Anyone, signed in or not (login, health, the public official-account pages and API)."""


def access(*roles: Role | str | Iterable[Role | str]) -> dict[str, Any]:
    """Build the ``opt`` that lets the given roles use a route (or controller).

    ``access(PUBLIC)`` opens it to everybody; ``access(ALL_ROLES)`` to any signed-in user.
    """
    flat: set[str] = set()
    for r in roles:
        if isinstance(r, str):
            flat.add(str(r))
        else:
            flat.update(str(x) for x in r)
    if PUBLIC in flat:
        if len(flat) > 1:
            raise ValueError("PUBLIC cannot be combined with roles")
        return {ACCESS_KEY: PUBLIC}
    unknown = flat - ALL_ROLES
    if unknown or not flat:
        raise ValueError(f"unknown roles in access(): {sorted(unknown)}")
    return {ACCESS_KEY: frozenset(flat)}


def access_guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Apply the route's access policy (registered once, on the app).

    Raises:
        NotAuthorizedException: nobody is signed in and the route is not public.
        PermissionDeniedException: the route declares no policy, or the user holds none of its roles.
    """
    policy = handler.opt.get(ACCESS_KEY)
    if policy == PUBLIC:
        return
    if not isinstance(policy, frozenset):
        # Deny by default: a route that forgot to say who may use it is closed to everyone.
        raise PermissionDeniedException(detail="このページの利用権限が設定されていません。")
    user = connection.scope.get("user")
    if user is None:
        raise NotAuthorizedException(detail="ログインしてください。")
    if not policy.intersection(user.roles):
        raise PermissionDeniedException(detail="この操作を行う権限がありません。")
