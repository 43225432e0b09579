"""Documents generated on request and sent as a download: one place for the headers every such download needs."""

from __future__ import annotations

from urllib.parse import quote

from litestar.response import Response

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ZIP = "application/zip"


def docx_download(data: bytes, name: str, *, fallback: str) -> Response[bytes]:
    """A Word document as an attachment called ``name`` (``fallback``, in ASCII, for clients that ignore UTF-8 names).

    The document is made for the person asking (pre-filled with a contract's names), so it is never cached.
    """
    return download(data, name, media_type=DOCX, fallback=fallback)


def download(data: bytes, name: str, *, media_type: str, fallback: str) -> Response[bytes]:
    """Any generated file (a Word document, the zip of a 調達用一式) as an attachment, never cached or sniffed."""
    return Response(data, media_type=media_type, headers=attachment_headers(name, fallback))


def attachment_headers(name: str, fallback: str) -> dict[str, str]:
    """Headers of any download: attachment named ``name`` (UTF-8; ``fallback`` in ASCII), never cached or sniffed."""
    return {
        "Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}",
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store",
    }
