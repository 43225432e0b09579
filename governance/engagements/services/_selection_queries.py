"""Reading selection records: a selection with its criteria, candidates, answers and pre-fill suggestions."""

from __future__ import annotations

import json
from typing import Any

from governance.contractors.services import ContractorService
from governance.engagements import schemas
from governance.engagements.criteria import CATALOG_BY_ID, SELECTION_METHODS, prefill
from governance.engagements.tables import (
    SELECTION_STATUS_LABELS,
    CriterionEvaluation,
    Selection,
    SelectionCandidate,
    SelectionStatus,
)
from governance.errors import NotFoundError


class SelectionQueries:
    """Read-only queries over selections (the workflow service builds on these)."""

    contractors: ContractorService

    async def get(self, selection_id: int) -> schemas.Selection:
        """Return a selection with criteria, candidates, answers and pre-fill suggestions.

        Raises:
            NotFoundError: no such selection.
        """
        row = await Selection.select(
            *Selection.all_columns(), Selection.engagement.title.as_alias("engagement_title"),
            Selection.prepared_by.full_name.as_alias("prepared_by_name"),
            Selection.reviewed_by.full_name.as_alias("reviewed_by_name"),
        ).where(Selection.id == selection_id).first()  # fmt: skip
        if row is None:
            raise NotFoundError("選定記録", selection_id)
        criteria = json.loads(row["criteria_json"])["items"]
        cands = (
            await SelectionCandidate.select(
                SelectionCandidate.id,
                SelectionCandidate.contractor,
                SelectionCandidate.contractor.name.as_alias("name"),
            )
            .where(SelectionCandidate.selection == selection_id)
            .order_by(SelectionCandidate.id)
        )
        ids = [c["contractor"] for c in cands]
        certs = await self.contractors.certificate_facts(ids)
        suspended = await self.contractors.suspended_ids(ids, row["evaluated_on"])
        evals: dict[int, dict[str, dict[str, Any]]] = {}
        if cands:
            for e in await CriterionEvaluation.select().where(
                CriterionEvaluation.candidate.is_in([c["id"] for c in cands])
            ):
                evals.setdefault(e["candidate"], {})[e["criterion_id"]] = e
        candidates = []
        for c in cands:
            out = []
            for item in criteria:
                e = evals.get(c["id"], {}).get(item["id"], {})
                sug = (
                    prefill(CATALOG_BY_ID[item["id"]], certs[c["contractor"]], row["evaluated_on"])
                    if item["id"] in CATALOG_BY_ID
                    else None
                )
                out.append(
                    schemas.EvaluationOut(
                        criterion_id=item["id"],
                        answer=e.get("answer"),
                        note=e.get("note", ""),
                        evidence_id=e.get("evidence"),
                        suggested=sug.answer if sug else None,
                        suggestion_note=sug.note if sug else "",
                    )
                )
            candidates.append(
                schemas.CandidateOut(
                    id=c["id"],
                    contractor_id=c["contractor"],
                    contractor_name=c["name"],
                    suspended=c["contractor"] in suspended,
                    evaluations=out,
                )
            )
        return schemas.Selection(
            id=row["id"], engagement_id=row["engagement"], engagement_title=row["engagement_title"],
            version=row["version"], method=row["method"],
            method_label=SELECTION_METHODS.get(row["method"], row["method"]),
            legal_ground=row["legal_ground"], status=row["status"],
            status_label=SELECTION_STATUS_LABELS.get(row["status"], row["status"]), evaluated_on=row["evaluated_on"],
            criteria=[schemas.CriterionOut(**c) for c in criteria], candidates=candidates,
            selected_contractor_id=row["selected_contractor"], rationale=row["rationale"],
            prepared_by_id=row["prepared_by"], prepared_by=row["prepared_by_name"] or "",
            submitted_at=row["submitted_at"], reviewed_by=row["reviewed_by_name"], reviewed_at=row["reviewed_at"],
            review_comment=row["review_comment"], supersedes=row["supersedes"],
            editable=row["status"] == SelectionStatus.draft,
        )  # fmt: skip

    async def for_engagement(self, engagement_id: int) -> list[dict[str, Any]]:
        """The selection versions of an engagement, newest first."""
        return await Selection.select(
            Selection.id, Selection.version, Selection.status, Selection.method, Selection.created_at,
            Selection.selected_contractor.name.as_alias("selected_name"),
        ).where(Selection.engagement == engagement_id).order_by(Selection.version, ascending=False)  # fmt: skip

    async def awaiting_approval(self) -> list[dict[str, Any]]:
        """Submitted selections, oldest first (the security officers' to-do list)."""
        return await Selection.select(
            Selection.id, Selection.version, Selection.submitted_at, Selection.prepared_by,
            Selection.engagement.title.as_alias("engagement_title"),
        ).where(Selection.status == SelectionStatus.submitted).order_by(Selection.submitted_at)  # fmt: skip
