"""Findings (指摘事項) opened by 不適合 results, their measures (措置), escalation and closing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from governance.accounts.roles import Role
from governance.accounts.tables import User
from governance.actor import Actor
from governance.audit.services import AuditService
from governance.calendar import today_tokyo
from governance.db import for_update, locked_row, write_transaction
from governance.errors import ConflictError, NotFoundError, ValidationError
from governance.files.tables import StoredFile
from governance.reminders.notify import Notice, Recipient, enqueue, users_with_role
from governance.scoping import ASSIGNEE_OTHER_DEPARTMENT, sees_department
from governance.verification.tables import (
    FINDING_STATUS_LABELS,
    MEASURE_KIND_LABELS,
    MEASURE_REQUIREMENTS,
    MEASURE_STATUS_LABELS,
    SEVERITY_LABELS,
    Finding,
    FindingStatus,
    Measure,
    MeasureStatus,
    Severity,
)


class FindingService:
    """Use cases on findings and measures."""

    def __init__(self, audit: AuditService | None = None) -> None:
        self.audit = audit or AuditService()

    async def open_from_item(
        self, check: dict[str, Any], item: dict[str, Any], *, note: str, severity: str, actor: Actor,
        now: dt.datetime,
    ) -> int:  # fmt: skip
        """Open the finding of a 不適合 item (inside the caller's transaction); 重大 ones are escalated."""
        finding_id = (
            await Finding.insert(
                Finding(
                    engagement=check["engagement"], department=check["department"], check=check["id"],
                    item=item["id"], title=item["what"][:200], description=note, severity=severity,
                    opened_by=actor.id, opened_at=now,
                )
            ).returning(Finding.id)
        )[0]["id"]  # fmt: skip
        await self.audit.record(
            "finding.opened", actor=actor, target_type="finding", target_id=finding_id,
            target_label=item["what"][:100],
            after={"check": check["id"], "item": item["item_id"], "severity": severity,
                   "requirements": item["requirements"]},
            now=now,
        )  # fmt: skip
        if severity == Severity.serious:
            await self._escalate(finding_id, item["what"][:100], actor=actor, now=now)
        elif severity == Severity.major:
            await self._report_to_department(finding_id, item["what"][:100], check["department"], actor=actor, now=now)
        return finding_id

    async def _escalate(self, finding_id: int, title: str, *, actor: Actor, now: dt.datetime) -> None:
        """Report a finding up the chain (OUT-CHK-02): to the 統括情報セキュリティ責任者 and the CISO, and mark it."""
        await Finding.update({Finding.escalated_at: now}).where(Finding.id == finding_id)
        recipients = [*await users_with_role(Role.chief_security), *await users_with_role(Role.ciso)]
        await self._report(
            finding_id, title, recipients, rule="escalation", action="finding.escalated",
            heading="重大な指摘事項の報告", lead="委託先の確認で重大な不適合が見つかりました。", actor=actor, now=now,
        )  # fmt: skip

    async def _report_to_department(
        self, finding_id: int, title: str, department_id: int, *, actor: Actor, now: dt.datetime
    ) -> None:
        """Report a 重要 finding to its department's 情報セキュリティ管理者 and 情報セキュリティ責任者 (OUT-CHK-02)."""
        recipients = [*await users_with_role(Role.security_manager, department_id=department_id),
                      *await users_with_role(Role.security_head, department_id=department_id)]  # fmt: skip
        await self._report(
            finding_id, title, recipients, rule="department-report", action="finding.reported",
            heading="重要な指摘事項の報告", lead="所管する委託先の確認で重要な不適合が見つかりました。", actor=actor,
            now=now, department_id=department_id,
        )  # fmt: skip

    async def _report(
        self, finding_id: int, title: str, recipients: list[Recipient], *, rule: str, action: str, heading: str,
        lead: str, actor: Actor, now: dt.datetime, department_id: int | None = None,
    ) -> None:  # fmt: skip
        """Notify each recipient once, and record who was told.

        Where the organisation has registered nobody in those roles yet, the security office is told instead, so
        that a report always reaches someone.
        """
        people = _unique(recipients) or await users_with_role(Role.security_officer)
        notice = Notice(
            "finding", finding_id, rule, "1", f"【{heading}】{title}",
            f"{lead}\n\n指摘事項：{title}\n\n内容と措置は次のページで確認してください。\n{{url}}\n",
            f"/findings/{finding_id}",
        )  # fmt: skip
        await enqueue([(notice, r) for r in people], now=now)
        after: dict[str, Any] = {"recipients": [r.user_id for r in people]}
        if department_id is not None:
            after["department"] = department_id
        await self.audit.record(
            action, actor=actor, target_type="finding", target_id=finding_id, target_label=title, after=after, now=now
        )

    async def escalate(self, finding_id: int, *, actor: Actor, now: dt.datetime | None = None) -> None:
        """Escalate an open finding by hand.

        Raises:
            ConflictError: already escalated or closed.
        """
        now = now or dt.datetime.now(dt.UTC)
        async with write_transaction():
            row = await self._locked(finding_id)
            if row["status"] != FindingStatus.open or row["escalated_at"] is not None:
                raise ConflictError("この指摘事項は報告済みか、完了しています。")
            await self._escalate(finding_id, row["title"], actor=actor, now=now)

    async def _locked(self, finding_id: int) -> dict[str, Any]:
        return await locked_row(Finding, finding_id, "指摘事項")

    async def get(self, finding_id: int) -> dict[str, Any]:
        """A finding with its check, engagement and measures.

        Raises:
            NotFoundError: no such finding.
        """
        row = (
            await Finding.select(
                Finding.all_columns(),
                Finding.engagement.title.as_alias("engagement_title"),
                Finding.department.name.as_alias("department_name"),
                Finding.check.title.as_alias("check_title"),
                Finding.item.requirements.as_alias("requirements"),
                Finding.item.clause_id.as_alias("clause_id"),
                Finding.opened_by.full_name.as_alias("opened_by_name"),
                Finding.closed_by.full_name.as_alias("closed_by_name"),
            )
            .where(Finding.id == finding_id)
            .output(load_json=True)  # requirements: a list, not its JSON text
            .first()
        )
        if row is None:
            raise NotFoundError("指摘事項", finding_id)
        row["severity_label"] = SEVERITY_LABELS.get(row["severity"], row["severity"])
        row["status_label"] = FINDING_STATUS_LABELS.get(row["status"], row["status"])
        row["measures"] = (
            await Measure.select(Measure.all_columns(), Measure.owner.full_name.as_alias("owner_name"))
            .where(Measure.finding == finding_id)
            .order_by(Measure.id)
        )
        today = today_tokyo()
        for m in row["measures"]:
            m["kind_label"] = MEASURE_KIND_LABELS.get(m["kind"], m["kind"])
            m["status_label"] = MEASURE_STATUS_LABELS.get(m["status"], m["status"])
            m["requirements"] = list(MEASURE_REQUIREMENTS.get(m["kind"], ()))
            m["overdue"] = m["status"] == MeasureStatus.open and m["due_on"] < today
        return row

    async def add_measure(
        self,
        finding_id: int,
        *,
        kind: str,
        description: str,
        owner_id: int,
        due_on: dt.date,
        actor: Actor,
        now: dt.datetime | None = None,
    ) -> int:
        """Decide a measure on an open finding, with its owner and due date.

        Raises:
            ValidationError: unknown kind or owner, no description, a past due date.
            ConflictError: the finding is closed.
        """
        now = now or dt.datetime.now(dt.UTC)
        errors = {}
        if kind not in MEASURE_KIND_LABELS:
            errors["kind"] = "措置の種類を一覧から選んでください。"
        if not description.strip():
            errors["description"] = "措置の内容を入力してください。"
        if not await User.exists().where(User.id == owner_id, User.active.eq(True)):
            errors["owner_id"] = "担当者を一覧から選んでください。"
        if due_on < today_tokyo(now):
            errors["due_on"] = "期限に過去の日付は指定できません。"
        if errors:
            raise ValidationError(errors)
        async with write_transaction():
            row = await self._locked(finding_id)
            if row["status"] != FindingStatus.open:
                raise ConflictError("完了した指摘事項には措置を追加できません。")
            if not await sees_department(owner_id, row["department"]):
                raise ValidationError({"owner_id": ASSIGNEE_OTHER_DEPARTMENT})
            measure_id = (
                await Measure.insert(
                    Measure(
                        finding=finding_id, kind=kind, description=description.strip(), owner=owner_id, due_on=due_on,
                        created_by=actor.id, created_at=now,
                    )
                ).returning(Measure.id)
            )[0]["id"]  # fmt: skip
            await self.audit.record(
                "measure.created", actor=actor, target_type="measure", target_id=measure_id,
                target_label=f"{MEASURE_KIND_LABELS[kind]}（{row['title'][:80]}）",
                after={"finding": finding_id, "kind": kind, "owner": owner_id, "due_on": due_on,
                       "requirements": list(MEASURE_REQUIREMENTS[kind])},
                now=now,
            )  # fmt: skip
        return measure_id

    async def close_measure(
        self,
        measure_id: int,
        *,
        done: bool,
        note: str,
        actor: Actor,
        evidence_id: int | None = None,
        finding_id: int | None = None,
        now: dt.datetime | None = None,
    ) -> None:
        """Record a measure as carried out (完了) or withdrawn (取りやめ), with the closing note and evidence.

        Raises:
            ValidationError: no note.
            ConflictError: the measure is already closed.
        """
        now = now or dt.datetime.now(dt.UTC)
        if not note.strip():
            raise ValidationError({"note": "完了または取りやめの内容を入力してください。"})
        if evidence_id is not None and not await StoredFile.exists().where(StoredFile.id == evidence_id):
            raise ValidationError({"evidence_file_id": "証跡ファイルが見つかりません。"})
        async with write_transaction():
            row = await for_update(Measure.select().where(Measure.id == measure_id)).first()
            if row is None or (finding_id is not None and row["finding"] != finding_id):
                raise NotFoundError("措置", measure_id)
            if row["status"] != MeasureStatus.open:
                raise ConflictError("この措置はすでに完了しています。")
            status = MeasureStatus.done if done else MeasureStatus.cancelled
            await Measure.update(
                {Measure.status: status, Measure.closing_note: note.strip(), Measure.evidence: evidence_id,
                 Measure.closed_by: actor.id, Measure.closed_at: now}
            ).where(Measure.id == measure_id)  # fmt: skip
            await self.audit.record(
                "measure.closed", actor=actor, target_type="measure", target_id=measure_id,
                target_label=MEASURE_KIND_LABELS.get(row["kind"], row["kind"]),
                after={"status": status, "note": note.strip(), "evidence": evidence_id}, now=now,
            )  # fmt: skip

    async def close(
        self, finding_id: int, *, verification_note: str, actor: Actor, now: dt.datetime | None = None
    ) -> None:
        """Close a finding once its measures are carried out, with a note on how the correction was verified.

        Raises:
            ValidationError: no verification note.
            ConflictError: closed already, no measure carried out, or a measure still open.
        """
        now = now or dt.datetime.now(dt.UTC)
        if not verification_note.strip():
            raise ValidationError({"verification_note": "是正を確認した方法と結果を入力してください。"})
        async with write_transaction():
            row = await self._locked(finding_id)
            if row["status"] != FindingStatus.open:
                raise ConflictError("この指摘事項はすでに完了しています。")
            measures = await Measure.select(Measure.status).where(Measure.finding == finding_id)
            if any(m["status"] == MeasureStatus.open for m in measures):
                raise ConflictError("対応中の措置があります。すべての措置を完了してから指摘事項を完了してください。")
            if not any(m["status"] == MeasureStatus.done for m in measures):
                raise ConflictError("完了した措置がありません。措置を記録してから指摘事項を完了してください。")
            await Finding.update(
                {Finding.status: FindingStatus.closed, Finding.verification_note: verification_note.strip(),
                 Finding.closed_by: actor.id, Finding.closed_at: now}
            ).where(Finding.id == finding_id)  # fmt: skip
            await self.audit.record(
                "finding.closed", actor=actor, target_type="finding", target_id=finding_id,
                target_label=row["title"][:100], after={"verification_note": verification_note.strip()}, now=now,
            )  # fmt: skip


def _unique(recipients: list[Recipient]) -> list[Recipient]:
    """Each person once (a user may hold several of the roles), in the order given."""
    seen: dict[int, Recipient] = {}
    for r in recipients:
        seen.setdefault(r.user_id, r)
    return list(seen.values())
