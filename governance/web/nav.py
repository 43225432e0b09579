"""The product's main navigation; each domain points its entry at its page when the page exists."""

from __future__ import annotations

from dataclasses import dataclass

from governance.accounts.roles import ALL_ROLES, OUTSOURCING_READERS, READERS, Role

SOCIAL_READERS = frozenset({Role.pr_staff, Role.department_staff, Role.security_officer, Role.auditor})


@dataclass(frozen=True)
class NavItem:
    """One entry of the main navigation."""

    key: str
    label: str
    href: str | None
    roles: frozenset[str]

    def visible_to(self, roles: frozenset[str]) -> bool:
        """Tell whether someone holding ``roles`` sees the entry."""
        return bool(self.roles.intersection(roles))


_STAFF = ALL_ROLES - {Role.admin}

NAV: tuple[NavItem, ...] = (
    NavItem("home", "ホーム", "/", ALL_ROLES),
    NavItem("status", "状況一覧", "/status", READERS),
    # An entry without an href (a domain announced before its pages exist) shows as 準備中 and links nowhere.
    NavItem("contractors", "委託事業者", "/contractors", OUTSOURCING_READERS),
    NavItem("engagements", "委託業務・契約", "/engagements", OUTSOURCING_READERS),
    NavItem("verification", "確認・措置", "/checks", OUTSOURCING_READERS),
    NavItem("external_services", "外部サービス", "/external-services", _STAFF),
    NavItem("social_accounts", "SNSアカウント", "/social-accounts", SOCIAL_READERS),
    NavItem("incidents", "事故・インシデント", "/incidents", _STAFF),
    NavItem("audit", "監査ログ", "/audit", frozenset({Role.admin, Role.auditor, Role.security_officer})),
    NavItem("admin", "管理", "/admin/users", frozenset({Role.admin})),
)
