"""様式 (forms) and 仕様書 sections of the clause library: their model and validation (pure: no database, no web).

Forms live in ``contract_templates/forms/*.yaml``, one per file, next to the clauses that ask for them; the 仕様書
security section lives in ``contract_templates/specification/*.yaml`` in the clause format plus ``evidence`` (what a
bidder submits to prove it, tied to the selection criteria OUT-SEL-xx). Both are read by
``governance.contracts.library.load_library`` and validated with the clauses, so that ``governance templates check``
reports every problem in one run. The format is described in contract_templates/README.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from governance.contracts.conditions import ALWAYS, Condition

FORM_KEYS = frozenset(
    {"id", "number", "title", "requirements", "clauses", "checks", "condition", "submitted_by", "bid", "addressee",
     "intro", "fields", "tables", "checklist", "notes", "signature"}
)  # fmt: skip
REQUIRED_FORM_KEYS = frozenset({"id", "number", "title", "requirements", "submitted_by"})
SUBMITTERS = {"contractor": "受注者", "municipality": "委託者"}
FIELD_KEYS = frozenset({"label", "value"})
TABLE_KEYS = frozenset({"title", "columns", "rows", "condition"})
EVIDENCE_KEYS = frozenset({"what", "criteria", "condition"})
MAX_TABLE_ROWS = 30


@dataclass(frozen=True)
class FormField:
    """A labelled line of a form: its value is clause-style template text, or empty (a blank the submitter fills)."""

    label: str
    value: str = ""


@dataclass(frozen=True)
class FormTable:
    """A table of blank rows the submitter fills (従事者名簿, 持出しの記録 …)."""

    title: str
    columns: tuple[str, ...]
    rows: int
    condition: Condition = ALWAYS


@dataclass(frozen=True)
class Form:
    """One 様式 of the library, tied to the clauses and check items that ask for it.

    ``bid`` forms are handed to bidders in the 調達用一式 (OUT-SEL-08); ``checks`` name the check items whose check
    page offers the form pre-filled, and ``checklist`` prints the check's items with a column for each answer.
    """

    id: str
    number: str
    title: str
    requirements: tuple[str, ...]
    clauses: tuple[str, ...]
    checks: tuple[str, ...]
    condition: Condition
    submitted_by: str
    bid: bool
    addressee: bool
    intro: str
    fields: tuple[FormField, ...]
    tables: tuple[FormTable, ...]
    checklist: bool
    notes: tuple[str, ...]
    signature: bool
    source: str

    def texts(self) -> list[str]:
        """Every template text of the form (checked against the sample context when the library loads)."""
        return [self.title, self.intro, *(f.label for f in self.fields), *(f.value for f in self.fields),
                *self.notes, *(t.title for t in self.tables)]  # fmt: skip


@dataclass(frozen=True)
class Evidence:
    """What a bidder submits to prove a requirement of the 仕様書, and the selection criteria it answers."""

    what: str
    criteria: tuple[str, ...]
    condition: Condition = ALWAYS


def form_problems(raw: dict[str, Any]) -> list[str]:
    """Shape problems of one form file (keys and types); the loader adds ids, references and templates."""
    out = []
    unknown = set(raw) - FORM_KEYS
    if unknown:
        out.append(f"未知の項目：{', '.join(sorted(unknown))}")
    missing = REQUIRED_FORM_KEYS - set(raw)
    if missing:
        out.append(f"必要な項目がありません：{', '.join(sorted(missing))}")
    if raw.get("submitted_by") not in SUBMITTERS and "submitted_by" in raw:
        out.append(f"submitted_by は {', '.join(SUBMITTERS)} のいずれかにしてください")
    for key in ("bid", "addressee", "checklist", "signature"):
        if key in raw and not isinstance(raw[key], bool):
            out.append(f"{key} は true か false にしてください")
    for key in ("clauses", "checks", "notes"):
        if key in raw and not (isinstance(raw[key], list) and all(isinstance(x, str) for x in raw[key])):
            out.append(f"{key} は文字列の一覧にしてください")
    if "intro" in raw and not isinstance(raw["intro"], str):
        out.append("intro は文字列にしてください")
    fields = raw.get("fields", [])
    if not isinstance(fields, list) or not all(
        isinstance(f, dict)
        and set(f) <= FIELD_KEYS
        and isinstance(f.get("label"), str)
        and isinstance(f.get("value", ""), str)
        for f in fields
    ):
        out.append("fields の各要素は label（と value）を持つ項目にしてください")
    tables = raw.get("tables", [])
    if not isinstance(tables, list) or not all(
        isinstance(t, dict)
        and set(t) <= TABLE_KEYS
        and isinstance(t.get("title"), str)
        and isinstance(t.get("columns"), list)
        and t["columns"]
        and all(isinstance(c, str) for c in t["columns"])
        and isinstance(t.get("rows"), int)
        and not isinstance(t.get("rows"), bool)
        and 1 <= t["rows"] <= MAX_TABLE_ROWS
        for t in tables
    ):
        out.append(
            f"tables の各要素は title・columns（列名の一覧）・rows（1〜{MAX_TABLE_ROWS}の行数）を持つ項目にしてください"
        )
    return out


def evidence_problems(raw: Any) -> list[str]:
    """Shape problems of a 仕様書 section's ``evidence`` list."""
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(
        isinstance(e, dict)
        and set(e) <= EVIDENCE_KEYS
        and isinstance(e.get("what"), str)
        and e["what"].strip()
        and isinstance(e.get("criteria", []), list)
        and all(isinstance(c, str) for c in e.get("criteria", []))
        for e in raw
    ):
        return [
            "evidence の各要素は what（提出書類）と criteria"
            "（選定基準の要件ID OUT-SEL-xx の一覧）を持つ項目にしてください"
        ]
    return []
