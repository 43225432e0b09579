"""Render a contract draft (.docx) from the selected clauses (pure: no database, no web).

The main text is numbered 第１条, 第２条 …, the annex 「情報セキュリティに関する特記事項」 第１, 第２ …; the second and
later paragraphs of an article are numbered ２, ３ …; items are (1)(2) … and, nested, ア, イ …. Numbers are written by
this code, not by Word's list numbering, so the document reads the same in Word and LibreOffice.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from docx.shared import Mm, Pt

from governance.calendar import wareki
from governance.contracts.clauses import SelectedClause
from governance.contracts.comparison import Comparison
from governance.contracts.library import ClauseLibrary, Item
from governance.contracts.templating import render, yen
from governance.documents.docx_base import Paragraphs, new_document, safe_text, to_bytes

_FULL = str.maketrans("0123456789", "０１２３４５６７８９")
KATAKANA_ITEMS = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワ"


def zenkaku(n: int) -> str:
    """Write a number with full-width digits, as Japanese contracts do: 12 → １２."""
    return str(n).translate(_FULL)


_NUMBER = re.compile(r"\d[\d,]*")


def numerals(text: str) -> str:
    """One numeral style for the whole document: every digit full-width, thousands separators as 「，」.

    Clause files, dates (令和8年4月1日) and amounts (38,500,000円) may be written with ordinary digits; the
    document prints them as ８年４月１日 and ３８，５００，０００円, like the article numbers 第１条 and items （１）.
    """
    return _NUMBER.sub(lambda m: m.group(0).translate(_FULL).replace(",", "，"), text)


def render_text(text: str, context: dict[str, Any]) -> str:
    """Render a clause template with the contract's context (sandboxed; undefined names raise)."""
    return render(text, context)


@dataclass(frozen=True)
class Line:
    """One printed line of an article: its heading, a numbered paragraph (項) or an item (号)."""

    kind: str  # heading, paragraph, item
    lead: str  # 第１条 / ２ / （１） / ア ("" for the heading and an unnumbered first paragraph)
    text: str
    depth: int = 0

    @property
    def full(self) -> str:
        """The line as printed: lead and text separated by a full-width space."""
        return f"{self.lead}　{self.text}" if self.lead else self.text


def _item_lines(items: Sequence[Item], context: dict[str, Any], depth: int = 1) -> list[Line]:
    out: list[Line] = []
    for i, item in enumerate(items, start=1):
        mark = f"（{zenkaku(i)}）" if depth == 1 else KATAKANA_ITEMS[(i - 1) % len(KATAKANA_ITEMS)]
        out.append(Line("item", mark, numerals(render_text(item.text, context).strip()), depth))
        if item.items:
            out.extend(_item_lines(item.items, context, depth + 1))
    return out


def article_lines(selected: SelectedClause, number: str, context: dict[str, Any]) -> list[Line]:
    """The article as printed: heading, paragraphs numbered across its parts, each part's items after it.

    One place for the numbering rules, used by the Word document and the HTML preview alike.
    """
    lines = [Line("heading", "", f"（{numerals(render_text(selected.clause.title, context).strip())}）")]
    n = 0
    for part in selected.parts:
        texts = [t.strip() for t in render_text(part.text, context).split("\n") if t.strip()]
        for text in texts:
            n += 1
            lines.append(Line("paragraph", number if n == 1 else zenkaku(n), numerals(text)))
        if texts:
            lines.extend(_item_lines(part.items, context))
    return lines


def article_number(section_index: int, n: int) -> str:
    """第１条 in the main text, 第１ in an annex."""
    return f"第{zenkaku(n)}条" if section_index == 0 else f"第{zenkaku(n)}"


_INDENTS = {"heading": (2, 0), "paragraph": (0, 6)}


def add_article(out: Paragraphs, lines: Sequence[Line]) -> None:
    """Add an article's printed lines: the heading indented, later paragraphs and items with hanging indents."""
    for i, line in enumerate(lines):
        if line.kind == "item":
            out.add(line.full, indent_mm=4 * line.depth, hanging_mm=6)
        elif line.kind == "heading":
            out.add(line.full, indent_mm=2)
        else:
            out.add(line.full, hanging_mm=6 if i > 1 else 0)


