"""Data shapes of the accounts domain (API bodies and service inputs)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec

from governance.accounts.roles import Role
from governance.schema import Date, RequiredLine, SingleLine, Struct, choice, id_field

Username = Annotated[
    str,
    msgspec.Meta(
        title="ユーザー名",
        min_length=3,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*(?!\n)$",
        description="半角英数字とピリオド・ハイフン・下線（3〜64文字）",
    ),
]
FullName = Annotated[RequiredLine, msgspec.Meta(title="氏名", max_length=100)]
Email = Annotated[SingleLine, msgspec.Meta(title="メールアドレス", max_length=254)]
Password = Annotated[SingleLine, msgspec.Meta(title="パスワード", min_length=1, max_length=256)]
"""A password is one line of any characters but controls (spaces count: it is not a name)."""
DeptCode = Annotated[
    str, msgspec.Meta(title="所属コード", min_length=1, max_length=20, pattern=r"^[A-Za-z0-9_-]+(?!\n)$")
]
DeptName = Annotated[RequiredLine, msgspec.Meta(title="所属名", max_length=100)]
TokenName = Annotated[RequiredLine, msgspec.Meta(title="トークン名", max_length=100)]
RoleCode = choice(Role)


class Department(Struct):
    """A department (課)."""

    id: int
    code: str
    name: str
    active: bool


class DepartmentCreate(Struct):
    """A new department."""

    code: DeptCode
    name: DeptName


class DepartmentUpdate(Struct):
    """Changes to a department."""

    name: DeptName
    active: bool = True


class User(Struct):
    """A user as shown to administrators and auditors (never the password hash)."""

    id: int
    username: str
    full_name: str
    email: str
    department_id: int
    department_name: str
    roles: list[str]
    active: bool
    last_login_at: dt.datetime | None = None


class UserCreate(Struct):
    """A new user created by an administrator."""

    username: Username
    full_name: FullName
    department_id: Annotated[int, id_field("所属")]
    roles: Annotated[list[RoleCode], msgspec.Meta(title="役割", min_length=1, max_length=6)]
    password: Password
    email: Email = ""


class UserUpdate(Struct):
    """Changes to a user made by an administrator."""

    full_name: FullName
    department_id: Annotated[int, id_field("所属")]
    roles: Annotated[list[RoleCode], msgspec.Meta(title="役割", min_length=1, max_length=6)]
    email: Email = ""
    active: bool = True


class PasswordReset(Struct):
    """A new password set by an administrator."""

    password: Password


class PasswordChange(Struct):
    """A user's change of their own password."""

    current_password: Annotated[SingleLine, msgspec.Meta(title="現在のパスワード", min_length=1, max_length=256)]
    new_password: Annotated[SingleLine, msgspec.Meta(title="新しいパスワード", min_length=1, max_length=256)]


class SetupForm(Struct):
    """The first administrator, created through the one-time setup link."""

    username: Username
    full_name: FullName
    department_code: DeptCode
    department_name: DeptName
    password: Password
    email: Email = ""


class ApiTokenCreate(Struct):
    """A request for a new personal API token."""

    name: TokenName
    expires_on: Annotated[Date, msgspec.Meta(title="有効期限")] | None = None


class ApiToken(Struct):
    """A personal API token as listed (never the token itself)."""

    id: int
    name: str
    token_prefix: str
    user_id: int
    username: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None


class ApiTokenCreated(Struct):
    """A new token: the only time its value is shown."""

    id: int
    name: str
    token: str
    expires_at: dt.datetime | None


class Me(Struct):
    """The signed-in user."""

    id: int
    username: str
    full_name: str
    department_id: int
    department_name: str
    roles: list[str]
