"""To-do items of the social media accounts domain: applications to decide, re-attestations due, accounts at risk."""

from __future__ import annotations

import datetime as dt
from typing import Any

from piccolo.columns.combination import WhereRaw

from governance.accounts.roles import Role
from governance.actor import Actor
from governance.social.checklist import Badge
from governance.social.lifecycle import (
    APPLICATION_KIND_LABELS,
    DUE_SOON_DAYS,
    AccountStatus,
    ApplicationStatus,
    add_months,
)
from governance.social.platforms import PLATFORMS
from governance.social.rules import normalize_domain
from governance.social.services import AccountQueries, load_settings
from governance.social.services._common import Settings
from governance.social.services._public_queries import account_columns
from governance.social.tables import SocialAccount, SocialApplication
from governance.system.todos import TodoGroup, TodoItem, bounded, group, register_todo_provider


async def applications_to_decide(actor: Actor, today: dt.date) -> list[TodoGroup]:
    """Opening and closing applications a security officer may decide (never their own), oldest first."""
    if not actor.has_any(Role.security_officer):
        return []
    where = (SocialApplication.status == ApplicationStatus.submitted,
             (SocialApplication.applicant != actor.id) | SocialApplication.applicant.is_null())  # fmt: skip
    rows, total = await bounded(
        SocialApplication.select(
            SocialApplication.id, SocialApplication.account, SocialApplication.kind,
            SocialApplication.account.display_name.as_alias("name"),
        ).where(*where).order_by(SocialApplication.id),
        SocialApplication.count().where(*where),
    )  # fmt: skip
    return [TodoGroup("SNSアカウントの承認", [
        TodoItem(
            title=f"SNSアカウントの{APPLICATION_KIND_LABELS.get(r['kind'], '')}申請：{r['name']}",
            href=f"/social-accounts/{r['account']}#applications",
            kind="SNSアカウントの承認",
        )
        for r in rows
    ], total, f"/social-accounts/?status={AccountStatus.applying}")]  # fmt: skip


def _latest_base(day: dt.date, months: int) -> dt.date:
    """A date no earlier than any ``base`` with ``add_months(base, months) <= day`` (a bound for SQL).

    ``add_months`` keeps the day or takes the month's last, so the exact bound is off by at most three days at a
    month's end; the flags themselves are judged in Python on the candidates.
    """
    return add_months(day, -months) + dt.timedelta(days=3)


