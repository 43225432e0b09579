"""Roles and the access sets routes declare."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a user may do; a user holds one or more.

    Besides the working roles, the organisation of the national guideline and of the policy's 基本方針 6(1)
    組織体制: CISO, 統括情報セキュリティ責任者, and per department the 情報セキュリティ責任者,
    情報セキュリティ管理者 (課長級) and 個人情報の保護管理者.
    """

    admin = "admin"
    security_officer = "security_officer"
    procurement = "procurement"
    department_staff = "department_staff"
    pr_staff = "pr_staff"
    auditor = "auditor"
    ciso = "ciso"
    chief_security = "chief_security"
    security_head = "security_head"
    security_manager = "security_manager"
    privacy_manager = "privacy_manager"

    @property
    def label(self) -> str:
        """The Japanese name shown on pages."""
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.admin: "システム管理者",
    Role.security_officer: "情報セキュリティ担当者",
    Role.procurement: "契約・調達担当",
    Role.department_staff: "所管課担当者",
    Role.pr_staff: "広報担当",
    Role.auditor: "監査担当（閲覧のみ）",
    Role.ciso: "最高情報セキュリティ責任者（CISO）",
    Role.chief_security: "統括情報セキュリティ責任者",
    Role.security_head: "情報セキュリティ責任者",
    Role.security_manager: "情報セキュリティ管理者（課長級）",
    Role.privacy_manager: "個人情報の保護管理者",
}

IMPLIED_ROLES: dict[str, frozenset[str]] = {
    Role.ciso: frozenset({Role.security_officer}),
    Role.chief_security: frozenset({Role.security_officer}),
    Role.security_head: frozenset({Role.department_staff}),
    Role.security_manager: frozenset({Role.department_staff}),
    Role.privacy_manager: frozenset({Role.department_staff}),
}
"""What each role of the policy's organisation may do besides receiving its reports.

The CISO and the 統括情報セキュリティ責任者 act as the security office does (approve, review, see every department);
the department-level roles act as that department's staff do (supervise its contractors, read and change its records
only)."""

SCOPED_ROLES: frozenset[str] = frozenset(
    {Role.department_staff, Role.security_head, Role.security_manager, Role.privacy_manager}
)
"""Roles that see only their own department's records; a user who also holds any other working role is not scoped."""


def effective_roles(roles: frozenset[str] | set[str] | list[str]) -> frozenset[str]:
    """The roles a user holds, with the roles they imply (a CISO acts as the security office)."""
    held = {str(r) for r in roles}
    for role in list(held):
        held |= IMPLIED_ROLES.get(role, frozenset())
    return frozenset(held)


def holders_of(role: str) -> frozenset[str]:
    """The stored roles that give ``role``: the role itself and those that imply it."""
    return frozenset({str(role)} | {str(r) for r, implied in IMPLIED_ROLES.items() if role in implied})


def is_department_scoped(roles: frozenset[str]) -> bool:
    """Whether a user with these (stored or effective) roles sees only their own department's records."""
    working = set(roles) - {Role.ciso, Role.chief_security}  # those two imply the security office
    return bool(working) and working <= SCOPED_ROLES


ALL_ROLES: frozenset[str] = frozenset(Role)
"""Every signed-in user, whatever their role."""

STAFF_EDITORS: frozenset[str] = frozenset({Role.procurement, Role.department_staff})
"""Who registers and edits contractors, engagements and selections."""
READERS: frozenset[str] = frozenset({Role.security_officer, Role.auditor})
OUTSOURCING_READERS: frozenset[str] = STAFF_EDITORS | READERS
"""Who reads the outsourcing records: editors, security officers and auditors."""
