"""様式 (forms) of the clause library as Word documents, and which forms an engagement needs (pure: no DB, no web).

Every form has one layout, drawn on the one rendering path of contract documents (``documents/docx_base.py`` for
the page, fonts and tables; ``contracts/documents.py`` for full-width numerals and template text): 様式番号 at the
top left, the date on the right (blank 「令和　　年　　月　　日」 unless the context has ``today``), 「（宛先）市長」,
the submitter's 住所／名称／代表者, the centred title, the introduction, 「記」, the fields as a two-column table (a
blank to fill when a field has no value), the check's checklist with a column for each answer, tables of blank
rows, 備考.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import fields as dataclass_fields
from typing import Any

from docx.shared import Pt

from governance.calendar import wareki
from governance.contracts.documents import numerals, render_text, zenkaku
from governance.contracts.forms import Form
from governance.contracts.library import ClauseLibrary
from governance.documents.docx_base import Paragraphs, key_values, new_document, paragraph, safe_text, table, to_bytes
from governance.engagements.facts import EngagementFacts
from governance.requirements import REQUIREMENTS

NO_CONTRACTOR = "受注者"
"""The contractor's name in a bid's context (no contractor chosen yet): the submitter block leaves it blank."""
BLANK_DATE = "令和　　年　　月　　日"
RESULT_CHOICES = "適・否・該当なし"
CHECKLIST_HEADER = ["番号", "確認事項", "根拠", "結果（適・否・該当なし）", "内容・特記"]
CHECKLIST_WIDTHS_MM = [12, 64, 30, 30, 24]
BLANK_CHECKLIST_ROWS = 10
"""Rows of a checklist printed without a check (the items are then written in by hand)."""
BLANK_FIELD = "\n"
"""A field without a value: two lines of room to write in."""
_NUMBER = re.compile(r"\d+")
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
_FULL_DIGITS = "０１２３４５６７８９"


def forms_for(
    library: ClauseLibrary,
    facts: EngagementFacts,
    *,
    bid: bool | None = None,
    check_item_ids: Iterable[str] | None = None,
) -> list[Form]:
    """The forms an engagement's contract asks for, in 様式番号 order.

    A form applies when its own condition holds and, if it names clauses, at least one of them is in the contract for
    these facts. ``bid`` keeps only the forms handed to bidders (True) or the others (False); ``check_item_ids``
    keeps only the forms tied to one of those check items (a check page's checklist).
    """
    wanted = None if check_item_ids is None else set(check_item_ids)
    clauses = {c.id: c for c in (*library.clauses, *library.specification)}
    chosen = [
        form
        for form in library.forms
        if form.condition.holds(facts)
        and (not form.clauses or any(c in clauses and clauses[c].condition.holds(facts) for c in form.clauses))
        and (bid is None or form.bid == bid)
        and (wanted is None or not wanted.isdisjoint(form.checks))
    ]
    return sorted(chosen, key=form_order)


def form_order(form: Form) -> tuple[int, str]:
    """Sort key of a form: the number in its 様式番号 (様式第2号 before 様式第10号), then its id."""
    found = _NUMBER.search(form.number.translate(str.maketrans(_FULL_DIGITS, "0123456789")))
    return (int(found.group(0)) if found else 10**6, form.id)


def form_title(form: Form, context: dict[str, Any]) -> str:
    """A 様式's printed name: 「様式第１号　業務体制届」 (様式 added when the number lacks it, the title rendered)."""
    number = form.number if form.number.startswith("様式") else f"様式{form.number}"
    return numerals(f"{number}　{render_text(form.title, context).strip()}")


def form_file_name(form: Form, context: dict[str, Any]) -> str:
    """The name of a 様式's Word file, wherever it is downloaded or packed: 「様式第１号_業務体制届.docx」."""
    return f"{file_name(form_title(form, context).replace('　', '_'))}.docx"


def file_name(text: str) -> str:
    """A name any file system accepts: no path separators or reserved characters, at most 80 characters."""
    return _UNSAFE.sub("_", text).strip()[:80] or "file"


def render_form(form: Form, context: dict[str, Any], *, base: bytes | None = None) -> bytes:
    """Render a form as an A4 Word document, pre-filled from ``context`` (clause placeholders, ``check``, ``today``).

    ``check`` and ``today`` may be missing or None (a form handed out with a bid, or printed blank): the date is then
    left blank and a checklist gets blank rows. A missing ``contractor`` leaves the submitter blank.

    Raises:
        jinja2.UndefinedError: a template names something the context lacks (the library check rules this out for
            contexts that have every placeholder).
    """
    context = {"check": None, "today": None, "contractor": {"name": "", "address": "", "representative": ""}} | context
    doc = new_document(base=base)
    out = Paragraphs(doc)
    out.add(numerals(form.number))
    today = context["today"]
    paragraph(doc, numerals(wareki(today)) if isinstance(today, dt.date) else BLANK_DATE, align="right")
    if form.addressee:
        out.add(numerals(f"（宛先）{context['municipality']['head']}"))
    if form.signature:
        _submitter(out, context["contractor"])
    out.add("")
    _title(doc, _text(form.title, context))
    intro = _lines(form.intro, context)
    for line in intro:  # a numbered line (１　…) hangs under its number; a sentence starts one character in
        if line[0] in _FULL_DIGITS:
            out.add(line, hanging_mm=5)
        else:
            out.add(f"　{line}")
    if intro and (form.fields or form.tables or form.checklist):
        paragraph(doc, "記", align="center")
    _body(doc, out, form, context)
    return to_bytes(doc)


def _body(doc: Any, out: Paragraphs, form: Form, context: dict[str, Any]) -> None:
    """The fields, the checklist, the tables and the notes."""
    if form.fields:
        key_values(doc, [(_text(f.label, context), _text(f.value, context) or BLANK_FIELD) for f in form.fields])
    if form.checklist:
        out.add("")
        out.add("確認事項", bold=True)
        table(doc, CHECKLIST_HEADER, _checklist_rows(context["check"]), widths_mm=CHECKLIST_WIDTHS_MM)
    facts = _facts(context)
    for t in form.tables:
        if facts is None or t.condition.holds(facts):
            out.add("")
            out.add(_text(t.title, context), bold=True)
            table(doc, list(t.columns), [[""] * len(t.columns) for _ in range(t.rows)])
    notes = [text for note in form.notes if (text := _text(note, context))]
    if notes:
        out.add("")
        out.add("備考")
        for n, note in enumerate(notes, start=1):
            out.add(f"{zenkaku(n)}　{note}" if len(notes) > 1 else note, indent_mm=4, hanging_mm=4)


def _text(template: str, context: dict[str, Any]) -> str:
    """A template of the form rendered, stripped, with full-width numerals."""
    return numerals(render_text(template, context).strip())


def _lines(template: str, context: dict[str, Any]) -> list[str]:
    """The non-empty lines of a rendered template (a line whose condition does not hold disappears)."""
    return [numerals(line.strip()) for line in render_text(template, context).split("\n") if line.strip()]


def _title(doc: Any, text: str) -> None:
    p = doc.add_paragraph()
    run = p.add_run(safe_text(text, limit=500))
    run.bold, run.font.size = True, Pt(14)
    p.alignment = 1  # centre
    p.paragraph_format.space_after = Pt(12)


def _submitter(out: Paragraphs, contractor: dict[str, Any]) -> None:
    """住所／名称／代表者 of the submitter, right of centre; blank where the contractor is not known yet."""
    name = contractor.get("name") or ""
    values = ("", "", "") if name == NO_CONTRACTOR else (contractor.get("address") or "", name,
                                                           contractor.get("representative") or "")  # fmt: skip
    for label, value in zip(("住所", "名称", "代表者"), values, strict=True):
        out.add(numerals(f"{label}　{value}"), indent_mm=80)


def _checklist_rows(check: dict[str, Any] | None) -> list[list[str]]:
    """One row per item of the check (番号, 確認事項, 根拠, the answers to circle, a blank), or blank rows."""
    items = (check or {}).get("items") or []
    if not items:
        return [[zenkaku(n), "", "", RESULT_CHOICES, ""] for n in range(1, BLANK_CHECKLIST_ROWS + 1)]
    return [
        [zenkaku(n), numerals(str(item.get("what", ""))), _grounds(item), RESULT_CHOICES, ""]
        for n, item in enumerate(items, start=1)
    ]


def _grounds(item: dict[str, Any]) -> str:
    """The requirement ids behind a checklist item with their catalog labels, one per line."""
    return "\n".join(f"{r} {REQUIREMENTS.get(r, '')}".strip() for r in item.get("requirements") or [])


def _facts(context: dict[str, Any]) -> EngagementFacts | None:
    """The engagement's facts from the context's ``facts`` snapshot (None without one: every table is printed)."""
    snapshot = context.get("facts")
    if not isinstance(snapshot, dict):
        return None
    values: dict[str, Any] = {}
    for f in dataclass_fields(EngagementFacts):
        if f.name in snapshot:
            value = snapshot[f.name]
            values[f.name] = (frozenset(value) if f.default_factory is frozenset
                              else tuple(value) if isinstance(f.default, tuple) else value)  # fmt: skip
    return EngagementFacts(**values)
