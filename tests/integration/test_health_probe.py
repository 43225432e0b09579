"""``/healthz``: one cheap query per probe; the migrations table is read only until it shows nothing pending."""

from __future__ import annotations

import pytest
from piccolo.apps.migrations.tables import Migration

from governance.db import close_connections, get_engine, is_sqlite
from governance.system import controllers


@pytest.fixture(name="migration_reads")
def fx_migration_reads(monkeypatch):
    """Count the controller's reads of the migrations table (each still runs the real query)."""
    calls: list[int] = []
    real = controllers.pending_migrations

    async def counted() -> list[str]:
        calls.append(1)
        return await real()

    monkeypatch.setattr(controllers, "pending_migrations", counted)
    return calls


async def test_probes_read_the_migrations_table_only_until_current(anon, migration_reads):
    for _ in range(5):
        r = await anon.get("/healthz")
        assert r.status_code == 200
        assert r.json()["status"] == "ok" and r.json()["database"]["pending_migrations"] == 0
    assert len(migration_reads) == 1


async def test_pending_migration_is_reported_until_applied_then_the_answer_is_kept(anon, migration_reads):
    newest = Migration.select().where(Migration.app_name == "governance").order_by(Migration.id, ascending=False)
    last = await newest.first()
    await Migration.delete().where(Migration.id == last["id"])  # as if the newest migration were not applied yet
    try:
        for _ in range(2):  # a pending answer is never kept: each probe looks again
            r = await anon.get("/healthz")
            assert r.status_code == 503
            assert r.json()["status"] == "degraded" and r.json()["database"]["pending_migrations"] == 1
        assert len(migration_reads) == 2
    finally:
        await Migration.insert(Migration(name=last["name"], app_name=last["app_name"], ran_on=last["ran_on"]))
    r = await anon.get("/healthz")
    assert r.status_code == 200 and r.json()["database"]["pending_migrations"] == 0
    assert len(migration_reads) == 3
    r = await anon.get("/healthz")
    assert r.status_code == 200 and len(migration_reads) == 3  # current: not read again


async def test_an_unreachable_database_is_still_seen_after_the_answer_is_kept(anon, tmp_path, monkeypatch):
    engine = get_engine()
    if not is_sqlite(engine):
        pytest.skip("made unreachable by pointing the SQLite engine at a missing directory")
    assert (await anon.get("/healthz")).status_code == 200  # migrations current: kept
    await close_connections(engine)
    monkeypatch.setattr(engine, "path", str(tmp_path / "gone" / "db.sqlite3"))
    r = await anon.get("/healthz")
    assert r.status_code == 503
    assert r.json()["status"] == "degraded" and r.json()["database"]["reachable"] is False