def document_title(doc: Any, text: str) -> None:
    """The document's title: bold, 16 pt, centred (the contract, the 特記事項 and 仕様書 handed to bidders)."""
    title = doc.add_paragraph()
    run = title.add_run(safe_text(text))
    run.bold, run.font.size = True, Pt(16)
    title.alignment = 1


def add_articles(
    out: Paragraphs,
    section_index: int,
    clauses: Sequence[SelectedClause],
    context: dict[str, Any],
    printed: Sequence[Sequence[Line] | None] | None = None,
) -> None:
    """Add one section's articles as the contract prints them: 第１条 … in the main text, 第１ … in an annex.

    The 特記事項 handed to bidders is printed through here too, so it reads exactly as the contract's annex.
    ``printed`` holds each clause's lines when the caller has them already (``None`` where it has not).
    """
    for n, sel in enumerate(clauses, start=1):
        lines = printed[n - 1] if printed is not None else None
        add_article(out, lines if lines is not None else article_lines(sel, article_number(section_index, n), context))


def render_contract(
    library: ClauseLibrary,
    selected: Sequence[SelectedClause],
    context: dict[str, Any],
    *,
    contract_date: dt.date | None = None,
    base: bytes | None = None,
    printed: Sequence[Sequence[Line]] | None = None,
) -> bytes:
    """Render the draft: title, parties, articles, annex, signature block, page numbers.

    ``printed`` are the clauses' lines as ``article_lines`` numbers them, one list per clause of ``selected`` in the
    same order, when the caller has them already (the preview it stores with the version); otherwise they are made.

    Raises:
        jinja2.UndefinedError: when the context lacks a placeholder a clause uses (the library check prevents it).
    """
    doc = new_document(base=base)
    out = Paragraphs(doc)
    document_title(doc, library.title)
    for (label, _), line in zip(front_matter(context), front_lines(context), strict=True):
        out.add(line, indent_mm=0 if label else 4, hanging_mm=0)
    out.add(
        numerals(
            f"委託者{context['municipality']['name']}（以下「甲」という。）と受託者{context['contractor']['name']}"
            "（以下「乙」という。）は、上記の委託業務について、次の条項により委託契約を締結する。"
        )
    )
    if printed is not None and len(printed) != len(selected):
        raise ValueError("printed must hold one list of lines per selected clause")
    by_section: dict[str, list[tuple[SelectedClause, Sequence[Line] | None]]] = {}
    for i, s in enumerate(selected):
        by_section.setdefault(s.clause.section, []).append((s, printed[i] if printed is not None else None))
    for index, section in enumerate(library.sections):
        clauses = by_section.get(section.id, [])
        if not clauses:
            continue
        if index > 0:
            doc.add_page_break()
            out.add(f"別記　{section.title}", bold=True)
        add_articles(out, index, [sel for sel, _ in clauses], context, [lines for _, lines in clauses])
        if index == 0:
            signature_block(out, context, contract_date)
    return to_bytes(doc)


def signature_block(
    out: Paragraphs, context: dict[str, Any], contract_date: dt.date | None, *, document: str = "契約"
) -> None:
    """The closing sentence, the date (blank until signed) and both parties' address, name and representative.

    ``document`` names what is signed: この契約 (the contract) or この覚書 (an amendment of it).
    """
    out.add("")
    out.add(f"この{document}の締結を証するため、本書２通を作成し、甲乙記名押印の上、各自その１通を保有する。")
    out.add(numerals(wareki(contract_date)) if contract_date else "令和　　年　　月　　日", indent_mm=10)
    for role, party in (("甲", context["municipality"]), ("乙", context["contractor"])):
        out.add("")
        out.add(numerals(f"{role}　住所　{party.get('address', '')}"), indent_mm=60)
        out.add(numerals(f"　　名称　{party['name']}"), indent_mm=60)
        representative = party.get("representative") or party.get("head") or ""
        out.add(numerals(f"　　代表者　{representative}　　　　印"), indent_mm=60)