def _like_suffix(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _flag_where(settings: Settings, today: dt.date) -> Any:
    """A condition every account flagged today meets (re-attestation due, dormant or non-compliant), for SQL.

    It is written from the settings' cycles and checklist policy as cutoffs computed here; it may let through a few
    accounts that are not flagged (month ends, unusual recovery addresses), never leave out one that is.
    """
    c = SocialAccount
    attest_by = _latest_base(today + dt.timedelta(days=DUE_SOON_DAYS), settings.cycle_months)
    attest = (c.status.is_in([AccountStatus.active, AccountStatus.suspended])
              & (c.opened_on.is_not_null() | c.last_attested_on.is_not_null())
              & (c.opened_on.is_null() | (c.opened_on <= attest_by))
              & (c.last_attested_on.is_null() | (c.last_attested_on <= attest_by)))  # fmt: skip
    quiet = (c.status == AccountStatus.active) & (
        c.last_post_on <= _latest_base(today, settings.inactive_months)
    )
    policy = settings.checklist
    reviewed_by = today - dt.timedelta(days=policy.app_review_days)
    badge_codes = [code for code, p in PLATFORMS.items() if p.badge_available]
    unsafe = (c.mfa_enabled.eq(False) | c.login_alerts.eq(False) | c.listed_on_website.eq(False)
              | c.third_party_apps_reviewed_on.is_null() | (c.third_party_apps_reviewed_on < reviewed_by)
              | (c.badge.not_in([Badge.obtained, Badge.unavailable]) & c.service.platform.is_in(badge_codes))
              | (c.credential_removed_on.is_not_null()
                 & (c.password_changed_on.is_null() | (c.password_changed_on < c.credential_removed_on))))  # fmt: skip
    if policy.password_max_days is not None:
        changed_by = today - dt.timedelta(days=policy.password_max_days)
        unsafe = unsafe | c.password_changed_on.is_null() | (c.password_changed_on < changed_by)
    # A recovery address surely within a municipal domain ends with "@domain" or ".domain" (no scheme, path or port).
    domains = [d for d in (normalize_domain(d) for d in policy.municipal_domains) if d and d.isascii() and "@" not in d]
    if domains:
        patterns = [_like_suffix(f"{sep}{d}") for d in domains for sep in "@."]
        unsafe = unsafe | WhereRaw(
            "(social_account.recovery_email LIKE '%/%' OR social_account.recovery_email LIKE '%:%' OR NOT ("
            + " OR ".join("lower(social_account.recovery_email) LIKE {} ESCAPE '\\'" for _ in patterns) + "))",
            *patterns,
        )  # fmt: skip
        return attest | quiet | ((c.status != AccountStatus.applying) & unsafe)
    return attest | quiet | (c.status != AccountStatus.applying)


async def _candidates(actor: Actor, today: dt.date) -> list[dict[str, Any]]:
    """The accounts the actor edits that may be flagged today (SQL), with their flags as of today (judged in Python).

    Whether the security checklist is met and whether an account is dormant or due for re-attestation depend on the
    settings' policy and cycles: SQL chooses the accounts that may be flagged (``_flag_where``), and the flags are
    evaluated here, only on those, within the actor's scope.
    """
    query = SocialAccount.select(*account_columns()).where(SocialAccount.status != AccountStatus.closed)
    if not actor.has_any(Role.pr_staff):
        if actor.department_id is None:
            return []
        query = query.where(SocialAccount.department == actor.department_id)
    settings = await load_settings()
    query = query.where(_flag_where(settings, today))
    # The responsible people only name the account in the list; the flags do not depend on them.
    return [AccountQueries._summary(r, [], settings, today) for r in await query.order_by(SocialAccount.id)]


async def accounts_needing_action(actor: Actor, today: dt.date) -> list[TodoGroup]:
    """Re-attestations due or overdue, dormant and non-compliant accounts, for those who edit them."""
    if not actor.has_any(Role.pr_staff, Role.department_staff):
        return []
    attest: list[TodoItem] = []
    dormant: list[TodoItem] = []
    unsafe: list[TodoItem] = []
    for a in await _candidates(actor, today):
        href = f"/social-accounts/{a['id']}"
        due = a["attestation_due"]
        if a["status"] in (AccountStatus.active, AccountStatus.suspended) and due and (
            a["attestation_due_soon"] or due < today
        ):
            attest.append(TodoItem(title=f"SNSアカウントの再確認：{a['display_name']}", href=f"{href}#attestations",
                                   due=due, kind="SNSアカウントの再確認", overdue=due < today))  # fmt: skip
        elif a["dormant"]:
            dormant.append(TodoItem(title=f"休眠の疑い（休止または更新が必要）：{a['display_name']}",
                                    href=f"{href}#status", kind="SNSアカウントの休眠", overdue=True))  # fmt: skip
        if not a["compliant"] and a["status"] != AccountStatus.applying:
            unsafe.append(TodoItem(title=f"安全対策の不足（{len(a['missing'])}項目）：{a['display_name']}",
                                   href=f"{href}#security", kind="SNSアカウントの安全対策"))  # fmt: skip
    groups = [
        group("SNSアカウントの再確認", attest, more_href="/social-accounts/"),
        group("SNSアカウントの休眠", dormant, more_href="/social-accounts/?flag=dormant"),
        group("SNSアカウントの安全対策", unsafe, more_href="/social-accounts/?flag=noncompliant"),
    ]
    # a credential holder was removed: the password they knew must be changed (SNS-11, SNS-15)
    pending: list[Any] = [
        SocialAccount.credential_removed_on.is_not_null(), SocialAccount.status != AccountStatus.closed,
        SocialAccount.password_changed_on.is_null()
        | (SocialAccount.password_changed_on < SocialAccount.credential_removed_on),
    ]  # fmt: skip
    if not actor.has_any(Role.pr_staff):
        pending.append(SocialAccount.department == (actor.department_id or -1))
    rows, total = await bounded(
        SocialAccount.select(SocialAccount.id, SocialAccount.display_name, SocialAccount.credential_removed_on)
        .where(*pending).order_by(SocialAccount.credential_removed_on).order_by(SocialAccount.id),
        SocialAccount.count().where(*pending),
    )  # fmt: skip
    groups.append(TodoGroup("パスワードの変更", [
        TodoItem(title=f"パスワードの変更（認証情報の管理者を外したため）：{r['display_name']}",
                 href=f"/social-accounts/{r['id']}#security", due=r["credential_removed_on"],
                 kind="SNSアカウントの安全対策", overdue=r["credential_removed_on"] < today)
        for r in rows
    ], total, "/social-accounts/"))  # fmt: skip
    return groups


def register() -> None:
    """Register this domain's to-do providers (idempotent)."""
    register_todo_provider(applications_to_decide)
    register_todo_provider(accounts_needing_action)
