"""Registers out: one export path for every list, as .xlsx or CSV, streamed, with spreadsheet formulas neutralised.

A register states its columns once (header, how to read the value from a row, width); the rows come from the same
query, with the same filters, as the page and the API list. Both formats stream: CSV row batch by row batch, .xlsx
through openpyxl's write-only workbook (rows go to a temporary file, never all in memory), so 100,000 rows hold no
more memory than a few hundred.

Cells a spreadsheet would read as a formula (beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return)
are written with a leading apostrophe, as OWASP advises against CSV injection: a sign-in name like
``=HYPERLINK(...)`` shows as text and is never evaluated.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import AsyncIterable, AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import anyio
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from governance.calendar import TOKYO

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
WAREKI_DATE = '[$-411]ggge"年"m"月"d"日"'
"""和暦 as Excel and LibreOffice print it (令和8年4月1日); the cell holds a real date, so it sorts and filters."""
DATETIME = "yyyy/mm/dd hh:mm"
BATCH = 500
SPOOL_BYTES = 512 * 1024
"""A saved .xlsx stays in memory up to this size, then goes to a temporary file: memory stays flat as rows grow
(bench/register_export.py: with 8 MiB the traced peak grew from 1.4 MiB at 10,000 checks to 7.8 MiB at 100,000)."""
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {"csv": CSV_MEDIA_TYPE, "xlsx": XLSX_MEDIA_TYPE}


@dataclass(frozen=True)
class Column:
    """One column of a register: its Japanese header, how to read the value from a row, and its width in .xlsx."""

    header: str
    value: Callable[[Mapping[str, Any]], Any]
    width: int = 14


def field(name: str, header: str, width: int = 14, labels: Mapping[str, str] | None = None) -> Column:
    """A column showing one field of the row (through ``labels`` when the field is a code)."""
    if labels is None:
        return Column(header, lambda row: row.get(name), width)
    return Column(header, lambda row: labels.get(row.get(name) or "", row.get(name) or ""), width)


def codes(name: str, header: str, width: int = 14, labels: Mapping[str, str] | None = None) -> Column:
    """A column showing a list of codes as their labels, joined with 「、」 (as the importers read them back)."""
    names = labels or {}
    return Column(header, lambda row: [names.get(c, c) for c in row.get(name) or []], width)


def neutralise(value: str) -> str:
    """Text a spreadsheet would evaluate (=, +, -, @, tab, CR first) made inert with a leading apostrophe."""
    return "'" + value if value.startswith(FORMULA_LEADS) else value


def _plain(value: Any) -> Any:
    """A value as a cell holds it: text neutralised, aware datetimes in Tokyo time, lists joined, None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, dt.datetime):
        return value.astimezone(TOKYO).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, (int, float, dt.date)):
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        return neutralise("、".join(str(v) for v in value))
    return neutralise(str(value))


def _csv_text(value: Any) -> str:
    value = _plain(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


async def csv_chunks(columns: Sequence[Column], rows: AsyncIterable[Mapping[str, Any]]) -> AsyncIterator[bytes]:
    """The register as CSV: UTF-8 with a BOM (so Excel reads Japanese), CRLF lines, yielded in batches of rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.header for c in columns])
    yield "\ufeff".encode() + _take(buffer)
    count = 0
    async for row in rows:
        writer.writerow([_csv_text(c.value(row)) for c in columns])
        count += 1
        if count % BATCH == 0:
            yield _take(buffer)
    if rest := _take(buffer):
        yield rest


def _take(buffer: io.StringIO) -> bytes:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text.encode("utf-8")


class _Sheet:
    """A write-only .xlsx sheet: bold frozen header, filters over every column, widths, dates as dates."""

    def __init__(self, title: str, columns: Sequence[Column]) -> None:
        self.book = Workbook(write_only=True)
        self.sheet = self.book.create_sheet(title=title[:31] or "一覧")
        self.columns = columns
        self.rows = 0
        for n, column in enumerate(columns, start=1):
            self.sheet.column_dimensions[get_column_letter(n)].width = column.width
        self.sheet.freeze_panes = "A2"
        header = []
        for column in columns:
            cell = WriteOnlyCell(self.sheet, value=column.header)
            cell.font = Font(bold=True)
            header.append(cell)
        self.sheet.append(header)

    def append(self, batch: list[Mapping[str, Any]]) -> None:
        for row in batch:
            cells = []
            for column in self.columns:
                value = _plain(column.value(row))
                cell = WriteOnlyCell(self.sheet, value=value)
                if isinstance(value, dt.datetime):
                    cell.number_format = DATETIME
                elif isinstance(value, dt.date):
                    cell.number_format = WAREKI_DATE
                cells.append(cell)
            self.sheet.append(cells)
        self.rows += len(batch)

    def save(self, target: Any) -> None:
        last = get_column_letter(max(len(self.columns), 1))
        self.sheet.auto_filter.ref = f"A1:{last}{self.rows + 1}"
        self.book.save(target)


async def xlsx_chunks(
    title: str, columns: Sequence[Column], rows: AsyncIterable[Mapping[str, Any]], *, chunk: int = 256 * 1024
) -> AsyncIterator[bytes]:
    """The register as an .xlsx workbook, built in a worker thread batch by batch and streamed from a spooled file."""
    sheet = await anyio.to_thread.run_sync(_Sheet, title, columns)
    batch: list[Mapping[str, Any]] = []
    async for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            await anyio.to_thread.run_sync(sheet.append, batch)
            batch = []
    await anyio.to_thread.run_sync(sheet.append, batch)
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as out:
        await anyio.to_thread.run_sync(sheet.save, out)
        out.seek(0)
        while data := await anyio.to_thread.run_sync(out.read, chunk):
            yield data


def export_chunks(
    fmt: str, title: str, columns: Sequence[Column], rows: AsyncIterable[Mapping[str, Any]]
) -> AsyncIterator[bytes]:
    """The register in the format asked for (``csv`` or ``xlsx``)."""
    if fmt == "xlsx":
        return xlsx_chunks(title, columns, rows)
    return csv_chunks(columns, rows)


def export_name(title: str, fmt: str, now: dt.datetime | None = None) -> str:
    """A file name that says what and when: 委託事業者一覧_20261205-1030.xlsx."""
    stamp = (now or dt.datetime.now(TOKYO)).astimezone(TOKYO).strftime("%Y%m%d-%H%M")
    return f"{title}_{stamp}.{fmt}"
