"""Administration pages: users, roles, departments and everyone's API tokens."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template

from governance.accounts import schemas
from governance.accounts.controllers._account import notice_with_revocations
from governance.accounts.roles import Role
from governance.accounts.services import TokenService, UserService
from governance.errors import ConflictError, ValidationError
from governance.web.access import access
from governance.web.forms import parse_form, require_confirmation
from governance.web.pages import notice_of, principal, redirect, render
from governance.web.params import PathId


def _form_values(user: schemas.User) -> dict[str, Any]:
    """A user's current settings as the edit form shows them."""
    return {
        "full_name": user.full_name, "email": user.email, "department_id": str(user.department_id),
        "roles": user.roles, "active": user.active,
    }  # fmt: skip


class AdminController(Controller):
    """User, department and token administration (システム管理者 only)."""

    path = "/admin"
    opt = access(Role.admin)
    include_in_schema = False

    # -- users -----------------------------------------------------------------------------------------------

    @get("/users")
    async def users(self, request: Request[Any, Any, Any]) -> Template:
        """List users."""
        return render(
            "admin/users.html", users=await UserService().list_users(), notice=notice_of(request), section="users"
        )

    async def _user_form(
        self,
        *,
        user: schemas.User | None,
        values: dict[str, Any],
        errors: dict[str, str],
        status_code: int = 200,
        password_errors: dict[str, str] | None = None,
        notice: str | None = None,
        error: str | None = None,
    ) -> Template:
        return render(
            "admin/user_form.html",
            status_code=status_code,
            user=user,
            values=values,
            errors=errors,
            departments=await UserService().list_departments(include_inactive=False),
            roles=list(Role),
            password_errors=password_errors or {},
            notice=notice,
            error=error,
            section="users",
        )

    @get("/users/new")
    async def new_user(self) -> Template:
        """Show the form for a new user."""
        return await self._user_form(user=None, values={"roles": []}, errors={})

    @post("/users")
    async def create_user(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        """Create a user."""
        result = parse_form(await request.form(), schemas.UserCreate)
        if not result.ok:
            return await self._user_form(user=None, values=result.raw, errors=result.errors, status_code=422)
        try:
            user_id = await UserService().create_user(result.value, actor=principal(request).actor)
        except ValidationError as exc:
            return await self._user_form(user=None, values=result.raw, errors=exc.field_errors, status_code=422)
        return redirect(f"/admin/users/{user_id}", "created")

    @get("/users/{user_id:int}")
    async def edit_user(self, request: Request[Any, Any, Any], user_id: PathId) -> Template:
        """Show a user's settings."""
        user = await UserService().get_user(user_id)
        values = _form_values(user)
        return await self._user_form(user=user, values=values, errors={}, notice=notice_with_revocations(request))

    @post("/users/{user_id:int}")
    async def update_user(self, request: Request[Any, Any, Any], user_id: PathId) -> Template | Redirect:
        """Change a user's name, department, roles or status."""
        service = UserService()
        user = await service.get_user(user_id)
        result = parse_form(await request.form(), schemas.UserUpdate)
        if not result.ok:
            return await self._user_form(user=user, values=result.raw, errors=result.errors, status_code=422)
        try:
            await service.update_user(user_id, result.value, actor=principal(request).actor)
        except ValidationError as exc:
            return await self._user_form(user=user, values=result.raw, errors=exc.field_errors, status_code=422)
        except ConflictError as exc:
            return await self._user_form(user=user, values=result.raw, errors={}, status_code=409, error=exc.message)
        return redirect(f"/admin/users/{user_id}", "saved")

    @post("/users/{user_id:int}/password")
    async def reset_password(self, request: Request[Any, Any, Any], user_id: PathId) -> Template | Redirect:
        """Set a new password for a user."""
        service = UserService()
        user = await service.get_user(user_id)
        values = _form_values(user)
        form = await request.form()
        result = parse_form(form, schemas.PasswordReset)
        require_confirmation(result, form, "password")
        if not result.ok:
            return await self._user_form(
                user=user, values=values, errors={}, password_errors=result.errors, status_code=422
            )
        try:
            revoked = await service.reset_password(user_id, result.value.password, actor=principal(request).actor)
        except ValidationError as exc:
            return await self._user_form(
                user=user, values=values, errors={}, password_errors=exc.field_errors, status_code=422
            )
        query = f"?revoked={revoked}" if revoked else ""
        return redirect(f"/admin/users/{user_id}{query}", "password_reset")

    # -- departments -------------------------------------------------------------------------------------------

    async def _departments(
        self,
        *,
        values: dict[str, Any] | None = None,
        errors: dict[str, str] | None = None,
        status_code: int = 200,
        notice: str | None = None,
        error: str | None = None,
    ) -> Template:
        return render(
            "admin/departments.html",
            status_code=status_code,
            departments=await UserService().list_departments(),
            values=values or {},
            errors=errors or {},
            notice=notice,
            error=error,
            section="departments",
        )

    @get("/departments")
    async def departments(self, request: Request[Any, Any, Any]) -> Template:
        """List departments with a form for a new one."""
        return await self._departments(notice=notice_of(request))

    @post("/departments")
    async def create_department(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        """Create a department."""
        result = parse_form(await request.form(), schemas.DepartmentCreate)
        if not result.ok:
            return await self._departments(values=result.raw, errors=result.errors, status_code=422)
        try:
            await UserService().create_department(result.value, actor=principal(request).actor)
        except ValidationError as exc:
            return await self._departments(values=result.raw, errors=exc.field_errors, status_code=422)
        return redirect("/admin/departments", "created")

    @post("/departments/{dept_id:int}")
    async def update_department(self, request: Request[Any, Any, Any], dept_id: PathId) -> Template | Redirect:
        """Rename or (de)activate a department."""
        result = parse_form(await request.form(), schemas.DepartmentUpdate)
        if not result.ok:
            return await self._departments(status_code=422, error="；".join(result.errors.values()))
        try:
            await UserService().update_department(dept_id, result.value, actor=principal(request).actor)
        except (ValidationError, ConflictError) as exc:
            message = "；".join(exc.field_errors.values()) if isinstance(exc, ValidationError) else exc.message
            return await self._departments(status_code=exc.status_code, error=message)
        return redirect("/admin/departments", "saved")

    # -- tokens ------------------------------------------------------------------------------------------------

    @get("/tokens")
    async def tokens(self, request: Request[Any, Any, Any]) -> Template:
        """List every user's API tokens."""
        return render(
            "admin/tokens.html", tokens=await TokenService().list(), notice=notice_of(request), section="tokens"
        )

    @post("/tokens/{token_id:int}/revoke")
    async def revoke_token(self, request: Request[Any, Any, Any], token_id: PathId) -> Redirect:
        """Revoke any user's token."""
        await TokenService().revoke(token_id, actor=principal(request).actor)
        return redirect("/admin/tokens", "token_revoked")
