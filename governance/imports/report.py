"""What checking an imported list found: file-level problems, errors by row and column, the rows ready to insert."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from governance.imports.columns import ImportColumn, read_cell

Progress = Callable[[int], None]
"""Told how many more rows were checked (the CLI's progress bar)."""


@dataclass(frozen=True)
class RowError:
    """One thing wrong in one cell (or row): the spreadsheet row number, the column header, the message."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"{self.row}行目" + (f"「{self.column}」" if self.column else "")
        return f"{where}: {self.message}"


@dataclass
class ImportReport:
    """The result of checking (and maybe importing) one file."""

    kind: str
    filename: str
    sha256: str
    rows: int = 0
    problems: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    preview: list[dict[str, Any]] = field(default_factory=list)
    records: list[Any] = field(default_factory=list)
    imported_ids: list[int] = field(default_factory=list)
    row_labels: dict[int, str] = field(default_factory=dict)
    """Each row's name (名称 or 業務名), shown beside its errors so the clerk finds the row."""

    @property
    def ok(self) -> bool:
        """Nothing stands in the way of importing every row."""
        return not self.problems and not self.errors

    def as_json(self) -> dict[str, Any]:
        """The report as the API answers it."""
        return {
            "kind": self.kind,
            "filename": self.filename,
            "sha256": self.sha256,
            "rows": self.rows,
            "problems": self.problems,
            "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in self.errors],
            "ignored_columns": self.ignored,
            "imported": len(self.imported_ids),
            "ids": self.imported_ids,
        }


class FormValues:
    """Cell values as ``parse_form`` reads a submitted form (``get`` and ``getall``)."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.values = dict(values)

    def get(self, name: str, default: Any = None) -> Any:
        """One value (a list's first item)."""
        value = self.values.get(name, default)
        return value[0] if isinstance(value, list) and value else value

    def getall(self, name: str, default: Any = None) -> list[Any]:
        """Every value of a list field."""
        value = self.values.get(name)
        if value is None:
            return default if default is not None else []
        return value if isinstance(value, list) else [value]


def read_row(
    number: int, cells: Mapping[str, str], columns: Mapping[str, ImportColumn], errors: list[RowError]
) -> dict[str, Any]:
    """The form values of a row's known columns; a cell that cannot be read adds an error and is left out."""
    values: dict[str, Any] = {}
    for header, text in cells.items():
        column = columns.get(header)
        if column is None:
            continue
        value, problem = read_cell(column, text)
        if problem:
            errors.append(RowError(number, header, problem))
        else:
            values[column.field] = value
    return values


def field_errors(
    number: int, found: Mapping[str, str], headers: Mapping[str, str], errors: list[RowError], since: int | None = None
) -> None:
    """Add a service's or form's field errors, each named by the column that holds the field.

    With ``since`` (where this row's errors begin), a column that already has an error in the row gets no second one.
    """
    for name, message in found.items():
        column = headers.get(name, "")
        if since is not None and any(e.column == column for e in errors[since:]):
            continue
        errors.append(RowError(number, column, message))
