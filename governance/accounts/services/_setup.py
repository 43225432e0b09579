"""First run: a one-time link that creates the first administrator when no user exists."""

from __future__ import annotations

import datetime as dt

from governance.accounts import schemas
from governance.accounts.passwords import hash_password_in_thread, new_token, password_problem, token_digest
from governance.accounts.roles import Role
from governance.accounts.tables import Department, SetupToken, User, UserRole
from governance.actor import Actor
from governance.audit.services import AuditService
from governance.db import for_update, write_transaction
from governance.errors import ConflictError, NotFoundError, ValidationError

SETUP_TOKEN_LIFETIME = dt.timedelta(hours=24)


class SetupService:
    """Issue and redeem the setup link."""

    def __init__(self, audit: AuditService | None = None) -> None:
        self.audit = audit or AuditService()

    async def needs_setup(self) -> bool:
        """Tell whether no user exists yet."""
        return not await User.exists()

    async def issue_token(self, *, now: dt.datetime | None = None) -> str | None:
        """Issue a fresh setup token when no user exists (older ones stop working); None otherwise."""
        now = now or dt.datetime.now(dt.UTC)
        async with write_transaction():
            if await User.exists():
                return None
            token = new_token()
            await SetupToken.delete(force=True)
            await SetupToken.insert(
                SetupToken(token_hash=token_digest(token), created_at=now, expires_at=now + SETUP_TOKEN_LIFETIME)
            )
        return token

    async def token_is_valid(self, token: str, *, now: dt.datetime | None = None) -> bool:
        """Tell whether a setup token can still be redeemed."""
        now = now or dt.datetime.now(dt.UTC)
        row = await SetupToken.select(SetupToken.expires_at).where(SetupToken.token_hash == token_digest(token)).first()
        return row is not None and row["expires_at"] > now and not await User.exists()

    async def complete(self, token: str, data: schemas.SetupForm, *, now: dt.datetime | None = None) -> int:
        """Create the first department and administrator, then invalidate every setup token.

        Raises:
            NotFoundError: the link is unknown or expired.
            ConflictError: a user was created meanwhile.
            ValidationError: the password breaks the rule.
        """
        now = now or dt.datetime.now(dt.UTC)
        if problem := password_problem(data.password, username=data.username):
            raise ValidationError({"password": problem})
        pw_hash = await hash_password_in_thread(data.password)
        async with write_transaction():
            # Locked, so that two submissions of the same link cannot both create an administrator.
            row = await for_update(
                SetupToken.select(SetupToken.expires_at).where(SetupToken.token_hash == token_digest(token))
            ).first()
            if row is None or row["expires_at"] <= now:
                raise NotFoundError("初期設定用リンク", "無効または期限切れ")
            if await User.exists():
                raise ConflictError("初期設定は既に完了しています。ログイン画面からログインしてください。")
            dept = (
                await Department.select(Department.id)
                .where(Department.code == data.department_code.strip().upper())
                .first()
            )
            if dept is None:
                dept_id = (
                    await Department.insert(
                        Department(
                            code=data.department_code.strip().upper(), name=data.department_name.strip(), created_at=now
                        )
                    ).returning(Department.id)
                )[0]["id"]
            else:
                dept_id = dept["id"]
            user_id = (
                await User.insert(
                    User(
                        username=data.username.lower(),
                        full_name=data.full_name.strip(),
                        email=data.email.strip(),
                        department=dept_id,
                        password_hash=pw_hash,
                        created_at=now,
                        updated_at=now,
                        password_changed_at=now,
                    )
                ).returning(User.id)
            )[0]["id"]
            await UserRole.insert(UserRole(user=user_id, role=Role.admin))
            await SetupToken.delete(force=True)
            await self.audit.record(
                "setup.completed",
                actor=Actor(id=user_id, label=f"{data.full_name.strip()}（{data.username}）"),
                target_type="user",
                target_id=user_id,
                target_label=data.username,
                after={"username": data.username, "roles": [Role.admin.value], "department": data.department_name},
                now=now,
            )
        return user_id
