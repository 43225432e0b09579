"""``governance files check``: every stored_file row's bytes against its SHA-256, and files on disk with no row.

A rollback after a file write leaves an orphan (FileService writes the bytes before the row's transaction commits).
``--fix`` removes orphans only, and only those older than a grace period, so a file whose row is about to be
committed by a running request is never taken away; it never touches rows or mismatched files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import click

from governance.cli_common import fail, run_async

CHUNK_BYTES = 1024 * 1024


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def stored_path(root: Path, sha256: str) -> Path:
    """Where FileService keeps the bytes of this hash (mirrors FileService._path)."""
    return root / "files" / sha256[:2] / sha256[2:4] / sha256


def walk_files(base: Path) -> Iterator[Path]:
    """Every regular file under ``base`` (none when it does not exist), in a stable order."""
    if base.is_dir():
        yield from sorted(p for p in base.rglob("*") if p.is_file())


@dataclass
class FilesReport:
    """The outcome of a check: rows whose bytes are gone or differ, and files no row refers to."""

    checked: int = 0
    missing: list[tuple[int, str]] = field(default_factory=list)
    mismatched: list[tuple[int, str]] = field(default_factory=list)
    orphans: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    kept_recent: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no problem remains (removed orphans are no longer a problem)."""
        return not (self.missing or self.mismatched or self.kept_recent or set(self.orphans) - set(self.removed))


async def _rows() -> list[tuple[int, str, int]]:
    from governance.db import keyset_chunks
    from governance.files.tables import StoredFile

    rows: list[tuple[int, str, int]] = []
    async for chunk in keyset_chunks(
        lambda: StoredFile.select(StoredFile.id, StoredFile.sha256, StoredFile.size), StoredFile, chunk=5000
    ):
        rows.extend((r["id"], r["sha256"], r["size"]) for r in chunk)
    return rows


def check_files(
    root: Path, rows: list[tuple[int, str, int]], *, fix: bool = False, grace: dt.timedelta = dt.timedelta(hours=1)
) -> FilesReport:
    """Compare the rows (id, sha256, size) with the files under ``root/files``; with ``fix`` remove old orphans."""
    report = FilesReport()
    verdicts: dict[str, bool] = {}  # several rows may share one file (the same bytes uploaded twice)
    for row_id, digest, size in rows:
        report.checked += 1
        path = stored_path(root, digest)
        if digest not in verdicts:
            if not path.is_file():
                verdicts[digest] = False
            else:
                verdicts[digest] = path.stat().st_size == size and sha256_of(path) == digest
        if not path.is_file():
            report.missing.append((row_id, digest))
        elif not verdicts[digest]:
            report.mismatched.append((row_id, digest))
    known = {stored_path(root, digest) for digest in verdicts}
    cutoff = time.time() - grace.total_seconds()
    for path in walk_files(root / "files"):
        if path in known:
            continue
        report.orphans.append(path)
        if not fix:
            continue
        if path.stat().st_mtime > cutoff:
            report.kept_recent.append(path)
            continue
        path.unlink()
        report.removed.append(path)
    return report


@click.group("files", help="保存ファイル（証跡・契約書案など）の道具です。")
def files_group() -> None:
    """Stored file tools."""


@files_group.command(
    "check",
    help="保存ファイルの記録ごとに内容がハッシュと一致するかを検証し、見つからないファイル・不一致・"
    "記録のないファイル（孤立ファイル）を報告します（問題が残れば終了コード1）。",
)
@click.option("--fix", is_flag=True, help="孤立ファイルだけを削除する（記録と不一致のファイルには触れません）")
@click.option(
    "--grace-minutes",
    type=click.IntRange(min=0),
    default=60,
    show_default=True,
    help="これより新しい孤立ファイルは処理中の登録の可能性があるため削除しない（分）",
)
@click.option("--data-dir", type=click.Path(path_type=Path), default=None, help="データディレクトリ（既定は設定値）")
def files_check(fix: bool, grace_minutes: int, data_dir: Path | None) -> None:
    """Verify every stored file and report (with --fix remove) orphans; exit 1 while problems remain."""
    from governance.settings import get_settings

    root = data_dir or get_settings().data_dir
    report = check_files(root, run_async(_rows), fix=fix, grace=dt.timedelta(minutes=grace_minutes))
    for row_id, digest in report.missing:
        click.echo(f"見つかりません：ファイル記録 {row_id}（{digest}）")
    for row_id, digest in report.mismatched:
        click.echo(f"内容がハッシュと一致しません：ファイル記録 {row_id}（{digest}）")
    for path in report.orphans:
        if path in report.removed:
            click.echo(f"孤立ファイルを削除しました：{path}")
        elif path in report.kept_recent:
            click.echo(f"孤立ファイル（{grace_minutes}分以内に作成されたため残しました）：{path}")
        else:
            click.echo(f"孤立ファイル（記録がありません）：{path}")
    summary = (
        f"{report.checked}件の記録を検証しました：見つからない {len(report.missing)}件、"
        f"不一致 {len(report.mismatched)}件、孤立ファイル {len(report.orphans)}件"
        + (f"（うち削除 {len(report.removed)}件）" if fix else "")
        + "。"
    )
    if not report.ok:
        fail(summary + " 問題が残っています。")
    click.echo(summary)
