"""Choose the clauses an engagement's contract needs, each with the reasons it applies (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from governance.contracts.library import Clause, ClauseLibrary
from governance.engagements.facts import EngagementFacts
from governance.requirements import REQUIREMENTS


@dataclass(frozen=True)
class SelectedClause:
    """A clause chosen for a contract, with the facts and requirement ids that put it there."""

    clause: Clause
    reasons: tuple[str, ...]

    @property
    def requirement_labels(self) -> tuple[str, ...]:
        """The requirement ids with their catalog labels: OUT-CON-07 守秘義務."""
        return tuple(f"{r} {REQUIREMENTS.get(r, '')}".strip() for r in self.clause.requirements)


def select_clauses(facts: EngagementFacts, library: ClauseLibrary) -> list[SelectedClause]:
    """Return the clauses whose conditions hold, in document order (section, then order, then id)."""
    chosen = [
        SelectedClause(clause, tuple(dict.fromkeys(clause.condition.reasons(facts))))
        for clause in library.clauses
        if clause.condition.holds(facts)
    ]
    return sorted(chosen, key=lambda s: (library.section_index(s.clause.section), s.clause.order, s.clause.id))
