"""Stored files in the database (GOVERNANCE_FILE_STORAGE=database, issue 16): two app hosts with different data
directories on one database share the evidence; a rollback leaves no blob; ``files check`` and ``files migrate``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from governance.actor import Actor
from governance.db import db_lifespan, write_transaction
from governance.files.check import check_stored, files_check, files_migrate
from governance.files.services import FileService
from governance.files.storage import DatabaseStorage, LocalStorage, stored_path
from governance.files.tables import FileBlob, StoredFile
from governance.settings import SettingsError, get_settings
from tests.helpers import checklist_of, login, multi_item_check, post_multipart, run_sync, sign_contract_now


def _pdf(tag: str) -> bytes:
    return f"%PDF-1.4\n% evidence {tag}\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".encode()


@pytest.fixture(name="storage_env")
def fx_storage_env(monkeypatch):
    """Set GOVERNANCE_FILE_STORAGE for the process (as an operator does) and read the settings again."""

    def use(kind: str | None) -> None:
        if kind is None:
            monkeypatch.delenv("GOVERNANCE_FILE_STORAGE", raising=False)
        else:
            monkeypatch.setenv("GOVERNANCE_FILE_STORAGE", kind)
        get_settings.cache_clear()

    yield use
    monkeypatch.delenv("GOVERNANCE_FILE_STORAGE", raising=False)
    get_settings.cache_clear()


def test_the_setting_is_local_by_default_and_refuses_other_values(storage_env):
    storage_env(None)
    assert get_settings().file_storage == "local"
    storage_env(" Database ")
    assert get_settings().file_storage == "database"
    storage_env("s3")
    with pytest.raises(SettingsError, match="GOVERNANCE_FILE_STORAGE must be local or database"):
        get_settings()


async def _host(settings, data_dir: Path):
    from governance.app import create_app

    app = create_app(dataclasses.replace(settings, data_dir=data_dir, secret_key="same-key-on-every-host"))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=("127.0.0.1", 50000)),
                             base_url="http://testserver")  # fmt: skip


async def test_evidence_uploaded_on_one_host_downloads_byte_identical_on_another(storage_env, tmp_path):
    storage_env("database")
    settings = get_settings()
    sc = await sign_contract_now()
    check = await multi_item_check(sc.engagement_id)
    first = (await checklist_of(check["id"]))[0]
    evidence = _pdf("host A") + bytes(range(1, 200)).replace(b"\x00", b"")  # not all ASCII
    evidence = evidence.decode("latin-1").encode("utf-8")
    async with (
        db_lifespan(),
        await _host(settings, tmp_path / "a") as host_a,
        await _host(settings, tmp_path / "b") as host_b,
    ):
        await login(host_a, "tantou")
        r = await post_multipart(host_a, f"/checks/{check['id']}/items/{first['id']}",
                                 {"result": "conforming", "note": "確認しました。", "severity": "minor"},
                                 {"evidence": ("体制届.pdf", evidence, "application/pdf")})  # fmt: skip
        assert r.status_code == 303, r.text[:500]
        page = await host_a.get(f"/checks/{check['id']}")
        file_id = int(re.search(r'href="/files/(\d+)">証跡ファイル', page.text).group(1))

        await login(host_b, "tantou")
        download = await host_b.get(f"/files/{file_id}")
        assert download.status_code == 200 and download.content == evidence
        assert download.headers["content-type"] == "application/pdf"
    digest = hashlib.sha256(evidence).hexdigest()
    assert not (tmp_path / "a" / "files").exists() and not (tmp_path / "b" / "files").exists()
    blob = await FileBlob.select().where(FileBlob.sha256 == digest).first()
    assert bytes(blob["data"]) == evidence and blob["size"] == len(evidence)


async def test_same_bytes_twice_make_one_blob_and_a_rollback_leaves_none(tmp_path):
    files = FileService(tmp_path, storage="database")
    actor = Actor.system("test")
    async with write_transaction():
        one = await files.save(_pdf("same"), "a.pdf", actor=actor)
    async with write_transaction():
        two = await files.save(_pdf("same"), "b.pdf", actor=actor)
    assert one != two and await FileBlob.count() == 1
    assert (await files.load(two)).data == _pdf("same")

    class Abort(Exception):
        pass

    with pytest.raises(Abort):
        async with write_transaction():
            await files.save(_pdf("rolled back"), "c.pdf", actor=actor)
            assert await FileBlob.count() == 2  # written in this transaction
            raise Abort
    assert await FileBlob.count() == 1 and await StoredFile.count() == 2
    assert not (tmp_path / "files").exists()


async def test_reading_falls_back_to_the_other_storage_and_refuses_altered_bytes(tmp_path):
    actor = Actor.system("test")
    async with write_transaction():
        local_id = await FileService(tmp_path, storage="local").save(_pdf("local"), "a.pdf", actor=actor)
        db_id = await FileService(tmp_path, storage="database").save(_pdf("db"), "b.pdf", actor=actor)
    # the setting switched either way: both files stay readable
    for kind in ("local", "database"):
        files = FileService(tmp_path, storage=kind)
        assert (await files.load(local_id)).data == _pdf("local")
        assert (await files.load(db_id)).data == _pdf("db")
    digest = hashlib.sha256(_pdf("db")).hexdigest()
    await FileBlob.update({FileBlob.data: b"%PDF-1.4 altered"}).where(FileBlob.sha256 == digest)
    from governance.errors import NotFoundError

    with pytest.raises(NotFoundError):
        await FileService(tmp_path, storage="database").load(db_id)


def _store(root: Path, kind: str, tag: str) -> tuple[int, str]:
    async def main() -> tuple[int, str]:
        async with write_transaction():
            file_id = await FileService(root, storage=kind).save(_pdf(tag), f"{tag}.pdf", actor=Actor.system("t"))
        return file_id, hashlib.sha256(_pdf(tag)).hexdigest()

    return run_sync(main())


def test_files_check_covers_both_storages_and_fix_removes_old_orphan_blobs(tmp_path, storage_env):
    storage_env("database")
    data = tmp_path / "data"
    local_id, _ = _store(data, "local", "on disk")
    db_id, db_digest = _store(data, "database", "in db")
    args = ["--data-dir", str(data)]
    result = CliRunner().invoke(files_check, args)
    assert result.exit_code == 0, result.output
    assert "2件の記録を検証しました：見つからない 0件、不一致 0件、孤立ファイル 0件" in result.output

    async def orphan_blob(tag: str, age: dt.timedelta) -> str:
        digest = hashlib.sha256(_pdf(tag)).hexdigest()
        await FileBlob.insert(FileBlob(sha256=digest, data=_pdf(tag), size=len(_pdf(tag)),
                                       created_at=dt.datetime.now(dt.UTC) - age))  # fmt: skip
        return digest

    old = run_sync(orphan_blob("old orphan", dt.timedelta(hours=2)))
    recent = run_sync(orphan_blob("recent orphan", dt.timedelta(0)))
    run_sync(FileBlob.update({FileBlob.data: b"%PDF-1.4 changed"}).where(FileBlob.sha256 == db_digest).run())
    result = CliRunner().invoke(files_check, args)
    assert result.exit_code == 1
    assert f"内容がハッシュと一致しません：ファイル記録 {db_id}" in result.output
    assert (
        f"孤立ファイル（記録がありません）：データベース file_blob {old}" in result.output and recent in result.output
    )

    result = CliRunner().invoke(files_check, [*args, "--fix"])
    assert result.exit_code == 1  # the mismatch and the recent orphan remain
    assert f"孤立ファイルを削除しました：データベース file_blob {old}" in result.output
    blobs = set(run_sync(FileBlob.select(FileBlob.sha256).output(as_list=True).run()))
    assert blobs == {db_digest, recent}

    run_sync(FileBlob.delete().where(FileBlob.sha256.is_in([db_digest, recent])).run())
    result = CliRunner().invoke(files_check, args)
    assert result.exit_code == 1 and f"見つかりません：ファイル記録 {db_id}（{db_digest}）" in result.output
    assert f"ファイル記録 {local_id}" not in result.output  # the local copy verifies


def test_migrate_to_database_and_back_is_idempotent_and_verified(tmp_path, storage_env):
    storage_env("local")
    data = tmp_path / "data"
    ids = [_store(data, "local", f"file {i}") for i in range(3)]
    args = ["--data-dir", str(data)]

    result = CliRunner().invoke(files_migrate, ["--to", "database", *args])
    assert result.exit_code == 0, result.output
    assert "保存先 database へ 3件を複写しました（既にあったもの 0件" in result.output
    result = CliRunner().invoke(files_migrate, ["--to", "database", *args])
    assert result.exit_code == 0 and "へ 0件を複写しました（既にあったもの 3件" in result.output

    # switch the setting, lose the data directory (a new host): every file is read from the database
    storage_env("database")
    other = tmp_path / "new-host"

    async def load_all(root: Path) -> list[bytes]:
        return [(await FileService(root).load(file_id)).data for file_id, _ in ids]

    assert run_sync(load_all(other)) == [_pdf(f"file {i}") for i in range(3)]
    rows = [(file_id, digest, len(_pdf(f"file {i}"))) for i, (file_id, digest) in enumerate(ids)]
    report = run_sync(check_stored(rows, (DatabaseStorage(),)))
    assert report.ok and report.checked == 3

    # and back to local on the new host, after one blob was altered: that one is reported, not copied
    run_sync(FileBlob.update({FileBlob.data: b"%PDF-1.4 bad"}).where(FileBlob.sha256 == ids[0][1]).run())
    result = CliRunner().invoke(files_migrate, ["--to", "local", "--data-dir", str(other)])
    assert result.exit_code == 1
    assert f"見つかりません（複写できません）：ファイル記録 {ids[0][0]}" in result.output
    assert "へ 2件を複写しました" in result.output
    assert not stored_path(other, ids[0][1]).exists()
    assert stored_path(other, ids[1][1]).read_bytes() == _pdf("file 1")
    assert run_sync(check_stored(rows[1:], (LocalStorage(other),))).ok

    result = CliRunner().invoke(files_migrate, ["--to", "s3", *args])
    assert result.exit_code == 2 and "s3" in result.output
