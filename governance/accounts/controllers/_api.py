"""JSON API for the accounts domain under /api/v1."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, post, put
from litestar.params import JSONBody

from governance.accounts import schemas
from governance.accounts.roles import ALL_ROLES, Role
from governance.accounts.services import TokenService, UserService
from governance.web.access import access
from governance.web.pages import principal
from governance.web.params import PathId

USER_READERS = access(Role.admin, Role.security_officer, Role.auditor)


class MeApiController(Controller):
    """The signed-in user."""

    path = "/api/v1/me"
    tags = ["accounts"]
    opt = access(ALL_ROLES)

    @get("/")
    async def me(self, request: Request[Any, Any, Any]) -> schemas.Me:
        """Return the user the token belongs to."""
        user = principal(request)
        return schemas.Me(
            id=user.id,
            username=user.username,
            full_name=user.full_name,
            department_id=user.department_id,
            department_name=user.department_name,
            roles=sorted(user.roles),
        )


class UserApiController(Controller):
    """Users (read: administrators, security officers, auditors; write: administrators)."""

    path = "/api/v1/users"
    tags = ["accounts"]

    @get("/", opt=USER_READERS)
    async def list_users(self) -> list[schemas.User]:
        """List users."""
        return await UserService().list_users()

    @get("/{user_id:int}", opt=USER_READERS)
    async def get_user(self, user_id: PathId) -> schemas.User:
        """Return one user."""
        return await UserService().get_user(user_id)

    @post("/", opt=access(Role.admin))
    async def create_user(self, request: Request[Any, Any, Any], data: JSONBody[schemas.UserCreate]) -> schemas.User:
        """Create a user."""
        service = UserService()
        return await service.get_user(await service.create_user(data, actor=principal(request).actor))

    @put("/{user_id:int}", opt=access(Role.admin))
    async def update_user(
        self, request: Request[Any, Any, Any], user_id: PathId, data: JSONBody[schemas.UserUpdate]
    ) -> schemas.User:
        """Change a user's name, e-mail, department, roles or status."""
        service = UserService()
        await service.update_user(user_id, data, actor=principal(request).actor)
        return await service.get_user(user_id)


class DepartmentApiController(Controller):
    """Departments (read: anyone signed in; write: administrators)."""

    path = "/api/v1/departments"
    tags = ["accounts"]

    @get("/", opt=access(ALL_ROLES))
    async def list_departments(self) -> list[schemas.Department]:
        """List departments."""
        return await UserService().list_departments()

    @post("/", opt=access(Role.admin))
    async def create_department(
        self, request: Request[Any, Any, Any], data: JSONBody[schemas.DepartmentCreate]
    ) -> schemas.Department:
        """Create a department."""
        service = UserService()
        dept_id = await service.create_department(data, actor=principal(request).actor)
        return next(d for d in await service.list_departments() if d.id == dept_id)


class TokenApiController(Controller):
    """The caller's own personal API tokens."""

    path = "/api/v1/tokens"
    tags = ["accounts"]
    opt = access(ALL_ROLES)

    @get("/")
    async def list_tokens(self, request: Request[Any, Any, Any]) -> list[schemas.ApiToken]:
        """List the caller's tokens (values are never shown again)."""
        return await TokenService().list(user_id=principal(request).id)

    @post("/")
    async def create_token(
        self, request: Request[Any, Any, Any], data: JSONBody[schemas.ApiTokenCreate]
    ) -> schemas.ApiTokenCreated:
        """Refused with 403: a personal API token cannot mint further tokens.

        The API accepts only bearer tokens, so a leaked token could otherwise make itself permanent. Issue tokens on
        the アカウント page (signed in with a password) or with ``governance tokens create``.
        """
        user = principal(request)
        return await TokenService().create(data, actor=user.actor, via=user.via)

    @delete("/{token_id:int}", status_code=204)
    async def revoke_token(self, request: Request[Any, Any, Any], token_id: PathId) -> None:
        """Revoke one of the caller's tokens (administrators: anyone's)."""
        await TokenService().revoke(token_id, actor=principal(request).actor)
