"""Sending a register as a download: which format was asked for, and the streamed response (governance.exports)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request
from litestar.openapi.spec import OpenAPIFormat, OpenAPIMediaType, OpenAPIResponse, OpenAPIType, Operation, Schema
from litestar.params import QueryParameter
from litestar.response import Stream

from governance.errors import ValidationError
from governance.exports import CSV_MEDIA_TYPE, FORMATS, XLSX_MEDIA_TYPE, Column, export_chunks, export_name
from governance.web.downloads import attachment_headers


class ExportFormat(StrEnum):
    """The file formats a register list can be sent as."""

    csv = "csv"
    xlsx = "xlsx"


ExportParam = Annotated[
    ExportFormat | None,
    QueryParameter(
        name="format",
        description="csv または xlsx を指定すると、同じ条件の一覧を全件ファイルで返します（Accept: text/csv、"
        f"{XLSX_MEDIA_TYPE} でも可）。省略時は JSON です。",
    ),
]
"""The ``format`` query parameter of an API list that also exports (``?format=csv|xlsx``).

Declared on the handler (as ``format: ExportParam = None``, so that a bad value's problem+json names the field the
client sent) so that OpenAPI lists it as an enum and a bad value gets a 400 before the handler runs; the handler
then asks ``wanted_format(request)``, which reads it together with ``Accept``.
"""


@dataclass
class ExportOperation(Operation):
    """The OpenAPI operation of an API list that also exports: its 200 answer lists CSV and .xlsx besides JSON."""

    def __post_init__(self) -> None:
        ok = (self.responses or {}).get("200")
        if isinstance(ok, OpenAPIResponse) and ok.content is not None:
            json_body = ok.content.get("application/json")
            if json_body is not None and isinstance(json_body.schema, Schema) and json_body.schema.one_of:
                # ``Page | Stream`` documents the Stream as an empty schema ("anything"); the JSON is only the page
                kept = [s for s in json_body.schema.one_of if not (isinstance(s, Schema) and not s.to_schema())]
                if len(kept) == 1:
                    json_body.schema = kept[0]
            text, binary = Schema(type=OpenAPIType.STRING), Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
            ok.content.setdefault(CSV_MEDIA_TYPE.split(";")[0], OpenAPIMediaType(schema=text))
            ok.content.setdefault(XLSX_MEDIA_TYPE, OpenAPIMediaType(schema=binary))


def export_links(request: Request[Any, Any, Any]) -> dict[str, str]:
    """The URLs of the page's register as .xlsx and CSV, with the filters on screen (``_export_links.html``).

    The page number and notices are left out: a file holds every matching row, not one page.
    """
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in ("format", "page", "notice")]
    return {fmt: f"{request.url.path}?{urlencode([*kept, ('format', fmt)])}" for fmt in ("xlsx", "csv")}


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


class FileStream(Stream):
    """A streamed file that keeps its own media type whatever the handler returning it declares.

    ``Stream.to_asgi_response`` prefers the handler's media type to its own, so an API list annotated with its JSON
    page would send a CSV or .xlsx file as ``application/json``. The charset is left to Litestar, which appends it
    to every ``text/`` type (``text/csv; charset=utf-8``, not twice).
    """

    def to_asgi_response(self, *args: Any, **kwargs: Any) -> Any:
        """Build the ASGI response with this file's media type (arguments as ``Stream.to_asgi_response``)."""
        kwargs["media_type"] = str(self.media_type).split(";")[0]
        return super().to_asgi_response(*args, **kwargs)


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

    return FileStream(
        export_chunks(fmt, title, columns, all_rows()),
        media_type=FORMATS[fmt],
        headers=attachment_headers(export_name(title, fmt), f"{fallback}.{fmt}"),
    )
