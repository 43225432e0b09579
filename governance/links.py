"""Links a person without an account uses (a contractor's report links): one token scheme, one set of refusals.

A token is random (256 bits, ``accounts.passwords.new_token``), shown once, stored only as its SHA-256 with its first
characters for people to tell links apart. A link stops working when it expires, is revoked or (for a single-use
link) has been used. ``governance.verification`` (a check's report link) and ``governance.incidents`` (the standing
事故報告用リンク of an engagement) both issue and check their links here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from governance.accounts.passwords import new_token, token_digest
from governance.errors import DomainError

MAX_TOKEN = 100
"""A longer token is as unknown as a wrong one (nothing longer is ever issued)."""


class LinkGoneError(DomainError):
    """The link expired, was revoked or was already used."""

    status_code = 410
    title = "このリンクは使用できません"


@dataclass(frozen=True)
class IssuedToken:
    """A new token: the clear text (shown once), the digest stored, and the prefix people see."""

    token: str
    digest: str
    prefix: str


def issue_token() -> IssuedToken:
    """A new link token."""
    token = new_token()
    return IssuedToken(token=token, digest=token_digest(token), prefix=token[:8])


def digest_of(token: str) -> str | None:
    """The stored digest of a token as typed, or None when it is too long to be one."""
    return token_digest(token) if len(token) <= MAX_TOKEN else None


def refuse_unusable(link: Mapping[str, Any], now: dt.datetime) -> None:
    """Refuse a revoked, used (where the link has ``used_at``) or expired link with a message for its holder.

    Raises:
        LinkGoneError: the link may not be used any more.
    """
    if link["revoked_at"]:
        raise LinkGoneError("このリンクは取り消されています。担当課にお問い合わせください。")
    if link.get("used_at"):
        raise LinkGoneError("このリンクからはすでに報告が提出されています。追加の報告は担当課にお問い合わせください。")
    if link["expires_at"] <= now:
        raise LinkGoneError("このリンクの有効期限が切れています。担当課に新しいリンクの発行を依頼してください。")
