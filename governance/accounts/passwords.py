"""Password hashing (argon2id), the password rule, and random tokens stored as SHA-256."""

from __future__ import annotations

import functools
import hashlib
import secrets

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """The hash verified against when the user name is unknown, so that a miss costs as long as a hit.

    Made on the first unknown sign-in, not at import: argon2 costs tens of milliseconds of CPU on purpose, and the
    CLI (cron's ``reminders run``) and every worker's start need none of it.
    """
    return _hasher.hash(secrets.token_urlsafe(16))


MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; an unknown user (``None``) still costs one verification."""
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def hash_password_in_thread(password: str) -> str:
    """Hash a password on a worker thread, so that the event loop keeps serving other requests.

    Args:
        password: the new password.

    Returns:
        The argon2id hash.
    """
    return await anyio.to_thread.run_sync(hash_password, password)


async def verify_password_in_thread(password_hash: str | None, password: str) -> bool:
    """Check a password on a worker thread (argon2 takes tens of milliseconds of CPU on purpose).

    Args:
        password_hash: the stored hash, or None for an unknown user (still costs one verification).
        password: the password typed.

    Returns:
        True when the password matches a real hash.
    """
    return await anyio.to_thread.run_sync(verify_password, password_hash, password)


def needs_rehash(password_hash: str) -> bool:
    """Tell whether the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)


def password_problem(password: str, *, username: str = "") -> str | None:
    """Return why a new password is not acceptable (in Japanese), or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"パスワードは{MIN_PASSWORD_LENGTH}文字以上にしてください。"
    if len(password) > 256:
        return "パスワードは256文字以内にしてください。"
    if username and password.lower() == username.lower():
        return "パスワードにユーザー名をそのまま使うことはできません。"
    if len(set(password)) < 4:
        return "同じ文字の繰り返しが多すぎます。推測されにくいパスワードにしてください。"
    return None


def new_token(prefix: str = "") -> str:
    """Return a new random token (256 bits), optionally with a readable prefix."""
    return prefix + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """Return the SHA-256 hex digest under which a token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
