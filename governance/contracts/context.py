"""What a contract draft is made from: the municipality, the placeholders of a clause, and the preview.

``build_context`` turns an engagement, its contractor and the municipality into the placeholders clause text may use
(contract_templates/README.md); ``Preview`` is what a draft made now would contain, as the contract page shows it.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from governance.audit.chain import canonical_json
from governance.contracts.clauses import SelectedClause, select_clauses
from governance.contracts.documents import front_matter
from governance.contracts.library import ClauseLibrary
from governance.contracts.records import printed_clauses, records_of, rendered_records
from governance.engagements.facts import WORK_LOCATION_LABELS, EngagementFacts
from governance.engagements.services import facts_of, facts_of_engagement, facts_snapshot
from governance.municipality.profile import Municipality, from_settings

__all__ = ["Municipality", "Preview", "build_context", "clause_records", "municipality_from"]


@dataclass(frozen=True)
class Preview:
    """What a draft made now would contain: the clauses with their reasons and rendered text."""

    library: ClauseLibrary
    selected: list[SelectedClause]
    context: dict[str, Any]
    contractor_id: int
    contractor_name: str

    @cached_property
    def printed(self) -> list[dict[str, Any]]:
        """Each clause's printed lines, worked out once: the page, the document and the records share them.

        Read-only: the same list serves every caller, and every preview of the same clauses and context
        (``printed_once``).
        """
        return printed_once(self.library, self.selected, self.context)

    def rendered(self) -> list[dict[str, Any]]:
        """Each clause's printed lines (numbered as in the document), reasons and requirements, for the preview."""
        return self.printed

    def front(self) -> list[tuple[str, str]]:
        """The 頭書 as the document prints it."""
        return front_matter(self.context)


_MEMO_SIZE = 64
_MEMO_LOCK = threading.Lock()
_CHOSEN: OrderedDict[tuple[int, EngagementFacts], tuple[ClauseLibrary, list[SelectedClause]]] = OrderedDict()
_PRINTED: OrderedDict[tuple[int, str], tuple[list[SelectedClause], list[dict[str, Any]]]] = OrderedDict()


def _remember(memo: OrderedDict[Any, Any], key: Any, value: Any) -> None:
    with _MEMO_LOCK:
        memo[key] = value
        memo.move_to_end(key)
        while len(memo) > _MEMO_SIZE:
            memo.popitem(last=False)


def chosen_clauses(library: ClauseLibrary, facts: EngagementFacts) -> list[SelectedClause]:
    """``select_clauses(facts, library)``, worked out once per library and facts (the page, then the draft).

    Both are immutable (a library is replaced, never changed, when its files change), so the same facts always
    select the same clauses from the same library. Read-only: the same list is handed to every caller.
    """
    key = (id(library), facts)
    with _MEMO_LOCK:
        known = _CHOSEN.get(key)
    if known is not None and known[0] is library:  # the library is held, so its id is not reused meanwhile
        return known[1]
    selected = select_clauses(facts, library)
    _remember(_CHOSEN, key, (library, selected))
    return selected


def printed_once(
    library: ClauseLibrary, selected: list[SelectedClause], context: dict[str, Any]
) -> list[dict[str, Any]]:
    """``printed_clauses``, worked out once per selection (``chosen_clauses``) and context."""
    key = (id(selected), canonical_json(context))
    with _MEMO_LOCK:
        known = _PRINTED.get(key)
    if known is not None and known[0] is selected:
        return known[1]
    printed = printed_clauses(library, selected, context)
    if any(kept is selected for _, kept in _CHOSEN.values()):  # only selections that stay
        _remember(_PRINTED, key, (selected, printed))
    return printed


def clause_records(preview: Preview) -> list[dict[str, Any]]:
    """The clauses of a version as stored with it: what each is, why it is there, its checks and its printed lines.

    The lines (``number`` and ``lines``, each line as printed) let any two versions be compared as a 新旧対照表
    without the library they were drafted with.
    """
    return records_of(preview.library, preview.selected, preview.context, preview.printed)


DATE_FIELDS = (("term", "start"), ("term", "end"))
"""The dates of a context; ``context_json`` keeps them as ISO text."""


def stored_context(text: str) -> dict[str, Any]:
    """A version's ``context_json`` as ``build_context`` made it: the term's dates restored from their ISO form."""
    context = json.loads(text or "{}")
    for group, key in DATE_FIELDS:
        value = (context.get(group) or {}).get(key)
        if isinstance(value, str):
            context[group][key] = dt.date.fromisoformat(value)
    return context


def stored_facts(text: str) -> EngagementFacts:
    """A version's ``facts_json`` as the facts its clauses were chosen for.

    Raises:
        KeyError: the version was drafted before a fact it lacks was recorded.
    """
    return facts_of(json.loads(text or "{}"))


def version_records(row: dict[str, Any], library: ClauseLibrary | None) -> list[dict[str, Any]]:
    """A version's clause records, with their printed lines wherever they can be known.

    A version drafted before the lines were stored gets them printed from ``library`` when it was drafted from
    exactly that library (same hash), with the facts and context it stored; otherwise its records stay without lines
    and are compared by id only.
    """
    records = json.loads(row["clauses_json"] or '{"items": []}')["items"]
    if all("lines" in r for r in records) or library is None or row["library_hash"] != library.content_hash:
        return records
    try:
        rendered = rendered_records(library, stored_facts(row["facts_json"]), stored_context(row["context_json"]))
    except Exception:  # an old record the library cannot print from stays comparable by id, as without a library
        return records
    return rendered if [r["id"] for r in rendered] == [r["id"] for r in records] else records


def municipality_from(settings: Any, *, fallback: bool = False) -> Municipality:
    """The environment's initial values (GOVERNANCE_MUNICIPALITY_*); ``fallback`` fills the demo city's names.

    Services resolve these against the stored 団体の設定 when they build a document (``current_municipality``).
    """
    return from_settings(settings, fallback=fallback)


def build_context(engagement: Any, contractor: Any, municipality: Municipality) -> dict[str, Any]:
    """The placeholders a clause may use (see contract_templates/README.md)."""
    facts = facts_of_engagement(engagement)
    return {
        "municipality": {"name": municipality.name or "（委託者）", "head": municipality.head or "（委託者の代表者）",
                         "address": municipality.address},
        "contractor": {"name": contractor.name, "address": contractor.address,
                       "representative": contractor.representative},
        "engagement": {"title": engagement.title, "purpose": engagement.purpose, "scope": engagement.scope,
                       "department": engagement.department_name},
        "term": {"start": engagement.start_date, "end": engagement.end_date, "renewal": engagement.renewal,
                 "renewal_months": engagement.renewal_months, "notice_days": engagement.notice_days},
        "contract_value": engagement.contract_value,
        "work_locations": [WORK_LOCATION_LABELS.get(x, x) for x in sorted(engagement.work_locations)],
        "subcontractors": list(engagement.subcontractors),
        "facts": {**facts_snapshot(facts), "tier": engagement.tier, "flags": sorted(facts.flags)},
        "front": {"work_place": engagement.work_place, "tax_amount": engagement.tax_amount, "bond": engagement.bond,
                  "bond_amount": engagement.bond_amount, "bond_note": engagement.bond_note,
                  "payment": engagement.payment_terms, "payment_note": engagement.payment_note,
                  "supervisor": _supervisor(engagement), "renewal_basis": engagement.renewal_basis},
    }  # fmt: skip


def _supervisor(engagement: Any) -> str:
    """The 監督職員 as the front matter names them: department and name."""
    return f"{engagement.department_name}　{engagement.supervisor_name}" if engagement.supervisor_name else ""
