"""Render a contract draft (.docx) from the selected clauses (pure: no database, no web).

The main text is numbered 第１条, 第２条 …, the annex 「情報セキュリティに関する特記事項」 第１, 第２ …; the second and
later paragraphs of an article are numbered ２, ３ …; items are (1)(2) … and, nested, ア, イ …. Numbers are written by
this code, not by Word's list numbering, so the document reads the same in Word and LibreOffice.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Sequence
from typing import Any

from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from governance.calendar import wareki
from governance.contracts.clauses import SelectedClause
from governance.contracts.library import ClauseLibrary, Item, compiled
from governance.documents.docx_base import new_document, safe_text, to_bytes

_FULL = str.maketrans("0123456789", "０１２３４５６７８９")
KATAKANA_ITEMS = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワ"


def zenkaku(n: int) -> str:
    """Write a number with full-width digits, as Japanese contracts do: 12 → １２."""
    return str(n).translate(_FULL)


def render_text(text: str, context: dict[str, Any]) -> str:
    """Render a clause template with the contract's context (sandboxed; undefined names raise)."""
    return compiled(text).render(context)


class _Paragraphs:
    """Adds formatted paragraphs by copying one prepared ``<w:p>`` per format.

    python-docx's per-paragraph formatting API costs more than the rest of the rendering together; a deep copy of
    a prepared element with the text swapped in gives the same XML for a fraction of the time.
    """

    def __init__(self, doc: Any) -> None:
        self.doc = doc
        self.prototypes: dict[tuple[float, float, bool], Any] = {}

    def _prototype(self, indent_mm: float, hanging_mm: float, bold: bool) -> Any:
        key = (indent_mm, hanging_mm, bold)
        if key not in self.prototypes:
            p = self.doc.add_paragraph()
            run = p.add_run("-")
            if bold:
                run.bold = True
            fmt = p.paragraph_format
            fmt.space_after = Pt(2)
            if indent_mm or hanging_mm:
                fmt.left_indent = Mm(indent_mm + hanging_mm)
                fmt.first_line_indent = Mm(-hanging_mm)
            element = p._p
            element.getparent().remove(element)
            self.prototypes[key] = element
        return self.prototypes[key]

    def add(self, text: str, *, indent_mm: float = 0, hanging_mm: float = 0, bold: bool = False) -> None:
        element = copy.deepcopy(self._prototype(indent_mm, hanging_mm, bold))
        t = element.find(f".//{qn('w:t')}")
        t.text = safe_text(text)
        t.set(qn("xml:space"), "preserve")
        body = self.doc.element.body
        if body.sectPr is not None:
            body.sectPr.addprevious(element)
        else:
            body.append(element)


def _items(out: _Paragraphs, items: Sequence[Item], context: dict[str, Any], depth: int = 1) -> None:
    for i, item in enumerate(items, start=1):
        mark = f"({i})" if depth == 1 else KATAKANA_ITEMS[(i - 1) % len(KATAKANA_ITEMS)]
        out.add(f"{mark}　{render_text(item.text, context)}", indent_mm=4 * depth, hanging_mm=6)
        if item.items:
            _items(out, item.items, context, depth + 1)


def _article(out: _Paragraphs, number: str, selected: SelectedClause, context: dict[str, Any]) -> None:
    clause = selected.clause
    out.add(f"（{render_text(clause.title, context)}）", indent_mm=2)
    paragraphs = [p for p in render_text(clause.body, context).split("\n") if p.strip()]
    for i, text in enumerate(paragraphs):
        lead = number if i == 0 else zenkaku(i + 1)
        out.add(f"{lead}　{text.strip()}", hanging_mm=6 if i else 0)
    _items(out, clause.items, context)


def render_contract(
    library: ClauseLibrary,
    selected: Sequence[SelectedClause],
    context: dict[str, Any],
    *,
    contract_date: dt.date | None = None,
    base: bytes | None = None,
) -> bytes:
    """Render the draft: title, parties, articles, annex, signature block, page numbers.

    Raises:
        jinja2.UndefinedError: when the context lacks a placeholder a clause uses (the library check prevents it).
    """
    doc = new_document(base=base)
    out = _Paragraphs(doc)
    title = doc.add_paragraph()
    run = title.add_run(safe_text(library.title))
    run.bold, run.font.size = True, Pt(16)
    title.alignment = 1
    out.add(f"件名　{context['engagement']['title']}")
    out.add(f"委託者　{context['municipality']['name']}（以下「甲」という。）")
    out.add(f"受託者　{context['contractor']['name']}（以下「乙」という。）")
    by_section: dict[str, list[SelectedClause]] = {}
    for s in selected:
        by_section.setdefault(s.clause.section, []).append(s)
    for index, section in enumerate(library.sections):
        clauses = by_section.get(section.id, [])
        if not clauses:
            continue
        if index > 0:
            doc.add_page_break()
            out.add(f"別記　{section.title}", bold=True)
        for n, sel in enumerate(clauses, start=1):
            number = f"第{zenkaku(n)}条" if index == 0 else f"第{zenkaku(n)}"
            _article(out, number, sel, context)
        if index == 0:
            _signature_block(out, context, contract_date)
    return to_bytes(doc)


def _signature_block(out: _Paragraphs, context: dict[str, Any], contract_date: dt.date | None) -> None:
    out.add("")
    out.add("この契約の締結を証するため、本書２通を作成し、甲乙記名押印の上、各自その１通を保有する。")
    out.add(wareki(contract_date) if contract_date else "令和　　年　　月　　日", indent_mm=10)
    for role, party in (("甲", context["municipality"]), ("乙", context["contractor"])):
        out.add("")
        out.add(f"{role}　住所　{party.get('address', '')}", indent_mm=60)
        out.add(f"　　名称　{party['name']}", indent_mm=60)
        representative = party.get("representative") or party.get("head") or ""
        out.add(f"　　代表者　{representative}　　　　印", indent_mm=60)
