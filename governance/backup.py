"""``governance backup`` and ``governance restore``: a consistent copy of the database and the stored files.

A backup is a folder ``governance-backup-YYYYmmdd-HHMMSS`` (Tokyo time) in DEST holding the database (SQLite through
the online backup API, PostgreSQL through ``pg_dump --format=custom`` inside an exported snapshot), the stored files
(``DATA_DIR/files``), the secret key, and ``manifest.json`` with each file's SHA-256 and size, the app version, the
engine, the time and the audit head hash read from the same snapshot as the database. ``stored_files`` lists every
stored file's SHA-256 and size from that snapshot and where its bytes are: ``database`` (file_blob, inside the
database backup, with ``GOVERNANCE_FILE_STORAGE=database``) or ``local`` (under ``files/``); the restore checks each
one in whichever storage holds it. The folder is written under a hidden temporary name and renamed when complete, so
a half-written backup is never taken for a backup.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import click

from governance import __version__
from governance.cli_common import fail
from governance.files.storage import DatabaseStorage, LocalStorage, sha256_of, walk_files

FORMAT = "governance-backup"
FORMAT_VERSION = 1
NAME = re.compile(r"^governance-backup-\d{8}-\d{6}(-\d+)?$")
MANIFEST = "manifest.json"
SQLITE_NAME = "database.sqlite3"
PG_NAME = "database.dump"
GENESIS = "0" * 64
STORED_SQL = "SELECT sha256, MAX(size) FROM stored_file GROUP BY sha256 ORDER BY sha256"
BLOB_SQL = "SELECT sha256 FROM file_blob"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is Japanese, for the operator."""


