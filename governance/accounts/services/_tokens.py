"""Personal API tokens: issued once, stored as SHA-256, revocable."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from governance.accounts import schemas
from governance.accounts.passwords import new_token, token_digest
from governance.accounts.roles import Role
from governance.accounts.services._auth import TOUCH_INTERVAL, Principal, principal_columns, principal_from_row
from governance.accounts.tables import ApiToken, User
from governance.actor import Actor
from governance.audit.services import AuditService
from governance.calendar import TOKYO
from governance.db import for_update, write_transaction
from governance.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError

TOKEN_PREFIX = "gov_"

TOKEN_COLUMNS = (
    ApiToken.id,
    ApiToken.name,
    ApiToken.token_prefix,
    ApiToken.user.id.as_alias("user_id"),
    ApiToken.user.username.as_alias("username"),
    ApiToken.created_at,
    ApiToken.last_used_at,
    ApiToken.expires_at,
    ApiToken.revoked_at,
)


@functools.cache
def _token_columns() -> tuple[Any, ...]:
    """What resolving a bearer token selects, built once (as the session's: every API request resolves one)."""
    return (ApiToken.id, ApiToken.expires_at, ApiToken.revoked_at, ApiToken.last_used_at,
            *principal_columns(ApiToken.user))  # fmt: skip


class TokenService:
    """Issue, list, revoke and resolve personal API tokens."""

    def __init__(self, audit: AuditService | None = None) -> None:
        self.audit = audit or AuditService()

    async def create(
        self, data: schemas.ApiTokenCreate, *, actor: Actor, via: str = "session", now: dt.datetime | None = None
    ) -> schemas.ApiTokenCreated:
        """Issue a token for the actor; the value is returned once and never stored.

        Args:
            data: the token's name and optional expiry date.
            actor: the signed-in user the token is for (audited as its issuer).
            via: how the actor authenticated: ``session`` (a page) or ``token`` (the API; always refused).
            now: the current time.

        Returns:
            The new token with its value.

        Raises:
            PermissionDeniedError: the request came with an API token (a token cannot mint tokens), or no user.
            ValidationError: the expiry date is not in the future.
        """
        if via == "token":
            raise PermissionDeniedError(
                "APIトークンを使って新しいAPIトークンを発行することはできません。"
                "ブラウザでログインし、アカウント画面から発行してください。"
            )
        if actor.id is None:
            raise PermissionDeniedError("APIトークンは利用者本人のみ発行できます。")
        return await self._issue(data, owner_id=actor.id, actor=actor, via=via, now=now)

    async def create_for_user(
        self, username: str, data: schemas.ApiTokenCreate, *, actor: Actor, now: dt.datetime | None = None
    ) -> schemas.ApiTokenCreated:
        """Issue a token for a named user from the command line (a first token for automation).

        Args:
            username: the owner's user name (case-insensitive).
            data: the token's name and optional expiry date.
            actor: the system actor of the command line (audited as the issuer).
            now: the current time.

        Returns:
            The new token with its value.

        Raises:
            NotFoundError: no user has that name.
            ConflictError: the user is deactivated.
            ValidationError: the expiry date is not in the future.
        """
        row = await User.select(User.id, User.active).where(User.username == username.strip().lower()).first()
        if row is None:
            raise NotFoundError("ユーザー", username)
        if not row["active"]:
            raise ConflictError(
                f"ユーザー {username.strip().lower()} は無効化されているため、APIトークンを発行できません。"
            )
        return await self._issue(data, owner_id=row["id"], actor=actor, via="cli", now=now)

    async def _issue(
        self, data: schemas.ApiTokenCreate, *, owner_id: int, actor: Actor, via: str, now: dt.datetime | None
    ) -> schemas.ApiTokenCreated:
        now = now or dt.datetime.now(dt.UTC)
        expires_at = None
        if data.expires_on is not None:
            expires_at = dt.datetime.combine(data.expires_on + dt.timedelta(days=1), dt.time.min, TOKYO)
            if expires_at <= now:
                raise ValidationError({"expires_on": "有効期限には今日以降の日付を指定してください。"})
        token = new_token(TOKEN_PREFIX)
        async with write_transaction():
            token_id = (
                await ApiToken.insert(
                    ApiToken(
                        user=owner_id,
                        name=data.name.strip(),
                        token_prefix=token[:12],
                        token_hash=token_digest(token),
                        created_at=now,
                        expires_at=expires_at,
                    )
                ).returning(ApiToken.id)
            )[0]["id"]
            await self.audit.record(
                "api_token.created",
                actor=actor,
                target_type="api_token",
                target_id=token_id,
                target_label=data.name.strip(),
                after={"prefix": token[:12], "expires_at": expires_at, "owner_id": owner_id, "via": via},
                now=now,
            )
        return schemas.ApiTokenCreated(id=token_id, name=data.name.strip(), token=token, expires_at=expires_at)

    async def list(self, *, user_id: int | None = None) -> list[schemas.ApiToken]:
        """List tokens, newest first: one user's, or everyone's when ``user_id`` is None."""
        query = ApiToken.select(*TOKEN_COLUMNS).order_by(ApiToken.id, ascending=False)
        if user_id is not None:
            query = query.where(ApiToken.user == user_id)
        return [schemas.ApiToken(**r) for r in await query]

    async def revoke(self, token_id: int, *, actor: Actor, now: dt.datetime | None = None) -> None:
        """Revoke a token: its owner or an administrator may.

        Raises:
            NotFoundError: no such token, or one the actor may not see.
        """
        now = now or dt.datetime.now(dt.UTC)
        async with write_transaction():
            row = await for_update(ApiToken.select(*TOKEN_COLUMNS).where(ApiToken.id == token_id)).first()
            if row is None or (row["user_id"] != actor.id and not actor.has_any(Role.admin)):
                raise NotFoundError("APIトークン", token_id)
            if row["revoked_at"] is not None:
                return
            await ApiToken.update({ApiToken.revoked_at: now}).where(ApiToken.id == token_id)
            await self.audit.record(
                "api_token.revoked",
                actor=actor,
                target_type="api_token",
                target_id=token_id,
                target_label=row["name"],
                before={"owner": row["username"]},
                now=now,
            )

    async def resolve(self, token: str, *, now: dt.datetime | None = None) -> Principal | None:
        """Return the principal behind a live token, or None."""
        now = now or dt.datetime.now(dt.UTC)
        if not token.startswith(TOKEN_PREFIX):
            return None
        row = (
            await ApiToken.select(*_token_columns())
            .where(ApiToken.token_hash == token_digest(token))
            .first()
        )
        if row is None or row["revoked_at"] is not None or (row["expires_at"] and row["expires_at"] <= now):
            return None
        if row["last_used_at"] is None or now - row["last_used_at"] > TOUCH_INTERVAL:
            await ApiToken.update({ApiToken.last_used_at: now}).where(ApiToken.id == row["id"])
        return await principal_from_row(row, via="token", credential_id=row["id"])
