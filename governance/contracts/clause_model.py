"""The clause library's model: clauses, their parts, items and check items, the library itself, and its problems.

Plain frozen data (no database, no web, no file reading); ``governance.contracts.library`` builds it from the YAML
files and re-exports every name, so ``from governance.contracts.library import Clause`` keeps working.
"""

from __future__ import annotations

from dataclasses import dataclass

from governance.contracts.conditions import ALWAYS, Condition
from governance.contracts.forms import Evidence, Form
from governance.errors import DomainError

SPEC_SECTION = "spec"
"""The section id of 仕様書 sections (they are not part of the contract's own sections)."""
WHEN = {
    "before_start": "業務の開始前",
    "at_signing": "契約締結時",
    "monthly": "毎月",
    "quarterly": "四半期ごと",
    "yearly": "毎年度",
    "at_end": "契約終了時",
    "on_event": "事象の発生時",
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the library."""

    file: str
    clause_id: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}" + (f"（{self.clause_id}）" if self.clause_id else "")
        return f"{where}: {self.reason}"


class LibraryError(DomainError):
    """The library cannot be used; ``problems`` lists every reason."""

    status_code = 409
    title = "条項ライブラリに誤りがあります"

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(
            "条項ライブラリに誤りがあるため、契約書を作成できません。システム管理者に連絡してください。"
            f"（{problems[0]}{' ほか' if len(problems) > 1 else ''}）"
        )
        self.problems = problems


@dataclass(frozen=True)
class CheckItem:
    """A verification a clause creates (planned into checks after signing), when its condition holds."""

    id: str
    what: str
    when: str
    requirements: tuple[str, ...]
    condition: Condition = ALWAYS


@dataclass(frozen=True)
class Item:
    """A numbered sub-item of a paragraph: (1)(2) at the first level, ア イ at the second.

    It is printed only when its condition holds.
    """

    text: str
    items: tuple[Item, ...] = ()
    condition: Condition = ALWAYS


@dataclass(frozen=True)
class Paragraph:
    """A part of an article's text (one or more 項, one per line) with the items attached to it.

    A clause written with a plain ``body`` string has one part holding the whole text, its items after the last
    line; a clause written with a list of parts may attach items to any paragraph and give a part a condition.
    """

    text: str
    items: tuple[Item, ...] = ()
    condition: Condition = ALWAYS


@dataclass(frozen=True)
class Clause:
    """One clause of the library."""

    id: str
    section: str
    order: int
    title: str
    requirements: tuple[str, ...]
    condition: Condition
    parts: tuple[Paragraph, ...]
    checks: tuple[CheckItem, ...]
    source: str
    evidence: tuple[Evidence, ...] = ()

    @property
    def body(self) -> str:
        """The clause's text, all parts joined (for searching and comparison)."""
        return "\n".join(p.text for p in self.parts)

    @property
    def items(self) -> tuple[Item, ...]:
        """Every part's items, in order."""
        return tuple(i for p in self.parts for i in p.items)

    def conditions(self) -> list[tuple[str, Condition]]:
        """Every condition inside the clause (parts, items, checks), with where it sits, for the matrix."""
        out: list[tuple[str, Condition]] = []

        def walk(items: tuple[Item, ...], where: str) -> None:
            for n, item in enumerate(items, start=1):
                if item.condition is not ALWAYS:
                    out.append((f"{where}（{n}）", item.condition))
                walk(item.items, f"{where}（{n}）")

        for n, part in enumerate(self.parts, start=1):
            if part.condition is not ALWAYS:
                out.append((f"第{n}段", part.condition))
            walk(part.items, f"第{n}段の号")
        for check in self.checks:
            if check.condition is not ALWAYS:
                out.append((f"確認事項 {check.id}", check.condition))
        return out


@dataclass(frozen=True)
class Section:
    """A part of the contract: the main text or the annex."""

    id: str
    title: str


@dataclass(frozen=True)
class ClauseLibrary:
    """A validated clause library with its version and content hash."""

    version: str
    title: str
    sections: tuple[Section, ...]
    clauses: tuple[Clause, ...]
    content_hash: str
    specification: tuple[Clause, ...] = ()
    forms: tuple[Form, ...] = ()

    def section_index(self, section_id: str) -> int:
        """The position of a section in the document."""
        return next(i for i, s in enumerate(self.sections) if s.id == section_id)

    def form(self, form_id: str) -> Form | None:
        """The form with this id, if the library has it."""
        return next((f for f in self.forms if f.id == form_id), None)
