"""様式 in the clause library: the shipped forms load and are tied to real clauses and checks; a broken form file is
reported with its file, id and reason (on a temporary copy of the shipped library)."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from governance.contracts.library import LibraryError, load_library

ROOT = Path(__file__).resolve().parents[2] / "contract_templates"

GOOD = """
id: FORM-TEST
number: 様式第99号
title: 試験届
requirements: [TK-05]
clauses: [ANX-TK05-STRUCTURE]
checks: [CHK-STRUCTURE-NOTICE]
submitted_by: contractor
intro: "{{ engagement.title }}について届け出ます。"
fields:
  - label: 委託業務の名称
    value: "{{ engagement.title }}"
  - label: 記入欄
tables:
  - {title: 名簿, columns: [氏名, 所属], rows: 3}
"""


@pytest.fixture(name="library_copy")
def fx_library_copy(tmp_path: Path) -> Path:
    """A copy of the shipped library to break one file at a time."""
    return Path(shutil.copytree(ROOT, tmp_path / "contract_templates"))


def with_form(root: Path, text: str, name: str = "zz-test.yaml") -> Path:
    (root / "forms" / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def problems_of(root: Path) -> list:
    with pytest.raises(LibraryError) as exc:
        load_library(root)
    return exc.value.problems


def test_shipped_forms_load_and_name_existing_clauses_and_checks():
    library = load_library(ROOT)
    clause_ids = {c.id for c in library.clauses}
    check_ids = {k.id for c in library.clauses for k in c.checks}
    assert len(library.forms) >= 10
    for form in library.forms:
        assert set(form.clauses) <= clause_ids and set(form.checks) <= check_ids, form.id
        assert form.submitted_by in {"contractor", "municipality"} and form.requirements, form.id
    assert {f.id for f in library.forms if f.bid} >= {"FORM-STRUCTURE-NOTICE", "FORM-SECURITY-PLEDGE"}
    assert library.form("FORM-ONSITE-INSPECTION").submitted_by == "municipality"
    assert library.form("FORM-PERIODIC-REPORT").checklist and library.form("FORM-ONSITE-INSPECTION").checklist
    assert library.form("FORM-NOPE") is None


def test_a_valid_added_form_loads_with_defaults(library_copy):
    form = load_library(with_form(library_copy, GOOD)).form("FORM-TEST")
    assert form is not None and form.source == "forms/zz-test.yaml"
    assert form.addressee and form.signature and not form.bid and not form.checklist  # a contractor's form
    assert [(f.label, f.value) for f in form.fields] == [("委託業務の名称", "{{ engagement.title }}"), ("記入欄", "")]
    assert [(t.title, t.columns, t.rows) for t in form.tables] == [("名簿", ("氏名", "所属"), 3)]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (("submitted_by: contractor", "submitted_by: contractor\ncolour: red"), "未知の項目：colour"),
        (("submitted_by: contractor\n", ""), "必要な項目がありません：submitted_by"),
        (("submitted_by: contractor", "submitted_by: vendor"), "submitted_by は contractor, municipality"),
        (("clauses: [ANX-TK05-STRUCTURE]", "clauses: [ANX-NOPE]"), "ライブラリにない条項ID：ANX-NOPE"),
        (("checks: [CHK-STRUCTURE-NOTICE]", "checks: [CHK-NOPE]"), "ライブラリにない確認事項ID：CHK-NOPE"),
        (("rows: 3", "rows: 0"), "rows（1〜30の行数）"),
        (("rows: 3", "rows: 31"), "rows（1〜30の行数）"),
        (("rows: 3", "rows: true"), "rows（1〜30の行数）"),
        (("columns: [氏名, 所属]", "columns: []"), "columns（列名の一覧）"),
        (('value: "{{ engagement.title }}"', 'value: "{{ inspector }}"'), "定義されていない差込み項目：inspector"),
        (('value: "{{ engagement.title }}"', 'value: "{{ check.titel }}"'), "定義されていない差込み項目"),
        (('value: "{{ engagement.title }}"', 'value: "{% if %}"'), "構文エラー"),
        (("requirements: [TK-05]", "requirements: [TK-99]"), "要件カタログにない要件ID：TK-99"),
        (("id: FORM-TEST", "id: ANX-TK05-STRUCTURE"), "重複"),
        (("id: FORM-TEST", "id: form-test"), "id は英大文字"),
        (("submitted_by: contractor", "submitted_by: contractor\nbid: yes please"), "bid は true か false"),
        (("submitted_by: contractor", "submitted_by: contractor\ncondition: {flag: NOPE}"), "未知の条件フラグ"),
    ],
)
def test_a_broken_form_is_reported_with_file_id_and_reason(library_copy, change, reason):
    old, new = change
    assert old in GOOD
    problems = problems_of(with_form(library_copy, GOOD.replace(old, new, 1)))
    found = [p for p in problems if reason in p.reason]
    assert found, [str(p) for p in problems]
    assert found[0].file == "forms/zz-test.yaml"


def test_a_form_asked_for_by_nothing_is_refused(library_copy):
    text = GOOD.replace("clauses: [ANX-TK05-STRUCTURE]\n", "").replace("checks: [CHK-STRUCTURE-NOTICE]\n", "")
    problems = problems_of(with_form(library_copy, text))
    assert any("clauses）又は確認事項（checks）を書いてください" in p.reason for p in problems)


def test_every_problem_of_several_form_files_is_reported_at_once(library_copy):
    with_form(library_copy, GOOD.replace("rows: 3", "rows: 0"), "a.yaml")
    other = GOOD.replace("id: FORM-TEST", "id: FORM-OTHER").replace("[CHK-STRUCTURE-NOTICE]", "[CHK-GONE]")
    with_form(library_copy, other, "b.yaml")
    problems = problems_of(library_copy)
    assert {p.file for p in problems} == {"forms/a.yaml", "forms/b.yaml"}


def test_templates_check_counts_forms_and_specification_sections():
    from governance.templates_cli import templates_check

    library = load_library(ROOT)
    result = CliRunner().invoke(templates_check, ["--path", str(ROOT)])
    assert result.exit_code == 0, result.output
    assert f"様式 {len(library.forms)}件" in result.output
    assert f"仕様書 {len(library.specification)}節" in result.output and "誤りはありません" in result.output


def test_templates_check_names_a_broken_form(library_copy):
    from governance.templates_cli import templates_check

    with_form(library_copy, GOOD.replace("rows: 3", "rows: 0"))
    result = CliRunner().invoke(templates_check, ["--path", str(library_copy)])
    assert result.exit_code == 1 and "forms/zz-test.yaml（FORM-TEST）" in result.output


def test_a_bid_form_that_needs_a_check_or_a_contractor_is_refused(library_copy):
    """A bid form is printed before there is a contractor or a check: 「{{ check.title }}」 there is a problem."""
    intro = 'intro: "{{ engagement.title }}について届け出ます。"'
    text = GOOD.replace(intro, 'intro: "{{ check.title }}について報告します。"')
    assert load_library(with_form(library_copy, text)).form("FORM-TEST") is not None  # offered from checks: fine
    found = problems_of(with_form(library_copy, text + "bid: true\n"))
    assert any(p.clause_id == "FORM-TEST" and "bid: true" in p.reason for p in found), found
