"""Tables for departments, users, roles, sessions, API tokens, sign-in throttling and first-run setup."""

from __future__ import annotations

from piccolo.columns import (
    Boolean,
    ForeignKey,
    Integer,
    OnDelete,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from governance.accounts.roles import Role


class Department(Table, tablename="department"):
    """A section of the municipality (課), the unit that owns engagements, services and accounts."""

    code = Varchar(length=20, unique=True, required=True)
    name = Varchar(length=100, unique=True, required=True)
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())


class User(Table, tablename="app_user"):
    """A person who signs in; belongs to one department and holds roles through ``UserRole``."""

    username = Varchar(length=64, unique=True, required=True)
    full_name = Varchar(length=100, required=True)
    email = Varchar(length=254, default="")
    department = ForeignKey(Department, on_delete=OnDelete.restrict, required=True)
    password_hash = Varchar(length=255, default="", secret=True)
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    password_changed_at = Timestamptz(null=True, default=None)
    last_login_at = Timestamptz(null=True, default=None)


class UserRole(Table, tablename="user_role"):
    """One role held by one user (unique per pair; the index is created by the migration)."""

    user = ForeignKey(User, on_delete=OnDelete.cascade, required=True)
    role = Varchar(length=32, choices=Role, required=True)


class UserSession(Table, tablename="user_session"):
    """A signed-in browser; the cookie holds a random token, the table only its SHA-256."""

    token_hash = Varchar(length=64, unique=True, required=True)
    user = ForeignKey(User, on_delete=OnDelete.cascade, required=True)
    created_at = Timestamptz(default=TimestamptzNow())
    last_seen_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz(required=True)
    ip_address = Varchar(length=45, default="")
    user_agent = Varchar(length=255, default="")


class ApiToken(Table, tablename="api_token"):
    """A personal token for ``/api/v1``; shown once, stored as SHA-256, revocable."""

    user = ForeignKey(User, on_delete=OnDelete.cascade, required=True)
    name = Varchar(length=100, required=True)
    token_prefix = Varchar(length=16, required=True)
    token_hash = Varchar(length=64, unique=True, required=True)
    created_at = Timestamptz(default=TimestamptzNow())
    last_used_at = Timestamptz(null=True, default=None)
    expires_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class LoginThrottle(Table, tablename="login_throttle"):
    """Failed sign-ins per user name (existing or not), to lock out guessing."""

    username_key = Varchar(length=64, unique=True, required=True)
    failures = Integer(default=0)
    first_failure_at = Timestamptz(default=TimestamptzNow())
    locked_until = Timestamptz(null=True, default=None)


class SetupToken(Table, tablename="setup_token"):
    """A one-time link that creates the first administrator when no user exists."""

    token_hash = Varchar(length=64, unique=True, required=True)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz(required=True)
