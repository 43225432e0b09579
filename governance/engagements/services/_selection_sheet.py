"""The selection page's one form: every answer, note, evidence file and the decision saved at once, then submitted."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from governance.actor import Actor
from governance.db import write_transaction
from governance.engagements import schemas
from governance.engagements.services._selections import SelectionService
from governance.errors import ValidationError

ALL_CONFORM = "conforms"
"""The answer 「すべて適合」 puts in every criterion left unanswered."""


@dataclass
class SelectionSheet:
    """What the page's one form holds: answers × notes of the matrix, the decision, and the files to store first."""

    items: list[schemas.EvaluationIn] = field(default_factory=list)
    decision: schemas.Decision | None = None
    evidence: dict[tuple[int, str], int] = field(default_factory=dict)

    def fill_unanswered(self) -> int:
        """Answer 適合 wherever the form left a criterion unanswered; return how many were filled."""
        filled = 0
        for i, item in enumerate(self.items):
            if item.answer is None:
                self.items[i] = schemas.EvaluationIn(
                    candidate_id=item.candidate_id, criterion_id=item.criterion_id, answer=ALL_CONFORM, note=item.note
                )
                filled += 1
        return filled


class SelectionSheetService:
    """Save the whole selection form in one transaction, and submit only what was saved."""

    def __init__(self, selections: SelectionService | None = None) -> None:
        self.selections = selections or SelectionService()

    async def save(
        self, selection_id: int, sheet: SelectionSheet, *, actor: Actor, now: dt.datetime | None = None
    ) -> None:
        """Save the answers, notes, evidence and decision together: all of it or, on any error, nothing.

        The decision is recorded only when it changed, so saving the answers adds no empty "decided" entry.

        Raises:
            ConflictError: the selection is not a draft.
            ValidationError: an unknown candidate, criterion or answer, or a decision outside the candidates.
        """
        now = now or dt.datetime.now(dt.UTC)
        async with write_transaction():  # the services' own transactions join this one
            await self.selections.save_evaluations(
                selection_id, sheet.items, actor=actor, evidence=sheet.evidence, now=now
            )
            if sheet.decision is not None:
                current = await self.selections.get(selection_id)
                if (current.selected_contractor_id, current.rationale.strip()) != (
                    sheet.decision.contractor_id,
                    sheet.decision.rationale.strip(),
                ):
                    await self.selections.decide(selection_id, sheet.decision, actor=actor, now=now)

    async def submit(self, selection_id: int, *, actor: Actor, now: dt.datetime | None = None) -> None:
        """Submit the saved selection; what is missing is named cell by cell.

        Raises:
            ConflictError: the selection is not a draft.
            ValidationError: what is still missing, with each unanswered cell under its own field name
                (``answer-<candidate>-<criterion>``) besides the service's summary.
        """
        try:
            await self.selections.submit(selection_id, actor=actor, now=now)
        except ValidationError as exc:
            errors = dict(exc.field_errors)
            selection = await self.selections.get(selection_id)
            labels = {c.id: c.label for c in selection.criteria}
            for cand in selection.candidates:
                for e in cand.evaluations:
                    if e.answer is None:
                        errors[f"answer-{cand.id}-{e.criterion_id}"] = (
                            f"{cand.contractor_name}の「{e.criterion_id} {labels.get(e.criterion_id, '')}」"
                            "を評価してください。"
                        )
            raise ValidationError(errors, message=exc.message) from exc
