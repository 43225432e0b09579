"""Sign-in with throttling, server-side sessions, and the principal a request acts as."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from governance.accounts.passwords import hash_password, needs_rehash, new_token, token_digest, verify_password
from governance.accounts.services._users import roles_of
from governance.accounts.tables import LoginThrottle, User, UserSession
from governance.actor import Actor
from governance.audit.services import AuditService
from governance.db import for_update, write_transaction
from governance.errors import AuthenticationError

# A session's last_seen_at is written at most this often, so that reading pages does not mean writing rows.
TOUCH_INTERVAL = dt.timedelta(seconds=60)


@dataclass(frozen=True)
class Principal:
    """The signed-in user a request acts as, and how it was authenticated."""

    id: int
    username: str
    full_name: str
    department_id: int
    department_name: str
    roles: frozenset[str]
    via: str  # "session" or "token"
    credential_id: int

    @property
    def actor(self) -> Actor:
        """The actor passed to services."""
        return Actor(
            id=self.id, label=f"{self.full_name}（{self.username}）", roles=self.roles, department_id=self.department_id
        )

    def has_any(self, *roles: str) -> bool:
        """Tell whether the user holds at least one of the roles."""
        return bool(self.roles.intersection(roles))


@dataclass(frozen=True)
class SessionPolicy:
    """How long sessions live and how sign-in failures are throttled."""

    idle: dt.timedelta = dt.timedelta(minutes=120)
    max_age: dt.timedelta = dt.timedelta(hours=12)
    max_failures: int = 5
    lock_for: dt.timedelta = dt.timedelta(minutes=15)


def principal_columns(user: Any) -> tuple[Any, ...]:
    """The user columns a principal needs, reached through ``user`` (``User`` itself or a foreign key to it).

    Sessions and tokens select these in the same query as the credential, so that authenticating a request costs
    two queries (credential with user, then roles) instead of three.
    """
    return (
        user.id.as_alias("user_id"),
        user.username.as_alias("username"),
        user.full_name.as_alias("full_name"),
        user.active.as_alias("user_active"),
        user.department.id.as_alias("department_id"),
        user.department.name.as_alias("department_name"),
    )


async def principal_from_row(row: dict[str, Any], *, via: str, credential_id: int) -> Principal | None:
    """Build the principal from a credential row with ``principal_columns``; None for an inactive user."""
    if not row["user_active"]:
        return None
    user_id = row["user_id"]
    roles = (await roles_of([user_id]))[user_id]
    return Principal(
        id=user_id,
        username=row["username"],
        full_name=row["full_name"],
        department_id=row["department_id"],
        department_name=row["department_name"],
        roles=frozenset(roles),
        via=via,
        credential_id=credential_id,
    )


class AuthService:
    """Signs users in and out and resolves session cookies."""

    def __init__(self, policy: SessionPolicy | None = None, audit: AuditService | None = None) -> None:
        self.policy = policy or SessionPolicy()
        self.audit = audit or AuditService()

    async def sign_in(
        self, username: str, password: str, *, ip: str = "", user_agent: str = "", now: dt.datetime | None = None
    ) -> str:
        """Check credentials and open a session.

        Returns:
            The new session token (for the cookie); only its digest is stored.

        Raises:
            AuthenticationError: wrong user name or password, inactive user, or the user name is locked.
        """
        now = now or dt.datetime.now(dt.UTC)
        key = username.strip().lower()[:64]
        throttle = await LoginThrottle.select().where(LoginThrottle.username_key == key).first()
        if throttle and throttle["locked_until"] and throttle["locked_until"] > now:
            minutes = max(1, int((throttle["locked_until"] - now).total_seconds() // 60) + 1)
            raise AuthenticationError(
                f"ログインの失敗が続いたため、このユーザー名は一時的にロックされています。約{minutes}分後に再度お試しください。"
            )
        user = (
            await User.select(User.id, User.username, User.password_hash, User.active)
            .where(User.username == username.strip().lower())
            .first()
        )
        ok = verify_password(user["password_hash"] if user else None, password)
        if not ok or not user or not user["active"]:
            await self._record_failure(key, user, ip=ip, now=now, throttle=throttle)
            raise AuthenticationError("ユーザー名またはパスワードが正しくありません。")
        token = new_token()
        async with write_transaction():
            await LoginThrottle.delete().where(
                (LoginThrottle.username_key == key) | (LoginThrottle.first_failure_at < now - self.policy.lock_for * 4)
            )
            await self._purge_expired(now)
            updates = {User.last_login_at: now}
            if needs_rehash(user["password_hash"]):
                updates[User.password_hash] = hash_password(password)
            await User.update(updates).where(User.id == user["id"])
            await UserSession.insert(
                UserSession(
                    token_hash=token_digest(token),
                    user=user["id"],
                    created_at=now,
                    last_seen_at=now,
                    expires_at=now + self.policy.max_age,
                    ip_address=ip[:45],
                    user_agent=user_agent[:255],
                )
            )
            await self.audit.record(
                "user.signed_in",
                actor=Actor(id=user["id"], label=user["username"]),
                target_type="user",
                target_id=user["id"],
                target_label=user["username"],
                after={"ip": ip},
                now=now,
            )
        return token

    async def _record_failure(
        self, key: str, user: dict | None, *, ip: str, now: dt.datetime, throttle: dict | None
    ) -> None:
        async with write_transaction():
            row = await for_update(LoginThrottle.select().where(LoginThrottle.username_key == key)).first()
            window_over = row is not None and now - row["first_failure_at"] > self.policy.lock_for
            if row is None or window_over:
                failures = 1
                await LoginThrottle.delete().where(LoginThrottle.username_key == key)
                await LoginThrottle.insert(
                    LoginThrottle(username_key=key, failures=1, first_failure_at=now, locked_until=None)
                )
            else:
                failures = row["failures"] + 1
                locked = now + self.policy.lock_for if failures >= self.policy.max_failures else None
                await LoginThrottle.update(
                    {LoginThrottle.failures: failures, LoginThrottle.locked_until: locked}
                ).where(LoginThrottle.username_key == key)
            label = user["username"] if user else key
            system = Actor.system("ログイン")
            await self.audit.record(
                "user.sign_in_failed",
                actor=system,
                target_type="user",
                target_id=user["id"] if user else "",
                target_label=label,
                after={"ip": ip, "failures": failures},
                now=now,
            )
            if failures == self.policy.max_failures:
                await self.audit.record(
                    "user.locked",
                    actor=system,
                    target_type="user",
                    target_id=user["id"] if user else "",
                    target_label=label,
                    after={"locked_minutes": int(self.policy.lock_for.total_seconds() // 60)},
                    now=now,
                )

    async def resolve_session(self, token: str, *, now: dt.datetime | None = None) -> Principal | None:
        """Return the principal of a live session, ending it when idle or too old."""
        now = now or dt.datetime.now(dt.UTC)
        row = (
            await UserSession.select(
                UserSession.id, UserSession.last_seen_at, UserSession.expires_at, *principal_columns(UserSession.user)
            )
            .where(UserSession.token_hash == token_digest(token))
            .first()
        )
        if row is None:
            return None
        if row["expires_at"] <= now or now - row["last_seen_at"] > self.policy.idle:
            await UserSession.delete().where(UserSession.id == row["id"])
            return None
        if now - row["last_seen_at"] > TOUCH_INTERVAL:
            await UserSession.update({UserSession.last_seen_at: now}).where(UserSession.id == row["id"])
        return await principal_from_row(row, via="session", credential_id=row["id"])

    async def sign_out(self, token: str, *, actor: Actor, now: dt.datetime | None = None) -> None:
        """End the session behind a cookie token (no error when it is already gone)."""
        async with write_transaction():
            deleted = (
                await UserSession.delete()
                .where(UserSession.token_hash == token_digest(token))
                .returning(UserSession.id)
            )
            if deleted and actor.id is not None:
                await self.audit.record(
                    "user.signed_out",
                    actor=actor,
                    target_type="user",
                    target_id=actor.id,
                    target_label=actor.label,
                    now=now,
                )

    async def _purge_expired(self, now: dt.datetime) -> int:
        """Delete sessions past their absolute or idle limit (done at every sign-in); return how many."""
        rows = (
            await UserSession.delete()
            .where((UserSession.expires_at <= now) | (UserSession.last_seen_at < now - self.policy.idle))
            .returning(UserSession.id)
        )
        return len(rows)
