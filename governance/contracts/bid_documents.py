"""The documents handed to bidders before a contractor is chosen (pure: no database, no web; OUT-SEL-08, EXT-PRC-01).

From an engagement's facts alone: the 情報セキュリティに関する特記事項 exactly as the contract will carry it (the
contractor named 「受注者」), the security section of the 仕様書 with the evidence each bidder submits, and the
選定基準表. ``package_files`` lays them out with the bid 様式 as the files of the 調達用一式, and ``zip_package``
packs them.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from governance.calendar import wareki
from governance.contracts.clauses import SelectedClause, resolve, select_clauses
from governance.contracts.comparison import Comparison, compare
from governance.contracts.conditions import FACT_LABELS
from governance.contracts.documents import (
    Line,
    add_article,
    add_articles,
    article_lines,
    document_title,
    numerals,
    render_text,
    zenkaku,
)
from governance.contracts.form_documents import NO_CONTRACTOR, form_file_name, form_title
from governance.contracts.forms import Form
from governance.contracts.library import ClauseLibrary, Section
from governance.contracts.records import records_of
from governance.documents.docx_base import Paragraphs, key_values, new_document, table, to_bytes
from governance.engagements.criteria import CATALOG_BY_ID, AppliedCriterion, criteria_for
from governance.engagements.facts import EngagementFacts

BIDDER_NAME = NO_CONTRACTOR
BIDDER = {"name": BIDDER_NAME, "address": "", "representative": ""}
"""The contractor as the bid documents name it before one is chosen (the context's ``contractor``)."""

ANNEX_TITLE = "情報セキュリティに関する特記事項"
SPEC_TITLE = "仕様書（情報セキュリティに関する事項）"
CRITERIA_TITLE = "選定基準表"
INDEX_TITLE = "調達用一式　目次"


def annex_sections_of(library: ClauseLibrary) -> list[tuple[int, Section]]:
    """The sections of the 特記事項 (every section after the contract's main text), each with its index."""
    return list(enumerate(library.sections))[1:]


def annex_of(library: ClauseLibrary, selected: Iterable[SelectedClause]) -> tuple[SelectedClause, ...]:
    """The clauses of ``selected`` that the 特記事項 holds, in their order."""
    annex = {section.id for _, section in annex_sections_of(library)}
    return tuple(s for s in selected if s.clause.section in annex)


def anonymous(context: dict[str, Any]) -> dict[str, Any]:
    """The same context with the contractor replaced by 「受注者」, so that bid and contract texts compare alike."""
    return {**context, "contractor": dict(BIDDER)}


@dataclass(frozen=True)
class SpecSection:
    """A section of the 仕様書 that applies, with its number as printed (第１, 第２ …)."""

    number: int
    selected: SelectedClause
    title: str

    @property
    def lead(self) -> str:
        """「第２」: sections are numbered like chapters, apart from the paragraphs (２) and items (（１）) inside."""
        return f"第{zenkaku(self.number)}"

    @property
    def heading(self) -> str:
        """「第２　受注者の要件」: the number and title as printed (and as the evidence table points to it)."""
        return f"{self.lead}　{self.title}"


@dataclass(frozen=True)
class EvidenceRow:
    """A document each bidder submits, the selection criteria it answers and the 仕様書 section asking for it."""

    what: str
    criteria: tuple[tuple[str, str], ...]
    section: str

    @property
    def criteria_text(self) -> str:
        """「OUT-SEL-02 ISMS認証の取得状況」 per line, or 「—」 when none of its criteria applies to the engagement."""
        return "\n".join(f"{cid} {label}" for cid, label in self.criteria) or "—"


@dataclass(frozen=True)
class BidDocuments:
    """What the bid documents of one engagement contain, chosen from its facts and the clause library."""

    library: ClauseLibrary
    facts: EngagementFacts
    context: dict[str, Any]
    annex: tuple[SelectedClause, ...]
    specification: tuple[SpecSection, ...]
    criteria: tuple[AppliedCriterion, ...]

    def annex_sections(self) -> list[tuple[int, Section, list[SelectedClause]]]:
        """The annex sections that hold clauses, each with its index in the contract (for the article numbers)."""
        out = []
        for index, section in annex_sections_of(self.library):
            clauses = [s for s in self.annex if s.clause.section == section.id]
            if clauses:
                out.append((index, section, clauses))
        return out

    def annex_records(self) -> list[dict[str, Any]]:
        """The 特記事項 per clause as a contract version stores its clauses (to compare with the contract later)."""
        return records_of(self.library, self.annex, self.context)

    def spec_lines(self, section: SpecSection) -> list[Line]:
        """A 仕様書 section as printed: its numbered heading, then its paragraphs and items as articles print them."""
        return [Line("heading", section.lead, section.title),
                *article_lines(section.selected, "", self.context)[1:]]  # fmt: skip

    def evidence(self) -> list[EvidenceRow]:
        """What each bidder submits: only evidence whose condition holds, only criteria that apply."""
        applied = {a.criterion.id for a in self.criteria}
        return [
            EvidenceRow(
                numerals(render_text(e.what, self.context).strip()),
                tuple((c, CATALOG_BY_ID[c].label) for c in e.criteria if c in applied),
                section.heading,
            )
            for section in self.specification
            for e in section.selected.clause.evidence
            if e.condition.holds(self.facts)
        ]

    def evidence_for(self, criterion_id: str) -> list[str]:
        """The documents that answer one criterion (for the 確認の方法 of the criteria sheet)."""
        return [row.what for row in self.evidence() if any(c == criterion_id for c, _ in row.criteria)]


def prepare(library: ClauseLibrary, facts: EngagementFacts, context: dict[str, Any]) -> BidDocuments:
    """Choose the bid documents' content: the annex clauses, the 仕様書 sections and the criteria that apply.

    ``context`` is the contract's context with the contractor as 「受注者」 (``BIDDER``).
    """
    annex = annex_of(library, select_clauses(facts, library))
    applying = [resolve(c, facts) for c in library.specification if c.condition.holds(facts)]
    sections = tuple(
        SpecSection(n, s, numerals(render_text(s.clause.title, context).strip()))
        for n, s in enumerate(applying, start=1)
    )
    return BidDocuments(library, facts, context, annex, sections, tuple(criteria_for(facts)))


def _engagement_line(out: Paragraphs, context: dict[str, Any]) -> None:
    out.add(numerals(f"委託業務の名称　{context['engagement']['title']}"))
    out.add("")


def render_annex(docs: BidDocuments, *, base: bytes | None = None) -> bytes:
    """The 特記事項 as the contract will carry it, numbered 第１, 第２ …, with 「乙」 standing for the 受注者."""
    doc = new_document(base=base)
    out = Paragraphs(doc)
    for n, (index, section, clauses) in enumerate(docs.annex_sections()):
        if n:
            doc.add_page_break()
        document_title(doc, section.title)
        if n == 0:
            _engagement_line(out, docs.context)
            out.add(
                numerals(
                    "この特記事項は、上記業務の委託契約書に別記として添付するものである。特記事項中「甲」とあるのは"
                    f"{docs.context['municipality']['name']}を、「乙」とあるのは受注者をいう。"
                )
            )
        add_articles(out, index, clauses, docs.context)
    return to_bytes(doc)


def render_specification(docs: BidDocuments, *, base: bytes | None = None) -> bytes:
    """The 仕様書（情報セキュリティに関する事項）: its sections, then the table of documents each bidder submits."""
    doc = new_document(base=base)
    out = Paragraphs(doc)
    document_title(doc, SPEC_TITLE)
    _engagement_line(out, docs.context)
    for section in docs.specification:
        add_article(out, docs.spec_lines(section))
    out.add("")
    out.add("別表　入札（見積）参加者が提出する書類", bold=True)
    rows = [[row.what, row.criteria_text, row.section] for row in docs.evidence()]
    table(doc, ["提出書類", "対応する選定基準", "仕様書の該当箇所"], rows or [["—", "—", "—"]],
          widths_mm=[75, 55, 30])  # fmt: skip
    return to_bytes(doc)


def criteria_rows(docs: BidDocuments) -> list[list[str]]:
    """番号 | 選定基準 | 内容 | 確認の方法（提出書類） | 評価 (blank), one row per criterion that applies."""
    return [
        [zenkaku(n), f"{a.criterion.id}\n{a.criterion.label}", a.criterion.description,
         "\n".join(docs.evidence_for(a.criterion.id)) or "書面又は聴取により確認する。", ""]
        for n, a in enumerate(docs.criteria, start=1)
    ]  # fmt: skip


def render_criteria_sheet(docs: BidDocuments, *, base: bytes | None = None) -> bytes:
    """The 選定基準表: the criteria that apply, how each is checked, and a blank 評価（適・否） column."""
    doc = new_document(base=base)
    out = Paragraphs(doc)
    document_title(doc, CRITERIA_TITLE)
    _engagement_line(out, docs.context)
    out.add(
        "本業務の条件により適用する情報セキュリティに関する選定基準である。提出書類により各基準を確認し、評価欄に適又は否を記入する。"
    )
    out.add("事業者名　　　　　　　　　　　　　　　　　　評価者　　　　　　　　　　評価日　令和　　年　　月　　日")
    table(doc, ["番号", "選定基準", "内容", "確認の方法（提出書類）", "評価（適・否）"], criteria_rows(docs),
          widths_mm=[12, 38, 45, 50, 20])  # fmt: skip
    return to_bytes(doc)


@dataclass(frozen=True)
class PackageFile:
    """One file of the 調達用一式: its name in the zip, title, what it is for, and its bytes."""

    name: str
    title: str
    purpose: str
    data: bytes = b""


INDEX_NAME = "00_目次.docx"


def package_files(
    docs: BidDocuments, forms: Sequence[tuple[Form, bytes]], *, created_on: dt.date, base: bytes | None = None
) -> list[PackageFile]:
    """The files of the 調達用一式 in their order: 目次, 仕様書, 特記事項, 選定基準表, then the bid 様式.

    ``forms`` are the 様式 already rendered; each is named as it is everywhere (``form_file_name``).
    """
    files = [
        PackageFile(f"01_{SPEC_TITLE}.docx", SPEC_TITLE,
                    "本業務の情報セキュリティに関する要件と、入札（見積）参加者が提出する書類を示します。",
                    render_specification(docs, base=base)),
        PackageFile(f"02_{ANNEX_TITLE}.docx", ANNEX_TITLE,
                    "契約書に別記として添付する特記事項です。落札者（契約の相手方）はこの内容を遵守します。",
                    render_annex(docs, base=base)),
        PackageFile(f"03_{CRITERIA_TITLE}.docx", CRITERIA_TITLE,
                    "発注者が提出書類により各選定基準を確認し、評価を記入する表です。",
                    render_criteria_sheet(docs, base=base)),
        *(PackageFile(f"{n:02d}_{form_file_name(form, docs.context)}", form_title(form, docs.context),
                      "入札（見積）参加者が作成し、提出する様式です。", data)
          for n, (form, data) in enumerate(forms, start=4)),
    ]  # fmt: skip
    index = PackageFile(INDEX_NAME, INDEX_TITLE, "この一式に含まれるファイルとその用途の一覧です。")
    data = render_index(docs, [index, *files], created_on=created_on, base=base)
    return [PackageFile(index.name, index.title, index.purpose, data), *files]


def render_index(
    docs: BidDocuments, files: Sequence[PackageFile], *, created_on: dt.date, base: bytes | None = None
) -> bytes:
    """The 目次: the engagement, the library version and the date (和暦), then every file with its title and use."""
    doc = new_document(base=base)
    document_title(doc, INDEX_TITLE)
    engagement = docs.context["engagement"]
    key_values(doc, [
        ("委託業務", engagement["title"]), ("所管課", engagement["department"] or "—"),
        ("発注者", docs.context["municipality"]["name"]),
        ("条項ライブラリ", f"第{docs.library.version}版（{docs.library.content_hash[:12]}）"),
        ("作成日", numerals(wareki(created_on))),
    ])  # fmt: skip
    Paragraphs(doc).add("")
    table(doc, ["ファイル名", "表題", "用途"], [[f.name, f.title, f.purpose] for f in files], widths_mm=[55, 45, 60])
    return to_bytes(doc)


def zip_package(files: Sequence[PackageFile], *, created: dt.datetime) -> bytes:
    """Pack the files in their order; names are stored as UTF-8 (the zip's language flag), dated ``created``."""
    out = io.BytesIO()
    stamp = created.timetuple()[:6]
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for f in files:
            info = zipfile.ZipInfo(f.name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, f.data)
    return out.getvalue()


@dataclass(frozen=True)
class BidComparison:
    """How a contract's 特記事項 stands against the bid package's: the same text, or why and where it differs."""

    number: int
    created_at: dt.datetime
    same: bool
    reasons: tuple[str, ...]
    comparison: Comparison


_SHOWN_FACTS = ("scheme", "confidentiality", "integrity", "availability", "personal_info", "specific_personal_info",
                "segments", "work_kinds", "work_locations", "remote_access", "off_premises", "subcontracting",
                "subcontractors", "contract_type", "tier")  # fmt: skip
"""The facts a change is named by (``flags`` and the chosen contract type follow from them)."""


def compare_with_bid(
    bid: dict[str, Any], library: ClauseLibrary, selected: Sequence[SelectedClause], context: dict[str, Any]
) -> BidComparison:
    """Compare the 特記事項 a contract draft would hold now with the one handed to bidders.

    ``bid`` is a stored bid package (number, created_at, facts_json, library_version, library_hash, annex_json);
    ``selected`` and ``context`` are the contract's. Both sides are printed with the contractor as 「受注者」, so only
    real wording differences show; the reasons say whether the facts, the library or other particulars changed.
    """
    annex = annex_of(library, selected)
    comparison = compare(json.loads(bid["annex_json"])["items"], records_of(library, annex, anonymous(context)))
    reasons = []
    then = json.loads(bid["facts_json"] or "{}")
    changed = [FACT_LABELS.get(k, k) for k in _SHOWN_FACTS if then.get(k) != context["facts"].get(k)]
    if changed:
        reasons.append(f"委託業務の条件（{'、'.join(changed)}）が変更されました。")
    if bid["library_version"] != library.version:
        reasons.append(f"条項ライブラリが第{bid['library_version']}版から第{library.version}版に変わりました。")
    elif bid["library_hash"] != library.content_hash:
        reasons.append(f"条項ライブラリ（第{library.version}版）の内容が変更されました。")
    if comparison.changed and not reasons:
        reasons.append("委託業務の名称、契約期間その他の記載事項が変更されました。")
    return BidComparison(bid["number"], bid["created_at"], not comparison.changed, tuple(reasons), comparison)
