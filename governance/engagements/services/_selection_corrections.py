"""Corrections of approved selections: a new draft version that copies the approved one (訂正版)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from governance.actor import Actor
from governance.calendar import today_tokyo
from governance.db import write_transaction
from governance.engagements import schemas
from governance.engagements.criteria import CATALOG_BY_ID, criteria_for, prefill
from governance.engagements.services._engagements import facts_snapshot
from governance.engagements.tables import (
    OPEN_SELECTION_STATUSES,
    CriterionEvaluation,
    Selection,
    SelectionCandidate,
    SelectionStatus,
)
from governance.errors import ConflictError


class SelectionCorrections:
    """The correction use case; the workflow service provides ``_locked``, ``_insert``, engagements, contractors."""

    engagements: Any
    contractors: Any

    async def correct(self, selection_id: int, *, actor: Actor, now: dt.datetime | None = None) -> int:
        """Start a correction of an approved selection: a new draft version copying its content.

        The approved version stays in force until the correction is approved, then becomes 訂正により失効.

        Raises:
            ConflictError: not approved, or another version is already open.
        """
        now = now or dt.datetime.now(dt.UTC)
        async with write_transaction():
            row = await self._locked(selection_id)
            if row["status"] != SelectionStatus.approved:
                raise ConflictError("訂正版は承認済みの選定記録からのみ作成できます。")
            if await Selection.exists().where(
                Selection.engagement == row["engagement"], Selection.status.is_in(OPEN_SELECTION_STATUSES)
            ):
                raise ConflictError("この委託業務には作成中または承認待ちの選定記録が既にあります。")
            _, facts = await self.engagements.facts(row["engagement"])
            new_id = await self._insert(
                row["engagement"],
                schemas.SelectionCreate(method=row["method"], legal_ground=row["legal_ground"],
                                        evaluated_on=today_tokyo(now)),
                facts_snapshot(facts), criteria_for(facts), actor, now, supersedes=selection_id,
            )  # fmt: skip
            criteria = {c["id"] for c in json.loads((await self._locked(new_id))["criteria_json"])["items"]}
            for cand in await SelectionCandidate.select().where(SelectionCandidate.selection == selection_id):
                new_cand = (
                    await SelectionCandidate.insert(
                        SelectionCandidate(selection=new_id, contractor=cand["contractor"], note=cand["note"])
                    ).returning(SelectionCandidate.id)
                )[0]["id"]
                old = {
                    e["criterion_id"]: e for e in await CriterionEvaluation.select().where(
                        CriterionEvaluation.candidate == cand["id"]
                    )
                }  # fmt: skip
                certs = (await self.contractors.certificate_facts([cand["contractor"]]))[cand["contractor"]]
                rows = []
                for cid in sorted(criteria):
                    if cid in old:  # carried over as answered
                        e = old[cid]
                        rows.append(
                            CriterionEvaluation(
                                candidate=new_cand, criterion_id=cid, answer=e["answer"], note=e["note"],
                                evidence=e["evidence"],
                            )
                        )  # fmt: skip
                        continue
                    # a criterion the facts call for now but did not then: pre-filled like a new candidate
                    suggestion = prefill(CATALOG_BY_ID[cid], certs, today_tokyo(now)) if cid in CATALOG_BY_ID else None
                    rows.append(
                        CriterionEvaluation(
                            candidate=new_cand, criterion_id=cid, answer=suggestion.answer if suggestion else None,
                            note=suggestion.note if suggestion else "",
                        )
                    )  # fmt: skip
                await CriterionEvaluation.insert(*rows)
            await Selection.update(
                {Selection.selected_contractor: row["selected_contractor"], Selection.rationale: row["rationale"]}
            ).where(Selection.id == new_id)
        return new_id
