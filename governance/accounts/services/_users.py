"""Users, their roles and departments."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from governance.accounts import schemas
from governance.accounts.passwords import hash_password_in_thread, password_problem, verify_password_in_thread
from governance.accounts.roles import ALL_ROLES, Role
from governance.accounts.tables import ApiToken, Department, User, UserRole, UserSession
from governance.actor import Actor
from governance.audit.services import AuditService
from governance.db import for_update, write_transaction
from governance.errors import ConflictError, NotFoundError, ValidationError

USER_COLUMNS = (
    User.id,
    User.username,
    User.full_name,
    User.email,
    User.department.id.as_alias("department_id"),
    User.department.name.as_alias("department_name"),
    User.active,
    User.last_login_at,
)


async def roles_of(user_ids: list[int]) -> dict[int, list[str]]:
    """Return each user's roles, in the order of the Role enum."""
    if not user_ids:
        return {}
    rows = await UserRole.select(UserRole.user, UserRole.role).where(UserRole.user.is_in(user_ids))
    order = {r.value: i for i, r in enumerate(Role)}
    out: dict[int, list[str]] = {uid: [] for uid in user_ids}
    for row in rows:
        out[row["user"]].append(row["role"])
    for roles in out.values():
        roles.sort(key=lambda r: order.get(r, 99))
    return out


def _snapshot(user: dict[str, Any], roles: list[str]) -> dict[str, Any]:
    return {
        "username": user["username"],
        "full_name": user["full_name"],
        "email": user["email"],
        "department_id": user["department_id"],
        "roles": sorted(roles),
        "active": user["active"],
    }


