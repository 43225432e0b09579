"""Report links: a contractor submits a check's report without an account, through a single-purpose link.

The token is random (256 bits), shown once, stored as its SHA-256, valid until it expires, is revoked or has been
used once; it opens nothing but the report form of its one check. Tokens and refusals are ``governance.links``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from governance.accounts.passwords import token_digest
from governance.accounts.roles import Role
from governance.actor import Actor
from governance.audit.services import AuditService
from governance.db import for_update, locked_row, write_transaction
from governance.errors import ConflictError, NotFoundError, ValidationError
from governance.files.services import FileService
from governance.links import LinkGoneError, issue_token, refuse_unusable
from governance.reminders.notify import Notice, enqueue, recipients_by_id, users_with_role
from governance.verification.tables import (
    OPEN_CHECK_STATUSES,
    Check,
    CheckStatus,
    ContractorReport,
    ReportLink,
)

MAX_FILES = 5
CONTRACTOR = Actor(id=None, label="委託事業者（報告用リンク）")


__all__ = ["CONTRACTOR", "MAX_FILES", "LinkGoneError", "ReportFile", "ReportLinkService"]


@dataclass(frozen=True)
class ReportFile:
    """A file attached to a report."""

    data: bytes
    name: str


class ReportLinkService:
    """Issue, revoke and use report links."""

    def __init__(self, data_dir: Any, audit: AuditService | None = None) -> None:
        self.audit = audit or AuditService()
        self.files = FileService(data_dir)

    async def create(self, check_id: int, *, days: int, actor: Actor, now: dt.datetime | None = None) -> str:
        """Issue a link for an open check; returns the token (shown once, never stored in clear).

        Raises:
            NotFoundError: no such check.
            ConflictError: the check is closed.
        """
        now = now or dt.datetime.now(dt.UTC)
        issued = issue_token()
        token = issued.token
        async with write_transaction():
            check = await locked_row(Check, check_id, "確認")
            if check["status"] not in OPEN_CHECK_STATUSES:
                raise ConflictError("完了または中止した確認には報告用リンクを発行できません。")
            link_id = (
                await ReportLink.insert(
                    ReportLink(
                        check=check_id, token_hash=issued.digest, token_prefix=issued.prefix,
                        expires_at=now + dt.timedelta(days=days), created_by=actor.id, created_at=now,
                    )
                ).returning(ReportLink.id)
            )[0]["id"]  # fmt: skip
            await self.audit.record(
                "report_link.created", actor=actor, target_type="check", target_id=check_id,
                target_label=check["title"], after={"link": link_id, "prefix": token[:8], "days": days}, now=now,
            )  # fmt: skip
        return token

    async def revoke(
        self, link_id: int, *, actor: Actor, check_id: int | None = None, now: dt.datetime | None = None
    ) -> None:
        """Revoke a link (it stops working at once).

        Raises:
            NotFoundError: no such link (for this check).
            ConflictError: already revoked or used.
        """
        now = now or dt.datetime.now(dt.UTC)
        async with write_transaction():
            row = await for_update(ReportLink.select().where(ReportLink.id == link_id)).first()
            if row is None or (check_id is not None and row["check"] != check_id):
                raise NotFoundError("報告用リンク", link_id)
            if row["revoked_at"] or row["used_at"]:
                raise ConflictError("このリンクはすでに無効です。")
            await ReportLink.update({ReportLink.revoked_at: now}).where(ReportLink.id == link_id)
            await self.audit.record(
                "report_link.revoked", actor=actor, target_type="check", target_id=row["check"],
                target_label=f"報告用リンク {row['token_prefix']}…", now=now,
            )  # fmt: skip

    async def open(self, token: str, *, now: dt.datetime | None = None) -> dict[str, Any]:
        """The check a valid token opens (title, engagement and its department, due date, checklist items).

        Raises:
            NotFoundError: no such token.
            LinkGoneError: expired, revoked, used, or its check is closed.
        """
        now = now or dt.datetime.now(dt.UTC)
        row = await ReportLink.select(
            ReportLink.all_columns(), ReportLink.check.title.as_alias("check_title"),
            ReportLink.check.due_on.as_alias("due_on"), ReportLink.check.status.as_alias("check_status"),
            ReportLink.check.engagement.title.as_alias("engagement_title"),
            ReportLink.check.engagement.department.name.as_alias("department_name"),
        ).where(ReportLink.token_hash == token_digest(token)).first()  # fmt: skip
        if row is None:
            raise NotFoundError("報告用リンク", "指定のリンク")
        refuse_unusable(row, now)
        if row["check_status"] not in OPEN_CHECK_STATUSES:
            raise LinkGoneError("この確認はすでに終了しています。担当課にお問い合わせください。")
        return row

    async def submit(
        self,
        token: str,
        *,
        reporter_name: str,
        reporter_email: str,
        body: str,
        files: list[ReportFile],
        now: dt.datetime | None = None,
    ) -> int:
        """Attach a contractor's report to the check; the link is used up, the assignee is notified.

        Raises:
            ValidationError: missing name, or neither text nor files, or too many files.
            NotFoundError / LinkGoneError: as ``open``.
        """
        now = now or dt.datetime.now(dt.UTC)
        errors = {}
        if not reporter_name.strip():
            errors["reporter_name"] = "報告者の氏名を入力してください。"
        if not body.strip() and not files:
            errors["body"] = "報告の内容を入力するか、報告書のファイルを添付してください。"
        if len(files) > MAX_FILES:
            errors["files"] = f"添付できるファイルは{MAX_FILES}件までです。"
        if errors:
            raise ValidationError(errors)
        await self.open(token, now=now)  # clear errors before any file is stored
        async with write_transaction():
            link = await for_update(ReportLink.select().where(ReportLink.token_hash == token_digest(token))).first()
            if link["used_at"] or link["revoked_at"]:
                raise LinkGoneError("このリンクからはすでに報告が提出されています。")
            check = await for_update(Check.select().where(Check.id == link["check"])).first()
            file_ids = [await self.files.save(f.data, f.name, actor=CONTRACTOR, field="report", now=now) for f in files]
            report_id = (
                await ContractorReport.insert(
                    ContractorReport(
                        check=check["id"], link=link["id"], reporter_name=reporter_name.strip()[:100],
                        reporter_email=reporter_email.strip()[:254], body=body.strip(), files=file_ids,
                        submitted_at=now,
                    )
                ).returning(ContractorReport.id)
            )[0]["id"]  # fmt: skip
            await ReportLink.update({ReportLink.used_at: now}).where(ReportLink.id == link["id"])
            if check["status"] == CheckStatus.planned:
                await Check.update({Check.status: CheckStatus.in_progress, Check.updated_at: now}).where(
                    Check.id == check["id"]
                )
            await self.audit.record(
                "check.report_submitted", actor=CONTRACTOR, target_type="check", target_id=check["id"],
                target_label=check["title"],
                after={"report": report_id, "reporter": reporter_name.strip(), "files": file_ids}, now=now,
            )  # fmt: skip
            # the assignee; a check without one goes to its department's staff, so that the report reaches someone
            people = await recipients_by_id([check["assignee"]]) or {
                r.user_id: r for r in await users_with_role(Role.department_staff, department_id=check["department"])
            }
            notice = Notice(
                "check", check["id"], "report_submitted", str(report_id), f"【報告の提出】{check['title']}",
                f"委託事業者から報告が提出されました（報告者：{reporter_name.strip()}）。\n\n"
                "内容を確認し、確認項目の結果を記録してください。\n{url}\n",
                f"/checks/{check['id']}",
            )  # fmt: skip
            await enqueue([(notice, p) for p in people.values()], now=now)
        return report_id