def _copy_hashed(src: Path, dst: Path) -> dict[str, Any]:
    """Copy a file, hashing the bytes written; return its manifest entry (without the path)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with src.open("rb") as fin, dst.open("wb") as fout:
        while chunk := fin.read(1024 * 1024):
            digest.update(chunk)
            size += len(chunk)
            fout.write(chunk)
    return {"sha256": digest.hexdigest(), "size": size}


def _entry(base: Path, path: Path) -> dict[str, Any]:
    return {"path": path.relative_to(base).as_posix(), "sha256": sha256_of(path), "size": path.stat().st_size}


def manifest_digest(manifest: dict[str, Any]) -> str:
    """The SHA-256 of the manifest's canonical JSON without its own digest (detects an edited manifest)."""
    body = {k: v for k, v in manifest.items() if k != "manifest_sha256"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


# --- backup ------------------------------------------------------------------------------------------------------


def _stored_entries(stored: list[Any], blobs: set[str]) -> list[dict[str, Any]]:
    """The manifest's ``stored_files``: each stored file's hash, size and the storage holding it in the snapshot."""
    return [
        {"sha256": digest, "size": size, "storage": "database" if digest in blobs else "local"}
        for digest, size in stored
    ]


def _sqlite_backup(source: str, target: Path) -> tuple[str, int, list[dict[str, Any]]]:
    """Copy a live SQLite database in one step of the online backup API; return its audit head, count, stored files."""
    if not Path(source).is_file():
        raise BackupError(f"SQLiteのデータベースファイル {source} が見つかりません。")
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # pages=-1: the whole database from one read snapshot, so writers never make it inconsistent
        dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file (the app turns WAL on again)
        head = dst.execute("SELECT entry_hash FROM audit_entry ORDER BY id DESC LIMIT 1").fetchone()
        count = dst.execute("SELECT count(*) FROM audit_entry").fetchone()[0]
        stored = dst.execute(STORED_SQL).fetchall()
        has_blobs = dst.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'file_blob'").fetchone()
        blobs = {r[0] for r in dst.execute(BLOB_SQL)} if has_blobs else set()
    finally:
        src.close()
        dst.close()
    return (head[0] if head else GENESIS), count, _stored_entries(stored, blobs)


async def _pg_backup(dsn: str, target: Path) -> tuple[str, int, list[dict[str, Any]]]:
    """``pg_dump`` the database inside a snapshot exported by a transaction that reads the audit head too."""
    import asyncpg

    if shutil.which("pg_dump") is None:
        raise BackupError(
            "pg_dump が見つかりません。PostgreSQLのクライアント（postgresql-client）を導入し、PATH を確認してください。"
        )
    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            snapshot = await conn.fetchval("SELECT pg_export_snapshot()")
            head = await conn.fetchval("SELECT entry_hash FROM audit_entry ORDER BY id DESC LIMIT 1")
            count = await conn.fetchval("SELECT count(*) FROM audit_entry")
            stored = [tuple(r) for r in await conn.fetch(STORED_SQL)]
            has_blobs = await conn.fetchval("SELECT to_regclass('file_blob') IS NOT NULL")
            blobs = {r[0] for r in await conn.fetch(BLOB_SQL)} if has_blobs else set()
            proc = await asyncio.create_subprocess_exec(
                "pg_dump", "--format=custom", f"--snapshot={snapshot}", "--no-owner", f"--file={target}",
                f"--dbname={dsn}", stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            _, err = await proc.communicate()
            if proc.returncode != 0:
                raise BackupError(f"pg_dump が失敗しました：{err.decode(errors='replace').strip()}")
    finally:
        await conn.close()
    return head or GENESIS, count, _stored_entries(stored, blobs)


def _database_source() -> tuple[str, str]:
    """The configured engine's kind and its SQLite path or PostgreSQL DSN."""
    from governance.db import get_engine, is_sqlite

    engine = get_engine()
    if is_sqlite(engine):
        return "sqlite", str(engine.path)
    return "postgres", str(engine.config["dsn"])


def _new_folder(dest: Path, now: dt.datetime) -> Path:
    stem = f"governance-backup-{now:%Y%m%d-%H%M%S}"
    name, n = stem, 1
    while (dest / name).exists() or (dest / f".{name}.partial").exists():
        n += 1
        name = f"{stem}-{n}"
    return dest / name


def create_backup(dest: Path, data_dir: Path, *, now: dt.datetime | None = None) -> Path:
    """Write a complete backup folder into ``dest`` and return it (database first, then the files)."""
    from governance.calendar import TOKYO

    now = (now or dt.datetime.now(dt.UTC)).astimezone(TOKYO)
    dest.mkdir(parents=True, exist_ok=True)
    final = _new_folder(dest, now)
    work = dest / f".{final.name}.partial"
    work.mkdir()
    try:
        engine, source = _database_source()
        if engine == "sqlite":
            db_name = SQLITE_NAME
            head, count, stored = _sqlite_backup(source, work / db_name)
        else:
            db_name = PG_NAME
            head, count, stored = asyncio.run(_pg_backup(source, work / db_name))
        entries = [_entry(work, work / db_name)]
        # Files stored after the database snapshot are harmless extras; skip FileService's hidden temporary files.
        for path in walk_files(data_dir / "files"):
            if path.name.startswith("."):
                continue
            rel = path.relative_to(data_dir)
            entries.append({"path": rel.as_posix(), **_copy_hashed(path, work / rel)})
        if (data_dir / "secret_key").is_file():
            entries.append({"path": "secret_key", **_copy_hashed(data_dir / "secret_key", work / "secret_key")})
            os.chmod(work / "secret_key", 0o600)
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "app_version": __version__,
            "engine": engine,
            "created_at": now.isoformat(timespec="seconds"),
            "database": db_name,
            "audit": {"head_hash": head, "entries": count},
            "files": entries,
            "stored_files": stored,
        }
        manifest["manifest_sha256"] = manifest_digest(manifest)
        (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return final


def _is_ours(path: Path) -> bool:
    """A folder this command created: our name pattern and a manifest of our format."""
    if not (path.is_dir() and NAME.match(path.name) and (path / MANIFEST).is_file()):
        return False
    try:
        return json.loads((path / MANIFEST).read_text(encoding="utf-8")).get("format") == FORMAT
    except (ValueError, OSError):
        return False


def prune(dest: Path, keep: int) -> list[Path]:
    """Remove this command's backups in ``dest`` beyond the newest ``keep``; anything else is left alone."""
    ours = sorted((p for p in dest.iterdir() if _is_ours(p)), key=lambda p: p.name, reverse=True)
    removed = ours[keep:]
    for path in removed:
        shutil.rmtree(path)
    return removed


# --- restore -----------------------------------------------------------------------------------------------------


def load_manifest(src: Path) -> dict[str, Any]:
    """Read the manifest and check it, every listed file's size and hash, and that nothing unlisted was added."""
    try:
        manifest = json.loads((src / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(
            f"{src} に manifest.json がありません（バックアップのフォルダを指定してください）。"
        ) from None
    except ValueError:
        raise BackupError("manifest.json を読み取れません（壊れています）。") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("manifest.json はこのアプリケーションのバックアップのものではありません。")
    if manifest.get("manifest_sha256") != manifest_digest(manifest):
        raise BackupError("manifest.json が作成後に変更されています（ハッシュが一致しません）。")
    listed = set()
    for item in manifest["files"]:
        path = (src / item["path"]).resolve()
        if not path.is_relative_to(src.resolve()):
            raise BackupError(f"manifest.json に不正なパスがあります：{item['path']}")
        listed.add(path)
        if not path.is_file():
            raise BackupError(f"バックアップのファイルが見つかりません：{item['path']}")
        if path.stat().st_size != item["size"] or sha256_of(path) != item["sha256"]:
            raise BackupError(f"バックアップのファイルがハッシュと一致しません（破損又は改ざん）：{item['path']}")
    extra = [p for p in walk_files(src) if p.resolve() not in listed and p.name != MANIFEST]
    if extra:
        raise BackupError(f"manifest.json にないファイルがバックアップにあります：{extra[0].relative_to(src)}")
    return manifest


async def _pg_is_empty(dsn: str) -> bool:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        tables = await conn.fetchval("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
    finally:
        await conn.close()
    return tables == 0


def _restore_database(src: Path, manifest: dict[str, Any], url: str, *, force: bool) -> None:
    dump = src / manifest["database"]
    if manifest["engine"] == "sqlite":
        if not url.startswith("sqlite:///"):
            raise BackupError(
                "SQLiteのバックアップです。--database-url には sqlite:/// で始まるURLを指定してください。"
            )
        target = Path(url.removeprefix("sqlite:///"))
        if target.exists() and target.stat().st_size > 0 and not force:
            raise BackupError(
                f"データベースファイル {target} は既にあります。上書きするには --force を付けてください。"
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        tmp = target.with_name(f".{target.name}.restoring")
        shutil.copyfile(dump, tmp)
        os.replace(tmp, target)
        return
    if not url.startswith(("postgresql://", "postgres://")):
        raise BackupError(
            "PostgreSQLのバックアップです。--database-url には postgresql:// で始まるURLを指定してください。"
        )
    if shutil.which("pg_restore") is None:
        raise BackupError("pg_restore が見つかりません。PostgreSQLのクライアントを導入し、PATH を確認してください。")
    empty = asyncio.run(_pg_is_empty(url))
    if not empty and not force:
        raise BackupError(
            "復元先のデータベースは空ではありません。空のデータベースを指定するか、--force を付けてください。"
        )
    args = ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={url}", str(dump)]
    if not empty:
        args[1:1] = ["--clean", "--if-exists"]
    done = subprocess.run(args, capture_output=True, text=True, check=False)  # noqa: S603 - fixed program, our paths
    if done.returncode != 0:
        raise BackupError(f"pg_restore が失敗しました：{done.stderr.strip()}")


def _restore_files(src: Path, manifest: dict[str, Any], data_dir: Path) -> int:
    count = 0
    for item in manifest["files"]:
        if item["path"] == manifest["database"]:
            continue
        target = data_dir / item["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.restoring")
        shutil.copyfile(src / item["path"], tmp)
        os.replace(tmp, target)
        if item["path"] == "secret_key":
            os.chmod(target, 0o600)
        count += 1
    return count


async def verify_audit(url: str) -> Any:
    """Run the audit chain verification against the database at ``url`` (not the configured one)."""
    from governance.audit.services import AuditService
    from governance.audit.tables import AuditEntry
    from governance.db import close_connections, make_engine

    engine = make_engine(url, pool=False)
    saved = AuditEntry._meta.db
    AuditEntry._meta.db = engine
    try:
        return await AuditService().verify()
    finally:
        AuditEntry._meta.db = saved
        await close_connections(engine)


async def verify_stored_files(manifest: dict[str, Any], data_dir: Path, url: str) -> list[str]:
    """Check each stored file the manifest lists in the restored data directory or the database at ``url``.

    Returns:
        The hashes missing from both or differing (empty when all verify; an older manifest lists none).
    """
    from governance.db import close_connections, make_engine
    from governance.files.tables import FileBlob

    wanted = manifest.get("stored_files", [])
    if not wanted:
        return []
    engine = make_engine(url, pool=False)
    saved = FileBlob._meta.db
    FileBlob._meta.db = engine
    chain = (LocalStorage(data_dir), DatabaseStorage())
    problems = []
    try:
        for item in wanted:
            found = [m for storage in chain if (m := await storage.measure(item["sha256"])) is not None]
            if not found or any(m != (item["size"], item["sha256"]) for m in found):
                problems.append(item["sha256"])
    finally:
        FileBlob._meta.db = saved
        await close_connections(engine)
    return problems


def restore_backup(src: Path, data_dir: Path, url: str, *, force: bool = False) -> tuple[dict[str, Any], Any, int]:
    """Verify the backup, restore the database and the files, verify the audit chain; return what was done."""
    manifest = load_manifest(src)
    if data_dir.exists() and any(data_dir.iterdir()) and not force:
        raise BackupError(
            f"データディレクトリ {data_dir} は空ではありません。上書きするには --force を付けてください。"
        )
    _restore_database(src, manifest, url, force=force)
    restored = _restore_files(src, manifest, data_dir)
    report = asyncio.run(verify_audit(url))
    return manifest, report, restored


# --- commands ----------------------------------------------------------------------------------------------------


@click.command(
    "backup",
    short_help="稼働中のまま、検証できるバックアップを作成します。",
    help="稼働中のままデータベース・保存ファイル・秘密鍵の一貫したバックアップを DEST の日時付きフォルダに作成し、"
    "各ファイルのSHA-256と監査ログの末尾ハッシュを manifest.json に記録します。",
)
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--keep", type=click.IntRange(min=1), default=None, help="DEST に残すバックアップの数（古いものから削除）"
)
@click.option("--data-dir", type=click.Path(path_type=Path), default=None, help="データディレクトリ（既定は設定値）")
def backup_command(dest: Path, keep: int | None, data_dir: Path | None) -> None:
    """Take a backup into DEST; with --keep remove this command's older backups beyond N."""
    from governance.settings import get_settings

    try:
        folder = create_backup(dest, data_dir or get_settings().data_dir)
    except (BackupError, OSError, sqlite3.Error) as exc:
        fail(f"バックアップに失敗しました：{exc}")
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    click.echo(
        f"バックアップを作成しました：{folder}（ファイル {len(manifest['files'])}件、"
        f"監査ログ {manifest['audit']['entries']}件、末尾ハッシュ {manifest['audit']['head_hash']}）"
    )
    if keep is not None:
        for path in prune(dest, keep):
            click.echo(f"古いバックアップを削除しました：{path}")


@click.command(
    "restore",
    short_help="バックアップを検証してから復元します。",
    help="バックアップ SRC の manifest.json と全ファイルのハッシュを検証してから、データベースと保存ファイルを復元し、"
    "監査ログを検証して末尾ハッシュがバックアップ時と一致することを確かめます（サービスを停止して実行）。",
)
@click.argument("src", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--data-dir", type=click.Path(file_okay=False, path_type=Path), required=True, help="復元先のデータディレクトリ"
)
@click.option("--database-url", default=None, help="復元先のデータベース（既定は DATABASE_URL）")
@click.option("--force", is_flag=True, help="空でない復元先に上書きする")
def restore_command(src: Path, data_dir: Path, database_url: str | None, force: bool) -> None:
    """Verify and restore a backup, then verify the audit chain against the manifest's head hash."""
    from governance.settings import get_settings

    url = database_url or get_settings().database_url
    try:
        manifest, report, restored = restore_backup(src, data_dir, url, force=force)
    except (BackupError, OSError, sqlite3.Error) as exc:
        fail(f"復元を中止しました：{exc}")
    expected = manifest["audit"]["head_hash"]
    if not report.ok:
        fail(f"復元しましたが、監査ログの検証に失敗しました：記録番号 {report.broken_id} — {report.reason}")
    if report.head_hash != expected:
        fail(
            f"復元しましたが、監査ログの末尾ハッシュ {report.head_hash} がバックアップ時の {expected} と一致しません。"
        )
    problems = asyncio.run(verify_stored_files(manifest, data_dir, url))
    if problems:
        fail(
            f"復元しましたが、保存ファイル {len(problems)}件がデータディレクトリにもデータベースにもないか、"
            f"ハッシュと一致しません（最初のもの：{problems[0]}）。"
        )
    click.echo(
        f"復元しました：保存ファイル等 {restored}件。監査ログの検証に成功しました：{report.checked}件、"
        f"末尾ハッシュ {report.head_hash}（バックアップ時と一致）。"
        f"保存ファイル {len(manifest.get('stored_files', []))}件の内容を検証しました。"
    )
