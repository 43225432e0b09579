"""Approvals of subcontractors (再委託の承認, and for マイナンバー work the 番号法第10条第1項 permission).

A mixin of ``ContractService``: a draft that names subcontractors opens their approvals; procurement or a security
officer decides each on its item-by-item evaluation (governance.contracts.subcontracting).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from governance.accounts.roles import Role
from governance.actor import Actor
from governance.approvals import ensure_not_requester
from governance.audit.services import AuditService
from governance.contracts.subcontracting import ANSWERS, Evaluation, criteria_for
from governance.contracts.subcontracting import problems as evaluation_problems
from governance.contracts.tables import APPROVAL_STATUS_LABELS, ApprovalStatus, SubcontractorApproval
from governance.db import for_update, write_transaction
from governance.engagements.facts import Flag
from governance.engagements.tables import Engagement
from governance.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from governance.reminders.events import Event, notify, people, role_holders
from governance.reminders.notify import Recipient


async def _tell(
    rule: str, approval: dict[str, Any], recipients: list[Recipient], actor: Actor, now: dt.datetime, detail: str = ""
) -> None:
    """Notify the next person to act on a subcontractor approval (inside the step's transaction)."""
    eng = await Engagement.select(Engagement.title).where(Engagement.id == approval["engagement"]).first()
    kind = "許諾（番号法第10条）" if approval["mynumber_permission"] else "承認"
    subject = f"再委託の{kind}：{approval['name']}（{eng['title']}）"
    link = f"/engagements/{approval['engagement']}/contract#approval-{approval['id']}"
    await notify(Event(rule, "subcontractor_approval", approval["id"], subject, link, detail), recipients, now=now,
                 actor_id=actor.id)  # fmt: skip


class SubcontractorApprovals:
    """Open, decide and list the subcontractor approvals of an engagement."""

    audit: AuditService

    async def _ensure_approvals(
        self, engagement_id: int, context: dict[str, Any], actor: Actor, now: dt.datetime
    ) -> None:
        mynumber = Flag.MN in context["facts"]["flags"]
        rows = await SubcontractorApproval.select().where(SubcontractorApproval.engagement == engagement_id)
        existing = {r["name"] for r in rows}
        opened: list[int] = []
        if mynumber:  # the work now handles マイナンバー: an earlier plain approval is not the 番号法第10条 permission
            for r in rows:
                if not r["mynumber_permission"]:
                    await SubcontractorApproval.update(
                        {SubcontractorApproval.mynumber_permission: True,
                         SubcontractorApproval.status: ApprovalStatus.pending, SubcontractorApproval.decided_by: None,
                         SubcontractorApproval.decided_at: None, SubcontractorApproval.requested_by: actor.id}
                    ).where(SubcontractorApproval.id == r["id"])  # fmt: skip
                    opened.append(r["id"])
        for name in context["subcontractors"]:
            if name not in existing:
                new = await SubcontractorApproval.insert(
                    SubcontractorApproval(
                        engagement=engagement_id,
                        name=name,
                        mynumber_permission=mynumber,
                        requested_by=actor.id,
                        requested_at=now,
                    )
                ).returning(SubcontractorApproval.id)
                opened.append(new[0]["id"])
        await self._request_decisions(opened, actor, now)

    @staticmethod
    async def _request_decisions(approval_ids: list[int], actor: Actor, now: dt.datetime) -> None:
        """Tell who may decide each approval just opened (番号法第10条の許諾: the security office only)."""
        if not approval_ids:
            return
        for row in await SubcontractorApproval.select().where(SubcontractorApproval.id.is_in(approval_ids)):
            roles = [Role.security_officer] if row["mynumber_permission"] else [Role.security_officer, Role.procurement]
            deciders = [r for r in await role_holders(*roles) if r.user_id != row["requested_by"]]
            await _tell("subcontractor.requested", row, deciders, actor, now)

    async def decide_approval(
        self,
        approval_id: int,
        *,
        approve: bool,
        actor: Actor,
        note: str = "",
        evaluation: Evaluation | None = None,
        now: dt.datetime | None = None,
    ) -> None:
        """Approve or refuse a subcontractor on its evaluation; マイナンバー work needs a security officer.

        Approval needs every evaluation item answered and none 不適合 (governance.contracts.subcontracting); the
        permission for マイナンバー work (番号法第10条) is a security officer's.

        Raises:
            PermissionDeniedError: the role does not allow it, or the requester decides.
            ConflictError: already decided.
            ValidationError: the evaluation does not support the decision (by field).
        """
        now = now or dt.datetime.now(dt.UTC)
        async with write_transaction():
            row = await for_update(
                SubcontractorApproval.select().where(SubcontractorApproval.id == approval_id)
            ).first()
            if row is None:
                raise NotFoundError("再委託の承認", approval_id)
            if row["mynumber_permission"] and not actor.has_any(Role.security_officer):
                raise PermissionDeniedError(
                    "特定個人情報を扱う業務の再委託の許諾（番号法第10条）は、情報セキュリティ担当者が行います。"
                )
            if not actor.has_any(Role.security_officer, Role.procurement):
                raise PermissionDeniedError("再委託の承認は契約・調達担当又は情報セキュリティ担当者が行います。")
            ensure_not_requester(row["requested_by"], actor, what="再委託の承認申請")
            if row["status"] != ApprovalStatus.pending:
                raise ConflictError("この再委託先は既に判断済みです。")
            evaluation = evaluation or Evaluation({}, {})
            errors = evaluation_problems(evaluation, mynumber=row["mynumber_permission"], approve=approve, note=note)
            if errors:
                raise ValidationError(errors)
            status = ApprovalStatus.approved if approve else ApprovalStatus.refused
            await SubcontractorApproval.update(
                {SubcontractorApproval.status: status, SubcontractorApproval.decided_by: actor.id,
                 SubcontractorApproval.decided_at: now, SubcontractorApproval.note: note.strip(),
                 SubcontractorApproval.evaluation: evaluation.to_json()}
            ).where(SubcontractorApproval.id == approval_id)  # fmt: skip
            await self.audit.record(
                "subcontractor.approved" if approve else "subcontractor.refused", actor=actor,
                target_type="engagement", target_id=row["engagement"], target_label=row["name"],
                after={"mynumber_permission": row["mynumber_permission"], "note": note.strip(),
                       "evaluation": json.loads(evaluation.to_json())}, now=now,
            )  # fmt: skip
            detail = f"所見：{note.strip()}" if note.strip() else ""
            rule = "subcontractor.approved" if approve else "subcontractor.refused"
            await _tell(rule, row, await people(row["requested_by"]), actor, now, detail)

    async def approvals(self, engagement_id: int) -> list[dict[str, Any]]:
        """Subcontractor approvals of the engagement with status labels."""
        rows = (
            await SubcontractorApproval.select(
                *SubcontractorApproval.all_columns(),
                SubcontractorApproval.decided_by.full_name.as_alias("decided_by_name"),
            )
            .where(SubcontractorApproval.engagement == engagement_id)
            .order_by(SubcontractorApproval.id)
        )
        for r in rows:
            r["status_label"] = APPROVAL_STATUS_LABELS.get(r["status"], r["status"])
            stored = Evaluation.from_json(r["evaluation"])
            r["criteria"] = [
                {"id": c.id, "text": c.text, "requirements": list(c.requirements),
                 "may_be_not_applicable": c.may_be_not_applicable, "answer": stored.answers.get(c.id, ""),
                 "answer_label": ANSWERS.get(stored.answers.get(c.id, ""), ""), "note": stored.notes.get(c.id, "")}
                for c in criteria_for(r["mynumber_permission"])
            ]  # fmt: skip
        return rows
