"""What a change of the engagement's facts does to the contract, and why a change does nothing (pure).

A contract officer who changes a fact (the place of work, the classification, 再委託 …) must see the draft change
with it, or be told why it does not. ``explain_change`` compares the clause sets chosen for two sets of facts and,
when they are the same, says which clause conditions read the changed fact and why none of them flips, or that the
fact is one of the few that shape only the wording or the 重要度 (``NOT_CLAUSE_FACTS``, documented for the legal
officer in docs/contract-officer-guide.md).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from governance.contracts.clauses import SelectedClause, select_clauses
from governance.contracts.conditions import FACT_LABELS, Condition
from governance.contracts.library import Clause, ClauseLibrary
from governance.engagements.facts import FLAG_FACTS, EngagementFacts
from governance.engagements.tier import criticality

DERIVED_SOURCES: dict[str, frozenset[str]] = {
    "contract_type": frozenset({"contract_type_choice", "work_kinds"}),
    "tier": frozenset(f.name for f in fields(EngagementFacts)),
}
"""Facts a condition may read that are themselves computed from other facts."""

NOT_CLAUSE_FACTS: dict[str, str] = {
    "subcontractors": (
        "再委託先の名称は、特記事項「再委託の制限」の本文（予定している再委託先）と再委託先の承認の記録に記載されます。"
        "再委託に関する条項が入るかどうかは「再委託を予定している」かどうかで決まります。"
    ),
    "scheme": (
        "分類の基準（R6／R5）は、選べる機密性の区分を決める設定です。条項は機密性の区分（3A・3B・3C・3・2・1）で"
        "決まります。"
    ),
}
"""Facts that never choose a clause by themselves, with the reason shown to the officer."""


def facts_read_by(condition: Condition) -> frozenset[str]:
    """The engagement facts a condition depends on, through flags and derived facts included."""
    out: set[str] = set()
    for name in condition.names():
        if name.startswith("flag:"):
            out |= FLAG_FACTS.get(name[5:], frozenset())
        else:
            out |= DERIVED_SOURCES.get(name, frozenset({name}))
    return frozenset(out)


def clause_level_facts(library: ClauseLibrary) -> frozenset[str]:
    """Every fact that some clause's own condition depends on."""
    return frozenset().union(*(facts_read_by(c.condition) for c in library.clauses))


def inner_facts(clause: Clause) -> frozenset[str]:
    """The facts read by the conditions of a clause's parts, items and check items."""
    return frozenset().union(*(facts_read_by(c) for _, c in clause.conditions()))


@dataclass(frozen=True)
class Change:
    """The effect of a change of facts on the contract."""

    changed: tuple[str, ...]
    added: tuple[str, ...]
    removed: tuple[str, ...]
    inner: tuple[str, ...]
    why_not: str = ""

    @property
    def clause_set_changed(self) -> bool:
        """Whether a clause came in or went out."""
        return bool(self.added or self.removed)


def _shape(selected: SelectedClause) -> tuple[object, ...]:
    return (
        tuple((p.text, tuple(i.text for i in p.items)) for p in selected.parts),
        tuple(c.id for c in selected.checks),
    )


def explain_change(library: ClauseLibrary, before: EngagementFacts, after: EngagementFacts) -> Change:
    """Compare the clauses chosen for two sets of facts; when none comes or goes, say why."""
    changed = tuple(f.name for f in fields(EngagementFacts) if getattr(before, f.name) != getattr(after, f.name))
    old = {s.clause.id: s for s in select_clauses(before, library)}
    new = {s.clause.id: s for s in select_clauses(after, library)}
    added = tuple(sorted(set(new) - set(old)))
    removed = tuple(sorted(set(old) - set(new)))
    inner = tuple(sorted(cid for cid in set(old) & set(new) if _shape(old[cid]) != _shape(new[cid])))
    if added or removed or not changed:
        return Change(changed, added, removed, inner)
    return Change(changed, added, removed, inner, _why_not(library, changed, before, after, inner))


def _why_not(
    library: ClauseLibrary, changed: tuple[str, ...], before: EngagementFacts, after: EngagementFacts,
    inner: tuple[str, ...],
) -> str:  # fmt: skip
    reasons: list[str] = []
    for name in changed:
        label = FACT_LABELS.get(name, "契約の性質" if name == "contract_type_choice" else name)
        if name in NOT_CLAUSE_FACTS:
            reasons.append(f"「{label}」：{NOT_CLAUSE_FACTS[name]}")
            continue
        readers = [c for c in library.clauses if name in facts_read_by(c.condition)]
        partly = [c.id for c in library.clauses if name in inner_facts(c) and c not in readers]
        if not readers:
            where = f"次の条項の段・号・確認事項の条件に使われます：{'、'.join(partly)}。" if partly else ""
            reasons.append(
                f"「{label}」を条件とする条項はありません。{where}本文・確認事項の内容又は重要度に影響します。"
            )
            continue
        shown = "；".join(
            f"{c.id}（{c.condition.describe()}：変更前も変更後も{'該当' if c.condition.holds(after) else '非該当'}）"
            for c in readers[:4]
        )
        more = f" ほか{len(readers) - 4}条項" if len(readers) > 4 else ""
        reasons.append(
            f"「{label}」は次の条項の条件に使われますが、ほかの事実との組合せにより、この変更では結果が変わりません：{shown}{more}"
        )
    if inner:
        reasons.append(f"条項の構成は同じですが、次の条項の段・号・確認事項が変わります：{'、'.join(inner)}")
    old, new = criticality(before), criticality(after)
    if old.tier != new.tier:
        reasons.append(f"重要度が変わります（{old.label}→{new.label}）。定期報告の頻度と確認計画に反映されます。")
    return "\n".join(reasons)


__all__ = [
    "DERIVED_SOURCES",
    "NOT_CLAUSE_FACTS",
    "Change",
    "clause_level_facts",
    "explain_change",
    "facts_read_by",
    "inner_facts",
]
