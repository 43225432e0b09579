"""To-do items of the social media accounts domain: applications to decide, re-attestations due, accounts at risk."""

from __future__ import annotations

import datetime as dt

from governance.accounts.roles import Role
from governance.actor import Actor
from governance.social.lifecycle import APPLICATION_KIND_LABELS, AccountStatus, ApplicationStatus
from governance.social.services import AccountQueries
from governance.social.tables import SocialAccount, SocialApplication
from governance.system.todos import TodoItem, register_todo_provider


async def applications_to_decide(actor: Actor, today: dt.date) -> list[TodoItem]:
    """Opening and closing applications a security officer may decide (never their own)."""
    if not actor.has_any(Role.security_officer):
        return []
    rows = await SocialApplication.select(
        SocialApplication.id, SocialApplication.account, SocialApplication.kind, SocialApplication.applicant,
        SocialApplication.account.display_name.as_alias("name"),
    ).where(SocialApplication.status == ApplicationStatus.submitted).order_by(SocialApplication.id)  # fmt: skip
    return [
        TodoItem(
            title=f"SNSアカウントの{APPLICATION_KIND_LABELS.get(r['kind'], '')}申請：{r['name']}",
            href=f"/social-accounts/{r['account']}#applications",
            kind="SNSアカウントの承認",
        )
        for r in rows
        if r["applicant"] != actor.id
    ]


async def accounts_needing_action(actor: Actor, today: dt.date) -> list[TodoItem]:
    """Re-attestations due or overdue, dormant and non-compliant accounts, for those who edit them."""
    if not actor.has_any(Role.pr_staff, Role.department_staff):
        return []
    items: list[TodoItem] = []
    for a in await AccountQueries().list(today=today):
        if a.status == AccountStatus.closed or not (
            actor.has_any(Role.pr_staff) or a.department_id == actor.department_id
        ):
            continue
        href = f"/social-accounts/{a.id}"
        if (
            a.status in (AccountStatus.active, AccountStatus.suspended)
            and a.attestation_due
            and (a.attestation_due_soon or a.attestation_due < today)
        ):
            items.append(TodoItem(title=f"SNSアカウントの再確認：{a.display_name}", href=f"{href}#attestations",
                                  due=a.attestation_due, kind="SNSアカウントの再確認",
                                  overdue=a.attestation_due < today))  # fmt: skip
        elif a.dormant:
            items.append(TodoItem(title=f"休眠の疑い（休止または更新が必要）：{a.display_name}", href=f"{href}#status",
                                  kind="SNSアカウントの休眠", overdue=True))  # fmt: skip
        if not a.compliant and a.status != AccountStatus.applying:
            items.append(TodoItem(title=f"安全対策の不足（{len(a.missing)}項目）：{a.display_name}",
                                  href=f"{href}#security", kind="SNSアカウントの安全対策"))  # fmt: skip
    # a credential holder was removed: the password they knew must be changed (SNS-11, SNS-15)
    pending = await SocialAccount.select(
        SocialAccount.id, SocialAccount.display_name, SocialAccount.department, SocialAccount.credential_removed_on
    ).where(
        SocialAccount.credential_removed_on.is_not_null(), SocialAccount.status != AccountStatus.closed,
        SocialAccount.password_changed_on.is_null()
        | (SocialAccount.password_changed_on < SocialAccount.credential_removed_on),
    )  # fmt: skip
    items += [
        TodoItem(title=f"パスワードの変更（認証情報の管理者を外したため）：{r['display_name']}",
                 href=f"/social-accounts/{r['id']}#security", due=r["credential_removed_on"],
                 kind="SNSアカウントの安全対策", overdue=r["credential_removed_on"] < today)
        for r in pending
        if actor.has_any(Role.pr_staff) or r["department"] == actor.department_id
    ]  # fmt: skip
    return items


def register() -> None:
    """Register this domain's to-do providers (idempotent)."""
    register_todo_provider(applications_to_decide)
    register_todo_provider(accounts_needing_action)
