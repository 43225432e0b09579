"""Keep an uploaded list on the server between its preview and 「取り込む」, so the clerk never uploads it twice.

The bytes and a small JSON note (kind, file name, SHA-256, who uploaded it, when) are written under
``DATA_DIR/imports`` with a random token as their name; only the uploader can take them back, within a day. No
table is involved: a staged file is a working copy, not a record (the import's audit entry keeps its SHA-256).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from governance.errors import DomainError, NotFoundError

KEEP = dt.timedelta(hours=24)
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


class StagedFileGone(NotFoundError):
    """The previewed file is no longer kept (imported already, older than a day, or someone else's)."""

    def __init__(self) -> None:
        DomainError.__init__(
            self,
            "検査したファイルが見つかりません。既に取り込んだか、検査から24時間が過ぎています。"
            "一覧で取込みの結果を確認し、必要ならもう一度ファイルを選んでください。",
        )
        self.entity, self.key = "取込み用のファイル", ""


@dataclass(frozen=True)
class StagedFile:
    """An uploaded list waiting for 「取り込む」."""

    token: str
    kind: str
    filename: str
    sha256: str
    data: bytes


class Staging:
    """The folder of staged uploads."""

    def __init__(self, data_dir: Path) -> None:
        self.root = Path(data_dir) / "imports"

    def _write(self, path: Path, data: bytes) -> None:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)

    def put(self, data: bytes, *, kind: str, filename: str, user_id: int | None, now: dt.datetime) -> StagedFile:
        """Keep the bytes; stale files of earlier previews are removed on the way."""
        self.root.mkdir(parents=True, exist_ok=True)
        self.sweep(now)
        token = secrets.token_urlsafe(18)
        sha = hashlib.sha256(data).hexdigest()
        note = {"kind": kind, "filename": filename, "sha256": sha, "user_id": user_id, "at": now.isoformat()}
        self._write(self.root / f"{token}.bin", data)
        self._write(self.root / f"{token}.json", json.dumps(note, ensure_ascii=False).encode())
        return StagedFile(token, kind, filename, sha, data)

    def get(self, token: str, *, kind: str, user_id: int | None, now: dt.datetime) -> StagedFile:
        """The staged file of this user and kind.

        Raises:
            StagedFileGone: unknown, expired, someone else's, or changed on disk since the preview (a 404).
        """
        gone = StagedFileGone()
        if not _TOKEN.match(token):
            raise gone
        try:
            note = json.loads((self.root / f"{token}.json").read_text())
            data = (self.root / f"{token}.bin").read_bytes()
        except (OSError, ValueError) as exc:
            raise gone from exc
        fresh = now - dt.datetime.fromisoformat(note["at"]) <= KEEP
        if not fresh or note["kind"] != kind or note["user_id"] != user_id:
            raise gone
        if hashlib.sha256(data).hexdigest() != note["sha256"]:
            raise gone
        return StagedFile(token, kind, note["filename"], note["sha256"], data)

    def drop(self, token: str) -> None:
        """Remove a staged file (after its import)."""
        if _TOKEN.match(token):
            for suffix in (".bin", ".json"):
                (self.root / f"{token}{suffix}").unlink(missing_ok=True)

    def sweep(self, now: dt.datetime) -> None:
        """Remove staged files older than a day."""
        if not self.root.is_dir():
            return
        limit = (now - KEEP).timestamp()
        for path in self.root.iterdir():
            try:
                if path.stat().st_mtime < limit:
                    path.unlink(missing_ok=True)
            except OSError:
                continue
