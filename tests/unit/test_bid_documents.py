"""Bid documents from the shipped library (pure): which 仕様書 sections, evidence and criteria the facts bring."""

from __future__ import annotations

import copy
import datetime as dt
import io
import subprocess
import sys
import zipfile
from functools import lru_cache
from pathlib import Path

from docx import Document

from governance.audit.chain import canonical_json
from governance.contracts.bid_documents import (
    INDEX_NAME,
    BidDocuments,
    annex_of,
    annex_sections_of,
    anonymous,
    compare_with_bid,
    criteria_rows,
    package_files,
    prepare,
    render_annex,
    zip_package,
)
from governance.contracts.clauses import select_clauses
from governance.contracts.documents import render_contract
from governance.contracts.library import load_library, sample_context
from governance.engagements.facts import EngagementFacts

ROOT = Path(__file__).resolve().parents[2] / "contract_templates"
MN = EngagementFacts(
    confidentiality="3B", personal_info=True, specific_personal_info=True, segments=frozenset({"mynumber"}),
    work_kinds=frozenset({"system_operation"}), work_locations=frozenset({"contractor_site"}), remote_access=True,
    subcontracting=True, subcontractors=("株式会社下請",),
)  # fmt: skip
SAAS = EngagementFacts(
    confidentiality="2", personal_info=True, work_kinds=frozenset({"cloud_service"}),
    work_locations=frozenset({"contractor_cloud"}),
)  # fmt: skip
PUBLIC_ONSITE = EngagementFacts(work_kinds=frozenset({"clerical"}), work_locations=frozenset({"onsite"}))


@lru_cache(maxsize=1)
def library():
    return load_library(ROOT)


def docs_for(facts: EngagementFacts) -> BidDocuments:
    return prepare(library(), facts, anonymous(sample_context()))


def spec_ids(docs: BidDocuments) -> list[str]:
    return [s.selected.clause.id for s in docs.specification]


def criteria_of(docs: BidDocuments, what: str) -> list[str]:
    return [cid for row in docs.evidence() if what in row.what for cid, _ in row.criteria]


def test_every_section_is_numbered_in_order_and_conditional_ones_follow_the_facts():
    mn = docs_for(MN)
    assert spec_ids(mn)[0] == "SPEC-SCOPE" and spec_ids(mn)[-1] == "SPEC-COMPLIANCE"
    assert {"SPEC-SUBCONTRACT", "SPEC-MYNUMBER"} <= set(spec_ids(mn)) and "SPEC-CLOUD" not in spec_ids(mn)
    assert [s.heading.split("　")[0] for s in mn.specification][:3] == ["第１", "第２", "第３"]
    plain = docs_for(PUBLIC_ONSITE)
    assert not {"SPEC-SUBCONTRACT", "SPEC-MYNUMBER", "SPEC-CLOUD"} & set(spec_ids(plain))
    lines = [line.full for s in plain.specification for line in plain.spec_lines(s)]
    assert any("発注者の庁舎内で作業を行う場合" in t for t in lines)
    assert not any("受注者の施設で作業を行う場合" in t or "本業務では、個人情報を取り扱う。" in t for t in lines)


def test_a_saas_engagement_gets_the_cloud_section_and_ismap_evidence_for_out_sel_10():
    docs = docs_for(SAAS)
    assert "SPEC-CLOUD" in spec_ids(docs)
    cloud = next(s for s in docs.specification if s.selected.clause.id == "SPEC-CLOUD")
    text = "\n".join(line.full for line in docs.spec_lines(cloud))
    assert "日本国内に所在する設備にのみ保存" in text and "準拠法を日本法" in text and "ISMAP-LIU" in text
    assert criteria_of(docs, "ISMAP") == ["OUT-SEL-10"]
    ismap = next(row for row in docs.evidence() if "ISMAP" in row.what)
    assert ismap.section.endswith("受注者の要件") and ismap.criteria_text.startswith("OUT-SEL-10 ISMAP")


def test_evidence_lists_only_criteria_that_apply_and_pmark_only_with_personal_information():
    with_pi, without = docs_for(MN), docs_for(PUBLIC_ONSITE)
    assert criteria_of(with_pi, "プライバシーマーク") == ["OUT-SEL-04"]
    assert criteria_of(without, "プライバシーマーク") == []
    assert not any("プライバシーマーク" in row.what for row in without.evidence())
    applied = {a.criterion.id for a in without.criteria}
    assert "OUT-SEL-08" not in applied  # the 特記事項 criterion applies to personal information (catalog)
    pledge = next(row for row in without.evidence() if "誓約書" in row.what)
    assert [c for c, _ in pledge.criteria] == ["OUT-SEL-01"]  # OUT-SEL-08 left out, OUT-SEL-01 kept
    assert all(c in applied for row in without.evidence() for c, _ in row.criteria)
    assert criteria_of(with_pi, "番号法") == ["OUT-SEL-13"] and criteria_of(without, "番号法") == []


def test_the_criteria_sheet_has_one_row_per_criterion_with_how_it_is_checked():
    docs = docs_for(MN)
    rows = criteria_rows(docs)
    assert [r[1].split("\n")[0] for r in rows] == [a.criterion.id for a in docs.criteria]
    isms = next(r for r in rows if r[1].startswith("OUT-SEL-02"))
    assert "ISMS認証の登録証の写し" in isms[3] and isms[4] == ""
    assert rows[0][0] == "１"


