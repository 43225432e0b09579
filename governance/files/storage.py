"""Where stored files' bytes are kept: DATA_DIR/files (``local``) or the file_blob table (``database``).

Both storages share one interface, keyed by the bytes' SHA-256, so FileService, ``governance files check`` /
``migrate`` and the backup never care which one holds a file. ``GOVERNANCE_FILE_STORAGE`` names the one new files are
written to; reading prefers it and falls back to the other, so switching the setting keeps every file readable.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

LOCAL = "local"
DATABASE = "database"
KINDS = (LOCAL, DATABASE)
CHUNK_BYTES = 1024 * 1024


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def stored_path(root: Path, sha256: str) -> Path:
    """Where the local storage keeps the bytes of this hash: DATA_DIR/files/aa/bb/<sha256>."""
    return root / "files" / sha256[:2] / sha256[2:4] / sha256


def walk_files(base: Path) -> Iterator[Path]:
    """Every regular file under ``base`` (none when it does not exist), in a stable order."""
    if base.is_dir():
        yield from sorted(p for p in base.rglob("*") if p.is_file())


@dataclass(frozen=True)
class Stored:
    """One item a storage holds: its key (the SHA-256 it is filed under), a label for the operator, its age."""

    key: str
    label: str
    created: float


class FileStorage(Protocol):
    """What every storage offers; ``put`` joins the caller's transaction where the storage is transactional."""

    kind: str

    async def put(self, sha256: str, data: bytes) -> None:
        """Store the bytes under their hash (nothing happens when they are already there)."""

    async def get(self, sha256: str) -> bytes | None:
        """The bytes filed under the hash, or None."""

    async def exists(self, sha256: str) -> bool:
        """Whether something is filed under the hash."""

    async def measure(self, sha256: str) -> tuple[int, str] | None:
        """The size and actual SHA-256 of what is filed under the hash (None when nothing is)."""

    async def items(self) -> list[Stored]:
        """Everything the storage holds, including what no record refers to."""

    async def delete(self, item: Stored) -> None:
        """Remove one item (orphans only: the caller decides)."""


class LocalStorage:
    """Files under ``root/files/aa/bb/<sha256>``, written atomically (a reader never sees half a file)."""

    kind = LOCAL

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        """The file's place."""
        return stored_path(self.root, sha256)

    async def put(self, sha256: str, data: bytes) -> None:
        """Write the file unless it exists (written outside any transaction: a rollback leaves an orphan)."""
        path = self.path(sha256)
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{sha256}.{secrets.token_hex(4)}")
        tmp.write_bytes(data)
        os.replace(tmp, path)

    async def get(self, sha256: str) -> bytes | None:
        """The file's bytes, or None."""
        try:
            return self.path(sha256).read_bytes()
        except FileNotFoundError:
            return None

    async def exists(self, sha256: str) -> bool:
        """Whether the file is there."""
        return self.path(sha256).is_file()

    async def measure(self, sha256: str) -> tuple[int, str] | None:
        """Size and hash, read in chunks."""
        path = self.path(sha256)
        if not path.is_file():
            return None
        return path.stat().st_size, sha256_of(path)

    async def items(self) -> list[Stored]:
        """Every file under ``root/files`` (also stray and temporary ones; their key matches no hash)."""
        base = self.root / "files"
        found = []
        for path in walk_files(base):
            key = path.name if path == self.path(path.name) else ""
            found.append(Stored(key, str(path), path.stat().st_mtime))
        return found

    async def delete(self, item: Stored) -> None:
        """Remove the file."""
        Path(item.label).unlink(missing_ok=True)


class DatabaseStorage:
    """Rows of file_blob, written in the caller's transaction and deduplicated by SHA-256."""

    kind = DATABASE

    async def put(self, sha256: str, data: bytes) -> None:
        """Insert the blob unless one with this hash exists (a concurrent insert of the same bytes is ignored)."""
        from governance.files.tables import FileBlob

        if await self.exists(sha256):
            return
        await FileBlob.insert(FileBlob(sha256=sha256, data=data, size=len(data))).on_conflict(
            target=FileBlob.sha256, action="DO NOTHING"
        )

    async def get(self, sha256: str) -> bytes | None:
        """The blob's bytes, or None."""
        from governance.files.tables import FileBlob

        row = await FileBlob.select(FileBlob.data).where(FileBlob.sha256 == sha256).first()
        return None if row is None else bytes(row["data"])

    async def exists(self, sha256: str) -> bool:
        """Whether a blob with this hash exists."""
        from governance.files.tables import FileBlob

        return await FileBlob.exists().where(FileBlob.sha256 == sha256)

    async def measure(self, sha256: str) -> tuple[int, str] | None:
        """Size and hash of the blob's bytes."""
        data = await self.get(sha256)
        return None if data is None else (len(data), hashlib.sha256(data).hexdigest())

    async def items(self) -> list[Stored]:
        """Every blob (its hash and age, not its bytes)."""
        from governance.files.tables import FileBlob

        rows = await FileBlob.select(FileBlob.sha256, FileBlob.created_at).order_by(FileBlob.sha256)
        return [Stored(r["sha256"], f"データベース file_blob {r['sha256']}", _timestamp(r["created_at"])) for r in rows]

    async def delete(self, item: Stored) -> None:
        """Remove the blob, unless a record refers to it by now (a file uploaded again since the list was read)."""
        from governance.files.tables import FileBlob, StoredFile

        referenced = await StoredFile.exists().where(StoredFile.sha256 == item.key)
        if not referenced:
            await FileBlob.delete().where(FileBlob.sha256 == item.key)


def _timestamp(value: dt.datetime | str | None) -> float:
    if value is None:
        return 0.0
    if isinstance(value, str):  # SQLite may hand the text back
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.timestamp()


def open_storage(kind: str, root: Path) -> FileStorage:
    """The storage of this kind (``local`` needs the data directory)."""
    if kind == DATABASE:
        return DatabaseStorage()
    if kind == LOCAL:
        return LocalStorage(root)
    raise ValueError(f"unknown file storage {kind!r}")


def storages(kind: str, root: Path) -> tuple[FileStorage, FileStorage]:
    """The configured storage first, then the other one (read when the first does not hold a file)."""
    other = LOCAL if kind == DATABASE else DATABASE
    return open_storage(kind, root), open_storage(other, root)


def configured_kind() -> str:
    """The process's GOVERNANCE_FILE_STORAGE."""
    from governance.settings import get_settings

    return get_settings().file_storage


async def read(sha256: str, chain: tuple[FileStorage, ...]) -> bytes | None:
    """The bytes of the hash from the first storage in ``chain`` holding them intact, or None."""
    for storage in chain:
        data = await storage.get(sha256)
        if data is not None and hashlib.sha256(data).hexdigest() == sha256:
            return data
    return None
