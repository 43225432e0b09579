"""``governance backup`` / ``restore`` and ``governance files check``, on the real database and real files."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from click.testing import CliRunner

from governance.actor import Actor
from governance.backup import MANIFEST, backup_command, manifest_digest, restore_command
from governance.db import close_connections, get_engine, is_sqlite, write_transaction
from governance.files.check import check_files, files_check
from governance.files.services import FileService
from governance.files.storage import sha256_of, stored_path
from tests.helpers import run_sync


def _pdf(n: int | str) -> bytes:
    return f"%PDF-1.4\n% evidence {n}\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".encode()


async def _store(root: Path, data: bytes) -> int:
    async with write_transaction():
        return await FileService(root).save(data, "証跡.pdf", actor=Actor.system("test"))


@contextlib.contextmanager
def restore_database(tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database to restore into: a SQLite file, or a scratch PostgreSQL database dropped after."""
    if is_sqlite(get_engine()):
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    import asyncpg

    dsn = os.environ["GOVERNANCE_TEST_DATABASE_URL"]
    scratch = f"gov_restore_{uuid.uuid4().hex[:8]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{scratch}"'))
    try:
        yield urlunsplit(urlsplit(dsn)._replace(path=f"/{scratch}"))
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))


def _store_many(root: Path, count: int, tag: str = "") -> None:
    async def main() -> None:
        for i in range(count):
            await _store(root, _pdf(f"{tag}{i}"))

    run_sync(main())


def _backup(dest: Path, data_dir: Path, *extra: str) -> Path:
    result = CliRunner().invoke(backup_command, [str(dest), "--data-dir", str(data_dir), *extra])
    assert result.exit_code == 0, result.output
    return Path(result.output.split("：", 1)[1].split("（", 1)[0])


def _rows_of(sqlite_path: Path) -> list[tuple[int, str, int]]:
    with sqlite3.connect(sqlite_path) as conn:
        rows = conn.execute("SELECT id, sha256, size FROM stored_file ORDER BY id").fetchall()
    conn.close()
    return rows


sqlite_only = pytest.mark.skipif(not is_sqlite(get_engine()), reason="the SQLite legs")


@sqlite_only
def test_backup_while_writes_happen_restores_every_file_and_the_same_audit_head(tmp_path: Path):
    data = tmp_path / "data"
    _store_many(data, 5)
    stop, written, errors = threading.Event(), [], []

    def writer() -> None:  # the running app: files, rows and audit entries, in another connection and thread
        async def main() -> None:
            try:
                i = 0
                while not stop.is_set():
                    written.append(await _store(data, _pdf(f"live-{i}")))
                    i += 1
            finally:
                await close_connections()

        try:
            asyncio.run(main())
        except Exception as exc:
            errors.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 3:
            time.sleep(0.01)
        folder = _backup(tmp_path / "backups", data)
        during = len(written)
        while len(written) < during + 3:  # writes went on after the snapshot too
            time.sleep(0.01)
    finally:
        stop.set()
        thread.join()
    assert not errors
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["engine"] == "sqlite" and manifest["app_version"]
    assert manifest["audit"]["entries"] >= 8 and len(manifest["audit"]["head_hash"]) == 64

    target = tmp_path / "restored"
    db = target / "governance.sqlite3"
    result = CliRunner().invoke(
        restore_command, [str(folder), "--data-dir", str(target / "data"), "--database-url", f"sqlite:///{db}"]
    )
    assert result.exit_code == 0, result.output
    assert f"末尾ハッシュ {manifest['audit']['head_hash']}（バックアップ時と一致）" in result.output
    rows = _rows_of(db)
    assert len(rows) >= 8 and len(rows) < 5 + len(written)  # the snapshot, not the live database at the end
    report = check_files(target / "data", rows)
    assert report.checked == len(rows) and not report.missing and not report.mismatched
    # the restored database is the app's: its audit chain verifies with the head the manifest recorded
    with sqlite3.connect(db) as conn:
        head = conn.execute("SELECT entry_hash FROM audit_entry ORDER BY id DESC LIMIT 1").fetchone()[0]
    conn.close()
    assert head == manifest["audit"]["head_hash"]


