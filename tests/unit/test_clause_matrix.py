"""The clause matrix: which fact brings which clause, as text, Markdown and Excel (``governance templates matrix``)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from governance.contracts.conditions import FACTS, parse_condition
from governance.contracts.library import load_library
from governance.contracts.matrix import (
    CLAUSE_HEADERS,
    FACT_HEADERS,
    FLAG_FACTS,
    clause_rows,
    fact_rows,
    reads,
    render_markdown,
)
from governance.engagements.facts import FLAG_LABELS
from governance.templates_cli import templates_group

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "contract_templates"
DOCS_PAGE = REPO / "docs" / "contract-clause-matrix.md"
REGENERATE = "governance templates matrix --markdown docs/contract-clause-matrix.md"


@pytest.fixture(scope="module")
def library():
    return load_library(SHIPPED)


def row_of(rows, clause_id):
    return next(r for r in rows if r.clause_id == clause_id)


def fact_of(rows, kind, name):
    return next(r for r in rows if r.kind == kind and r.name == name)


# -- clause rows --------------------------------------------------------------------------------------------------


def test_rows_cover_every_clause_in_document_order(library):
    rows = clause_rows(library)
    expected = sorted(library.clauses, key=lambda c: ([s.id for s in library.sections].index(c.section), c.order, c.id))
    assert [r.clause_id for r in rows] == [c.id for c in expected]
    assert len({r.clause_id for r in rows}) == len(library.clauses)
    for section in library.sections:
        positions = [r.position for r in rows if r.section_id == section.id]
        assert positions == list(range(1, len(positions) + 1))
        assert all(r.section == section.title for r in rows if r.section_id == section.id)


def test_row_shows_condition_requirements_checks_and_source(library):
    rows = clause_rows(library)
    onsite = row_of(rows, "ANX-ONSITE-WORK")
    assert onsite.condition == "作業場所に次を含む：甲の庁舎内"
    assert onsite.source == "clauses/annex-160-onsite.yaml"
    assert "OUT-CON-02 責任者・委託内容・作業者所属・作業場所の特定" in onsite.requirements
    unconditional = next(c for c in library.clauses if c.condition.kind == "always")
    assert row_of(rows, unconditional.id).condition == "常に"
    assurance = row_of(rows, "ANX-CLOUD-ASSURANCE")
    check = next(c for c in assurance.checks if c.id == "CHK-CLOUD-ASSURANCE")
    assert check.when == "毎年度" and check.condition == ""


def test_clause_with_part_conditions_lists_them(library):
    rows = clause_rows(library)
    with_parts = [c for c in library.clauses if any(where.startswith("第") for where, _ in c.conditions())]
    assert with_parts, "the shipped library has no clause with a part condition any more"
    for clause in with_parts:
        expected = [f"{where}：{cond.describe()}" for where, cond in clause.conditions()]
        assert list(row_of(rows, clause.id).inner_conditions) == expected
    # one concrete case, so that the test does not just repeat the code
    security = row_of(rows, "MAIN-07-SECURITY")
    assert "第2段：個人情報を取り扱う" in security.inner_conditions
    assert all(not r.inner_conditions for r in rows if not row_of_clause(library, r.clause_id).conditions())


def row_of_clause(library, clause_id):
    return next(c for c in library.clauses if c.id == clause_id)


def test_check_conditions_are_shown_with_the_check(library):
    report = row_of(clause_rows(library), "ANX-CON10-REPORT")
    monthly = next(c for c in report.checks if c.id == "CHK-MONTHLY-REPORT")
    assert monthly.condition.startswith("重要度") and monthly.when == "毎月"
    assert "［条件：重要度" in monthly.text()


# -- fact view ----------------------------------------------------------------------------------------------------


def test_fact_view_names_the_clauses_that_read_a_fact_or_flag(library):
    rows = fact_rows(library)
    locations = fact_of(rows, "fact", "work_locations")
    assert locations.label == "作業場所"
    assert "ANX-ONSITE-WORK" in [c.clause_id for c in locations.clauses]
    saas = fact_of(rows, "flag", "SAAS")
    assert saas.label == FLAG_LABELS["SAAS"]
    assert "ANX-CLOUD-ASSURANCE" in [c.clause_id for c in saas.clauses]
    assert "ANX-CLOUD-ASSURANCE" not in [c.clause_id for c in saas.partly]


def test_fact_view_separates_clauses_read_only_in_a_part(library):
    rows = fact_rows(library)
    pi = fact_of(rows, "flag", "PI")
    partly = {c.clause_id: c for c in pi.partly}
    assert "MAIN-07-SECURITY" in partly and "MAIN-07-SECURITY" not in [c.clause_id for c in pi.clauses]
    assert partly["MAIN-07-SECURITY"].where == ("第2段",)
    assert partly["MAIN-07-SECURITY"].text() == "MAIN-07-SECURITY（情報セキュリティの確保）：第2段"
    # every clause-level reader really reads it, and no clause appears in both lists of a row
    for row in rows:
        key = row.name if row.kind == "fact" else f"flag:{row.name}"
        for ref in row.clauses:
            assert key in reads(row_of_clause(library, ref.clause_id).condition)
        assert not {c.clause_id for c in row.clauses} & {c.clause_id for c in row.partly}


def test_fact_view_lists_every_fact_and_flag_with_what_makes_a_flag_hold(library):
    rows = fact_rows(library)
    assert {r.name for r in rows if r.kind == "fact"} == set(FACTS)
    assert [r.name for r in rows if r.kind == "flag"] == list(FLAG_LABELS)
    assert set(FLAG_FACTS) == set(FLAG_LABELS), "FLAG_FACTS (engagements/facts.py) must name the facts of every flag"
    for row in rows:
        if row.kind == "flag":
            assert row.meaning.startswith(FLAG_LABELS[row.name])
    assert "作業場所" in fact_of(rows, "flag", "SAAS").meaning


def test_a_flags_fact_condition_counts_as_reading_the_flag():
    assert "flag:SUB" in reads(parse_condition({"fact": "flags", "contains": "SUB"}))
    assert reads(parse_condition({"not": {"flag": "PI"}})) == {"flag:PI"}


# -- command ------------------------------------------------------------------------------------------------------


def test_command_prints_one_block_per_clause(library):
    result = CliRunner().invoke(templates_group, ["matrix", "--path", str(SHIPPED)])
    assert result.exit_code == 0, result.output
    assert result.output.count("■ ") == len(library.clauses)
    assert f"第{library.version}版" in result.output
    assert "入る条件　　：作業場所に次を含む：甲の庁舎内" in result.output


def test_xlsx_has_both_sheets_with_headers_and_one_row_per_clause(library, tmp_path):
    out = tmp_path / "matrix.xlsx"
    result = CliRunner().invoke(templates_group, ["matrix", "--path", str(SHIPPED), "--xlsx", str(out)])
    assert result.exit_code == 0, result.output
    wb = load_workbook(out)
    assert wb.sheetnames == ["条項と条件", "事実と条項"]
    clauses = wb["条項と条件"]
    header = [c.value for c in clauses[1]]
    assert header == list(CLAUSE_HEADERS)
    assert all(c.font.bold for c in clauses[1])
    assert clauses.freeze_panes == "A2" and clauses.auto_filter.ref
    body = list(clauses.iter_rows(min_row=2, values_only=True))
    assert [r[2] for r in body] == [r.clause_id for r in clause_rows(library)]
    onsite = next(r for r in body if r[2] == "ANX-ONSITE-WORK")
    assert onsite[4] == "作業場所に次を含む：甲の庁舎内"
    facts = wb["事実と条項"]
    assert [c.value for c in facts[1]] == list(FACT_HEADERS)
    assert facts.max_row - 1 == len(fact_rows(library))
    saas = next(r for r in facts.iter_rows(min_row=2, values_only=True) if r[1] == "SAAS")
    assert "ANX-CLOUD-ASSURANCE" in saas[4]


def test_markdown_page_is_current(tmp_path):
    page = tmp_path / "page.md"
    result = CliRunner().invoke(templates_group, ["matrix", "--path", str(SHIPPED), "--markdown", str(page)])
    assert result.exit_code == 0, result.output
    fresh = page.read_text(encoding="utf-8")
    committed = DOCS_PAGE.read_text(encoding="utf-8") if DOCS_PAGE.exists() else ""
    assert committed == fresh, (
        f"docs/contract-clause-matrix.md is out of date with contract_templates/; regenerate it with `{REGENERATE}`"
    )


def test_markdown_page_has_title_sections_and_fact_table(library):
    page = render_markdown(library)
    assert page.startswith(f"# 契約書条項の適用条件一覧（条項ライブラリ 第{library.version}版）\n")
    assert REGENERATE in page and "手で編集しないでください" in page
    for section in library.sections:
        assert f"## {section.title}（" in page
    assert "## 事実と条項" in page
    for clause in library.clauses:
        assert f"`{clause.id}`" in page


def test_broken_library_is_refused_in_japanese(tmp_path):
    (tmp_path / "clauses").mkdir()
    (tmp_path / "library.yaml").write_text(
        textwrap.dedent(
            """
            version: "test-1"
            title: 業務委託契約書
            sections:
              - {id: main, title: 業務委託契約書}
            """
        ),
        encoding="utf-8",
    )
    (tmp_path / "clauses" / "bad.yaml").write_text("id: [unclosed", encoding="utf-8")
    out = tmp_path / "matrix.xlsx"
    result = CliRunner().invoke(templates_group, ["matrix", "--path", str(tmp_path), "--xlsx", str(out)])
    assert result.exit_code != 0
    assert "clauses/bad.yaml: YAMLの書式エラー" in result.stderr
    assert "条項ライブラリに1件の誤りがあります" in result.stderr
    assert not out.exists()
