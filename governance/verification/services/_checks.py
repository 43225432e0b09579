"""Checks: results per checklist item, submission, sign-off by a second person, cancellation, event checks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from governance.accounts.tables import User
from governance.actor import Actor
from governance.approvals import ensure_not_requester
from governance.audit.services import AuditService
from governance.calendar import add_business_days, next_business_day, today_tokyo
from governance.db import locked_row, write_transaction
from governance.engagements.tables import Engagement
from governance.errors import ConflictError, NotFoundError, ValidationError
from governance.files.tables import StoredFile
from governance.scoping import ASSIGNEE_OTHER_DEPARTMENT, sees_department
from governance.verification.services._findings import FindingService
from governance.verification.services._planning import event_templates
from governance.verification.tables import (
    CHECK_STATUS_LABELS,
    ITEM_RESULT_LABELS,
    Check,
    ChecklistItem,
    CheckPlan,
    CheckStatus,
    ContractorReport,
    Finding,
    ItemResult,
    ReportLink,
    Severity,
)

EVENT_DUE_BUSINESS_DAYS = 5
"""An event check (事故, 再委託先の変更 …) is due this many business days after it is opened, unless stated."""


@dataclass(frozen=True)
class ResultInput:
    """A result to record on one checklist item; a 不適合 opens a finding of the given severity."""

    item_id: int
    result: str
    note: str = ""
    evidence_id: int | None = None
    severity: str = Severity.minor


TO_PERFORM = (CheckStatus.planned, CheckStatus.in_progress)
"""A check in one of these still has to be performed; past its due date it is 期限超過."""


def display_status(status: str, due_on: dt.date, today: dt.date) -> str:
    """The status to show: a check still to perform past its due date is 期限超過.

    One waiting for sign-off has been performed and shows 確認待ち.
    """
    return "overdue" if status in TO_PERFORM and due_on < today else status


class CheckService:
    """Use cases on one check."""

    def __init__(self, audit: AuditService | None = None) -> None:
        self.audit = audit or AuditService()
        self.findings = FindingService(self.audit)

    # -- reading ---------------------------------------------------------------------------------------------------

    async def get(self, check_id: int, *, today: dt.date | None = None) -> dict[str, Any]:
        """A check with its engagement, people, checklist, reports, findings and report links.

        Raises:
            NotFoundError: no such check.
        """
        row = (
            await Check.select(
                Check.all_columns(),
                Check.engagement.title.as_alias("engagement_title"),
                Check.department.name.as_alias("department_name"),
                Check.assignee.full_name.as_alias("assignee_name"),
                Check.performed_by.full_name.as_alias("performed_by_name"),
                Check.reviewed_by.full_name.as_alias("reviewed_by_name"),
            )
            .where(Check.id == check_id)
            .first()
        )
        if row is None:
            raise NotFoundError("確認", check_id)
        today = today or today_tokyo()
        row["display_status"] = display_status(row["status"], row["due_on"], today)
        row["status_label"] = CHECK_STATUS_LABELS[row["display_status"]]
        row["overdue"] = row["display_status"] == "overdue"
        row["checklist"] = (
            await ChecklistItem.select(
                ChecklistItem.all_columns(), ChecklistItem.recorded_by.full_name.as_alias("recorded_by_name")
            )
            .where(ChecklistItem.check == check_id)
            .order_by(ChecklistItem.position)
            .output(load_json=True)  # requirements: a list, not its JSON text
        )
        for item in row["checklist"]:
            item["result_label"] = ITEM_RESULT_LABELS.get(item["result"] or "", "未記録")
        row["reports"] = (
            await ContractorReport.select()
            .where(ContractorReport.check == check_id)
            .order_by(ContractorReport.submitted_at)
            .output(load_json=True)  # files: a list of ids
        )
        row["findings"] = (
            await Finding.select(Finding.id, Finding.title, Finding.severity, Finding.status, Finding.item)
            .where(Finding.check == check_id)
            .order_by(Finding.id)
        )
        row["links"] = await ReportLink.select(
            ReportLink.id, ReportLink.token_prefix, ReportLink.expires_at, ReportLink.revoked_at, ReportLink.used_at,
            ReportLink.created_at,
        ).where(ReportLink.check == check_id).order_by(ReportLink.id)  # fmt: skip
        return row

    async def event_templates(self, engagement_id: int) -> list[dict[str, Any]]:
        """The event checks the engagement's latest signed plan offers."""
        plan = (
            await CheckPlan.select()
            .where(CheckPlan.engagement == engagement_id)
            .order_by(CheckPlan.id, ascending=False)
            .first()
        )
        return event_templates(plan)

    # -- writing ---------------------------------------------------------------------------------------------------

    async def _locked(self, check_id: int) -> dict[str, Any]:
        return await locked_row(Check, check_id, "確認")

    @staticmethod
    def _ensure_open(row: dict[str, Any], *, allow_reviewing: bool = False) -> None:
        allowed = (CheckStatus.planned, CheckStatus.in_progress) + ((CheckStatus.reviewing,) if allow_reviewing else ())
        if row["status"] not in allowed:
            label = CHECK_STATUS_LABELS.get(row["status"], row["status"])
            raise ConflictError(f"この確認は「{label}」のため変更できません。")

    async def assign(
        self, check_id: int, assignee_id: int | None, *, actor: Actor, now: dt.datetime | None = None
    ) -> None:
        """Set who performs the check.

        Raises:
            ValidationError: no such active user.
            ConflictError: the check is closed.
        """
        now = now or dt.datetime.now(dt.UTC)
        if assignee_id is not None and not await User.exists().where(User.id == assignee_id, User.active.eq(True)):
            raise ValidationError({"assignee_id": "担当者を一覧から選んでください。"})
        async with write_transaction():
            row = await self._locked(check_id)
            self._ensure_open(row, allow_reviewing=True)
            if assignee_id is not None and not await sees_department(assignee_id, row["department"]):
                raise ValidationError({"assignee_id": ASSIGNEE_OTHER_DEPARTMENT})  # they could not even open it
            await Check.update({Check.assignee: assignee_id, Check.updated_at: now}).where(Check.id == check_id)
            await self.audit.record(
                "check.assigned", actor=actor, target_type="check", target_id=check_id, target_label=row["title"],
                before={"assignee": row["assignee"]}, after={"assignee": assignee_id}, now=now,
            )  # fmt: skip

    async def record_results(
        self, check_id: int, results: list[ResultInput], *, actor: Actor, now: dt.datetime | None = None
    ) -> list[int]:
        """Record results on checklist items; each 不適合 opens a finding. Returns the ids of findings opened.

        Raises:
            ValidationError: an unknown item or result, or a 不適合 without a note.
            ConflictError: the check is not open, or the item already has a finding.
        """
        now = now or dt.datetime.now(dt.UTC)
        errors: dict[str, str] = {}
        for r in results:
            if r.result not in ITEM_RESULT_LABELS:
                errors[f"result_{r.item_id}"] = "結果を「適合」「不適合」「該当なし」から選んでください。"
            elif r.result == ItemResult.nonconforming and not r.note.strip():
                errors[f"note_{r.item_id}"] = "不適合の場合は、その内容を所見に記入してください。"
            if r.severity not in Severity.__members__:
                errors[f"severity_{r.item_id}"] = "重要度を一覧から選んでください。"
        if not results:
            errors["results"] = "記録する結果がありません。"
        ids = [r.item_id for r in results]
        for item_id in {i for i in ids if ids.count(i) > 1}:  # one result per item and request
            errors[f"result_{item_id}"] = "同じ項目の結果が複数指定されています。項目ごとに1つにしてください。"
        for r in results:
            if r.evidence_id is not None and not await StoredFile.exists().where(StoredFile.id == r.evidence_id):
                errors[f"evidence_{r.item_id}"] = "証跡ファイルが見つかりません。"
        if errors:
            raise ValidationError(errors)
        opened: list[int] = []
        async with write_transaction():
            row = await self._locked(check_id)
            self._ensure_open(row)
            items = {
                i["id"]: i
                for i in await ChecklistItem.select().where(ChecklistItem.check == check_id).output(load_json=True)
            }
            with_findings = {f["item"] for f in await Finding.select(Finding.item).where(Finding.check == check_id)}
            for r in results:
                item = items.get(r.item_id)
                if item is None:
                    raise ValidationError({f"result_{r.item_id}": "この確認の項目ではありません。"})
                if r.item_id in with_findings and r.result != item["result"]:
                    raise ConflictError(
                        f"「{item['what']}」は不適合として指摘事項が作成済みのため、結果を変更できません。"
                    )
                await ChecklistItem.update(
                    {ChecklistItem.result: r.result, ChecklistItem.note: r.note.strip(),
                     ChecklistItem.evidence: r.evidence_id if r.evidence_id is not None else item["evidence"],
                     ChecklistItem.recorded_by: actor.id, ChecklistItem.recorded_at: now}
                ).where(ChecklistItem.id == r.item_id)  # fmt: skip
                if r.result == ItemResult.nonconforming and r.item_id not in with_findings:
                    opened.append(
                        await self.findings.open_from_item(
                            row, item, note=r.note.strip(), severity=r.severity, actor=actor, now=now
                        )
                    )
                    with_findings.add(r.item_id)
            await Check.update({Check.status: CheckStatus.in_progress, Check.updated_at: now}).where(
                Check.id == check_id
            )
            await self.audit.record(
                "check.results_recorded", actor=actor, target_type="check", target_id=check_id,
                target_label=row["title"],
                after={"results": {items[r.item_id]["item_id"]: r.result for r in results}, "findings": opened},
                now=now,
            )  # fmt: skip
        return opened

    async def submit(self, check_id: int, *, actor: Actor, now: dt.datetime | None = None) -> None:
        """Mark the check as performed; it then waits for another person's sign-off.

        Raises:
            ConflictError: the check is not open or an item has no result.
        """
        now = now or dt.datetime.now(dt.UTC)
        async with write_transaction():
            row = await self._locked(check_id)
            self._ensure_open(row)
            missing = await ChecklistItem.count().where(ChecklistItem.check == check_id, ChecklistItem.result.is_null())
            if missing:
                raise ConflictError(
                    f"結果が記録されていない項目が{missing}件あります。すべての項目を記録してください。"
                )
            await Check.update(
                {Check.status: CheckStatus.reviewing, Check.performed_by: actor.id, Check.performed_at: now,
                 Check.updated_at: now}
            ).where(Check.id == check_id)  # fmt: skip
            await self.audit.record(
                "check.submitted", actor=actor, target_type="check", target_id=check_id, target_label=row["title"],
                now=now,
            )  # fmt: skip

    async def review(
        self, check_id: int, *, approve: bool, note: str = "", actor: Actor, now: dt.datetime | None = None
    ) -> None:
        """Sign off (完了) or return a performed check; the reviewer is never the performer.

        Raises:
            ConflictError: the check is not waiting for sign-off.
            SelfApprovalError: the reviewer performed the check.
            ValidationError: a return without a reason.
        """
        now = now or dt.datetime.now(dt.UTC)
        if not approve and not note.strip():
            raise ValidationError({"note": "差し戻す理由を入力してください。"})
        async with write_transaction():
            row = await self._locked(check_id)
            if row["status"] != CheckStatus.reviewing:
                raise ConflictError("確認待ちの確認だけを承認・差戻しできます。")
            # Whoever submitted the check or recorded any of its results performed it: a second person signs off.
            recorders = await ChecklistItem.select(ChecklistItem.recorded_by).where(ChecklistItem.check == check_id)
            for performer in {row["performed_by"]} | {r["recorded_by"] for r in recorders}:
                ensure_not_requester(performer, actor, what="確認結果")
            status = CheckStatus.done if approve else CheckStatus.in_progress
            await Check.update(
                {Check.status: status, Check.reviewed_by: actor.id if approve else None,
                 Check.reviewed_at: now if approve else None, Check.review_note: note.strip(), Check.updated_at: now}
            ).where(Check.id == check_id)  # fmt: skip
            await self.audit.record(
                "check.reviewed" if approve else "check.returned", actor=actor, target_type="check",
                target_id=check_id, target_label=row["title"], after={"note": note.strip()}, now=now,
            )  # fmt: skip

    async def cancel(self, check_id: int, *, reason: str, actor: Actor, now: dt.datetime | None = None) -> None:
        """Cancel a check that is no longer needed (中止), with the reason.

        Raises:
            ValidationError: no reason.
            ConflictError: the check is closed.
        """
        now = now or dt.datetime.now(dt.UTC)
        if not reason.strip():
            raise ValidationError({"reason": "中止する理由を入力してください。"})
        async with write_transaction():
            row = await self._locked(check_id)
            self._ensure_open(row, allow_reviewing=True)
            await Check.update(
                {Check.status: CheckStatus.cancelled, Check.cancel_reason: reason.strip(), Check.updated_at: now}
            ).where(Check.id == check_id)
            await self.audit.record(
                "check.cancelled", actor=actor, target_type="check", target_id=check_id, target_label=row["title"],
                after={"reason": reason.strip()}, now=now,
            )  # fmt: skip

    async def open_event_check(
        self,
        engagement_id: int,
        template_id: str,
        *,
        note: str,
        actor: Actor,
        due_on: dt.date | None = None,
        now: dt.datetime | None = None,
    ) -> int:
        """Open a check for an event (事故, 再委託先の変更, 業務内容の変更 …) from the signed plan's templates.

        Raises:
            ValidationError: an unknown template, no description, or a past due date.
            NotFoundError: no such engagement.
        """
        now = now or dt.datetime.now(dt.UTC)
        engagement = await Engagement.select().where(Engagement.id == engagement_id).first()
        if engagement is None:
            raise NotFoundError("委託業務", engagement_id)
        templates = {t["check_id"]: t for t in await self.event_templates(engagement_id)}
        errors = {}
        if template_id not in templates:
            errors["template_id"] = "確認の種類を一覧から選んでください（契約の締結後に選べます）。"
        if not note.strip():
            errors["note"] = "発生した事象の内容を入力してください。"
        today = today_tokyo(now)
        if due_on is not None and due_on < today:
            errors["due_on"] = "期限に過去の日付は指定できません。"
        if errors:
            raise ValidationError(errors)
        template = templates[template_id]
        # A due date on a closed day (weekend, holiday, 12/29–1/3) moves to the next business day, as planned ones do.
        due = next_business_day(due_on) if due_on else add_business_days(today, EVENT_DUE_BUSINESS_DAYS)
        async with write_transaction():
            check_id = (
                await Check.insert(
                    Check(
                        engagement=engagement_id, department=engagement["department"], plan_key=f"event:{template_id}",
                        kind="on_event", title=f"事象発生時の確認：{template['what'][:150]}", due_on=due,
                        assignee=engagement["supervisor"], event_note=note.strip(), created_at=now, updated_at=now,
                    )
                ).returning(Check.id)
            )[0]["id"]  # fmt: skip
            await ChecklistItem.insert(
                *[
                    ChecklistItem(
                        check=check_id, position=n, item_id=i["check_id"], what=i["what"], clause_id=i["clause_id"],
                        requirements=i["requirements"],
                    )
                    for n, i in enumerate(template["items"])
                ]
            )  # fmt: skip
            await self.audit.record(
                "check.event_opened", actor=actor, target_type="check", target_id=check_id,
                target_label=engagement["title"], after={"template": template_id, "note": note.strip(), "due_on": due},
                now=now,
            )  # fmt: skip
        return check_id
