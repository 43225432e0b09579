"""Read an uploaded list (.xlsx or CSV) into a header and numbered rows of text, refusing what is not one (pure).

CSV may be UTF-8 (with or without BOM) or Shift_JIS/CP932, Excel's default for Japanese. An .xlsx is read with
openpyxl in read-only mode: the sheet 取込データ, else the first. Row numbers are those a spreadsheet shows (the
header is row 1).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass

from openpyxl import load_workbook

MAX_ROWS = 2000
"""The most data rows one file may hold (a larger list is split into several files)."""
DATA_SHEET = "取込データ"
"""The template's data sheet; a workbook without it is read from its first sheet."""
MAX_BYTES = 10 * 1024 * 1024
"""The largest file accepted (the upload limit of evidence files)."""


class FileRefused(ValueError):
    """The file cannot be read as a list; the message is for the clerk."""


@dataclass(frozen=True)
class Table:
    """A list as read: its headers (trimmed, in order) and its non-blank rows, each with its spreadsheet row number."""

    headers: tuple[str, ...]
    rows: tuple[tuple[int, dict[str, str]], ...]


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932")
    except UnicodeDecodeError as exc:
        raise FileRefused(
            "文字コードを判別できません。Excelで「CSV UTF-8」又は「CSV（コンマ区切り）」として保存し直してください。"
        ) from exc


def _xlsx_rows(data: bytes) -> list[list[str]]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise FileRefused("Excelファイルを読み込めません。ファイルが壊れていないか確認してください。") from exc
    try:
        sheet = book[DATA_SHEET] if DATA_SHEET in book.sheetnames else book.worksheets[0]
        rows: list[list[str]] = []
        for values in sheet.iter_rows(min_row=1, values_only=True):
            rows.append([_cell_text(v) for v in values])
            if len(rows) > MAX_ROWS + 1 + 1000:  # blank formatted rows are dropped later; stop runaway sheets
                break
        return rows
    finally:
        book.close()


def _csv_rows(data: bytes) -> list[list[str]]:
    text = _decode(data)
    if "\x00" in text:
        raise FileRefused("CSVファイルとして読み込めません。ExcelファイルかCSVファイルを選んでください。")
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise FileRefused(f"CSVファイルの形式が正しくありません（{exc}）。") from exc


def read_table(data: bytes) -> Table:
    """Read the bytes of an .xlsx or CSV file (the type is taken from the bytes, never from the name).

    Raises:
        FileRefused: empty, too large, not .xlsx or CSV, undecodable, no header, duplicate headers, too many rows.
    """
    if not data.strip():
        raise FileRefused("ファイルが空です。見出し行とデータの行があるファイルを選んでください。")
    if len(data) > MAX_BYTES:
        raise FileRefused(f"ファイルは{MAX_BYTES // (1024 * 1024)}MB以下にしてください。")
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                is_xlsx = "xl/workbook.xml" in z.namelist()
        except zipfile.BadZipFile:
            is_xlsx = False
        if not is_xlsx:
            raise FileRefused("Excelブック（.xlsx）かCSVファイルを選んでください。")
        raw = _xlsx_rows(data)
    elif data.startswith((b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"\xd0\xcf\x11\xe0")):
        # \xd0\xcf\x11\xe0: the old .xls format, which openpyxl cannot read
        raise FileRefused(
            "Excelブック（.xlsx）かCSVファイルを選んでください（古い形式の .xls は .xlsx で保存し直してください）。"
        )
    else:
        raw = _csv_rows(data)
    rows = [[c.strip() for c in r] for r in raw]
    if rows and not any(rows[0]):
        raise FileRefused("1行目に見出し（列名）を入れてください。テンプレートの見出し行をそのまま使えます。")
    if not rows:
        raise FileRefused("ファイルが空です。見出し行とデータの行があるファイルを選んでください。")
    header = list(rows[0])
    while header and not header[-1]:
        header.pop()
    if any(not h for h in header):
        raise FileRefused("見出し行に空欄の列があります。1行目のすべての列に列名を入れてください。")
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        raise FileRefused(f"見出し「{'」「'.join(duplicated)}」が複数の列にあります。列名は一度ずつにしてください。")
    body: list[tuple[int, dict[str, str]]] = []
    for number, cells in enumerate(rows[1:], start=2):
        if not any(cells):
            continue
        extra = [c for c in cells[len(header) :] if c]
        if extra:
            raise FileRefused(f"{number}行目に、見出しのない列の値があります（「{extra[0][:20]}」）。")
        body.append((number, {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(header)}))
        if len(body) > MAX_ROWS:
            raise FileRefused(f"1つのファイルで取り込めるのは{MAX_ROWS}行までです。ファイルを分けてください。")
    if not body:
        raise FileRefused("データの行がありません。2行目以降に取り込む内容を入力してください。")
    return Table(tuple(header), tuple(body))
