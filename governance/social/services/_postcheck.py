"""The post check use case: the account's rules applied to a draft; nothing is stored unless the user asks."""

from __future__ import annotations

import datetime as dt
import json

from governance.accounts.roles import is_department_scoped
from governance.actor import Actor
from governance.audit.services import AuditService
from governance.calendar import TOKYO, today_tokyo
from governance.db import write_transaction
from governance.errors import NotFoundError, PermissionDeniedError
from governance.social import schemas
from governance.social.postcheck import check_post
from governance.social.services._common import CHECKER_ROLES, audit_account, load_settings, rules_of
from governance.social.tables import SocialAccount, SocialPostCheck


class PostCheckService:
    """Check drafts against an account's rules."""

    def __init__(self, audit: AuditService | None = None) -> None:
        self.audit = audit or AuditService()

    async def check(
        self, data: schemas.PostCheckIn, *, actor: Actor, now: dt.datetime | None = None
    ) -> schemas.PostCheckOut:
        """Check a draft; keep it (with the findings, audited) only when ``data.keep`` is true.

        Raises:
            NotFoundError: no such account.
            PermissionDeniedError: the actor may not run post checks.
        """
        now = now or dt.datetime.now(dt.UTC)
        if not actor.has_any(*CHECKER_ROLES):
            raise PermissionDeniedError(
                "投稿チェックを使えるのは、広報担当、所管課の職員、情報セキュリティ担当者です。"
            )
        row = (
            await SocialAccount.select(SocialAccount.all_columns(), SocialAccount.service.platform.as_alias("platform"))
            .where(SocialAccount.id == data.account_id)
            .first()
        )
        if row is None or (is_department_scoped(actor.roles) and row["department"] != actor.department_id):
            raise NotFoundError("SNSアカウント", data.account_id)  # another department's account is not theirs to see
        posting_at = None
        if data.posting_time:
            posting_at = dt.datetime.combine(today_tokyo(now), dt.time.fromisoformat(data.posting_time), tzinfo=TOKYO)
        result = check_post(
            data.text, rules_of(row, await load_settings()), platform_code=row["platform"] or "other",
            posting_at=posting_at,
        )  # fmt: skip
        findings = [
            schemas.FindingOut(rule=f.rule, label=f.label, requirement_ids=list(f.requirement_ids),
                               severity=f.severity, message=f.message, start=f.start, end=f.end, excerpt=f.excerpt)
            for f in result.findings
        ]  # fmt: skip
        out = schemas.PostCheckOut(
            account_id=data.account_id, ok=result.ok, length=result.length, max_length=result.max_length,
            length_note=result.length_note, findings=findings, notes=list(result.notes),
        )  # fmt: skip
        if data.keep:
            kept = [{"rule": f.rule, "severity": f.severity, "excerpt": f.excerpt} for f in findings]
            async with write_transaction():
                new = await SocialPostCheck.insert(
                    SocialPostCheck(account=data.account_id, draft=data.text,
                                    findings=json.dumps(kept, ensure_ascii=False), length=result.length,
                                    checked_by=actor.id, checked_by_label=actor.label, checked_at=now)
                ).returning(SocialPostCheck.id)  # fmt: skip
                # the audit entry names the check, not the draft: the draft stays in its own row
                await audit_account(self.audit, "social_post_check.kept", row, actor, now,
                                    after={"post_check_id": new[0]["id"], "ok": result.ok,
                                           "rules": list(result.rules_broken)})  # fmt: skip
            out.kept_id = new[0]["id"]
        return out