PAYMENT_LABELS = {"lump_sum": "一括払", "partial": "部分払"}


def front_matter(context: dict[str, Any]) -> list[tuple[str, str]]:
    """The 頭書 (the contract's cover items) the officer fills once: name, place, term, fee, bond, payment, supervisor.

    An item without a value prints 「別途定める」 rather than an empty line, so a missing entry is visible.
    """
    front = context.get("front") or {}
    term = context["term"]
    value = context.get("contract_value")
    fee = f"金{yen(value)}" if value is not None else "別途定める額"
    rows = [
        ("１　委託業務の名称", context["engagement"]["title"]),
        ("２　履行場所", front.get("work_place") or "仕様書等に定めるとおり"),
        ("３　履行期間", f"{_date(term['start'])}から{_date(term['end'])}まで"),
        ("４　委託料", fee),
    ]
    if value is not None:
        tax = front.get("tax_amount")
        shown = "金" + yen(tax) if tax is not None else "別途定める額"
        rows.append(("", f"（うち取引に係る消費税及び地方消費税の額　{shown}）"))
    if front.get("bond") == "required":
        amount = front.get("bond_amount")
        bond = f"金{yen(amount)}" if amount is not None else "別途定める額"
    else:
        bond = "免除" + (f"（{front['bond_note']}）" if front.get("bond_note") else "")
    rows.append(("５　契約保証金", bond))
    payment = PAYMENT_LABELS.get(front.get("payment", ""), "一括払")
    rows.append(("６　支払条件", payment + (f"（{front['payment_note']}）" if front.get("payment_note") else "")))
    rows.append(("７　監督職員", front.get("supervisor") or "契約締結後に書面により通知する"))
    return [(label, numerals(safe_text(text))) for label, text in rows]


FRONT_SECTION = "front"
"""The section of the 頭書 when a 新旧対照表 compares it as a pseudo-article (``front_lines``)."""


def front_lines(context: dict[str, Any]) -> list[str]:
    """The 頭書 as printed, one line per item: 「４　委託料　金３８，５００，０００円」."""
    return [f"{label}　{value}" if label else value for label, value in front_matter(context)]


def _date(value: dt.date | None) -> str:
    return wareki(value) if value else "別途定める日"