@sqlite_only
def test_restore_refuses_a_tampered_file_or_manifest_and_a_non_empty_target(tmp_path: Path):
    data = tmp_path / "data"
    _store_many(data, 2)
    folder = _backup(tmp_path / "backups", data)
    target, db = tmp_path / "restored", tmp_path / "restored.sqlite3"
    args = [str(folder), "--data-dir", str(target), "--database-url", f"sqlite:///{db}"]

    manifest_text = (folder / MANIFEST).read_text(encoding="utf-8")
    manifest = json.loads(manifest_text)
    stored = folder / next(f["path"] for f in manifest["files"] if f["path"].startswith("files/"))
    original = stored.read_bytes()
    stored.write_bytes(original.replace(b"evidence", b"EVIDENCE"))
    result = CliRunner().invoke(restore_command, args)
    assert result.exit_code == 1
    assert "ハッシュと一致しません（破損又は改ざん）" in result.output and stored.name in result.output
    assert not target.exists() and not db.exists()  # nothing restored
    stored.write_bytes(original)

    manifest["audit"]["head_hash"] = "f" * 64
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(restore_command, args)
    assert result.exit_code == 1 and "manifest.json が作成後に変更されています" in result.output
    (folder / MANIFEST).write_text(manifest_text, encoding="utf-8")

    (folder / "files" / "extra.bin").write_bytes(b"x")
    result = CliRunner().invoke(restore_command, args)
    assert result.exit_code == 1 and "manifest.json にないファイル" in result.output
    (folder / "files" / "extra.bin").unlink()

    target.mkdir()
    (target / "keep.txt").write_text("既存", encoding="utf-8")
    result = CliRunner().invoke(restore_command, args)
    assert result.exit_code == 1 and "空ではありません" in result.output and "--force" in result.output
    result = CliRunner().invoke(restore_command, [*args, "--force"])
    assert result.exit_code == 0, result.output
    assert (target / "keep.txt").read_text(encoding="utf-8") == "既存"
    assert (target / "files").is_dir() and len(_rows_of(db)) == 2

    # an audit entry edited in the backup, the manifest made to match: the restored chain does not verify
    with sqlite3.connect(folder / "database.sqlite3") as conn:
        conn.execute("UPDATE audit_entry SET target_label = '書き換え' WHERE id = (SELECT min(id) FROM audit_entry)")
    conn.close()
    for item in manifest["files"]:
        if item["path"] == "database.sqlite3":
            item.update(
                sha256=sha256_of(folder / "database.sqlite3"), size=(folder / "database.sqlite3").stat().st_size
            )
    manifest["audit"] = json.loads(manifest_text)["audit"]
    manifest["manifest_sha256"] = manifest_digest(manifest)
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    other = tmp_path / "again"
    result = CliRunner().invoke(
        restore_command, [str(folder), "--data-dir", str(other), "--database-url", f"sqlite:///{other / 'db.sqlite3'}"]
    )
    assert result.exit_code == 1 and "監査ログの検証に失敗しました：記録番号" in result.output


def test_keep_removes_only_older_backups_this_command_made(tmp_path: Path):
    data, dest = tmp_path / "data", tmp_path / "backups"
    _store_many(data, 1)
    dest.mkdir()
    (dest / "governance-backup-20000101-000000").mkdir()  # our name, but no manifest of ours: not ours
    (dest / "notes").mkdir()
    (dest / "readme.txt").write_text("x", encoding="utf-8")
    made = [_backup(dest, data) for _ in range(3)]
    assert len({p.name for p in made}) == 3
    result = CliRunner().invoke(backup_command, [str(dest), "--data-dir", str(data), "--keep", "2"])
    assert result.exit_code == 0, result.output
    newest = Path(result.output.split("：", 1)[1].split("（", 1)[0])
    remaining = sorted(p.name for p in dest.iterdir())
    assert remaining == sorted(["governance-backup-20000101-000000", "notes", "readme.txt", made[2].name, newest.name])
    assert "古いバックアップを削除しました" in result.output


def test_files_check_reports_orphans_and_corruption_and_fix_removes_only_old_orphans(tmp_path: Path):
    data = tmp_path / "data"
    _store_many(data, 3)
    rows = run_sync(_rows())
    corrupted = stored_path(data, rows[0][1])
    corrupted.write_bytes(b"%PDF-1.4 changed")
    orphan = stored_path(data, uuid.uuid4().hex * 2)  # a rollback after the file write leaves one
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(_pdf("rolled back"))
    old = time.time() - 7200
    os.utime(orphan, (old, old))
    recent = data / "files" / "ab" / "cd" / ("ab" + "cd" + "0" * 60)
    recent.parent.mkdir(parents=True)
    recent.write_bytes(b"just written")

    args = ["--data-dir", str(data)]
    result = CliRunner().invoke(files_check, args)
    assert result.exit_code == 1
    assert f"内容がハッシュと一致しません：ファイル記録 {rows[0][0]}" in result.output
    assert f"孤立ファイル（記録がありません）：{orphan}" in result.output and str(recent) in result.output
    assert "3件の記録を検証しました" in result.output

    result = CliRunner().invoke(files_check, [*args, "--fix"])
    assert result.exit_code == 1  # the mismatch and the recent orphan remain
    assert f"孤立ファイルを削除しました：{orphan}" in result.output
    assert not orphan.exists() and recent.exists() and corrupted.read_bytes() == b"%PDF-1.4 changed"
    assert len(run_sync(_rows())) == 3

    recent.unlink()
    corrupted.write_bytes(_pdf(0))
    result = CliRunner().invoke(files_check, args)
    assert result.exit_code == 0, result.output
    shutil.rmtree(stored_path(data, rows[1][1]).parent)
    result = CliRunner().invoke(files_check, args)
    assert result.exit_code == 1 and f"見つかりません：ファイル記録 {rows[1][0]}" in result.output


