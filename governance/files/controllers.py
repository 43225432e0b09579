"""Download of evidence files by id (never by a path the user chose)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Controller, Request, get
from litestar.response import Response

from governance.accounts.roles import OUTSOURCING_READERS
from governance.files.services import FileService
from governance.web.access import access
from governance.web.params import PathId


class FileController(Controller):
    """Serve stored evidence to those who read the records it belongs to."""

    path = "/files"
    opt = access(OUTSOURCING_READERS)
    include_in_schema = False

    @get("/{file_id:int}")
    async def download(self, request: Request[Any, Any, Any], file_id: PathId) -> Response[bytes]:
        """Send the file as an attachment, typed from its content checked at upload (never from its name)."""
        content = await FileService(request.app.state.settings.data_dir).load(file_id)
        ascii_name = "".join(
            ch if ch.isascii() and ch.isprintable() and ch not in '"\\;' else "_" for ch in content.filename
        )
        disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(content.filename, safe='')}"
        return Response(
            content.data,
            # Litestar appends "; charset=utf-8" to text/* itself; the stored type already names it.
            media_type=content.content_type.split(";")[0]
            if content.content_type.startswith("text/")
            else content.content_type,
            headers={
                "Content-Disposition": disposition,
                "X-Content-Type-Options": "nosniff",
                "Cache-Control": "private, no-store",
            },
        )
