"""改訂の影響: what a new clause library changes against the one in force, clause by clause (pure).

``diff_libraries`` compares two loaded libraries by id and says, for each clause (and 仕様書 section and 様式) that
was added, removed or changed, which of its parts changed: 見出し, 本文, 号, 条件, 要件, 確認事項 …. It reads only
the libraries; which contracts the change reaches is the impact service's question (``contracts.impact``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from governance.contracts.forms import Form
from governance.contracts.library import Clause, ClauseLibrary

ADDED, REMOVED, CHANGED = "added", "removed", "changed"
KIND_LABELS = {ADDED: "追加", REMOVED: "削除", CHANGED: "変更"}
PART_LABELS = {"clauses": "条項", "specification": "仕様書", "forms": "様式"}


def _part_conditions(clause: Clause) -> tuple[Any, ...]:
    return tuple(p.condition for p in clause.parts)


CLAUSE_ASPECTS: tuple[tuple[str, Callable[[Clause], Any]], ...] = (
    ("章・並び順", lambda c: (c.section, c.order)),
    ("見出し", lambda c: c.title),
    ("本文", lambda c: tuple(p.text for p in c.parts)),
    ("号", lambda c: tuple(p.items for p in c.parts)),
    ("条件", lambda c: (c.condition, _part_conditions(c))),
    ("要件", lambda c: c.requirements),
    ("確認事項", lambda c: c.checks),
    ("提出書類", lambda c: c.evidence),
)
"""What a clause consists of, in the order a reader checks it; each entry names a part and reads it."""

FORM_ASPECTS: tuple[tuple[str, Callable[[Form], Any]], ...] = (
    ("番号・表題", lambda f: (f.number, f.title)),
    ("条件", lambda f: f.condition),
    ("要件", lambda f: f.requirements),
    ("関係する条項・確認事項", lambda f: (f.clauses, f.checks)),
    ("記載事項", lambda f: (f.intro, f.fields, f.tables, f.checklist, f.notes, f.signature, f.addressee)),
    ("提出者", lambda f: (f.submitted_by, f.bid)),
)


@dataclass(frozen=True)
class Change:
    """One clause, 仕様書 section or 様式 that the new library adds, removes or changes."""

    part: str  # clauses, specification, forms
    id: str
    title: str
    kind: str  # added, removed, changed
    aspects: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    """Details a reader needs beyond the aspect's name: the condition before and after, check items in and out."""

    @property
    def kind_label(self) -> str:
        """追加 / 削除 / 変更."""
        return KIND_LABELS[self.kind]

    @property
    def part_label(self) -> str:
        """条項 / 仕様書 / 様式."""
        return PART_LABELS[self.part]


@dataclass(frozen=True)
class LibraryDiff:
    """Every difference between the library in force (``old``) and a new one (``new``)."""

    old_version: str
    new_version: str
    changes: tuple[Change, ...]

    def of(self, part: str) -> list[Change]:
        """The changes of one part (clauses, specification, forms)."""
        return [c for c in self.changes if c.part == part]

    def counts(self) -> dict[str, int]:
        """How many clauses (only the contract's clauses) were added, removed and changed."""
        out = dict.fromkeys(KIND_LABELS, 0)
        for change in self.of("clauses"):
            out[change.kind] += 1
        return out


def _clause_notes(old: Clause, new: Clause) -> tuple[str, ...]:
    notes = []
    if old.condition != new.condition:
        notes.append(f"条件：{old.condition.describe()} → {new.condition.describe()}")
    old_checks, new_checks = {k.id: k for k in old.checks}, {k.id: k for k in new.checks}
    notes += [f"確認事項の追加：{k.id}（{k.what}）" for i, k in new_checks.items() if i not in old_checks]
    notes += [f"確認事項の削除：{k.id}（{k.what}）" for i, k in old_checks.items() if i not in new_checks]
    notes += [f"確認事項の変更：{i}" for i, k in new_checks.items() if i in old_checks and old_checks[i] != k]
    if old.requirements != new.requirements:
        notes.append(f"要件：{'・'.join(old.requirements)} → {'・'.join(new.requirements)}")
    return tuple(notes)


def _compare(
    part: str,
    old: Sequence[Any],
    new: Sequence[Any],
    aspects: tuple[tuple[str, Callable[[Any], Any]], ...],
    notes: Callable[[Any, Any], tuple[str, ...]] = lambda _o, _n: (),
) -> list[Change]:
    """The changes between two lists of items with ids, in the new list's order (removed ones last)."""
    before = {x.id: x for x in old}
    after_ids = {x.id for x in new}
    out = []
    for item in new:
        previous = before.get(item.id)
        if previous is None:
            out.append(Change(part, item.id, item.title, ADDED))
            continue
        changed = tuple(label for label, read in aspects if read(previous) != read(item))
        if changed:
            out.append(Change(part, item.id, item.title, CHANGED, changed, notes(previous, item)))
    out += [Change(part, x.id, x.title, REMOVED) for x in old if x.id not in after_ids]
    return out


def diff_libraries(old: ClauseLibrary, new: ClauseLibrary) -> LibraryDiff:
    """The clauses, 仕様書 sections and 様式 the new library adds, removes or changes, with what changed in each.

    Clauses are matched by id: a clause whose id changed reads as one removed and one added.
    """
    changes = [
        *_compare("clauses", old.clauses, new.clauses, CLAUSE_ASPECTS, _clause_notes),
        *_compare("specification", old.specification, new.specification, CLAUSE_ASPECTS, _clause_notes),
        *_compare("forms", old.forms, new.forms, FORM_ASPECTS),
    ]
    return LibraryDiff(old.version, new.version, tuple(changes))
