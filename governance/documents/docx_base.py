"""A4 Japanese Word documents with python-docx: fonts for East Asian text, safe text, tables, page numbers (pure)."""

from __future__ import annotations

import copy
import io
import re
from typing import Any

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

MINCHO = "游明朝"
GOTHIC = "游ゴシック"

# XML 1.0 forbids these; a user's text containing them would make Word refuse the whole file.
_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def safe_text(value: object, *, limit: int = 20000) -> str:
    """Text a user typed, made safe for a document: no XML-invalid characters, bounded length."""
    text = _XML_INVALID.sub("", str(value if value is not None else ""))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _set_east_asian_font(style_element: object, font: str) -> None:
    rpr = style_element.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)  # theme fonts would override the names below
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), font)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), "ja-JP")


def new_document(*, base: bytes | None = None) -> DocumentObject:
    """Start an A4 document with Japanese fonts (or from a municipality's base document)."""
    if base:
        # The municipality's own document: its page setup, styles, headers and footers are kept as they are.
        doc = Document(io.BytesIO(base))
        for paragraph in list(doc.paragraphs):  # keep the styles, not any sample text in the body
            paragraph._element.getparent().remove(paragraph._element)
        return doc
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(25)
    section.left_margin = section.right_margin = Mm(25)
    for name, font, size in (("Normal", MINCHO, 10.5), ("Title", GOTHIC, 16), ("Heading 1", GOTHIC, 12),
                             ("Heading 2", GOTHIC, 11), ("Table Grid", MINCHO, 10)):  # fmt: skip
        try:
            style = doc.styles[name]
        except KeyError:
            continue
        style.font.name = font
        style.font.size = Pt(size)
        _set_east_asian_font(style.element, font)
        if name != "Normal" and style.font.color is not None:
            style.font.color.rgb = None
    _add_page_number_footer(doc)
    return doc


def _add_page_number_footer(doc: DocumentObject) -> None:
    paragraph = doc.sections[0].footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)


def heading(doc: DocumentObject, text: str, level: int = 1) -> None:
    """Add a heading."""
    doc.add_heading(safe_text(text, limit=500), level=level)


def paragraph(doc: DocumentObject, text: str, *, bold: bool = False, align: str | None = None) -> None:
    """Add a paragraph of (safe) text; line breaks are kept."""
    p = doc.add_paragraph()
    lines = safe_text(text).split("\n")
    for i, line in enumerate(lines):
        run = p.add_run(line)
        run.bold = bold
        if i < len(lines) - 1:
            run.add_break()
    if align == "right":
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    elif align == "center":
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER


def table(
    doc: DocumentObject, header: list[str], rows: list[list[str]], *, widths_mm: list[float] | None = None
) -> None:
    """Add a bordered table with a bold header row."""
    t = doc.add_table(rows=1, cols=len(header))
    t.style = doc.styles["Table Grid"]
    for cell, text in zip(t.rows[0].cells, header, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(safe_text(text, limit=500)).bold = True
    for values in rows:
        cells = t.add_row().cells
        for cell, text in zip(cells, values, strict=True):
            cell.text = safe_text(text)
    if widths_mm:
        for row in t.rows:
            for cell, width in zip(row.cells, widths_mm, strict=True):
                cell.width = Mm(width)


def key_values(doc: DocumentObject, items: list[tuple[str, str]]) -> None:
    """Add a two-column table of labels and values."""
    table(doc, ["項目", "内容"], [[k, v] for k, v in items], widths_mm=[40, 120])


def to_bytes(doc: DocumentObject) -> bytes:
    """Serialize the document."""
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


class Paragraphs:
    """Adds formatted paragraphs by copying one prepared ``<w:p>`` per format (every generated document uses it).

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
        """Append a paragraph (before the section properties) with the given indents."""
        element = copy.deepcopy(self._prototype(indent_mm, hanging_mm, bold))
        t = element.find(f".//{qn('w:t')}")
        t.text = safe_text(text)
        t.set(qn("xml:space"), "preserve")
        body = self.doc.element.body
        if body.sectPr is not None:
            body.sectPr.addprevious(element)
        else:
            body.append(element)
