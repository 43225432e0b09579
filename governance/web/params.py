"""Parameter types shared by controllers."""

from __future__ import annotations

from typing import Annotated, Any

from litestar.params import PathParameter

from governance.schema import MAX_ID

PathId = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
"""A record id in the path; out-of-range numbers get a 400, not a database error."""


def query_number(params: Any, name: str) -> int | None:
    """A whole number from the query string of a page (a filter id), or None for anything else.

    Pages read their filters leniently: a missing, non-numeric or absurdly long value means "no filter", never an
    error (the API declares typed parameters instead).
    """
    text = str(params.get(name, "") or "").strip()
    return int(text) if text.isdigit() and len(text) < 9 else None


def query_page(params: Any) -> int:
    """The page number from the query string (1 when missing or not a positive number)."""
    return query_number(params, "page") or 1
