"""Sign-in with throttling, server-side sessions, and the principal a request acts as."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

from governance.accounts.passwords import (
    hash_password_in_thread,
    needs_rehash,
    new_token,
    token_digest,
    verify_password_in_thread,
)
from governance.accounts.roles import effective_roles
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


@functools.cache
def _session_columns() -> tuple[Any, ...]:
    """What resolving a session cookie selects, built once.

    Every request resolves one, and building Piccolo's joined columns again each time cost about a tenth of a small
    page's time (bench/lists.py).
    """
    return (UserSession.id, UserSession.last_seen_at, UserSession.expires_at, *principal_columns(UserSession.user))


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
        roles=effective_roles(roles),  # a CISO acts as the security office (accounts.roles.IMPLIED_ROLES)
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

        The attempt first takes one of the user name's ``max_failures`` attempts of the current window, atomically
        (``_reserve_attempt``), so parallel guesses cannot verify more passwords than the limit allows. The argon2
        work runs on a worker thread, outside every transaction.

        Returns:
            The new session token (for the cookie); only its digest is stored.

        Raises:
            AuthenticationError: wrong user name or password, inactive user, or the user name is locked.
        """
        now = now or dt.datetime.now(dt.UTC)
        key = username.strip().lower()[:64]
        attempt = await self._reserve_attempt(key, now)
        user = (
            await User.select(User.id, User.username, User.password_hash, User.active)
            .where(User.username == username.strip().lower())
            .first()
        )
        ok = await verify_password_in_thread(user["password_hash"] if user else None, password)
        if not ok or not user or not user["active"]:
            await self._record_failure(key, user, ip=ip, now=now, attempt=attempt)
            raise AuthenticationError("ユーザー名またはパスワードが正しくありません。")
        new_hash = await hash_password_in_thread(password) if needs_rehash(user["password_hash"]) else None
        token = new_token()
        async with write_transaction():
            await LoginThrottle.delete().where(
                (LoginThrottle.username_key == key) | (LoginThrottle.first_failure_at < now - self.policy.lock_for * 4)
            )
            await self._purge_expired(now)
            updates = {User.last_login_at: now}
            if new_hash:
                updates[User.password_hash] = new_hash
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

    def _locked(self, until: dt.datetime, now: dt.datetime) -> AuthenticationError:
        minutes = max(1, int((until - now).total_seconds() // 60) + 1)
        return AuthenticationError(
            f"ログインの失敗が続いたため、このユーザー名は一時的にロックされています。約{minutes}分後に再度お試しください。"
        )

    async def _reserve_attempt(self, key: str, now: dt.datetime) -> int:
        """Take one attempt of the user name's window, or refuse when it is locked or every attempt is taken.

        One ``write_transaction()`` with the throttle row locked (``for_update``; SQLite: ``BEGIN IMMEDIATE``), so
        concurrent attempts are counted one after the other and none is lost. The row is created first with
        ``ON CONFLICT DO NOTHING``, because two transactions cannot lock a row that does not exist yet.

        Returns:
            The attempt's number within the window (1 … ``max_failures``).

        Raises:
            AuthenticationError: the user name is locked, or all its attempts are being checked right now.
        """
        async with write_transaction():
            await LoginThrottle.insert(
                LoginThrottle(username_key=key, failures=0, first_failure_at=now, locked_until=None)
            ).on_conflict(target=LoginThrottle.username_key, action="DO NOTHING")
            row = await for_update(LoginThrottle.select().where(LoginThrottle.username_key == key)).first()
            locked_until = row["locked_until"]
            if locked_until is not None and locked_until > now:
                raise self._locked(locked_until, now)
            attempts, first = row["failures"], row["first_failure_at"]
            if locked_until is not None or now - first > self.policy.lock_for:
                attempts, first = 0, now  # the lock or the window is over: start counting again
            if attempts >= self.policy.max_failures:
                # Every attempt of the window is taken by requests still being checked: refuse as a lock would.
                raise self._locked(first + self.policy.lock_for, now)
            await LoginThrottle.update(
                {
                    LoginThrottle.failures: attempts + 1,
                    LoginThrottle.first_failure_at: first,
                    LoginThrottle.locked_until: None,
                }
            ).where(LoginThrottle.username_key == key)
        return attempts + 1

    async def _record_failure(self, key: str, user: dict | None, *, ip: str, now: dt.datetime, attempt: int) -> None:
        """Audit a failed attempt (already counted by ``_reserve_attempt``) and lock once the window is used up."""
        async with write_transaction():
            row = await for_update(LoginThrottle.select().where(LoginThrottle.username_key == key)).first()
            # None: a successful sign-in cleared the counter meanwhile. Exactly one failure sets the lock.
            lock = row is not None and row["locked_until"] is None and row["failures"] >= self.policy.max_failures
            if lock:
                await LoginThrottle.update({LoginThrottle.locked_until: now + self.policy.lock_for}).where(
                    LoginThrottle.username_key == key
                )
            label = user["username"] if user else key
            system = Actor.system("ログイン")
            await self.audit.record(
                "user.sign_in_failed",
                actor=system,
                target_type="user",
                target_id=user["id"] if user else "",
                target_label=label,
                after={"ip": ip, "failures": attempt},
                now=now,
            )
            if lock:
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
            await UserSession.select(*_session_columns())
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
