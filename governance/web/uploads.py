"""Oversized uploads on the pages: refused with a field error on the same form, the other fields kept.

A body larger than the application's limit would otherwise be refused with a bare 413 page and everything typed gone.
For a signed-in post announced (``Content-Length``) above the limit to a form handler marked ``KEEPS_FIELDS``,
``UploadLimitMiddleware`` reads the body as a stream without keeping any file's bytes: the text fields are kept, each
file only counted. The request then goes on with a small body holding the text fields alone and the refused files
recorded in the scope, so the handler shows its form again with the typed values and a message at each file field
(``oversized_errors``). Nothing is saved. Other routes keep Litestar's limit (a 413 page), so no handler that does not
look for refused files ever sees a form whose file went missing.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.types import ASGIApp, Empty, Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState
from multipart import MultipartSegment, ParserError, ParserLimitReached, PushMultipartParser

from governance.errors import ValidationError
from governance.files.services import MAX_FILE_BYTES

KEEPS_FIELDS_KEY = "keeps_fields_when_oversized"
KEEPS_FIELDS: dict[str, bool] = {KEEPS_FIELDS_KEY: True}
"""Route ``opt`` of a form handler that refuses oversized files itself (``oversized_errors``); others get a 413."""
OVERSIZED_KEY = "governance.oversized_uploads"
"""Scope key: file field name → the size in bytes of the file that was not taken in."""
TEXT_LIMIT = 1024 * 1024
"""The text fields of a refused form are kept up to this many bytes in all; more is a plain 413."""
HARD_LIMIT = 512 * 1024 * 1024
"""A body announced above this is refused at once, without reading it."""
BOUNDARY = "governance-kept-fields"


def megabytes(n: int) -> str:
    """A byte count as the MB figure staff read on the page (10 MB, 13.2 MB)."""
    return f"{n / (1024 * 1024):.1f}".removesuffix(".0")


def upload_limit_label() -> str:
    """The per-file limit as shown on file fields (「10 MB まで」)."""
    return f"{megabytes(MAX_FILE_BYTES)} MB まで"


def oversized_errors(request: Request[Any, Any, Any]) -> dict[str, str]:
    """Field errors for the files refused before the body was parsed (empty when none were)."""
    sizes: dict[str, int] = request.scope.get(OVERSIZED_KEY) or {}  # type: ignore[call-overload]
    limit = megabytes(MAX_FILE_BYTES)
    errors: dict[str, str] = {}
    for name, size in sizes.items():
        if size > MAX_FILE_BYTES:
            errors[name] = (
                f"ファイルが大きすぎます（{megabytes(size)} MB）。1つのファイルは{limit} MBまでです。"
                "他の入力内容は残っています。ファイルを選び直してください。"
            )
        else:
            errors[name] = (
                "一度に送信するファイルの合計が大きすぎます。ファイルを分けて保存してください。"
                "他の入力内容は残っています。ファイルを選び直してください。"
            )
    return errors


def refuse_oversized(request: Request[Any, Any, Any]) -> None:
    """Raise the field errors of refused files, so that the handler's error path shows the form again.

    Raises:
        ValidationError: a file of the form was too large to take in.
    """
    if errors := oversized_errors(request):
        raise ValidationError(errors, message="ファイルが大きすぎるため、保存しませんでした。")


def _boundary(content_type: str) -> str | None:
    main, _, params = content_type.partition(";")
    if main.strip().lower() != "multipart/form-data":
        return None
    for param in params.split(";"):
        key, _, value = param.strip().partition("=")
        if key.lower() == "boundary" and value:
            return value.strip('"')
    return None


def _encode(fields: list[tuple[str, bytes]]) -> bytes:
    parts = []
    for name, value in fields:
        quoted = name.replace("\\", "\\\\").replace('"', "%22")
        parts.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{quoted}"\r\n\r\n'.encode() + value + b"\r\n"
        )
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


class UploadLimitMiddleware:
    """Keep the text of a page form whose files make its body too large, and let its handler refuse the files."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass everything through except a signed-in page post announced above the body limit."""
        if scope["type"] != "http" or scope.get("method") != "POST" or str(scope.get("path", "")).startswith("/api/"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        length = headers.get("content-length", "")
        boundary = _boundary(headers.get("content-type", ""))
        handler = scope.get("route_handler")
        keeps = handler is not None and handler.opt.get(KEEPS_FIELDS_KEY)
        limit = handler.resolve_request_max_body_size() if keeps else None
        if not (boundary and length.isdigit() and limit and int(length) > limit and scope.get("user") is not None):
            # not a form that handles it, within the limit, or anonymous: Litestar's own limit applies (a 413 page)
            await self.app(scope, receive, send)
            return
        if int(length) > HARD_LIMIT:
            raise RequestEntityTooLarge
        fields, sizes = await self._read(receive, boundary)
        body = _encode(fields)
        scope[OVERSIZED_KEY] = sizes  # type: ignore[literal-required]
        scope["headers"] = [
            (k, v) for k, v in scope["headers"] if k.lower() not in (b"content-length", b"content-type")
        ] + [
            (b"content-type", f"multipart/form-data; boundary={BOUNDARY}".encode()),
            (b"content-length", str(len(body)).encode()),
        ]
        state = ScopeState.from_scope(scope)  # the authentication read the headers already: parse them anew
        state.headers = state.content_type = state.body = state.form = Empty
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()  # the body is over: only a disconnect can follow
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    @staticmethod
    async def _read(receive: Receive, boundary: str) -> tuple[list[tuple[str, bytes]], dict[str, int]]:
        """Read the whole body as a stream: text fields kept (up to ``TEXT_LIMIT``), files only measured.

        Raises:
            RequestEntityTooLarge: the text alone is too large, or the body is not a readable form.
        """
        fields: list[tuple[str, bytes]] = []
        sizes: dict[str, int] = {}
        kept = 0
        segment: MultipartSegment | None = None
        value = bytearray()
        try:
            with PushMultipartParser(boundary, max_segment_count=1000) as parser:
                more = True
                while more:
                    message = await receive()
                    if message["type"] != "http.request":
                        raise RequestEntityTooLarge  # the client went away
                    chunk = message.get("body", b"")
                    more = message.get("more_body", False)
                    for event in parser.parse(chunk) if chunk else ():
                        if isinstance(event, MultipartSegment):
                            segment, value = event, bytearray()
                        elif event and segment is not None:
                            if segment.filename:
                                sizes[segment.name] = sizes.get(segment.name, 0) + len(event)
                            else:
                                kept += len(event)
                                if kept > TEXT_LIMIT:
                                    raise RequestEntityTooLarge
                                value.extend(event)
                        elif event is None and segment is not None:
                            if not segment.filename:
                                fields.append((segment.name, bytes(value)))
                            segment = None
                    if not more:
                        for event in parser.parse(b""):
                            if event is None and segment is not None and not segment.filename:
                                fields.append((segment.name, bytes(value)))
        except (ParserError, ParserLimitReached) as exc:
            raise RequestEntityTooLarge from exc
        return fields, sizes
