"""Roles and the access sets routes declare."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a user may do; a user holds one or more."""

    admin = "admin"
    security_officer = "security_officer"
    procurement = "procurement"
    department_staff = "department_staff"
    pr_staff = "pr_staff"
    auditor = "auditor"

    @property
    def label(self) -> str:
        """The Japanese name shown on pages."""
        return ROLE_LABELS[self]


ROLE_LABELS: dict[Role, str] = {
    Role.admin: "システム管理者",
    Role.security_officer: "情報セキュリティ管理者",
    Role.procurement: "契約・調達担当",
    Role.department_staff: "所管課担当者",
    Role.pr_staff: "広報担当",
    Role.auditor: "監査担当（閲覧のみ）",
}

ALL_ROLES: frozenset[str] = frozenset(Role)
"""Every signed-in user, whatever their role."""

STAFF_EDITORS: frozenset[str] = frozenset({Role.procurement, Role.department_staff})
"""Who registers and edits contractors, engagements and selections."""
READERS: frozenset[str] = frozenset({Role.security_officer, Role.auditor})
OUTSOURCING_READERS: frozenset[str] = STAFF_EDITORS | READERS
"""Who reads the outsourcing records: editors, security officers and auditors."""
