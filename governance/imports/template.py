"""The import templates: an .xlsx with the header row, pick lists for code columns and an explanation sheet; a CSV."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from governance.imports.columns import CODE, NAME, YES_NO, ImportKind
from governance.imports.reading import DATA_SHEET, MAX_ROWS

HELP_SHEET, LISTS_SHEET = "説明", "選択肢"


def template_name(kind: ImportKind, fmt: str) -> str:
    """The download's name: 委託事業者_取込テンプレート.xlsx."""
    return f"{kind.title}_取込テンプレート.{fmt}"


def template_csv(kind: ImportKind) -> bytes:
    """The header row as CSV (UTF-8 with BOM, as Excel opens Japanese text)."""
    return ("\ufeff" + ",".join(c.header for c in kind.columns) + "\r\n").encode("utf-8")


def template_xlsx(kind: ImportKind, names: Mapping[str, Sequence[str]] | None = None) -> bytes:
    """The .xlsx template.

    Args:
        kind: what is imported.
        names: allowed names of name columns by field (departments, staff), listed and offered as pick lists.
    """
    names = names or {}
    book = Workbook()
    data = book.active
    data.title = DATA_SHEET
    lists = book.create_sheet(LISTS_SHEET)
    help_sheet = book.create_sheet(HELP_SHEET)
    list_col = 0
    for n, column in enumerate(kind.columns, start=1):
        letter = get_column_letter(n)
        cell = data.cell(row=1, column=n, value=column.header)
        cell.font = Font(bold=True)
        data.column_dimensions[letter].width = max(12, min(40, len(column.header) * 2 + 4))
        values: Sequence[str] = ()
        if column.kind == CODE:
            values = list(column.labels.values())
        elif column.kind == YES_NO:
            values = ["はい", "いいえ"]
        elif column.kind == NAME:
            values = list(names.get(column.field, ()))
        if values:
            list_col += 1
            list_letter = get_column_letter(list_col)
            lists.cell(row=1, column=list_col, value=column.header).font = Font(bold=True)
            for r, value in enumerate(values, start=2):
                lists.cell(row=r, column=list_col, value=value)
            source = f"{quote_sheetname(LISTS_SHEET)}!${list_letter}$2:${list_letter}${len(values) + 1}"
            validation = DataValidation(
                type="list", formula1=source, allow_blank=True, showErrorMessage=True,
                errorTitle="入力できない値です", error=f"{column.header}は一覧から選んでください。",
            )  # fmt: skip
            data.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
    data.freeze_panes = "A2"
    help_sheet.append([f"{kind.title}の取込みテンプレート"])
    help_sheet["A1"].font = Font(bold=True, size=13)
    help_sheet.append(
        [
            f"「{DATA_SHEET}」シートの2行目から1件1行で入力します。1行目の見出しは変えないでください。"
            f"使わない列は削除してもかまいません（必須の列を除く）。1つのファイルは{MAX_ROWS}行までです。"
        ]
    )
    help_sheet.append(["日付は「令和8年4月1日」「R8.4.1」「2026/4/1」のいずれかの形、又はExcelの日付で入力します。"])
    help_sheet.append([])
    help_sheet.append(["列名", "必須", "入力できる値", "説明"])
    for cell in help_sheet[5]:
        cell.font = Font(bold=True)
    for column in kind.columns:
        allowed = column.allowed()
        if column.kind == NAME and names.get(column.field):
            allowed = "、".join(names[column.field])
        help_sheet.append([column.header, "必須" if column.required else "", allowed, column.note])
    if kind.ignored:
        help_sheet.append([])
        help_sheet.append(
            [
                "出力した一覧の次の列は、そのまま残しても取り込みません: " + "、".join(sorted(kind.ignored)),
            ]
        )
    for letter, width in zip("ABCD", (26, 8, 60, 60), strict=True):
        help_sheet.column_dimensions[letter].width = width
    for row in help_sheet.iter_rows(min_row=6):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