async def _rows() -> list[tuple[int, str, int]]:
    from governance.files.check import _rows as rows

    return await rows()


@pytest.mark.skipif(
    is_sqlite(get_engine()) or not (shutil.which("pg_dump") and shutil.which("pg_restore")),
    reason="PostgreSQL leg: GOVERNANCE_TEST_DATABASE_URL and pg_dump/pg_restore",
)
def test_postgres_backup_restores_into_a_scratch_database(tmp_path: Path):
    import asyncpg

    data = tmp_path / "data"
    _store_many(data, 3)
    folder = _backup(tmp_path / "backups", data)
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["engine"] == "postgres" and (folder / "database.dump").is_file()
    assert manifest["audit"]["entries"] == 3

    with restore_database(tmp_path) as url:
        args = [str(folder), "--data-dir", str(tmp_path / "restored"), "--database-url", url]
        result = CliRunner().invoke(restore_command, args)
        assert result.exit_code == 0, result.output
        assert f"末尾ハッシュ {manifest['audit']['head_hash']}（バックアップ時と一致）" in result.output
        result = CliRunner().invoke(restore_command, [*args[:1], "--data-dir", str(tmp_path / "other"), *args[3:]])
        assert result.exit_code == 1 and "復元先のデータベースは空ではありません" in result.output

        async def rows() -> list[tuple[int, str, int]]:
            conn = await asyncpg.connect(url)
            try:
                return [tuple(r) for r in await conn.fetch("SELECT id, sha256, size FROM stored_file ORDER BY id")]
            finally:
                await conn.close()

        restored = asyncio.run(rows())
        assert len(restored) == 3
        report = check_files(tmp_path / "restored", restored)
        assert not report.missing and not report.mismatched and not report.orphans


def _store_in(root: Path, kind: str, tag: str) -> tuple[int, str]:
    import hashlib

    async def main() -> int:
        async with write_transaction():
            return await FileService(root, storage=kind).save(_pdf(tag), "証跡.pdf", actor=Actor.system("test"))

    return run_sync(main()), hashlib.sha256(_pdf(tag)).hexdigest()


def test_backup_with_files_in_the_database_lists_and_verifies_them_on_restore(tmp_path: Path):
    """GOVERNANCE_FILE_STORAGE=database: the blobs travel in the database backup, the manifest lists every stored file
    with where it is, and the restore verifies each one in the restored database or data directory."""
    from governance.backup import verify_stored_files

    if not is_sqlite(get_engine()) and not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("PostgreSQL leg: pg_dump/pg_restore")
    data = tmp_path / "data"
    in_db = [_store_in(data, "database", f"db {i}") for i in range(2)]
    on_disk = _store_in(data, "local", "disk")
    folder = _backup(tmp_path / "backups", data)
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    where = {item["sha256"]: item["storage"] for item in manifest["stored_files"]}
    assert where == {in_db[0][1]: "database", in_db[1][1]: "database", on_disk[1]: "local"}
    assert [i["path"] for i in manifest["files"] if i["path"].startswith("files/")] == [
        stored_path(Path(""), on_disk[1]).as_posix()
    ]  # only the local file is copied as a file; the blobs are in the database dump

    restored = tmp_path / "restored"
    with restore_database(tmp_path) as url:
        result = CliRunner().invoke(restore_command, [str(folder), "--data-dir", str(restored), "--database-url", url])
        assert result.exit_code == 0, result.output
        assert "保存ファイル 3件の内容を検証しました。" in result.output
        assert asyncio.run(verify_stored_files(manifest, restored, url)) == []
        # a stored file gone from where the restore put it is reported, wherever it was
        stored_path(restored, on_disk[1]).unlink()
        assert asyncio.run(verify_stored_files(manifest, restored, url)) == [on_disk[1]]
        assert asyncio.run(verify_stored_files({**manifest, "stored_files": []}, restored, url)) == []
