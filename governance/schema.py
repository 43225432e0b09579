r"""The one base Struct every schema derives from, and the shared input types every schema builds on.

One declaration serves the JSON API (msgspec decodes and validates the body, Litestar publishes the constraints in
OpenAPI) and the HTML forms (``governance.web.forms.parse_form`` reads the same constraints and words them in
Japanese). The shared types:

- ``SingleLine`` / ``RequiredLine``: names, titles, codes and every short text that can reach a mail header, a
  document line or a page title. No line break, no control character (C0, DEL, C1, U+2028/U+2029).
- ``MultiLine`` / ``RequiredText``: the texts pages show as textareas. Line feed and tab are the only control
  characters allowed (a client sends ``\n``, never ``\r\n``; the form layer normalises what browsers send).
- ``Required*`` also refuse a value made only of spaces (half-width or the full-width U+3000).
- ``Date``: a day between ``MIN_DATE`` and ``MAX_DATE``.
- ``choice(values)``: the codes of a label dict or StrEnum as a ``Literal``, so OpenAPI lists them as an enum.

Values are never altered here: a value is stored as it was sent or refused with the field named.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from collections.abc import Iterable
from typing import Annotated, Any, Literal

import msgspec

MIN_DATE = dt.date(1900, 1, 1)
"""The earliest day any date field accepts."""
MAX_DATE = dt.date(2200, 12, 31)
"""The latest day any date field accepts."""

CONTROL_CHARACTERS = r"\x00-\x1f\x7f-\x9f\u2028\u2029"
"""C0 and C1 controls, DEL and the Unicode line and paragraph separators, as a regex character-class body."""
CONTROL_BUT_TAB_LF = r"\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029"
"""The same without tab and line feed."""
_SPACES = r" \u3000"

SINGLE_LINE_PATTERN = rf"^[^{CONTROL_CHARACTERS}]*(?!\n)$"
"""No line break or other control character (``(?!\n)``: Python's ``$`` also matches before a final line feed)."""
REQUIRED_LINE_PATTERN = rf"^[{_SPACES}]*[^{CONTROL_CHARACTERS}{_SPACES}][^{CONTROL_CHARACTERS}]*(?!\n)$"
"""As ``SINGLE_LINE_PATTERN``, with at least one character that is not a space (linear: no nested repetition)."""
MULTI_LINE_PATTERN = rf"^[^{CONTROL_BUT_TAB_LF}]*$"
"""No control character except line feed and tab."""
REQUIRED_TEXT_PATTERN = rf"^[{_SPACES}\t\n]*[^{CONTROL_CHARACTERS}{_SPACES}][^{CONTROL_BUT_TAB_LF}]*$"
"""As ``MULTI_LINE_PATTERN``, with at least one character that is not a space, tab or line feed."""

SINGLE_LINE_PATTERNS = frozenset({SINGLE_LINE_PATTERN, REQUIRED_LINE_PATTERN})
MULTI_LINE_PATTERNS = frozenset({MULTI_LINE_PATTERN, REQUIRED_TEXT_PATTERN})

SingleLine = Annotated[str, msgspec.Meta(pattern=SINGLE_LINE_PATTERN)]
"""One line of text (may be empty); add the title and ``max_length`` with another ``msgspec.Meta``."""
RequiredLine = Annotated[str, msgspec.Meta(min_length=1, pattern=REQUIRED_LINE_PATTERN)]
"""One line of text that is not blank."""
MultiLine = Annotated[str, msgspec.Meta(pattern=MULTI_LINE_PATTERN)]
"""Text of several lines (line feed and tab allowed; may be empty)."""
RequiredText = Annotated[str, msgspec.Meta(min_length=1, pattern=REQUIRED_TEXT_PATTERN)]
"""Text of several lines that is not blank."""

DATE_RANGE_KEY = "date_range"
"""Key of ``msgspec.Meta.extra`` that holds the (first, last) days a date field accepts."""
Date = Annotated[
    dt.date,
    msgspec.Meta(
        description=f"{MIN_DATE.isoformat()}〜{MAX_DATE.isoformat()}", extra={DATE_RANGE_KEY: (MIN_DATE, MAX_DATE)}
    ),
]
"""A day between ``MIN_DATE`` and ``MAX_DATE`` (msgspec has no bounds for dates: ``Struct.__post_init__`` checks)."""


def choice(values: Iterable[Any]) -> Any:
    """Return a ``Literal`` of the given codes (keys of a label dict, members of a StrEnum), in their order.

    Args:
        values: the allowed codes; StrEnum members become their plain string values.

    Returns:
        ``Literal[...]`` usable in an annotation; OpenAPI shows it as an enum.
    """
    codes = tuple(dict.fromkeys(v.value if hasattr(v, "value") else v for v in values))
    return Literal[codes]  # type: ignore[valid-type]


def _date_range(annotation: Any) -> tuple[dt.date, dt.date] | None:
    """The bounds an annotation puts on a date (looking through Annotated and unions), or None."""
    if typing.get_origin(annotation) is Annotated:
        for meta in annotation.__metadata__:
            if isinstance(meta, msgspec.Meta) and meta.extra and DATE_RANGE_KEY in meta.extra:
                return meta.extra[DATE_RANGE_KEY]
        return _date_range(annotation.__origin__)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            if found := _date_range(arg):
                return found
    return None


_BOUNDED_DATES: dict[type, tuple[tuple[str, dt.date, dt.date], ...]] = {}


def _bounded_dates(cls: type) -> tuple[tuple[str, dt.date, dt.date], ...]:
    """The date fields of a Struct class with their bounds (computed once per class)."""
    found = _BOUNDED_DATES.get(cls)
    if found is None:
        try:
            hints = typing.get_type_hints(cls, include_extras=True)
        except (NameError, TypeError):  # a name only a local scope knows: such a class declares no shared Date
            hints = {}
        found = tuple(
            (name, *bounds)
            for name in cls.__struct_fields__  # type: ignore[attr-defined]
            if (bounds := _date_range(hints.get(name)))
        )
        _BOUNDED_DATES[cls] = found
    return found


class Struct(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Base for request and response shapes; unknown fields are refused, not ignored."""

    def __post_init__(self) -> None:
        """Refuse the NUL character in any text and a ``Date`` outside its bounds.

        PostgreSQL cannot store NUL and SQLite would keep it silently. msgspec turns the ValueError into a
        validation error (HTTP 400) when it decodes a request body.
        """
        for name in self.__struct_fields__:
            value = getattr(self, name)
            texts = value if isinstance(value, list) else [value]
            if any(isinstance(t, str) and "\x00" in t for t in texts):
                raise ValueError(f"{name} contains a NUL character (U+0000), which cannot be stored")
        for name, first, last in _bounded_dates(type(self)):
            value = getattr(self, name)
            if isinstance(value, dt.date) and not first <= value <= last:
                # the "- at" suffix is msgspec's own way to name a field, so the API's error names this one
                raise ValueError(f"Expected a date from {first.isoformat()} to {last.isoformat()} - at `$.{name}`")


MAX_ID = 2_147_483_647
"""Primary keys are ``serial`` (a 4-byte integer on PostgreSQL); larger numbers can name no record."""


def id_field(title: str) -> object:
    """Return the constraints of a field that holds a record id, titled for forms and OpenAPI."""
    return msgspec.Meta(title=title, ge=1, le=MAX_ID)
