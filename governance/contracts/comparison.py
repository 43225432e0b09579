"""新旧対照表: compare two printed texts of a contract, clause by clause, with the changed passages marked (pure).

Input is what a contract version stores per clause (``clauses_json`` items: id, title, section, number and the
printed ``lines``), or the same shape built from a preview or a bid package. Clauses are matched by id, so an article
that only moved (第５ → 第６ because one was inserted before it) is reported as renumbered, not as rewritten.

The rows follow the standard Japanese amendment table: 改正後 on the left, 改正前 on the right; an added article shows
（新設） in the 改正前 column and a removed one （削る） in the 改正後 column; changed passages are marked (傍線).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

ADDED, REMOVED, CHANGED, RENUMBERED = "added", "removed", "changed", "renumbered"
CHANGE_LABELS = {ADDED: "新設", REMOVED: "削除", CHANGED: "改正", RENUMBERED: "条番号の変更"}


@dataclass(frozen=True)
class Segment:
    """A run of text in a line; ``changed`` passages are printed with a 傍線 (underline)."""

    text: str
    changed: bool = False


Line = tuple[Segment, ...]


@dataclass(frozen=True)
class Row:
    """One article of the 新旧対照表: its text after (``new``) and before (``old``) the change."""

    clause_id: str
    section: str
    title: str
    change: str
    new: tuple[Line, ...]
    old: tuple[Line, ...]

    @property
    def change_label(self) -> str:
        """新設 / 削除 / 改正 / 条番号の変更."""
        return CHANGE_LABELS[self.change]

    @property
    def new_text(self) -> str:
        """The 改正後 text, plain (for searching and tests)."""
        return "\n".join("".join(s.text for s in line) for line in self.new)

    @property
    def old_text(self) -> str:
        """The 改正前 text, plain."""
        return "\n".join("".join(s.text for s in line) for line in self.old)


@dataclass(frozen=True)
class Comparison:
    """Every changed article of two texts, in the order of the newer text (removed ones where they stood)."""

    rows: tuple[Row, ...]
    comparable: bool = True
    """False when one side was stored without its printed lines (drafted before 2026.3): only ids are compared."""

    @property
    def changed(self) -> bool:
        """Whether anything differs."""
        return bool(self.rows)

    def counts(self) -> dict[str, int]:
        """How many articles were added, removed, changed and renumbered."""
        out = dict.fromkeys(CHANGE_LABELS, 0)
        for row in self.rows:
            out[row.change] += 1
        return out


NEW_ARTICLE, REMOVED_ARTICLE = "（新設）", "（削る）"
_BRIDGE = 2


def _merge(segments: Iterable[Segment]) -> Line:
    out: list[Segment] = []
    for s in segments:
        if not s.text:
            continue
        if out and out[-1].changed == s.changed:
            out[-1] = Segment(out[-1].text + s.text, s.changed)
        else:
            out.append(s)
    return tuple(out)


def mark(old: str, new: str) -> tuple[Line, Line]:
    """Mark the passages of two versions of one line that differ (character level, as a 傍線 would)."""
    ops = SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    before: list[Segment] = []
    after: list[Segment] = []
    for n, (tag, i1, i2, j1, j2) in enumerate(ops):
        # A character or two left equal between two changes (厳[守]す) reads as one changed phrase, as a 傍線 marks it.
        bridged = tag == "equal" and i2 - i1 <= _BRIDGE and 0 < n < len(ops) - 1
        before.append(Segment(old[i1:i2], tag != "equal" or bridged))
        after.append(Segment(new[j1:j2], tag != "equal" or bridged))
    return _merge(before), _merge(after)


def _whole(lines: Sequence[str], changed: bool) -> tuple[Line, ...]:
    return tuple((Segment(text, changed),) for text in lines)


def compare_lines(old: Sequence[str], new: Sequence[str]) -> tuple[tuple[Line, ...], tuple[Line, ...]]:
    """Align two articles line by line and mark what changed inside the lines that differ."""
    matcher = SequenceMatcher(None, list(old), list(new), autojunk=False)
    before: list[Line] = []
    after: list[Line] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            before.extend(_whole(old[i1:i2], False))
            after.extend(_whole(new[j1:j2], False))
            continue
        pairs = min(i2 - i1, j2 - j1)
        for k in range(pairs):
            b, a = mark(old[i1 + k], new[j1 + k])
            before.append(b)
            after.append(a)
        before.extend(_whole(old[i1 + pairs : i2], True))
        after.extend(_whole(new[j1 + pairs : j2], True))
    return tuple(before), tuple(after)


def _body(lines: Sequence[str], number: str) -> list[str]:
    """The article's lines without its number (so a move alone is not a rewrite)."""
    out = list(lines)
    if number and len(out) > 1 and out[1].startswith(number):
        out[1] = out[1][len(number) :]
    return out


