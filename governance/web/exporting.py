"""Sending a register as a download: which format was asked for, and the streamed response (governance.exports)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from litestar import Request
from litestar.response import Stream

from governance.errors import ValidationError
from governance.exports import FORMATS, Column, export_chunks, export_name
from governance.web.downloads import attachment_headers


def wanted_format(request: Request[Any, Any, Any], *, default: str | None = None) -> str | None:
    """``csv`` or ``xlsx`` when the request asks for a file (``?format=`` first, then ``Accept``), else ``default``.

    Raises:
        ValidationError: ``format`` names something else (a clear 4xx, not a silent HTML page).
    """
    asked = request.query_params.get("format")
    if asked is not None:
        if asked not in FORMATS:
            raise ValidationError({"format": "出力形式は csv 又は xlsx を指定してください。"})
        return asked
    accept = request.headers.get("accept", "")
    for fmt, media_type in FORMATS.items():
        if media_type.split(";")[0] in accept:
            return fmt
    return default


async def export_response(
    fmt: str, title: str, columns: Sequence[Column], rows: AsyncIterator[Mapping[str, Any]], *, fallback: str
) -> Stream:
    """Stream the register as a file called 「title_日時.fmt」 (``fallback``, in ASCII, for old clients).

    The first row is read before the response starts, so a query the database refuses gets its 4xx page, never a
    200 whose body stops after the header line.
    """
    first = await anext(rows, None)

    async def all_rows() -> AsyncIterator[Mapping[str, Any]]:
        if first is None:
            return
        yield first
        async for row in rows:
            yield row

    return Stream(
        export_chunks(fmt, title, columns, all_rows()),
        media_type=FORMATS[fmt],
        headers=attachment_headers(export_name(title, fmt), f"{fallback}.{fmt}"),
    )
