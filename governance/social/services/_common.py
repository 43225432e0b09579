"""Shared pieces of the social accounts services: the template, row conversions, permissions, locking, audit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from governance.accounts.roles import Role
from governance.actor import Actor
from governance.audit.services import AuditService
from governance.db import locked_row
from governance.errors import PermissionDeniedError
from governance.reminders.events import Event, notify
from governance.reminders.notify import Recipient
from governance.social.checklist import ChecklistPolicy, SecurityFacts
from governance.social.rules import AccountRules, EffectiveRules, RuleTemplate, effective_rules, split_lines
from governance.social.tables import SocialAccount, SocialRuleTemplate

EDITOR_ROLES: frozenset[str] = frozenset({Role.pr_staff, Role.department_staff})
"""Who edits accounts: PR staff (every account) and department staff (their own department's accounts)."""
APPROVER_ROLES: frozenset[str] = frozenset({Role.security_officer})
READER_ROLES: frozenset[str] = EDITOR_ROLES | {Role.security_officer, Role.auditor}
INCIDENT_ROLES: frozenset[str] = EDITOR_ROLES | {Role.security_officer}
CHECKER_ROLES: frozenset[str] = EDITOR_ROLES | {Role.security_officer}

_LIST_FIELDS = ("content_categories", "prohibited_content", "classified_markers", "allowed_link_domains",
                "shortener_hosts", "allowed_contacts", "municipal_mail_domains")  # fmt: skip
_COMMA_LISTS = frozenset({"allowed_link_domains", "shortener_hosts", "municipal_mail_domains", "classified_markers"})


def parse_time(text: str) -> dt.time | None:
    """Read "08:30" (empty: None)."""
    return dt.time.fromisoformat(text) if text else None


def lines(text: str, *, commas: bool = False) -> tuple[str, ...]:
    """The items of a newline-separated list."""
    return split_lines(text, commas=commas)


def join_lines(items: Any) -> str:
    """Store a list as newline-separated text."""
    return "\n".join(items)


@dataclass(frozen=True)
class Settings:
    """The template and the checklist and cycle settings in force."""

    template: RuleTemplate
    checklist: ChecklistPolicy
    cycle_months: int
    inactive_months: int
    row: dict[str, Any] | None


DEFAULT_MAIL_DOMAINS = ("lg.jp",)


async def load_settings() -> Settings:
    """The municipal template as saved, or the built-in defaults before anyone saved it."""
    row = await SocialRuleTemplate.select().order_by(SocialRuleTemplate.id).first()
    if row is None:
        return Settings(RuleTemplate(), ChecklistPolicy(municipal_domains=DEFAULT_MAIL_DOMAINS), 6, 6, None)
    lists = {f: lines(row[f], commas=f in _COMMA_LISTS) for f in _LIST_FIELDS}
    template = RuleTemplate(
        content_categories=lists["content_categories"],
        prohibited_content=lists["prohibited_content"],
        classified_markers=lists["classified_markers"],
        allowed_link_domains=lists["allowed_link_domains"],
        shortener_hosts=lists["shortener_hosts"],
        allowed_contacts=lists["allowed_contacts"],
        hours_start=parse_time(row["hours_start"]),
        hours_end=parse_time(row["hours_end"]),
        approval=row["approval"],
        reply_policy=row["reply_policy"],
        follow_policy=row["follow_policy"],
        availability2_on_website=row["availability2_on_website"],
    )
    checklist = ChecklistPolicy(
        municipal_domains=lists["municipal_mail_domains"] or DEFAULT_MAIL_DOMAINS,
        password_max_days=row["password_max_days"],
        app_review_days=row["app_review_days"],
    )
    return Settings(template, checklist, row["cycle_months"], row["inactive_months"], row)


def template_values(settings: Settings) -> dict[str, Any]:
    """The template as form values (lists one a line)."""
    t = settings.template
    return {
        "content_categories": join_lines(t.content_categories),
        "prohibited_content": join_lines(t.prohibited_content),
        "classified_markers": join_lines(t.classified_markers),
        "allowed_link_domains": join_lines(t.allowed_link_domains),
        "shortener_hosts": join_lines(t.shortener_hosts),
        "allowed_contacts": join_lines(t.allowed_contacts),
        "municipal_mail_domains": join_lines(settings.checklist.municipal_domains),
        "hours_start": f"{t.hours_start:%H:%M}" if t.hours_start else "",
        "hours_end": f"{t.hours_end:%H:%M}" if t.hours_end else "",
        "approval": t.approval,
        "reply_policy": t.reply_policy,
        "follow_policy": t.follow_policy,
        "availability2_on_website": t.availability2_on_website,
        "cycle_months": settings.cycle_months,
        "inactive_months": settings.inactive_months,
        "password_max_days": settings.checklist.password_max_days,
        "app_review_days": settings.checklist.app_review_days,
    }


def account_rules(row: dict[str, Any]) -> AccountRules:
    """An account row's own rules."""
    domains = lines(row["allowed_link_domains"], commas=True)
    return AccountRules(
        content_categories=lines(row["content_categories"]),
        extra_prohibited_content=lines(row["extra_prohibited_content"]),
        prohibited_terms=lines(row["prohibited_terms"], commas=True),
        extra_classified_markers=lines(row["extra_classified_markers"], commas=True),
        allowed_link_domains=domains or None,
        allowed_contacts=lines(row["allowed_contacts"]),
        hours_start=parse_time(row["hours_start"]),
        hours_end=parse_time(row["hours_end"]),
        approval=row["approval"],
        reply_policy=row["reply_policy"],
        follow_policy=row["follow_policy"],
        availability2_on_website=row["availability2_on_website"],
    )


def rules_of(row: dict[str, Any], settings: Settings) -> EffectiveRules:
    """The rules that bind an account's posts."""
    return effective_rules(settings.template, account_rules(row))


def security_facts(row: dict[str, Any]) -> SecurityFacts:
    """An account row's checklist facts."""
    return SecurityFacts(
        mfa_enabled=row["mfa_enabled"],
        recovery_email=row["recovery_email"],
        login_alerts=row["login_alerts"],
        third_party_apps_reviewed_on=row["third_party_apps_reviewed_on"],
        listed_on_website=row["listed_on_website"],
        badge=row["badge"],
        password_changed_on=row["password_changed_on"],
        credential_removed_on=row.get("credential_removed_on"),
    )


def ensure_may_edit(department_id: int, actor: Actor) -> None:
    """PR staff edit every account; department staff only their own department's.

    Raises:
        PermissionDeniedError: the actor may not change accounts of the department.
    """
    if actor.has_any(Role.pr_staff):
        return
    if actor.has_any(Role.department_staff) and actor.department_id == department_id:
        return
    raise PermissionDeniedError("このアカウントを変更できるのは、広報担当と、アカウントを運用する所属の職員です。")


async def locked_account(account_id: int) -> dict[str, Any]:
    """Read an account for a change, locking its row until the transaction ends.

    Raises:
        NotFoundError: no such account.
    """
    return await locked_row(SocialAccount, account_id, "SNSアカウント")


async def audit_account(
    audit: AuditService, action: str, row: dict[str, Any], actor: Actor, now: dt.datetime, **kw: Any
) -> None:
    """Record an audit entry about an account."""
    await audit.record(
        action,
        actor=actor,
        target_type="social_account",
        target_id=row["id"],
        target_label=f"{row['display_name']}（{row['handle']}）",
        now=now,
        **kw,
    )


async def notify_application(
    rule: str, row: dict[str, Any], app_id: int, kind: str, recipients: list[Recipient], actor: Actor,
    now: dt.datetime, detail: str = "",
) -> None:  # fmt: skip
    """Notify the next person to act on an opening or closing application (inside the step's transaction)."""
    from governance.social.lifecycle import APPLICATION_KIND_LABELS

    subject = f"{row['display_name']}（{row['handle']}）の{APPLICATION_KIND_LABELS.get(kind, kind)}の申請"
    event = Event(rule, "social_application", app_id, subject, f"/social-accounts/{row['id']}#applications", detail)
    await notify(event, recipients, now=now, actor_id=actor.id)
