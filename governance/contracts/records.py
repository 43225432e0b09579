"""A contract's clauses as printed and stored: numbered lines, reasons, checks (pure: no database, no web).

A contract version stores its clauses this way (``records_of``), and so does a bid package's 特記事項, so that any two
can be compared as a 新旧対照表 without the library they were drafted with.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from governance.contracts.clauses import SelectedClause, select_clauses
from governance.contracts.documents import article_lines, article_number
from governance.contracts.library import WHEN, ClauseLibrary
from governance.engagements.facts import EngagementFacts


def printed_clauses(
    library: ClauseLibrary, selected: Sequence[SelectedClause], context: dict[str, Any]
) -> list[dict[str, Any]]:
    """Each clause's printed lines (numbered per section as in the document), reasons, requirements and checks."""
    counters: dict[str, int] = {}
    out = []
    for s in selected:
        n = counters[s.clause.section] = counters.get(s.clause.section, 0) + 1
        number = article_number(library.section_index(s.clause.section), n)
        out.append(
            {
                "id": s.clause.id, "section": s.clause.section, "lines": article_lines(s, number, context),
                "reasons": list(s.reasons), "requirements": list(s.requirement_labels),
                "checks": [f"{c.what}（{WHEN[c.when]}）" for c in s.checks],
            }
        )  # fmt: skip
    return out


def records_of(
    library: ClauseLibrary,
    selected: Sequence[SelectedClause],
    context: dict[str, Any],
    printed: Sequence[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Any clauses as stored records, printed with any context (a contract version's and a bid package's 特記事項).

    ``printed`` is what ``printed_clauses`` gave for the same clauses and context, when the caller has it already.
    """
    printed = printed_clauses(library, selected, context) if printed is None else printed
    return [
        {"id": s.clause.id, "title": s.clause.title, "section": s.clause.section,
         "requirements": list(s.clause.requirements), "reasons": list(s.reasons),
         "checks": [{"id": c.id, "what": c.what, "when": c.when, "requirements": list(c.requirements)}
                    for c in s.checks],
         "number": r["lines"][1].lead if len(r["lines"]) > 1 else "", "lines": [line.full for line in r["lines"]]}
        for s, r in zip(selected, printed, strict=True)
    ]  # fmt: skip


def rendered_records(library: ClauseLibrary, facts: EngagementFacts, context: dict[str, Any]) -> list[dict[str, Any]]:
    """The clause records ``library`` gives for these facts, printed with this context (as a version stores them).

    Raises:
        Exception: whatever the clause text raises when the context lacks what it needs (callers report it).
    """
    return records_of(library, select_clauses(facts, library), context)
