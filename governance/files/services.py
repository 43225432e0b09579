"""Store evidence files by content hash (DATA_DIR/files or the database, see storage.py) and read them back by id."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from governance.actor import Actor
from governance.audit.services import AuditService
from governance.errors import NotFoundError, ValidationError
from governance.files.sniff import ALLOWED, EXTENSIONS, GENERATED, sniff_content_type
from governance.files.storage import FileStorage, configured_kind, read, storages
from governance.files.tables import StoredFile

MAX_FILE_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class FileContent:
    """A stored file's bytes, its served (allow-listed) type and the name it is saved under."""

    data: bytes
    content_type: str
    filename: str


def clean_filename(name: str) -> str:
    """Keep only the base name, without path parts or control characters, at most 200 characters."""
    base = re.split(r"[\\/]", name)[-1]
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if unicodedata.category(ch)[0] != "C").strip()
    return (base or "file")[:200]


OCTET_STREAM = "application/octet-stream"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Extensions a download may keep for its checked type; any other is followed by the type's own extension.
_KEEP_EXTENSIONS: dict[str, frozenset[str]] = {
    content_type: frozenset({ext, ".jpeg"} if ext == ".jpg" else {ext}) for content_type, ext in EXTENSIONS.items()
}


def served_type(stored_type: str) -> str:
    """The Content-Type a stored file is served with: its type checked at upload if allowed, else octet-stream."""
    return stored_type if stored_type in ALLOWED or stored_type in GENERATED else OCTET_STREAM


def download_name(filename: str, content_type: str) -> str:
    """The name a download is saved under: the uploaded name, ending in the extension of the checked type.

    The name someone typed never decides how the file is opened: ``report.html`` checked as text is saved as
    ``report.html.txt``, and a file of no allowed type as ``….bin``.
    """
    name = clean_filename(filename)
    ext = EXTENSIONS.get(content_type, ".bin")
    keep = _KEEP_EXTENSIONS.get(content_type, frozenset({ext}))
    dot = name.rfind(".")
    if dot > 0 and name[dot:].lower() in keep:
        return name
    return name[: 200 - len(ext)] + ext


class FileService:
    """Save and load evidence files; the caller's transaction covers the record (and its audit entry)."""

    def __init__(self, root: Path, storage: str | None = None) -> None:
        """Files go to the ``storage`` named (default: GOVERNANCE_FILE_STORAGE) and are read from either storage."""
        self.root = root
        self.storage_kind = storage or configured_kind()
        self.chain: tuple[FileStorage, FileStorage] = storages(self.storage_kind, root)

    async def save(
        self,
        data: bytes,
        filename: str,
        *,
        actor: Actor,
        field: str = "evidence",
        now: dt.datetime | None = None,
        generated: bool = False,
        content_type: str | None = None,
    ) -> int:
        """Check and store a file and audit it (inside the caller's write transaction); return the record's id.

        ``generated`` marks the app's own output (a 調達用一式 zip), which may be of a kind no upload is accepted as and
        is not bound by the upload size limit (a municipality's base.docx with its emblem is copied into every document
        of a package). Its ``content_type`` may be given when the app made the bytes and knows their type (a contract
        draft is a .docx): it is then taken as is instead of being checked from the bytes (no unzipping).

        Raises:
            ValidationError: empty, too large, or not an allowed kind (checked from the bytes).
        """
        if not data:
            raise ValidationError({field: "ファイルが空です。"})
        if len(data) > MAX_FILE_BYTES and not generated:
            raise ValidationError({field: f"ファイルは{MAX_FILE_BYTES // (1024 * 1024)}MB以下にしてください。"})
        if content_type is not None and (not generated or content_type not in EXTENSIONS):
            raise ValueError("a known content type is for the app's own output of a stored kind (generated=True)")
        content_type = content_type or sniff_content_type(data, generated=generated)
        if content_type is None:
            kinds = "・".join(ALLOWED.values())
            raise ValidationError({field: f"このファイルの形式は登録できません。{kinds}のいずれかにしてください。"})
        digest = hashlib.sha256(data).hexdigest()
        await self.chain[0].put(digest, data)  # the database storage writes in this transaction
        rows = await StoredFile.insert(
            StoredFile(
                sha256=digest,
                size=len(data),
                content_type=content_type,
                original_name=clean_filename(filename),
                uploaded_by_id=actor.id,
                uploaded_by_label=actor.label[:200],
                uploaded_at=now or dt.datetime.now(dt.UTC),
            )
        ).returning(StoredFile.id)
        await AuditService().record(
            "file.uploaded", actor=actor, target_type="file", target_id=rows[0]["id"],
            target_label=clean_filename(filename), after={"sha256": digest, "size": len(data), "type": content_type},
            now=now,
        )  # fmt: skip
        return rows[0]["id"]

    async def load(self, file_id: int) -> FileContent:
        """Read a stored file, checking its bytes against the recorded hash.

        Raises:
            NotFoundError: no such record, or its bytes are missing or altered.
        """
        row = await StoredFile.select().where(StoredFile.id == file_id).first()
        if row is None:
            raise NotFoundError("ファイル", file_id)
        data = await read(row["sha256"], self.chain)  # the configured storage first, then the other
        if data is None:
            raise NotFoundError("ファイル", file_id)
        content_type = served_type(row["content_type"])
        return FileContent(data, content_type, download_name(row["original_name"], content_type))