def _elided(record: dict[str, Any], *, changed_number: bool) -> tuple[Line, ...]:
    """A renumbered article as amendment tables print it: its heading and 「第６　（略）」."""
    heading = record["lines"][0] if record.get("lines") else f"（{record['title']}）"
    return ((Segment(heading),), _merge([Segment(record.get("number", ""), changed_number), Segment("　（略）")]))


def compare(old: Sequence[dict[str, Any]], new: Sequence[dict[str, Any]]) -> Comparison:
    """The 新旧対照表 of two texts given as clause records (id, title, section, number, lines).

    Records without ``lines`` (versions drafted before the lines were stored) are compared by id only: added and
    removed articles are listed, wording is not, and ``comparable`` is False. An article with lines on both sides
    (the 頭書, which every version's context gives) is still compared word by word.
    """
    before = {r["id"]: r for r in old}
    after_ids = {r["id"] for r in new}
    comparable = all("lines" in r for r in [*old, *new])
    rows: list[Row] = []
    removed_after: dict[str | None, list[dict[str, Any]]] = {}
    previous: str | None = None
    for r in old:  # a removed article is listed after the article that preceded it in the older text
        if r["id"] not in after_ids:
            removed_after.setdefault(previous, []).append(r)
        else:
            previous = r["id"]

    def removed_rows(anchor: str | None) -> None:
        for r in removed_after.get(anchor, []):
            rows.append(
                Row(r["id"], r["section"], r["title"], REMOVED, ((Segment(REMOVED_ARTICLE),),),
                    _whole(r.get("lines") or [f"（{r['title']}）"], True))
            )  # fmt: skip

    removed_rows(None)
    for r in new:
        o = before.get(r["id"])
        if o is None:
            rows.append(
                Row(r["id"], r["section"], r["title"], ADDED, _whole(r.get("lines") or [f"（{r['title']}）"], True),
                    ((Segment(NEW_ARTICLE),),))
            )  # fmt: skip
        elif "lines" in o and "lines" in r:
            old_body, new_body = _body(o["lines"], o.get("number", "")), _body(r["lines"], r.get("number", ""))
            renumbered = o.get("number", "") != r.get("number", "")
            if old_body != new_body:
                b, a = compare_lines(o["lines"], r["lines"])
                rows.append(Row(r["id"], r["section"], r["title"], CHANGED, a, b))
            elif renumbered:
                rows.append(
                    Row(r["id"], r["section"], r["title"], RENUMBERED, _elided(r, changed_number=True),
                        _elided(o, changed_number=True))
                )  # fmt: skip
        removed_rows(r["id"])
    return Comparison(tuple(rows), comparable)


def held_clauses(records: Sequence[dict[str, Any]], required: Sequence[dict[str, Any]]) -> dict[str, list[str]]:
    """What a contract lacks against what a library now requires: ids ``missing`` and ids held in ``old_wording``.

    ``records`` are the contract's stored clauses; ``required`` the clauses the library selects for the same facts,
    printed with the same context. Wording is compared without article numbers; records without lines are compared
    by id only (``unknown_wording`` lists them).
    """
    held = {r["id"]: r for r in records}
    missing, old_wording, unknown = [], [], []
    for r in required:
        h = held.get(r["id"])
        if h is None:
            missing.append(r["id"])
        elif "lines" not in h:
            unknown.append(r["id"])
        elif _body(h["lines"], h.get("number", "")) != _body(r["lines"], r.get("number", "")):
            old_wording.append(r["id"])
    return {"missing": missing, "old_wording": old_wording, "unknown_wording": unknown}