def comparison_table(doc: Any, comparison: Comparison, *, new_label: str = "改正後", old_label: str = "改正前") -> None:
    """Add a 新旧対照表 to a document: 改正後 | 改正前, the changed passages underlined (傍線).

    Used by the 覚書 (amendment), the comparison of two contract versions and of a contract with its bid documents.
    """
    table = doc.add_table(rows=1, cols=2)
    table.style = doc.styles["Table Grid"]
    for cell, label in zip(table.rows[0].cells, (new_label, old_label), strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(label)
        run.bold = True
        cell.paragraphs[0].alignment = 1
    for row in comparison.rows:
        cells = table.add_row().cells
        for cell, side in zip(cells, (row.new, row.old), strict=True):
            cell.text = ""
            for n, line in enumerate(side):
                p = cell.paragraphs[0] if n == 0 else cell.add_paragraph()
                for segment in line:
                    run = p.add_run(safe_text(numerals(segment.text)))
                    if segment.changed:
                        run.underline = True
    for row in table.rows:
        for cell in row.cells:
            cell.width = Mm(80)


AMENDMENT_TITLE = "業務委託契約の一部を変更する覚書"
CHANGED_NOTE = "（傍線部分は改正部分）"
_CONTRACT_SUFFIXES = ("業務委託契約", "委託契約", "業務委託", "委託業務", "委託")


def contract_name(engagement_title: str) -> str:
    """The contract as a 覚書 names it: 〇〇保守業務 → 〇〇保守業務委託契約, フォーム利用 → フォーム利用業務委託契約.

    A title that already says so is not doubled: 庁舎清掃業務委託, 庁舎清掃委託業務 and 庁舎清掃業務委託契約 all
    become 庁舎清掃業務委託契約.
    """
    title = engagement_title.strip()
    stem = next((title.removesuffix(s) for s in _CONTRACT_SUFFIXES if title.endswith(s)), title)
    return f"{stem}{'委託契約' if stem.endswith('業務') else '業務委託契約'}"


def original_contract(name: str, signed_on: dt.date, amended_on: Sequence[dt.date] = ()) -> str:
    """How a 覚書 cites the contract it changes, with the earlier 覚書 that changed it (原契約).

    令和８年３月２５日付けで締結した〇〇業務委託契約（令和８年６月１日付け覚書により変更された後のものをいう。
    以下「原契約」という。）
    """
    memos = [f"{wareki(d)}付け覚書" for d in amended_on]
    after = ""
    if memos:
        listed = memos[0] if len(memos) == 1 else "、".join(memos[:-1]) + "及び" + memos[-1]
        after = f"{listed}により変更された後のものをいう。"
    return f"{wareki(signed_on)}付けで締結した{name}（{after}以下「原契約」という。）"


def amendment_articles(comparison: Comparison) -> tuple[tuple[str, str, str], ...]:
    """The 覚書's three articles; the first names the 頭書 when the 新旧対照表 changes it."""
    front = any(r.section == FRONT_SECTION for r in comparison.rows)
    clauses = any(r.section != FRONT_SECTION for r in comparison.rows)
    changed = "頭書及び条項の一部" if front and clauses else "頭書の一部" if front else "一部"
    return (
        ("（契約の変更）", "第１条", f"原契約の{changed}を別紙新旧対照表のとおり改める。"),
        ("（効力の発生）", "第２条", "この覚書は、令和　　年　　月　　日から効力を生ずる。"),
        ("（原契約との関係）", "第３条", "この覚書に定めのない事項については、原契約の定めるところによる。"),
    )


def render_amendment(
    context: dict[str, Any],
    comparison: Comparison,
    *,
    signed_on: dt.date,
    amended_on: Sequence[dt.date] = (),
    base: bytes | None = None,
) -> bytes:
    """Render a 覚書 that changes a signed contract: preamble, three articles, signatures, 別紙 新旧対照表.

    ``context`` is the contract's context after the change (parties and engagement), ``signed_on`` the date the
    original contract was signed and ``amended_on`` those of the 覚書 signed since (oldest first), ``comparison``
    the contract (頭書 and clauses) before and after.
    """
    doc = new_document(base=base)
    out = Paragraphs(doc)
    document_title(doc, AMENDMENT_TITLE)
    out.add("")
    name = contract_name(context["engagement"]["title"])
    out.add(
        numerals(
            f"委託者{context['municipality']['name']}（以下「甲」という。）と受託者{context['contractor']['name']}"
            f"（以下「乙」という。）は、{original_contract(name, signed_on, amended_on)}の一部を次のとおり変更する。"
        )
    )
    for heading, number, text in amendment_articles(comparison):
        add_article(out, [Line("heading", "", heading), Line("paragraph", number, text)])
    signature_block(out, context, None, document="覚書")
    doc.add_page_break()
    out.add("別紙", bold=True)
    add_comparison(doc, out, "新旧対照表", comparison)
    return to_bytes(doc)


def render_comparison(title: str, lines: Sequence[str], comparison: Comparison, *, base: bytes | None = None) -> bytes:
    """Render a 新旧対照表 of two texts on its own, ``lines`` naming them (two contract versions …)."""
    doc = new_document(base=base)
    add_comparison(doc, Paragraphs(doc), title, comparison, lines=lines)
    return to_bytes(doc)


def add_comparison(doc: Any, out: Paragraphs, title: str, comparison: Comparison, *, lines: Sequence[str] = ()) -> None:
    """The 新旧対照表 under its title: the note on 傍線, the table, or a sentence saying nothing changed."""
    document_title(doc, title)
    for line in lines:
        out.add(numerals(line))
    if not comparison.comparable:
        out.add("一方の版に本文の記録がないため、条項の追加及び削除だけを示している。")
    if not comparison.changed:
        out.add("変更はない。" if comparison.comparable else "条項の追加及び削除はない。")
        return
    out.add(CHANGED_NOTE)
    comparison_table(doc, comparison)
