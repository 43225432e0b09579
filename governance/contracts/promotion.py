"""Put a candidate clause library in force (``governance templates promote``) without ever exposing half a library.

The candidate is validated first; the library it replaces is copied to a backup named after its version and the
time; the candidate is copied beside the live folder and validated again there (same hash); then two renames swap
it in. The application reads the library from disk for every page and draft, so a reader sees the old library or
the new one, never a mixture: between the two renames the folder is briefly missing, which reads as a broken
library (a clear 409), not as a partial one. The swap and its audit entry share one transaction: if the entry cannot
be written, the swap is undone.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from governance.actor import Actor
from governance.audit.services import AuditService
from governance.calendar import TOKYO
from governance.contracts.impact import load_state
from governance.contracts.library import ClauseLibrary, load_library
from governance.db import write_transaction
from governance.errors import ConflictError


class PromotionError(ConflictError):
    """The candidate cannot be put in force as it is (same version, already in force, wrong folders)."""


class FolderError(PromotionError):
    """The folders overlap: the candidate or the backups inside the live library, or the live library inside them.

    A candidate inside the live folder would be deleted with the replaced library, and a backup inside it would be
    a copy of a folder into itself.
    """


@dataclass
class Promotion:
    """A prepared promotion: the candidate copied and checked beside the live folder, the old one backed up."""

    live: Path
    staged: Path
    backup: Path | None
    old_version: str
    old_hash: str
    new: ClauseLibrary
    outgoing: Path | None = None
    swapped: bool = False

    def swap(self) -> None:
        """Put the staged copy in place of the live folder (two renames on one file system)."""
        if self.live.exists():
            outgoing = self.live.with_name(self.staged.name.replace(".incoming-", ".outgoing-"))
            self.live.rename(outgoing)
            self.outgoing = outgoing
        try:
            self.staged.rename(self.live)
        except OSError:
            self._restore()
            raise
        self.swapped = True

    def _restore(self) -> None:
        if self.outgoing is not None:
            self.outgoing.rename(self.live)
            self.outgoing = None

    def undo(self) -> None:
        """Put the old library back after a swap whose audit entry failed, and drop the staged copy."""
        if self.swapped:
            self.live.rename(self.staged)
            self._restore()
            self.swapped = False
        shutil.rmtree(self.staged, ignore_errors=True)

    def finish(self) -> None:
        """Remove the replaced folder from beside the live one (its backup stays)."""
        if self.outgoing is not None:
            shutil.rmtree(self.outgoing)
            self.outgoing = None


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", text) or "unknown"


def _copy(source: Path, target: Path) -> None:
    """Copy a folder under a temporary name and rename it, so ``target`` is never a half copy."""
    partial = target.with_name(f".{target.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    shutil.copytree(source, partial)
    partial.rename(target)


def check_folders(live: Path, candidate: Path, backup_dir: Path) -> None:
    """Refuse folders that overlap the live library's (links and ``..`` resolved), or backups kept in the candidate.

    Raises:
        FolderError: which folder lies inside which.
    """
    live, candidate, backup_dir = live.resolve(), candidate.resolve(), backup_dir.resolve()
    if candidate == live:
        raise FolderError("改訂案のフォルダが、施行中の条項ライブラリのフォルダと同じです。")
    folders = {"live": ("施行中の条項ライブラリのフォルダ", live), "candidate": ("改訂案のフォルダ", candidate),
               "backup": ("バックアップの保存先（--backup-dir）", backup_dir)}  # fmt: skip
    pairs = [("candidate", "live"), ("backup", "live"), ("live", "candidate"), ("live", "backup"),
             ("backup", "candidate")]  # fmt: skip
    for (inner, inner_path), (outer, outer_path) in ((folders[a], folders[b]) for a, b in pairs):
        if inner_path.is_relative_to(outer_path):
            raise FolderError(
                f"{inner}（{inner_path}）が、{outer}（{outer_path}）の中にあります。"
                "施行中の条項ライブラリ、改訂案、バックアップの保存先は、互いに別の場所にしてください。"
            )


def prepare(live: Path, candidate: Path, backup_dir: Path, *, now: dt.datetime) -> Promotion:
    """Validate the candidate, back up the live library and stage the candidate's copy beside it.

    Raises:
        FolderError: the candidate or the backups overlap the live folder (nothing is read or written).
        LibraryError: the candidate is broken (every problem listed).
        PromotionError: it is already in force or keeps the live library's version.
    """
    check_folders(live, candidate, backup_dir)
    new = load_library(candidate)
    old = load_state(live) if live.exists() else None
    old_library = old.library if old else None
    if old_library is not None and old_library.content_hash == new.content_hash:
        raise PromotionError(f"改訂案は、施行中の条項ライブラリ（第{new.version}版）と同じ内容です。")
    if old_library is not None and old_library.version == new.version:
        raise PromotionError(
            f"改訂案の版（{new.version}）が施行中の条項ライブラリと同じです。library.yaml の version を上げてください。"
        )
    stamp = now.astimezone(TOKYO).strftime("%Y%m%d-%H%M%S")
    old_version = old_library.version if old_library else ""
    backup = None
    if live.exists():
        backup_dir.mkdir(parents=True, exist_ok=True)
        name = f"{live.name}_{_safe(old_version or 'unknown')}_{stamp}"
        backup = next(p for n in range(1, 1000) if not (p := backup_dir / (name if n == 1 else f"{name}-{n}")).exists())
        _copy(live, backup)
    staged = live.with_name(f".{live.name}.incoming-{stamp}")
    shutil.rmtree(staged, ignore_errors=True)
    shutil.copytree(candidate, staged)
    copied = load_state(staged).library
    if copied is None or copied.content_hash != new.content_hash:
        shutil.rmtree(staged, ignore_errors=True)
        raise PromotionError(
            "改訂案を施行用の場所へ正しく複写できませんでした。施行中の条項ライブラリは変わっていません。"
        )
    return Promotion(live, staged, backup, old_version, old_library.content_hash if old_library else "", new)


async def promote(promotion: Promotion, *, actor: Actor, now: dt.datetime) -> None:
    """Swap the candidate in and record it in the audit log, in one transaction (the swap is undone on failure)."""
    try:
        async with write_transaction():
            await AuditService().record(
                "contract_library.promoted", actor=actor, target_type="contract_library",
                target_id=promotion.new.version, target_label=f"条項ライブラリ 第{promotion.new.version}版",
                before={"version": promotion.old_version, "hash": promotion.old_hash},
                after={"version": promotion.new.version, "hash": promotion.new.content_hash,
                       "backup": str(promotion.backup or "")},
                now=now,
            )  # fmt: skip
            promotion.swap()
    except BaseException:
        promotion.undo()
        raise
    promotion.finish()
