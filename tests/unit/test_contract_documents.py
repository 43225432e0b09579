"""Contract documents from the shipped library: numbering, hostile text, and every contract's mandatory clauses."""

from __future__ import annotations

import copy
import io
import re
from functools import lru_cache
from pathlib import Path

from docx import Document
from hypothesis import given, settings
from hypothesis import strategies as st

from governance.contracts.clauses import select_clauses
from governance.contracts.conditions import ALWAYS
from governance.contracts.documents import render_contract, zenkaku
from governance.contracts.library import load_library, sample_context
from governance.engagements.facts import EngagementFacts

ROOT = Path(__file__).resolve().parents[2] / "contract_templates"
MN = EngagementFacts(
    confidentiality="3B", personal_info=True, specific_personal_info=True, segments=frozenset({"mynumber"}),
    work_kinds=frozenset({"system_operation"}), work_locations=frozenset({"contractor_site"}), remote_access=True,
    subcontracting=True, subcontractors=("株式会社下請",),
)  # fmt: skip


@lru_cache(maxsize=1)
def library():
    return load_library(ROOT)


def paragraphs(data: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(data)).paragraphs]


def test_articles_and_annex_items_are_numbered_in_order():
    lib = library()
    selected = select_clauses(MN, lib)
    texts = paragraphs(render_contract(lib, selected, sample_context()))
    main = sum(1 for s in selected if s.clause.section == "main")
    annex = len(selected) - main
    articles = [t for t in texts if re.match(r"^第[０-９]+条　", t)]
    assert [a.split("　")[0] for a in articles] == [f"第{zenkaku(i)}条" for i in range(1, main + 1)]
    annex_items = [t for t in texts if re.match(r"^第[０-９]+　", t)]
    assert len(annex_items) == annex
    assert any(t.startswith("（１）　") for t in texts) and any(t.startswith("ア　") for t in texts)
    assert not any(re.search(r"[0-9]", t) for t in texts), "one numeral style: every digit is full-width"
    assert texts[0] == "業務委託契約書" and "別記　情報セキュリティに関する特記事項" in texts


def test_hostile_user_text_cannot_break_the_document():
    lib = library()
    ctx = copy.deepcopy(sample_context())
    nasty = "<w:p>&amp;\"'\x00\x07\x1b\ufffe" + "株式会社" * 3000
    ctx["contractor"]["name"] = nasty
    ctx["engagement"]["title"] = "]]><script>alert(1)</script>\r\n\t改行"
    data = render_contract(lib, select_clauses(MN, lib), ctx)
    text = "\n".join(paragraphs(data))  # opens: the XML is well-formed
    assert "<w:p>&amp;\"'" in text and "\x00" not in text and "\x07" not in text
    assert "]]><script>alert(１)</script>" in text  # one numeral style, even in typed text


facts = st.builds(
    EngagementFacts,
    scheme=st.just("R6"),
    confidentiality=st.sampled_from(["1", "2", "3A", "3B", "3C"]),
    integrity=st.sampled_from([1, 2]),
    availability=st.sampled_from([1, 2]),
    personal_info=st.booleans(),
    specific_personal_info=st.booleans(),
    segments=st.frozensets(st.sampled_from(["mynumber", "lgwan", "internet"])),
    work_kinds=st.frozensets(
        st.sampled_from(["system_development", "system_operation", "cloud_service", "data_entry", "printing_mailing",
                         "clerical", "social_media", "research", "disposal", "other"]), min_size=1),
    work_locations=st.frozensets(st.sampled_from(["onsite", "contractor_site", "remote", "contractor_cloud"]),
                                 min_size=1),
    contract_type_choice=st.sampled_from(["", "ukeoi", "jun_inin"]),
    remote_access=st.booleans(),
    off_premises=st.booleans(),
    subcontracting=st.booleans(),
)  # fmt: skip

# Catalog requirements whose condition is ALL: every contract must carry a clause for each.
ALL_REQUIREMENTS = {f"OUT-CON-{i:02d}" for i in (1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13)} | {
    f"TK-{i:02d}" for i in (2, 5, 6, 7, 8, 11, 13, 14, 15, 16, 20, 21)
}
# 適正管理・複写・持ち出し are graded by the classification: public information (機密性1) keeps only the ban on use
# beyond the purpose (TK-08), as the contract officer asked; everything from 機密性2 up carries them.
C2_REQUIREMENTS = {"TK-04", "TK-09", "TK-10"}


@settings(max_examples=150, deadline=None)
@given(f=facts)
def test_every_contract_carries_the_mandatory_clauses_and_no_clause_without_its_condition(f):
    lib = library()
    chosen = select_clauses(f, lib)
    ids = {s.clause.id for s in chosen}
    for clause in lib.clauses:
        assert (clause.id in ids) == clause.condition.holds(f), clause.id
        if clause.condition is ALWAYS:
            assert clause.id in ids
    covered = {r for s in chosen for r in s.clause.requirements}
    assert covered >= ALL_REQUIREMENTS, ALL_REQUIREMENTS - covered
    if "C2+" in f.flags:
        assert covered >= C2_REQUIREMENTS, C2_REQUIREMENTS - covered
    if "MN" in f.flags and "SUB" in f.flags:
        assert "LAW-02" in covered
    if "PI" not in f.flags:
        assert not covered & {"TK-01", "TK-03", "TK-12", "TK-17", "TK-18", "LAW-01", "LAW-04", "LAW-05"}


def test_shipped_library_is_valid_and_versioned():
    lib = library()
    assert lib.version and len(lib.content_hash) == 64
    assert {s.id for s in lib.sections} == {"main", "annex"}
    assert sum(len(c.checks) for c in lib.clauses) >= 10


def test_a_base_document_supplies_the_municipalitys_styles_and_header():
    from docx.shared import Pt

    base = Document()
    base.styles["Normal"].font.name = "ＭＳ 明朝"
    base.styles["Normal"].font.size = Pt(11)
    base.sections[0].header.paragraphs[0].text = "みどり市契約書式（総務課）"
    base.add_paragraph("見本の本文（出力では除かれる）")
    buf = io.BytesIO()
    base.save(buf)
    lib = library()
    data = render_contract(lib, select_clauses(MN, lib), sample_context(), base=buf.getvalue())
    out = Document(io.BytesIO(data))
    assert out.styles["Normal"].font.name == "ＭＳ 明朝" and out.styles["Normal"].font.size == Pt(11)
    assert out.sections[0].header.paragraphs[0].text == "みどり市契約書式（総務課）"
    texts = [p.text for p in out.paragraphs]
    assert "見本の本文（出力では除かれる）" not in texts and texts[0] == "業務委託契約書"
