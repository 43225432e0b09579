"""Reading imported lists (pure): dates as clerks type them, encodings, cell values, refusals."""

from __future__ import annotations

import datetime as dt

import pytest

from governance.calendar import parse_date_text
from governance.imports.columns import KINDS, header_problems, read_cell
from governance.imports.reading import FileRefused, read_table
from tests.import_files import CONTRACTOR_HEADERS, as_csv, as_xlsx


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("令和8年4月1日", dt.date(2026, 4, 1)),
        ("R8.4.1", dt.date(2026, 4, 1)),
        ("Ｒ８．４．１", dt.date(2026, 4, 1)),
        ("r8/4/1", dt.date(2026, 4, 1)),
        ("令和元年5月1日", dt.date(2019, 5, 1)),
        ("平成31年4月30日", dt.date(2019, 4, 30)),
        ("H1.1.8", dt.date(1989, 1, 8)),
        ("2026-04-01", dt.date(2026, 4, 1)),
        ("2026/4/1", dt.date(2026, 4, 1)),
        ("2026年4月1日", dt.date(2026, 4, 1)),
        ("平成31年5月1日", None),  # that day is 令和元年5月1日
        ("R0.1.1", None),
        ("2026-02-30", None),
        ("4月1日", None),
        ("", None),
    ],
)
def test_dates_as_typed(text, day):
    assert parse_date_text(text) == day


def test_utf8_with_and_without_bom_and_cp932_read_alike():
    rows = [["", "株式会社髙橋・ソフト", "", "", "", "取引中", ""]]
    headers = CONTRACTOR_HEADERS[:7]
    read = [read_table(as_csv(headers, rows, encoding=e)) for e in ("utf-8-sig", "utf-8", "cp932")]
    assert all(t == read[0] for t in read)
    assert read[0].rows == ((2, dict(zip(headers, rows[0], strict=True))),)


def test_xlsx_dates_and_numbers_become_text_and_blank_rows_are_skipped():
    data = as_xlsx(["名称", "開始", "金額"], [["A社", dt.datetime(2026, 4, 1), 1200.0], [None, None, None], ["B社"]])
    table = read_table(data)
    assert table.rows == (
        (2, {"名称": "A社", "開始": "2026-04-01", "金額": "1200"}),
        (4, {"名称": "B社", "開始": "", "金額": ""}),
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"   \r\n", "ファイルが空です"),
        ("名称,名称\r\nA,B\r\n".encode(), "複数の列"),
        ("名称,,備考\r\nA,,\r\n".encode(), "空欄の列"),
        ("名称\r\nA,余り\r\n".encode(), "見出しのない列"),
        (b"PK\x03\x04not a zip", "Excelブック（.xlsx）かCSVファイル"),
        (b"\xff\xfe\x00\x00\x80\x81", "文字コードを判別できません"),
        (b"name\x00,x\r\n", "CSVファイルとして読み込めません"),
    ],
)
def test_refusals(data, message):
    with pytest.raises(FileRefused, match=message):
        read_table(data)


def test_cells_codes_yes_no_and_lists():
    columns = {c.field: c for c in KINDS["engagements"].columns}
    assert read_cell(columns["status"], "契約中") == ("contracted", None)
    assert read_cell(columns["status"], "contracted") == ("contracted", None)
    assert read_cell(columns["personal_info"], "○") == ("on", None)
    assert read_cell(columns["personal_info"], "たぶん")[1] == "「はい」又は「いいえ」を入力してください。"
    assert read_cell(columns["work_kinds"], "調査・分析、システム開発・構築") == (
        ["research", "system_development"],
        None,
    )
    assert "「掃除」は選べません" in read_cell(columns["work_kinds"], "掃除")[1]
    assert read_cell(columns["start_date"], "R8.4.1") == ("2026-04-01", None)
    assert "令和8年4月1日" in read_cell(columns["start_date"], "来年度")[1]


def test_header_problems_name_unknown_and_missing_columns():
    problems = header_problems(KINDS["engagements"], ("業務名", "番号", "担当者"))
    assert "見出し「担当者」は委託業務の取込みでは使えません" in problems[0]
    assert (
        "必須の列「所管課」「履行期間（開始）」「履行期間（終了）」「業務の種類」「作業場所」がありません"
        in problems[1]
    )
