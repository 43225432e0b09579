"""Reading accounts as citizens see them: the public list, an account's 運用ポリシー, and verification of an account.

A base of ``AccountQueries`` (kept apart from the staff views, which read far more of each account).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from governance.calendar import display_date, today_tokyo
from governance.errors import NotFoundError
from governance.social import schemas
from governance.social.lifecycle import AccountStatus
from governance.social.platforms import PLATFORM_LABELS
from governance.social.policy import PolicyDocument, PolicyFacts, generate
from governance.social.services._common import load_settings, rules_of
from governance.social.tables import SocialAccount
from governance.social.url import AccountRefError, candidates

PUBLIC_STATUSES = (AccountStatus.active, AccountStatus.suspended)


def effective_status(row: dict[str, Any], today: dt.date) -> str:
    """The status citizens see: closed once its approved closing date has come.

    That holds even before the daily run records it; a closing approved for a future date leaves the account
    official until then.
    """
    if row["status"] in PUBLIC_STATUSES and row.get("closed_on") is not None and row["closed_on"] <= today:
        return AccountStatus.closed
    return row["status"]


def _day(day: dt.date | None) -> str:
    return display_date(day) if day else "（日付不明）"


def account_columns() -> tuple[Any, ...]:
    return (
        SocialAccount.all_columns(),
        SocialAccount.service.name.as_alias("service_name"),
        SocialAccount.service.platform.as_alias("platform"),
        SocialAccount.department.name.as_alias("department_name"),
    )


class PublicAccountQueries:
    """The public views of the official accounts."""

    @staticmethod
    def _public(row: dict[str, Any], base_url: str) -> schemas.PublicAccount:
        platform = row["platform"] or "other"
        return schemas.PublicAccount(
            id=row["id"], platform=platform, platform_label=PLATFORM_LABELS.get(platform, platform),
            display_name=row["display_name"], handle=row["handle"], url=row["profile_url"],
            department=row["department_name"], purpose=row["purpose"],
            policy_url=f"{base_url}/official-accounts/{row['id']}",
        )  # fmt: skip

    async def public_list(self, *, base_url: str = "") -> list[schemas.PublicAccount]:
        """The official accounts in operation, as citizens see them."""
        rows = (
            await SocialAccount.select(*account_columns())
            .where(SocialAccount.status == AccountStatus.active)
            .order_by(SocialAccount.service.platform)
            .order_by(SocialAccount.id)
        )
        today = today_tokyo()
        return [self._public(r, base_url) for r in rows if effective_status(r, today) == AccountStatus.active]

    async def public_policy(
        self, account_id: int, *, municipality: str
    ) -> tuple[schemas.PublicAccount, PolicyDocument]:
        """The generated 運用ポリシー of an account in operation (or suspended).

        Raises:
            NotFoundError: no such account, or one citizens cannot see (being applied for, or closed).
        """
        row = (
            await SocialAccount.select(*account_columns())
            .where(SocialAccount.id == account_id, SocialAccount.status.is_in(list(PUBLIC_STATUSES)))
            .first()
        )
        if row is None or effective_status(row, today_tokyo()) not in PUBLIC_STATUSES:
            raise NotFoundError("公式アカウント", account_id)
        rules = rules_of(row, await load_settings())
        facts = PolicyFacts(
            municipality=municipality, display_name=row["display_name"], platform_code=row["platform"] or "other",
            handle=row["handle"], url=row["profile_url"], department=row["department_name"], purpose=row["purpose"],
            audience=row["audience"], content_categories=rules.content_categories, hours_start=rules.hours_start,
            hours_end=rules.hours_end, reply_policy=rules.reply_policy, follow_policy=rules.follow_policy,
            contact=row["public_contact"], operated_by_contractor=row["operated_by_contractor"],
            established_on=row["opened_on"],
        )  # fmt: skip
        return self._public(row, ""), generate(facts)

    async def verify(self, text: str, *, platform: str | None = None, base_url: str = "") -> schemas.VerifyAnswer:
        """Tell whether a URL or handle is one of the municipality's official accounts.

        Answers ``official`` (in operation or suspended), ``closed`` (official once; with the date it closed), or
        ``unknown`` (anything else, including text that names no account and accounts not yet approved). A bare
        handle without ``platform`` is looked up on every platform, and the answer says so.
        """
        text = text.strip()[:500]
        # echoed back without control characters (NUL cannot even be encoded); the check itself refuses them
        query = re.sub(r"[\x00-\x1f\x7f]", "\ufffd", text)
        try:
            refs = candidates(text, platform or None)
        except AccountRefError as exc:
            return schemas.VerifyAnswer(query=query, result="unknown", message=exc.message, accounts=[])
        rows = (
            await SocialAccount.select(*account_columns())
            .where(
                SocialAccount.lookup_key.is_in([r.lookup for r in refs]),
                SocialAccount.status.is_in([*PUBLIC_STATUSES, AccountStatus.closed]),
            )
            .order_by(SocialAccount.id)
        )
        today = today_tokyo()
        matches = [
            schemas.VerifyMatch(
                platform=r["platform"] or "other", platform_label=PLATFORM_LABELS.get(r["platform"] or "other", ""),
                display_name=r["display_name"], handle=r["handle"], url=r["profile_url"],
                department=r["department_name"], status=status,
                closed_on=r["closed_on"] if status == AccountStatus.closed else None,
                policy_url=f"{base_url}/official-accounts/{r['id']}" if status in PUBLIC_STATUSES else None,
            )
            for r in rows
            for status in [effective_status(r, today)]
        ]  # fmt: skip
        official = [m for m in matches if m.status in PUBLIC_STATUSES]
        if official:
            names = "、".join(f"{m.department}の{m.platform_label}「{m.display_name}」" for m in official)
            note = ""
            if len(refs) > 1:
                note = "アカウント名だけでは、どのサービスのアカウントかを区別できません。URLでも確認してください。"
            message = f"公式アカウントです（{names}）。{note}"
            return schemas.VerifyAnswer(query=query, result="official", message=message, accounts=official)
        if matches:
            last = max(matches, key=lambda m: m.closed_on or dt.date.min)
            return schemas.VerifyAnswer(
                query=query, result="closed",
                message=f"以前の公式アカウントです。{_day(last.closed_on)}に運用を終了しています。",
                accounts=matches,
            )  # fmt: skip
        return schemas.VerifyAnswer(
            query=query, result="unknown",
            message="公式アカウントの一覧にありません。なりすましの可能性があるため、ご注意ください。", accounts=[],
        )  # fmt: skip
