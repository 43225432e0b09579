"""Choose the clauses an engagement's contract needs, each with the reasons it applies (pure).

A chosen clause keeps only the parts, items and check items whose own conditions hold for the facts, so that the
document, the preview and the check plan all read the same resolved text.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from governance.contracts.library import CheckItem, Clause, ClauseLibrary, Item, Paragraph
from governance.engagements.facts import EngagementFacts
from governance.requirements import REQUIREMENTS


@dataclass(frozen=True)
class SelectedClause:
    """A clause chosen for a contract, with the facts and requirement ids that put it there."""

    clause: Clause
    reasons: tuple[str, ...]
    parts: tuple[Paragraph, ...] = ()
    checks: tuple[CheckItem, ...] = ()

    @property
    def requirement_labels(self) -> tuple[str, ...]:
        """The requirement ids with their catalog labels: OUT-CON-07 守秘義務."""
        return tuple(f"{r} {REQUIREMENTS.get(r, '')}".strip() for r in self.clause.requirements)


def _items(items: tuple[Item, ...], facts: EngagementFacts) -> tuple[Item, ...]:
    return tuple(replace(i, items=_items(i.items, facts)) for i in items if i.condition.holds(facts))


def resolve(clause: Clause, facts: EngagementFacts) -> SelectedClause:
    """The clause as it applies to these facts: its reasons, the parts and items kept, the checks it creates."""
    return SelectedClause(
        clause,
        tuple(dict.fromkeys(clause.condition.reasons(facts))),
        tuple(replace(p, items=_items(p.items, facts)) for p in clause.parts if p.condition.holds(facts)),
        tuple(c for c in clause.checks if c.condition.holds(facts)),
    )


def select_clauses(facts: EngagementFacts, library: ClauseLibrary) -> list[SelectedClause]:
    """Return the clauses whose conditions hold, in document order (section, then order, then id)."""
    chosen = [resolve(clause, facts) for clause in library.clauses if clause.condition.holds(facts)]
    return sorted(chosen, key=lambda s: (library.section_index(s.clause.section), s.clause.order, s.clause.id))