def test_the_annex_prints_the_articles_of_the_contract_annex_with_the_contractor_as_juchusha():
    lib, ctx = library(), anonymous(sample_context())
    docs = prepare(lib, MN, ctx)
    annex = [p.text for p in Document(io.BytesIO(render_annex(docs))).paragraphs]
    contract = [p.text for p in Document(io.BytesIO(render_contract(lib, select_clauses(MN, lib), ctx))).paragraphs]
    articles = contract[contract.index("別記　情報セキュリティに関する特記事項") + 1 :]
    assert annex[annex.index("（基本的事項）") :] == articles
    records = docs.annex_records()
    assert [r["number"] for r in records[:2]] == ["第１", "第２"] and all(r["section"] == "annex" for r in records)


def test_the_package_lists_every_file_in_its_index_and_zips_names_as_utf8():
    docs = docs_for(SAAS)
    files = package_files(docs, [(library().form("FORM-SECURITY-PLEDGE"), b"form")], created_on=dt.date(2026, 4, 1))
    assert [f.name for f in files] == [INDEX_NAME, "01_仕様書（情報セキュリティに関する事項）.docx",
                                       "02_情報セキュリティに関する特記事項.docx", "03_選定基準表.docx",
                                       "04_様式第２号_情報セキュリティに関する誓約書.docx"]  # fmt: skip
    assert files[4].title == "様式第２号　情報セキュリティに関する誓約書"  # as the 目次 and the bid page print it
    index = Document(io.BytesIO(files[0].data)).tables
    listed = [row.cells[0].text for row in index[1].rows[1:]]
    assert listed == [f.name for f in files]
    assert any(row.cells[1].text == "令和８年４月１日" for row in index[0].rows)
    data = zip_package(files, created=dt.datetime(2026, 4, 1, 9, 30))
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.namelist() == [f.name for f in files]
    assert all(info.flag_bits & 0x800 and info.date_time == (2026, 4, 1, 9, 30, 0) for info in archive.infolist())
    assert zip_package(files, created=dt.datetime(2026, 4, 1, 9, 30)) == data  # same files, same bytes


def _bid(docs: BidDocuments, **overrides) -> dict:
    return {"number": 1, "created_at": dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
            "facts_json": canonical_json(docs.context["facts"]), "library_version": docs.library.version,
            "library_hash": docs.library.content_hash, "annex_json": canonical_json({"items": docs.annex_records()}),
            **overrides}  # fmt: skip


def test_a_contract_with_the_same_facts_holds_the_bid_annex_whatever_the_contractor():
    lib = library()
    ctx = sample_context()
    docs = prepare(lib, MN, anonymous(ctx))
    result = compare_with_bid(_bid(docs), lib, select_clauses(MN, lib), ctx)  # the contractor is named here
    assert result.same and result.reasons == () and not result.comparison.rows


def test_changed_facts_and_library_are_named_and_the_differences_listed():
    lib = library()
    bid_docs = prepare(lib, MN, anonymous(sample_context()))
    later = EngagementFacts(**{**MN.__dict__, "remote_access": False})
    ctx = copy.deepcopy(sample_context())
    ctx["facts"]["remote_access"] = False
    result = compare_with_bid(_bid(bid_docs, library_version="2025.9"), lib, select_clauses(later, lib), ctx)
    assert not result.same
    assert result.reasons[0] == "委託業務の条件（リモート接続）が変更されました。"
    assert result.reasons[1] == f"条項ライブラリが第2025.9版から第{lib.version}版に変わりました。"
    assert [(r.clause_id, r.change) for r in result.comparison.rows if r.change == "removed"] == [
        ("ANX-REMOTE-ACCESS", "removed")
    ]
    # wording that differs with the same facts and library (e.g. a particular printed from the engagement)
    items = bid_docs.annex_records()
    items[0]["lines"][1] = items[0]["lines"][1].replace("重要性", "必要性")
    other = compare_with_bid(_bid(bid_docs, annex_json=canonical_json({"items": items})), lib,
                             select_clauses(MN, lib), sample_context())  # fmt: skip
    assert other.reasons == ("委託業務の名称、契約期間その他の記載事項が変更されました。",)
    [row] = other.comparison.rows
    assert row.change == "changed" and "重要性" in row.new_text and "必要性" in row.old_text


def test_the_annex_is_every_section_after_the_main_text():
    lib = library()
    selected = select_clauses(MN, lib)
    annex = annex_of(lib, selected)
    assert annex and all(s.clause.section != lib.sections[0].id for s in annex)
    assert [s for s in selected if s not in annex] == [s for s in selected if s.clause.section == lib.sections[0].id]
    assert docs_for(MN).annex == annex
    assert [i for i, _ in annex_sections_of(lib)] == list(range(1, len(lib.sections)))


def test_the_bid_documents_module_is_pure():
    """Importing it loads neither Piccolo nor Litestar (a fresh interpreter: other tests have loaded both)."""
    code = (
        "import sys, governance.contracts.bid_documents; "
        "print([m for m in sys.modules if m.startswith(('piccolo', 'litestar'))])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT.parent)
    assert out.stdout.strip() == "[]"
