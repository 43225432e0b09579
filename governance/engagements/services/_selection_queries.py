"""Reading selection records: a selection with its criteria, candidates, answers and pre-fill suggestions."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from governance.contractors.services import ContractorService
from governance.db import keyset_chunks
from governance.engagements import schemas
from governance.engagements.criteria import CATALOG_BY_ID, SELECTION_METHODS, prefill
from governance.engagements.services._engagements import EngagementQuery, EngagementService
from governance.engagements.tables import (
    SELECTION_STATUS_LABELS,
    CriterionEvaluation,
    Engagement,
    Selection,
    SelectionCandidate,
    SelectionStatus,
)
from governance.errors import NotFoundError


@dataclass(frozen=True)
class SelectionQuery:
    """Filters of the list of selection versions across engagements, and its page."""

    q: str = ""
    department_id: int | None = None
    status: str = ""
    method: str = ""
    page: int = 1
    per_page: int = 20


def selection_conditions(query: SelectionQuery) -> list[Any]:
    """The list's filters as query conditions: the page, the API list and the export share them.

    The engagement filters (業務名, 所管課 with the department scope) are the engagement list's own, so a user sees
    the selections of exactly the engagements they see.
    """
    where: list[Any] = []
    engagement = EngagementService.conditions(EngagementQuery(q=query.q, department_id=query.department_id))
    if engagement:
        where.append(Selection.engagement.is_in(Engagement.select(Engagement.id).where(*engagement)))
    if query.status:
        where.append(Selection.status == query.status)
    if query.method:
        where.append(Selection.method == query.method)
    return where


SELECTION_LIST_COLUMNS = (
    Selection.id, Selection.engagement, Selection.engagement.title.as_alias("engagement_title"),
    Selection.engagement.department.name.as_alias("department_name"), Selection.version, Selection.method,
    Selection.status, Selection.evaluated_on, Selection.selected_contractor,
    Selection.selected_contractor.name.as_alias("selected_contractor_name"),
    Selection.prepared_by.full_name.as_alias("prepared_by"), Selection.submitted_at,
    Selection.reviewed_by.full_name.as_alias("reviewed_by"), Selection.reviewed_at, Selection.updated_at,
)  # fmt: skip


def _labelled(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **row,
        "method_label": SELECTION_METHODS.get(row["method"], row["method"]),
        "status_label": SELECTION_STATUS_LABELS.get(row["status"], row["status"]),
    }


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

    async def list(self, query: SelectionQuery) -> schemas.SelectionPage:
        """One page of selection versions matching the filters, newest first, with the total."""
        where = selection_conditions(query)
        per_page = max(1, min(query.per_page, 100))
        page = max(1, query.page)
        select, count = Selection.select(*SELECTION_LIST_COLUMNS), Selection.count()
        if where:
            select, count = select.where(*where), count.where(*where)
        rows = await select.order_by(Selection.id, ascending=False).limit(per_page).offset((page - 1) * per_page)
        return schemas.SelectionPage(
            items=[schemas.SelectionSummary(**_labelled(r)) for r in rows],
            total=await count,
            page=page,
            per_page=per_page,
        )

    async def export_rows(self, query: SelectionQuery, *, chunk: int = 500) -> AsyncIterator[dict[str, Any]]:
        """Every selection version matching the list's filters, newest first, a chunk at a time (for the register).

        Each row carries the candidates' names, read for the whole chunk at once.
        """
        columns = (*SELECTION_LIST_COLUMNS, Selection.legal_ground, Selection.rationale, Selection.review_comment,
                   Selection.supersedes, Selection.created_at)  # fmt: skip
        where = selection_conditions(query)
        async for rows in keyset_chunks(
            lambda: Selection.select(*columns), Selection, where, chunk=chunk, newest_first=True
        ):
            candidates: dict[int, list[str]] = {}
            for c in (
                await SelectionCandidate.select(
                    SelectionCandidate.selection, SelectionCandidate.contractor.name.as_alias("name")
                )
                .where(SelectionCandidate.selection.is_in([r["id"] for r in rows]))
                .order_by(SelectionCandidate.id)
            ):
                candidates.setdefault(c["selection"], []).append(c["name"])
            for r in rows:
                approved = r["status"] in (SelectionStatus.approved, SelectionStatus.superseded)
                yield {
                    **_labelled(r),
                    "candidates": candidates.get(r["id"], []),
                    "approved_by": r["reviewed_by"] if approved else "",
                    "approved_at": r["reviewed_at"] if approved else None,
                }

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

    async def in_progress_of(self, user_id: int) -> list[dict[str, Any]]:
        """Selections the user prepares that are still drafts (returned ones have a review), oldest first."""
        return await Selection.select(
            Selection.id, Selection.version, Selection.reviewed_at, Selection.review_comment,
            Selection.engagement.title.as_alias("engagement_title"),
        ).where(
            Selection.status == SelectionStatus.draft, Selection.prepared_by == user_id
        ).order_by(Selection.id)  # fmt: skip
