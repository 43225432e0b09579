"""Decide a file's type from its bytes, never from the name the user gave it (pure)."""

from __future__ import annotations

import io
import zipfile

ALLOWED: dict[str, str] = {
    "application/pdf": "PDF",
    "image/png": "PNG画像",
    "image/jpeg": "JPEG画像",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word文書",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excelブック",
    "text/plain; charset=utf-8": "テキスト",
}

EXTENSIONS: dict[str, str] = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "text/plain; charset=utf-8": ".txt",
    "application/zip": ".zip",
}

ZIP = "application/zip"
GENERATED: dict[str, str] = {ZIP: "ZIPファイル"}
"""Kinds stored only from the app's own output (the 調達用一式 of an engagement), never accepted from an upload."""


def sniff_content_type(data: bytes, *, generated: bool = False) -> str | None:
    """Return the content type of an allowed file, or None when the bytes are not one of the allowed kinds.

    ``generated`` (the app's own output, never an upload) also admits the kinds in ``GENERATED``: a plain zip.
    """
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                names = set(z.namelist())
        except zipfile.BadZipFile:
            return None
        if "word/document.xml" in names:
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        if "xl/workbook.xml" in names:
            return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return ZIP if generated else None
    if b"\x00" not in data:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return "text/plain; charset=utf-8"
    return None
