"""Unit tests for the route access policy: access() and access_guard."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException

from governance.accounts.roles import ALL_ROLES, READERS, STAFF_EDITORS, Role
from governance.web.access import ACCESS_KEY, PUBLIC, access, access_guard

# --- access() ------------------------------------------------------------------------------------------------------


def test_access_key_is_access() -> None:
    assert ACCESS_KEY == "access"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((Role.admin,), {"admin"}),
        (("admin",), {"admin"}),
        ((Role.admin, Role.auditor), {"admin", "auditor"}),
        ((Role.admin, "auditor"), {"admin", "auditor"}),
        (([Role.procurement, "pr_staff"],), {"procurement", "pr_staff"}),
        ((STAFF_EDITORS, Role.admin), {"procurement", "department_staff", "admin"}),
        ((READERS, STAFF_EDITORS), {"security_officer", "auditor", "procurement", "department_staff"}),
        ((ALL_ROLES,), {r.value for r in Role}),
        ((Role.admin, Role.admin, ["admin"]), {"admin"}),  # duplicates collapse
        (((r for r in [Role.auditor]),), {"auditor"}),  # any iterable, even a generator
    ],
)
def test_access_builds_a_frozenset_of_role_names(args: tuple[Any, ...], expected: set[str]) -> None:
    opt = access(*args)
    assert set(opt) == {ACCESS_KEY}
    policy = opt[ACCESS_KEY]
    assert isinstance(policy, frozenset)
    assert policy == frozenset(expected)
    assert all(type(name) is str for name in policy)  # plain strings, not Role members


@pytest.mark.parametrize("args", [(PUBLIC,), ("public",), ([PUBLIC],), (PUBLIC, PUBLIC)])
def test_public_alone_opens_the_route(args: tuple[Any, ...]) -> None:
    assert access(*args) == {ACCESS_KEY: PUBLIC}


@pytest.mark.parametrize(
    "args",
    [(PUBLIC, Role.admin), (Role.admin, PUBLIC), ([PUBLIC, "auditor"],), (PUBLIC, ALL_ROLES)],
)
def test_public_cannot_be_combined_with_roles(args: tuple[Any, ...]) -> None:
    with pytest.raises(ValueError, match="PUBLIC cannot be combined"):
        access(*args)


@pytest.mark.parametrize(
    ("args", "unknown"),
    [
        (("superuser",), "superuser"),
        (("Admin",), "Admin"),  # role names are case-sensitive
        ((Role.admin, "guest"), "guest"),
        ((["auditor", "root"],), "root"),
        (("",), ""),
    ],
)
def test_unknown_role_names_are_refused_and_named(args: tuple[Any, ...], unknown: str) -> None:
    with pytest.raises(ValueError, match="unknown roles") as exc_info:
        access(*args)
    assert repr(unknown) in str(exc_info.value)


@pytest.mark.parametrize("args", [(), ([],), (frozenset(),), ([], ())])
def test_access_without_any_role_is_refused(args: tuple[Any, ...]) -> None:
    with pytest.raises(ValueError):
        access(*args)


# --- access_guard --------------------------------------------------------------------------------------------------


def connection(roles: list[str] | None) -> Any:
    user = None if roles is None else SimpleNamespace(roles=roles)
    return SimpleNamespace(scope={"user": user})


def handler(opt: dict[str, Any]) -> Any:
    return SimpleNamespace(opt=opt)


def test_guard_lets_anyone_use_a_public_route() -> None:
    assert access_guard(connection(None), handler(access(PUBLIC))) is None


def test_guard_refuses_a_route_without_a_policy_even_to_an_admin() -> None:
    with pytest.raises(PermissionDeniedException):
        access_guard(connection(["admin"]), handler({}))


def test_guard_refuses_a_route_with_a_malformed_policy() -> None:
    with pytest.raises(PermissionDeniedException):
        access_guard(connection(["admin"]), handler({ACCESS_KEY: {"admin"}}))  # a set, not access()'s frozenset


def test_guard_asks_an_anonymous_visitor_to_sign_in() -> None:
    with pytest.raises(NotAuthorizedException):
        access_guard(connection(None), handler(access(ALL_ROLES)))


def test_guard_refuses_a_user_without_any_of_the_roles() -> None:
    with pytest.raises(PermissionDeniedException):
        access_guard(connection(["auditor", "pr_staff"]), handler(access(Role.admin, Role.procurement)))


@pytest.mark.parametrize("roles", [["procurement"], ["auditor", "procurement"], [Role.procurement]])
def test_guard_lets_a_user_with_one_of_the_roles_through(roles: list[str]) -> None:
    assert access_guard(connection(roles), handler(access(Role.admin, Role.procurement))) is None


def test_redirect_puts_the_notice_before_the_fragment():
    from governance.web.pages import redirect

    assert redirect("/contractors/1#certifications", "saved").url == "/contractors/1?notice=saved#certifications"
    assert redirect("/a?x=1", "saved").url == "/a?x=1&notice=saved"
