"""The one export path: CSV (UTF-8 with BOM) and .xlsx, streamed in batches, formulas neutralised, dates as dates."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import AsyncIterator

import openpyxl
import pytest

from governance.calendar import TOKYO
from governance.exports import BATCH, WAREKI_DATE, Column, export_chunks, export_name, field, neutralise

COLUMNS = (
    field("name", "名称", 20),
    field("status", "状態", 8, labels={"active": "有効"}),
    field("since", "開始日", 12),
    field("at", "登録日時", 18),
    field("tags", "区分", 10),
    field("count", "件数", 6),
    field("flag", "要否", 6),
)


async def _rows(n: int) -> AsyncIterator[dict]:
    for i in range(n):
        at = dt.datetime(2026, 4, 1, 0, 30, tzinfo=dt.UTC)
        yield {"name": f"事業者{i}", "status": "active", "since": dt.date(2026, 4, 1), "at": at, "tags": ["PI", "MN"],
               "count": i, "flag": True}  # fmt: skip


async def _collect(chunks: AsyncIterator[bytes]) -> list[bytes]:
    return [c async for c in chunks]


@pytest.mark.parametrize("text", ["=1+1", "+81", "-2", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://x","y")'])
def test_formula_like_text_is_made_inert(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["株式会社見本", "0120-000-000", "a=b", ""])
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert neutralise(text) == text


async def test_csv_has_a_bom_japanese_headers_labels_and_tokyo_times_in_batches() -> None:
    chunks = await _collect(export_chunks("csv", "一覧", COLUMNS, _rows(BATCH * 2 + 3)))
    assert len(chunks) == 4  # the header, two full batches and the rest: nothing waits for the whole list
    text = b"".join(chunks).decode("utf-8")
    assert text.startswith("\ufeff名称,状態,開始日")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[1] == ["事業者0", "有効", "2026-04-01", "2026-04-01 09:30:00", "PI、MN", "0", "はい"]
    assert len(rows) == BATCH * 2 + 4


async def test_xlsx_has_a_frozen_bold_header_filters_widths_and_real_dates() -> None:
    data = b"".join(await _collect(export_chunks("xlsx", "委託事業者一覧", COLUMNS, _rows(3))))
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet.title == "委託事業者一覧" and sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]] == [c.header for c in COLUMNS] and sheet["A1"].font.bold
    assert sheet.auto_filter.ref == "A1:G4" and sheet.column_dimensions["A"].width == 20
    since, at = sheet["C2"], sheet["D2"]
    assert since.value == dt.datetime(2026, 4, 1) and since.number_format == WAREKI_DATE
    assert at.value == dt.datetime(2026, 4, 1, 9, 30) and at.number_format == "yyyy/mm/dd hh:mm"
    assert sheet["F3"].value == 1 and sheet["B2"].value == "有効"


async def test_an_empty_register_still_has_its_header() -> None:
    text = b"".join(await _collect(export_chunks("csv", "一覧", COLUMNS, _rows(0)))).decode()
    assert text == "\ufeff" + ",".join(c.header for c in COLUMNS) + "\r\n"
    sheet = openpyxl.load_workbook(
        io.BytesIO(b"".join(await _collect(export_chunks("xlsx", "一覧", COLUMNS, _rows(0)))))
    ).active
    assert sheet.max_row == 1 and sheet.auto_filter.ref == "A1:G1"


def test_the_file_name_says_what_and_when() -> None:
    when = dt.datetime(2026, 12, 5, 1, 30, tzinfo=dt.UTC)
    assert export_name("監査ログ", "xlsx", when) == "監査ログ_20261205-1030.xlsx"
    assert export_name("監査ログ", "csv").startswith(f"監査ログ_{dt.datetime.now(TOKYO):%Y%m%d}")


def test_a_column_reads_any_value() -> None:
    column = Column("合計", lambda r: r["a"] + r["b"])
    assert column.value({"a": 1, "b": 2}) == 3