class UserService:
    """Create, change and list users and departments."""

    def __init__(self, audit: AuditService | None = None) -> None:
        self.audit = audit or AuditService()

    # -- reading -------------------------------------------------------------------------------------------------

    async def list_users(self, *, include_inactive: bool = True) -> list[schemas.User]:
        """Return every user, ordered by department and name."""
        query = User.select(*USER_COLUMNS).order_by(User.department.code).order_by(User.username)
        if not include_inactive:
            query = query.where(User.active.eq(True))
        rows = await query
        roles = await roles_of([r["id"] for r in rows])
        return [schemas.User(**r, roles=roles[r["id"]]) for r in rows]

    async def get_user(self, user_id: int) -> schemas.User:
        """Return one user.

        Raises:
            NotFoundError: when there is no such user.
        """
        row = await User.select(*USER_COLUMNS).where(User.id == user_id).first()
        if row is None:
            raise NotFoundError("ユーザー", user_id)
        return schemas.User(**row, roles=(await roles_of([user_id]))[user_id])

    async def list_departments(self, *, include_inactive: bool = True) -> list[schemas.Department]:
        """Return departments ordered by code."""
        query = Department.select(Department.id, Department.code, Department.name, Department.active).order_by(
            Department.code
        )
        if not include_inactive:
            query = query.where(Department.active.eq(True))
        return [schemas.Department(**r) for r in await query]

    # -- validation ----------------------------------------------------------------------------------------------

    @staticmethod
    async def _check_user_fields(*, department_id: int, roles: list[str], errors: dict[str, str]) -> None:
        unknown = [r for r in roles if r not in ALL_ROLES]
        if unknown:
            errors["roles"] = f"存在しない役割が指定されています：{'、'.join(unknown)}"
        elif not roles:
            errors["roles"] = "役割を1つ以上選んでください。"
        dept = await Department.select(Department.active).where(Department.id == department_id).first()
        if dept is None:
            errors["department_id"] = "所属を選んでください。"
        elif not dept["active"]:
            errors["department_id"] = "廃止された所属は選べません。"

    async def _ensure_admin_remains(self, user_id: int, *, roles: list[str], active: bool) -> None:
        if Role.admin in roles and active:
            return
        others = await UserRole.count().where(
            UserRole.role == Role.admin, UserRole.user != user_id, UserRole.user.active.eq(True)
        )
        was_admin = await UserRole.exists().where(UserRole.user == user_id, UserRole.role == Role.admin)
        if was_admin and others == 0:
            raise ConflictError(
                "有効なシステム管理者がいなくなるため、この変更はできません。先に別の管理者を設定してください。"
            )

    # -- writing -------------------------------------------------------------------------------------------------

    async def create_user(self, data: schemas.UserCreate, *, actor: Actor, now: dt.datetime | None = None) -> int:
        """Create a user with roles and an initial password.

        Raises:
            ValidationError: duplicate user name, unknown role or department, weak password.
        """
        now = now or dt.datetime.now(dt.UTC)
        roles = sorted(set(data.roles))
        errors: dict[str, str] = {}
        if problem := password_problem(data.password, username=data.username):
            errors["password"] = problem
        pw_hash = await hash_password_in_thread(data.password) if "password" not in errors else ""
        async with write_transaction():
            await self._check_user_fields(department_id=data.department_id, roles=roles, errors=errors)
            if await User.exists().where(User.username == data.username.lower()):
                errors["username"] = "このユーザー名は既に使われています。"
            if errors:
                raise ValidationError(errors)
            user_id = (
                await User.insert(
                    User(
                        username=data.username.lower(),
                        full_name=data.full_name.strip(),
                        email=data.email.strip(),
                        department=data.department_id,
                        password_hash=pw_hash,
                        active=True,
                        created_at=now,
                        updated_at=now,
                        password_changed_at=now,
                    )
                ).returning(User.id)
            )[0]["id"]
            await UserRole.insert(*[UserRole(user=user_id, role=r) for r in roles])
            after = _snapshot({**msgspec.structs.asdict(data), "active": True}, roles)
            await self.audit.record(
                "user.created",
                actor=actor,
                target_type="user",
                target_id=user_id,
                target_label=data.username.lower(),
                after=after,
                now=now,
            )
        return user_id

    async def update_user(
        self, user_id: int, data: schemas.UserUpdate, *, actor: Actor, now: dt.datetime | None = None
    ) -> None:
        """Change a user's name, e-mail, department, roles or active flag; deactivation ends their sessions.

        Raises:
            NotFoundError: no such user.
            ValidationError: unknown role or department.
            ConflictError: the change would leave no active administrator.
        """
        now = now or dt.datetime.now(dt.UTC)
        roles = sorted(set(data.roles))
        async with write_transaction():
            await for_update(User.select(User.id).where(User.id == user_id))
            current = await self.get_user(user_id)
            errors: dict[str, str] = {}
            await self._check_user_fields(department_id=data.department_id, roles=roles, errors=errors)
            if errors:
                raise ValidationError(errors)
            await self._ensure_admin_remains(user_id, roles=roles, active=data.active)
            await User.update(
                {
                    User.full_name: data.full_name.strip(),
                    User.email: data.email.strip(),
                    User.department: data.department_id,
                    User.active: data.active,
                    User.updated_at: now,
                }
            ).where(User.id == user_id)
            if roles != sorted(current.roles):
                await UserRole.delete().where(UserRole.user == user_id)
                await UserRole.insert(*[UserRole(user=user_id, role=r) for r in roles])
            if not data.active:
                await UserSession.delete().where(UserSession.user == user_id)
            before = _snapshot(msgspec.structs.asdict(current), current.roles)
            after = {
                **before,
                "full_name": data.full_name.strip(),
                "email": data.email.strip(),
                "department_id": data.department_id,
                "roles": roles,
                "active": data.active,
            }
            await self.audit.record(
                "user.updated",
                actor=actor,
                target_type="user",
                target_id=user_id,
                target_label=current.username,
                before=before,
                after=after,
                now=now,
            )

    async def reset_password(
        self, user_id: int, new_password: str, *, actor: Actor, now: dt.datetime | None = None
    ) -> int:
        """Set a new password for a user (administrator), end the user's sessions and revoke their API tokens.

        Returns:
            How many live API tokens were revoked.

        Raises:
            NotFoundError: no such user.
            ValidationError: the password breaks the rule.
        """
        now = now or dt.datetime.now(dt.UTC)
        user = await self.get_user(user_id)
        if problem := password_problem(new_password, username=user.username):
            raise ValidationError({"password": problem})
        pw_hash = await hash_password_in_thread(new_password)
        async with write_transaction():
            await User.update({User.password_hash: pw_hash, User.password_changed_at: now, User.updated_at: now}).where(
                User.id == user_id
            )
            await UserSession.delete().where(UserSession.user == user_id)
            revoked = await self._revoke_api_tokens(
                user_id, user.username, actor=actor, reason="password_reset", now=now
            )
            await self.audit.record(
                "user.password_reset",
                actor=actor,
                target_type="user",
                target_id=user_id,
                target_label=user.username,
                after={"api_tokens_revoked": revoked},
                now=now,
            )
        return revoked

    async def change_own_password(
        self,
        data: schemas.PasswordChange,
        *,
        actor: Actor,
        keep_session_hash: str | None = None,
        now: dt.datetime | None = None,
    ) -> int:
        """Change the actor's own password after checking the current one; other sessions end, API tokens are revoked.

        A token may have leaked together with the old password, so every live token of the user stops working.

        Returns:
            How many live API tokens were revoked.

        Raises:
            ValidationError: the current password is wrong or the new one breaks the rule.
        """
        now = now or dt.datetime.now(dt.UTC)
        if actor.id is None:
            raise ValidationError({"current_password": "システム利用者のパスワードは変更できません。"})
        row = await User.select(User.username, User.password_hash).where(User.id == actor.id).first()
        if row is None or not await verify_password_in_thread(row["password_hash"], data.current_password):
            raise ValidationError({"current_password": "現在のパスワードが正しくありません。"})
        if problem := password_problem(data.new_password, username=row["username"]):
            raise ValidationError({"new_password": problem})
        pw_hash = await hash_password_in_thread(data.new_password)
        async with write_transaction():
            await User.update({User.password_hash: pw_hash, User.password_changed_at: now, User.updated_at: now}).where(
                User.id == actor.id
            )
            others = UserSession.delete().where(UserSession.user == actor.id)
            if keep_session_hash:
                others = others.where(UserSession.token_hash != keep_session_hash)
            await others
            revoked = await self._revoke_api_tokens(
                actor.id, row["username"], actor=actor, reason="password_changed", now=now
            )
            await self.audit.record(
                "user.password_changed",
                actor=actor,
                target_type="user",
                target_id=actor.id,
                target_label=row["username"],
                after={"api_tokens_revoked": revoked},
                now=now,
            )
        return revoked

    async def _revoke_api_tokens(
        self, user_id: int, username: str, *, actor: Actor, reason: str, now: dt.datetime
    ) -> int:
        """Revoke every live API token of a user inside the caller's transaction, one audit entry per token."""
        live = (ApiToken.user == user_id) & ApiToken.revoked_at.is_null()
        live &= ApiToken.expires_at.is_null() | (ApiToken.expires_at > now)
        rows = await ApiToken.update({ApiToken.revoked_at: now}).where(live).returning(ApiToken.id, ApiToken.name)
        for token in sorted(rows, key=lambda r: r["id"]):
            await self.audit.record(
                "api_token.revoked",
                actor=actor,
                target_type="api_token",
                target_id=token["id"],
                target_label=token["name"],
                before={"owner": username},
                after={"reason": reason},
                now=now,
            )
        return len(rows)

    async def create_department(
        self, data: schemas.DepartmentCreate, *, actor: Actor, now: dt.datetime | None = None
    ) -> int:
        """Create a department.

        Raises:
            ValidationError: the code or name is already used.
        """
        now = now or dt.datetime.now(dt.UTC)
        code, name = data.code.strip().upper(), data.name.strip()
        async with write_transaction():
            errors = {}
            if await Department.exists().where(Department.code == code):
                errors["code"] = "この所属コードは既に使われています。"
            if await Department.exists().where(Department.name == name):
                errors["name"] = "この所属名は既に登録されています。"
            if errors:
                raise ValidationError(errors)
            dept_id = (
                await Department.insert(Department(code=code, name=name, active=True, created_at=now)).returning(
                    Department.id
                )
            )[0]["id"]
            await self.audit.record(
                "department.created",
                actor=actor,
                target_type="department",
                target_id=dept_id,
                target_label=name,
                after={"code": code, "name": name, "active": True},
                now=now,
            )
        return dept_id

    async def update_department(
        self, dept_id: int, data: schemas.DepartmentUpdate, *, actor: Actor, now: dt.datetime | None = None
    ) -> None:
        """Rename or (de)activate a department.

        Raises:
            NotFoundError: no such department.
            ValidationError: the name is used by another department.
            ConflictError: deactivating a department that still has active users.
        """
        now = now or dt.datetime.now(dt.UTC)
        name = data.name.strip()
        async with write_transaction():
            current = await for_update(Department.select().where(Department.id == dept_id)).first()
            if current is None:
                raise NotFoundError("所属", dept_id)
            if await Department.exists().where(Department.name == name, Department.id != dept_id):
                raise ValidationError({"name": "この所属名は既に登録されています。"})
            if not data.active and await User.exists().where(User.department == dept_id, User.active.eq(True)):
                raise ConflictError(
                    "有効なユーザーが所属しているため、廃止できません。先にユーザーの所属を変更してください。"
                )
            await Department.update({Department.name: name, Department.active: data.active}).where(
                Department.id == dept_id
            )
            await self.audit.record(
                "department.updated",
                actor=actor,
                target_type="department",
                target_id=dept_id,
                target_label=name,
                before={"name": current["name"], "active": current["active"]},
                after={"name": name, "active": data.active},
                now=now,
            )
