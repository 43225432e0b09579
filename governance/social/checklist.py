"""The security checklist of an account (SNS-02, SNS-03, SNS-15) and what a non-compliant account is missing (pure)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from governance.calendar import display_date
from governance.social.platforms import platform
from governance.social.rules import domain_within


class Badge(StrEnum):
    """The platform's verification badge."""

    obtained = "obtained"
    missing = "missing"
    unavailable = "unavailable"
    """The platform offers none to this account (e.g. a subscriber threshold it does not reach)."""


BADGE_LABELS: dict[str, str] = {
    Badge.obtained: "取得済み",
    Badge.missing: "未取得",
    Badge.unavailable: "取得できない（対象外）",
}


@dataclass(frozen=True)
class CheckItem:
    """One item of the checklist."""

    key: str
    label: str
    requirement_ids: tuple[str, ...]


CHECK_ITEMS: tuple[CheckItem, ...] = (
    CheckItem("mfa", "多要素認証（二段階認証）を有効にしている", ("SNS-03",)),
    CheckItem("recovery_email", "復旧用メールアドレスが市のドメインのアドレスである", ("SNS-03",)),
    CheckItem("login_alerts", "ログイン通知（不審なログインの通知）を有効にしている", ("SNS-03",)),
    CheckItem("third_party_apps", "連携アプリ（外部アプリへのアクセス許可）を定期的に確認している", ("SNS-03",)),
    CheckItem("listed_on_website", "市のウェブサイトの公式アカウント一覧に掲載している", ("SNS-02",)),
    CheckItem("verification_badge", "認証バッジを取得している（取得できる場合）", ("SNS-02",)),
    CheckItem("password_rotation", "パスワードを定めた期間内に変更している", ("SNS-15",)),
)
ITEM_LABELS: dict[str, str] = {i.key: i.label for i in CHECK_ITEMS}


@dataclass(frozen=True)
class SecurityFacts:
    """What the department records about an account's security settings."""

    mfa_enabled: bool = False
    recovery_email: str = ""
    login_alerts: bool = False
    third_party_apps_reviewed_on: dt.date | None = None
    listed_on_website: bool = False
    badge: str = Badge.missing
    password_changed_on: dt.date | None = None
    credential_removed_on: dt.date | None = None
    """When a person who knew the password was last removed: the password must be changed on or after that day."""

    @property
    def password_change_pending(self) -> bool:
        """Whether the password still has to be changed because a credential holder was removed."""
        removed = self.credential_removed_on
        return removed is not None and (self.password_changed_on is None or self.password_changed_on < removed)


@dataclass(frozen=True)
class ChecklistPolicy:
    """The local rules the checklist is measured against."""

    municipal_domains: tuple[str, ...] = ("lg.jp",)
    password_max_days: int | None = 90
    """SNS-15 is an optional local rule; None turns the password item off."""
    app_review_days: int = 183


@dataclass(frozen=True)
class ItemResult:
    """One item as measured today."""

    key: str
    label: str
    requirement_ids: tuple[str, ...]
    ok: bool
    applicable: bool
    detail: str


@dataclass(frozen=True)
class ChecklistResult:
    """Every item, and whether the account is compliant."""

    items: tuple[ItemResult, ...]

    @property
    def missing(self) -> tuple[ItemResult, ...]:
        """The applicable items not met."""
        return tuple(i for i in self.items if i.applicable and not i.ok)

    @property
    def compliant(self) -> bool:
        """Tell whether every applicable item is met."""
        return not self.missing


def _email_domain(email: str) -> str:
    return email.rpartition("@")[2].strip().lower() if "@" in email else ""


def evaluate(facts: SecurityFacts, *, platform_code: str, policy: ChecklistPolicy, today: dt.date) -> ChecklistResult:
    """Measure the facts against the checklist on a day."""
    results: list[ItemResult] = []

    def add(key: str, ok: bool, detail: str, applicable: bool = True) -> None:
        item = next(i for i in CHECK_ITEMS if i.key == key)
        results.append(ItemResult(key, item.label, item.requirement_ids, ok, applicable, detail))

    add("mfa", facts.mfa_enabled, "" if facts.mfa_enabled else "多要素認証が有効になっていません。")
    domain = _email_domain(facts.recovery_email)
    if not domain:
        add("recovery_email", False, "復旧用メールアドレスが登録されていません。")
    else:
        ok = any(domain_within(domain, d) for d in policy.municipal_domains)
        add(
            "recovery_email",
            ok,
            "" if ok else f"{domain} は市のドメイン（{'、'.join(policy.municipal_domains)}）ではありません。",
        )
    add("login_alerts", facts.login_alerts, "" if facts.login_alerts else "ログイン通知が有効になっていません。")
    reviewed = facts.third_party_apps_reviewed_on
    if reviewed is None:
        add("third_party_apps", False, "連携アプリを確認した記録がありません。")
    else:
        due = reviewed + dt.timedelta(days=policy.app_review_days)
        add(
            "third_party_apps",
            today <= due,
            ""
            if today <= due
            else f"最後の確認（{display_date(reviewed)}）から{policy.app_review_days}日を過ぎています。",
        )
    listed = facts.listed_on_website
    add("listed_on_website", listed, "" if listed else "市のウェブサイトに掲載されていません。")
    badge_applicable = platform(platform_code).badge_available and facts.badge != Badge.unavailable
    add(
        "verification_badge",
        facts.badge == Badge.obtained,
        "" if facts.badge == Badge.obtained or not badge_applicable else "認証バッジを取得していません。",
        applicable=badge_applicable,
    )
    if facts.password_change_pending:
        removed = facts.credential_removed_on
        add(
            "password_rotation",
            False,
            f"認証情報の管理者を外した日（{display_date(removed)}）以後にパスワードを変更した記録がありません。"
            "パスワードを変更し、変更した日を記録してください。",
        )
    elif policy.password_max_days is None:
        add("password_rotation", True, "パスワードの定期変更は定めていません。", applicable=False)
    elif facts.password_changed_on is None:
        add("password_rotation", False, "パスワードを変更した日が記録されていません。")
    else:
        age = (today - facts.password_changed_on).days
        ok = age <= policy.password_max_days
        add(
            "password_rotation",
            ok,
            "" if ok else f"最後の変更から{age}日たっています（{policy.password_max_days}日以内）。",
        )
    return ChecklistResult(tuple(results))
