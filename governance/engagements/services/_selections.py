"""Contractor selection: criteria from the facts, candidates evaluated, decision, submission, approval, versions."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from governance.accounts.roles import Role
from governance.actor import Actor
from governance.approvals import ensure_not_requester
from governance.audit.chain import canonical_json
from governance.audit.services import AuditService
from governance.calendar import display_date, today_tokyo
from governance.contractors.services import ContractorService
from governance.contractors.tables import Contractor
from governance.db import for_update, write_transaction
from governance.engagements import schemas
from governance.engagements.criteria import ANSWER_LABELS, CATALOG_BY_ID, criteria_for, prefill
from governance.engagements.services._engagements import EngagementService, facts_snapshot
from governance.engagements.services._selection_corrections import SelectionCorrections
from governance.engagements.services._selection_queries import SELECTION_METHODS, SelectionQueries
from governance.engagements.tables import (
    OPEN_SELECTION_STATUSES,
    SELECTION_STATUS_LABELS,
    CriterionEvaluation,
    Engagement,
    EngagementStatus,
    Selection,
    SelectionCandidate,
    SelectionStatus,
)
from governance.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from governance.reminders.events import Event, notify, people, role_holders
from governance.reminders.notify import Recipient


class SelectionService(SelectionCorrections, SelectionQueries):
    """The selection workflow; every step audited, approvals only by another person."""

    def __init__(self, audit: AuditService | None = None) -> None:
        self.audit = audit or AuditService()
        self.engagements = EngagementService(self.audit)
        self.contractors = ContractorService(audit=self.audit)

    # -- helpers ---------------------------------------------------------------------------------------------------

    @staticmethod
    async def _locked(selection_id: int) -> dict[str, Any]:
        row = await for_update(Selection.select().where(Selection.id == selection_id)).first()
        if row is None:
            raise NotFoundError("選定記録", selection_id)
        return row

    @staticmethod
    def _require_draft(row: dict[str, Any]) -> None:
        if row["status"] != SelectionStatus.draft:
            label = SELECTION_STATUS_LABELS.get(row["status"], row["status"])
            raise ConflictError(
                f"この選定記録は「{label}」のため変更できません。変更が必要な場合は訂正版を作成してください。"
            )

    async def _audit(self, action: str, row: dict[str, Any], actor: Actor, now: dt.datetime, **kw: Any) -> None:
        await self.audit.record(
            action,
            actor=actor,
            target_type="selection",
            target_id=row["id"],
            target_label=f"委託業務{row['engagement']} 第{row['version']}版",
            now=now,
            **kw,
        )

    @staticmethod
    async def _tell(
        rule: str, row: dict[str, Any], recipients: list[Recipient], actor: Actor, now: dt.datetime, detail: str = ""
    ) -> None:
        """Notify the next person to act on the selection (inside the step's transaction)."""
        eng = await Engagement.select(Engagement.title).where(Engagement.id == row["engagement"]).first()
        subject = f"「{eng['title']}」の選定記録（第{row['version']}版）"
        event = Event(rule, "selection", row["id"], subject, f"/selections/{row['id']}", detail)
        await notify(event, recipients, now=now, actor_id=actor.id)

    # -- writing ---------------------------------------------------------------------------------------------------

    async def create(
        self, engagement_id: int, data: schemas.SelectionCreate, *, actor: Actor, now: dt.datetime | None = None
    ) -> int:
        """Start a selection for an engagement, snapshotting the criteria its facts call for.

        Raises:
            NotFoundError: no such engagement.
            ValidationError: unknown method.
            ConflictError: a selection of this engagement is already being prepared or reviewed.
        """
        now = now or dt.datetime.now(dt.UTC)
        if data.method not in SELECTION_METHODS:
            raise ValidationError({"method": "選定方法を選んでください。"})
        async with write_transaction():
            _, facts = await self.engagements.facts(engagement_id)
            if await Selection.exists().where(
                Selection.engagement == engagement_id, Selection.status.is_in(OPEN_SELECTION_STATUSES)
            ):
                raise ConflictError(
                    "この委託業務には作成中または承認待ちの選定記録があります。そちらを使ってください。"
                )
            return await self._insert(engagement_id, data, facts_snapshot(facts), criteria_for(facts), actor, now)

    async def _insert(
        self,
        engagement_id: int,
        data: schemas.SelectionCreate,
        facts: dict[str, Any],
        applied: list[Any],
        actor: Actor,
        now: dt.datetime,
        supersedes: int | None = None,
    ) -> int:
        last = (
            await Selection.select(Selection.version)
            .where(Selection.engagement == engagement_id)
            .order_by(Selection.version, ascending=False)
            .first()
        )
        criteria = [
            {"id": a.criterion.id, "label": a.criterion.label, "description": a.criterion.description,
             "reasons": list(a.reasons)}
            for a in applied
        ]  # fmt: skip
        values = {
            "engagement": engagement_id, "version": (last["version"] + 1) if last else 1, "method": data.method,
            "legal_ground": data.legal_ground.strip(), "status": SelectionStatus.draft,
            "evaluated_on": data.evaluated_on or today_tokyo(now), "criteria_json": canonical_json({"items": criteria}),
            "facts_json": canonical_json(facts), "prepared_by": actor.id, "supersedes": supersedes,
        }  # fmt: skip
        new_id = (await Selection.insert(Selection(**values, created_at=now, updated_at=now)).returning(Selection.id))[
            0
        ]["id"]
        if supersedes is None:  # a correction leaves the engagement where its approval put it
            await self.engagements.set_status(engagement_id, EngagementStatus.selecting, actor=actor, now=now)
        await self.audit.record(
            "selection.created",
            actor=actor,
            target_type="selection",
            target_id=new_id,
            target_label=f"委託業務{engagement_id} 第{values['version']}版",
            after={"method": data.method, "criteria": [c["id"] for c in criteria], "supersedes": supersedes},
            now=now,
        )
        return new_id

    async def add_candidate(
        self, selection_id: int, contractor_id: int, *, actor: Actor, now: dt.datetime | None = None
    ) -> int:
        """Add a contractor as a candidate; certification criteria are pre-filled from the registry.

        Raises:
            ConflictError: the selection is not a draft, or the contractor is already a candidate.
            ValidationError: no such contractor.
        """
        now = now or dt.datetime.now(dt.UTC)
        async with write_transaction():
            row = await self._locked(selection_id)
            self._require_draft(row)
            contractor = await Contractor.select(Contractor.name).where(Contractor.id == contractor_id).first()
            if contractor is None:
                raise ValidationError({"contractor_id": "候補者を選んでください。"})
            if await SelectionCandidate.exists().where(
                SelectionCandidate.selection == selection_id, SelectionCandidate.contractor == contractor_id
            ):
                raise ConflictError(f"{contractor['name']}は既に候補者に含まれています。")
            candidate_id = (
                await SelectionCandidate.insert(
                    SelectionCandidate(selection=selection_id, contractor=contractor_id)
                ).returning(SelectionCandidate.id)
            )[0]["id"]
            certs = (await self.contractors.certificate_facts([contractor_id]))[contractor_id]
            evaluations = []
            for item in json.loads(row["criteria_json"])["items"]:
                suggestion = (
                    prefill(CATALOG_BY_ID[item["id"]], certs, row["evaluated_on"])
                    if item["id"] in CATALOG_BY_ID
                    else None
                )
                evaluations.append(
                    CriterionEvaluation(
                        candidate=candidate_id,
                        criterion_id=item["id"],
                        answer=suggestion.answer if suggestion else None,
                        note=suggestion.note if suggestion else "",
                    )
                )
            await CriterionEvaluation.insert(*evaluations)
            await Selection.update({Selection.updated_at: now}).where(Selection.id == selection_id)
            await self._audit("selection.candidate_added", row, actor, now, after={"contractor": contractor["name"]})
        return candidate_id

    async def remove_candidate(self, selection_id: int, candidate_id: int, *, actor: Actor) -> None:
        """Remove a candidate (and its evaluations) from a draft."""
        now = dt.datetime.now(dt.UTC)
        async with write_transaction():
            row = await self._locked(selection_id)
            self._require_draft(row)
            cand = (
                await SelectionCandidate.select(
                    SelectionCandidate.contractor, SelectionCandidate.contractor.name.as_alias("name")
                )
                .where(SelectionCandidate.id == candidate_id, SelectionCandidate.selection == selection_id)
                .first()
            )
            if cand is None:
                raise NotFoundError("候補者", candidate_id)
            await SelectionCandidate.delete().where(SelectionCandidate.id == candidate_id)
            if row["selected_contractor"] == cand["contractor"]:
                await Selection.update({Selection.selected_contractor: None}).where(Selection.id == selection_id)
            await self._audit("selection.candidate_removed", row, actor, now, before={"contractor": cand["name"]})

    async def save_evaluations(
        self,
        selection_id: int,
        items: list[schemas.EvaluationIn],
        *,
        actor: Actor,
        evidence: dict[tuple[int, str], int] | None = None,
        now: dt.datetime | None = None,
    ) -> None:
        """Record answers (適合 / 不適合 / 該当なし) and notes for candidates × criteria.

        ``evidence`` maps (candidate id, criterion id) to a file stored in the same transaction.

        Raises:
            ConflictError: the selection is not a draft.
            ValidationError: an unknown candidate, criterion or answer.
        """
        now = now or dt.datetime.now(dt.UTC)
        async with write_transaction():
            row = await self._locked(selection_id)
            self._require_draft(row)
            criteria = {c["id"] for c in json.loads(row["criteria_json"])["items"]}
            candidates = {
                c["id"] for c in await SelectionCandidate.select(SelectionCandidate.id).where(
                    SelectionCandidate.selection == selection_id
                )
            }  # fmt: skip
            errors: dict[str, str] = {}
            for candidate_id, criterion_id in evidence or {}:
                if candidate_id not in candidates or criterion_id not in criteria:
                    errors[f"evidence-{candidate_id}-{criterion_id}"] = "この選定記録にない候補者または基準です。"
            for item in items:
                key = f"answer-{item.candidate_id}-{item.criterion_id}"
                if item.candidate_id not in candidates or item.criterion_id not in criteria:
                    errors[key] = "この選定記録にない候補者または基準です。"
                elif item.answer is not None and item.answer not in ANSWER_LABELS:
                    errors[key] = "適合・不適合・該当なしのいずれかを選んでください。"
            if errors:
                raise ValidationError(errors)
            changed = []
            for item in items:
                await CriterionEvaluation.update(
                    {CriterionEvaluation.answer: item.answer, CriterionEvaluation.note: item.note.strip()}
                ).where(
                    CriterionEvaluation.candidate == item.candidate_id,
                    CriterionEvaluation.criterion_id == item.criterion_id,
                )
                changed.append([item.candidate_id, item.criterion_id, item.answer])
            for (candidate_id, criterion_id), file_id in (evidence or {}).items():
                await CriterionEvaluation.update({CriterionEvaluation.evidence: file_id}).where(
                    CriterionEvaluation.candidate == candidate_id, CriterionEvaluation.criterion_id == criterion_id
                )
                changed.append([candidate_id, criterion_id, f"evidence:{file_id}"])
            await Selection.update({Selection.updated_at: now}).where(Selection.id == selection_id)
            await self._audit("selection.evaluated", row, actor, now, after={"answers": changed})

    async def decide(
        self, selection_id: int, data: schemas.Decision, *, actor: Actor, now: dt.datetime | None = None
    ) -> None:
        """Record the selected contractor and the rationale (選定理由) on a draft.

        Raises:
            ConflictError: the selection is not a draft.
            ValidationError: the contractor is not a candidate.
        """
        now = now or dt.datetime.now(dt.UTC)
        async with write_transaction():
            row = await self._locked(selection_id)
            self._require_draft(row)
            if data.contractor_id is not None and not await SelectionCandidate.exists().where(
                SelectionCandidate.selection == selection_id, SelectionCandidate.contractor == data.contractor_id
            ):
                raise ValidationError({"contractor_id": "選定する事業者は候補者の中から選んでください。"})
            await Selection.update(
                {
                    Selection.selected_contractor: data.contractor_id,
                    Selection.rationale: data.rationale.strip(),
                    Selection.updated_at: now,
                }
            ).where(Selection.id == selection_id)
            await self._audit(
                "selection.decided",
                row,
                actor,
                now,
                before={"contractor_id": row["selected_contractor"], "rationale": row["rationale"]},
                after={"contractor_id": data.contractor_id, "rationale": data.rationale.strip()},
            )

    async def _blocking_problems(self, row: dict[str, Any], day: dt.date) -> dict[str, str]:
        problems: dict[str, str] = {}
        candidates = await SelectionCandidate.select(SelectionCandidate.id, SelectionCandidate.contractor).where(
            SelectionCandidate.selection == row["id"]
        )
        if not candidates:
            problems["candidates"] = "候補者を1者以上追加してください。"
        unanswered = await CriterionEvaluation.count().where(
            CriterionEvaluation.candidate.selection == row["id"], CriterionEvaluation.answer.is_null()
        )
        if unanswered:
            problems["evaluations"] = (
                f"評価が未入力の項目が{unanswered}件あります。すべての基準について評価してください。"
            )
        selected = row["selected_contractor"]
        if selected is None:
            problems["contractor_id"] = "選定する事業者を選んでください。"
        elif selected in await self.contractors.suspended_ids([selected], day):
            problems["contractor_id"] = (
                f"選定する事業者は{display_date(day)}時点で指名停止期間中のため、選定できません。"
            )
        if not row["rationale"].strip():
            problems["rationale"] = "選定理由を入力してください。"
        return problems

    async def submit(self, selection_id: int, *, actor: Actor, now: dt.datetime | None = None) -> None:
        """Submit a complete draft for approval.

        Raises:
            ConflictError: not a draft.
            ValidationError: what is still missing (candidates, answers, decision, rationale) or a suspended choice.
        """
        now = now or dt.datetime.now(dt.UTC)
        async with write_transaction():
            row = await self._locked(selection_id)
            self._require_draft(row)
            problems = await self._blocking_problems(row, row["evaluated_on"])
            if problems:
                raise ValidationError(problems, message="提出できません。次の点を確認してください。")
            await Selection.update(
                {Selection.status: SelectionStatus.submitted, Selection.submitted_at: now, Selection.updated_at: now}
            ).where(Selection.id == selection_id)
            await self._audit("selection.submitted", row, actor, now, after={"status": SelectionStatus.submitted})
            approvers = [r for r in await role_holders(Role.security_officer) if r.user_id != row["prepared_by"]]
            await self._tell("selection.submitted", row, approvers, actor, now)

    async def approve(
        self, selection_id: int, *, actor: Actor, comment: str = "", now: dt.datetime | None = None
    ) -> None:
        """Approve a submitted selection (情報セキュリティ担当者, never its preparer); it becomes read-only.

        Raises:
            PermissionDeniedError: the approver lacks the role, or prepared it (SelfApprovalError).
            ConflictError: not submitted.
            ValidationError: the selected contractor is suspended today.
        """
        now = now or dt.datetime.now(dt.UTC)
        if not actor.has_any(Role.security_officer):
            raise PermissionDeniedError("選定の承認は情報セキュリティ担当者が行います。")
        async with write_transaction():
            row = await self._locked(selection_id)
            ensure_not_requester(row["prepared_by"], actor, what="選定記録")
            if row["status"] != SelectionStatus.submitted:
                raise ConflictError("承認待ちの選定記録ではないため、承認できません。")
            problems = await self._blocking_problems(row, today_tokyo(now))
            if problems:
                raise ValidationError(problems, message="承認できません。次の点を確認してください。")
            await Selection.update(
                {
                    Selection.status: SelectionStatus.approved,
                    Selection.reviewed_by: actor.id,
                    Selection.reviewed_at: now,
                    Selection.review_comment: comment.strip(),
                    Selection.updated_at: now,
                }
            ).where(Selection.id == selection_id)
            if row["supersedes"]:
                await Selection.update({Selection.status: SelectionStatus.superseded}).where(
                    Selection.id == row["supersedes"]
                )
            await self.engagements.set_status(row["engagement"], EngagementStatus.preparing, actor=actor, now=now)
            await self._audit(
                "selection.approved", row, actor, now,
                after={"status": SelectionStatus.approved, "contractor_id": row["selected_contractor"],
                       "comment": comment.strip()},
            )  # fmt: skip
            note = f"コメント：{comment.strip()}" if comment.strip() else ""
            await self._tell("selection.approved", row, await people(row["prepared_by"]), actor, now, note)

    async def return_to_preparer(
        self, selection_id: int, *, actor: Actor, comment: str, now: dt.datetime | None = None
    ) -> None:
        """Send a submitted selection back for correction (差戻し) with a comment.

        Raises:
            PermissionDeniedError: the reviewer lacks the role.
            ConflictError: not submitted.
            ValidationError: no comment.
        """
        now = now or dt.datetime.now(dt.UTC)
        if not actor.has_any(Role.security_officer):
            raise PermissionDeniedError("差戻しは情報セキュリティ担当者が行います。")
        if not comment.strip():
            raise ValidationError({"comment": "差戻しの理由を入力してください。"})
        async with write_transaction():
            row = await self._locked(selection_id)
            if row["status"] != SelectionStatus.submitted:
                raise ConflictError("承認待ちの選定記録ではないため、差し戻せません。")
            await Selection.update(
                {
                    Selection.status: SelectionStatus.draft,
                    Selection.review_comment: comment.strip(),
                    Selection.reviewed_by: actor.id,
                    Selection.reviewed_at: now,
                    Selection.updated_at: now,
                }
            ).where(Selection.id == selection_id)
            await self._audit("selection.returned", row, actor, now, after={"comment": comment.strip()})
            reason = f"差戻しの理由：{comment.strip()}"
            await self._tell("selection.returned", row, await people(row["prepared_by"]), actor, now, reason)
