"""``governance files check`` and ``migrate``: every stored_file row's bytes against its SHA-256, wherever they are.

A file is kept under DATA_DIR/files or in the file_blob table (storage.py); the check looks in both, verifies every
copy it finds, and reports rows whose bytes are in neither storage, copies that differ, and orphans (files or blobs no
row refers to). With local storage a rollback after a file write leaves an orphan (the bytes are written before the
row's transaction commits); with database storage the blob goes with the rollback. ``--fix`` removes orphans only,
and only those older than a grace period, so a file whose row is about to be committed by a running request is never
taken away; it never touches rows or mismatched files. ``migrate --to`` copies every file into the other storage.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import click

from governance.cli_common import fail, run_async
from governance.files.storage import KINDS, FileStorage, LocalStorage, read, storages


@dataclass
class FilesReport:
    """The outcome of a check: rows whose bytes are gone or differ, and stored items no row refers to."""

    checked: int = 0
    missing: list[tuple[int, str]] = field(default_factory=list)
    mismatched: list[tuple[int, str]] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept_recent: list[str] = field(default_factory=list)

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


async def check_stored(
    rows: list[tuple[int, str, int]],
    chain: Sequence[FileStorage],
    *,
    fix: bool = False,
    grace: dt.timedelta = dt.timedelta(hours=1),
) -> FilesReport:
    """Compare the rows (id, sha256, size) with every storage in ``chain``; with ``fix`` remove old orphans."""
    report = FilesReport()
    verdicts: dict[str, bool | None] = {}  # several rows may share one file; None: in no storage
    for row_id, digest, size in rows:
        report.checked += 1
        if digest not in verdicts:
            found = [m for storage in chain if (m := await storage.measure(digest)) is not None]
            verdicts[digest] = None if not found else all(m == (size, digest) for m in found)
        if verdicts[digest] is None:
            report.missing.append((row_id, digest))
        elif not verdicts[digest]:
            report.mismatched.append((row_id, digest))
    cutoff = time.time() - grace.total_seconds()
    for storage in chain:
        for item in await storage.items():
            if item.key in verdicts:
                continue
            report.orphans.append(item.label)
            if not fix:
                continue
            if item.created > cutoff:
                report.kept_recent.append(item.label)
                continue
            await storage.delete(item)
            report.removed.append(item.label)
    return report


def check_files(
    root: Path, rows: list[tuple[int, str, int]], *, fix: bool = False, grace: dt.timedelta = dt.timedelta(hours=1)
) -> FilesReport:
    """Check the rows against the files under ``root/files`` only (a restored data directory, outside the app)."""
    return asyncio.run(check_stored(rows, (LocalStorage(root),), fix=fix, grace=grace))


@dataclass
class MigrateReport:
    """The outcome of copying every file into one storage."""

    copied: int = 0
    present: int = 0
    missing: list[tuple[int, str]] = field(default_factory=list)
    mismatched: list[tuple[int, str]] = field(default_factory=list)


async def migrate_files(to: str, root: Path) -> MigrateReport:
    """Copy every row's bytes into the ``to`` storage from the other one, verifying each; idempotent.

    A copy already in ``to`` and intact counts as present; one that differs is reported and never overwritten
    (``files check`` reports it too). Bytes found in neither storage intact are reported as missing.
    """
    target, source = storages(to, root)
    report = MigrateReport()
    done: dict[str, str] = {}
    for row_id, digest, size in await _rows():
        if digest not in done:
            measured = await target.measure(digest)
            if measured == (size, digest):
                done[digest] = "present"
            elif measured is not None:
                done[digest] = "mismatched"
            elif (data := await read(digest, (source,))) is None or len(data) != size:
                done[digest] = "missing"
            else:
                await target.put(digest, data)
                done[digest] = "copied" if await target.measure(digest) == (size, digest) else "mismatched"
            if done[digest] == "copied":
                report.copied += 1
            elif done[digest] == "present":
                report.present += 1
        if done[digest] == "missing":
            report.missing.append((row_id, digest))
        elif done[digest] == "mismatched":
            report.mismatched.append((row_id, digest))
    return report


@click.group("files", help="保存ファイル（証跡・契約書案など）の道具です。")
def files_group() -> None:
    """Stored file tools."""


@files_group.command(
    "check",
    short_help="保存ファイルをハッシュで検証し、孤立ファイルを報告します。",
    help="保存ファイルの記録ごとに内容がハッシュと一致するかを（データディレクトリとデータベースの両方で）検証し、見つからないファイル・不一致・"
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

    settings = get_settings()
    chain = storages(settings.file_storage, data_dir or settings.data_dir)

    async def main() -> FilesReport:
        return await check_stored(await _rows(), chain, fix=fix, grace=dt.timedelta(minutes=grace_minutes))

    report = run_async(main)
    for row_id, digest in report.missing:
        click.echo(f"見つかりません：ファイル記録 {row_id}（{digest}）")
    for row_id, digest in report.mismatched:
        click.echo(f"内容がハッシュと一致しません：ファイル記録 {row_id}（{digest}）")
    for label in report.orphans:
        if label in report.removed:
            click.echo(f"孤立ファイルを削除しました：{label}")
        elif label in report.kept_recent:
            click.echo(f"孤立ファイル（{grace_minutes}分以内に作成されたため残しました）：{label}")
        else:
            click.echo(f"孤立ファイル（記録がありません）：{label}")
    summary = (
        f"{report.checked}件の記録を検証しました：見つからない {len(report.missing)}件、"
        f"不一致 {len(report.mismatched)}件、孤立ファイル {len(report.orphans)}件"
        + (f"（うち削除 {len(report.removed)}件）" if fix else "")
        + "。"
    )
    if not report.ok:
        fail(summary + " 問題が残っています。")
    click.echo(summary)


@files_group.command(
    "migrate",
    short_help="保存ファイルを別の保存先へ複写します。",
    help="すべての保存ファイルを指定した保存先（local：データディレクトリ、database：データベース）へ複写し、"
    "複写したものをハッシュで検証します（何度実行しても同じ結果です。元の保存先からは削除しません）。",
)
@click.option("--to", "to", type=click.Choice(KINDS), required=True, help="複写先の保存先")
@click.option("--data-dir", type=click.Path(path_type=Path), default=None, help="データディレクトリ（既定は設定値）")
def files_migrate(to: str, data_dir: Path | None) -> None:
    """Copy every stored file into the other storage; exit 1 when a file is missing or differs."""
    from governance.settings import get_settings

    root = data_dir or get_settings().data_dir
    report = run_async(lambda: migrate_files(to, root))
    for row_id, digest in report.missing:
        click.echo(f"見つかりません（複写できません）：ファイル記録 {row_id}（{digest}）")
    for row_id, digest in report.mismatched:
        click.echo(f"複写先の内容がハッシュと一致しません：ファイル記録 {row_id}（{digest}）")
    summary = (
        f"保存先 {to} へ {report.copied}件を複写しました（既にあったもの {report.present}件、"
        f"見つからない {len(report.missing)}件、不一致 {len(report.mismatched)}件）。"
    )
    if report.missing or report.mismatched:
        fail(summary + " 問題が残っています。")
    click.echo(summary)
