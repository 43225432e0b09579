"""The database layer: connection reuse on SQLite without giving up write safety, and engine selection."""

from __future__ import annotations

import asyncio

import pytest
from piccolo.querystring import QueryString

from governance.accounts.tables import Department
from governance.db import PooledSQLiteEngine, for_update, get_engine, is_sqlite, make_engine, write_transaction

sqlite_only = pytest.mark.skipif(not is_sqlite(), reason="SQLite engine behaviour")


@sqlite_only
async def test_sqlite_runs_in_wal_mode_with_foreign_keys():
    engine = get_engine()
    mode = await engine.run_querystring(QueryString("PRAGMA journal_mode"))
    fks = await engine.run_querystring(QueryString("PRAGMA foreign_keys"))
    assert mode[0]["journal_mode"] == "wal" and fks[0]["foreign_keys"] == 1


@sqlite_only
async def test_connections_are_reused():
    engine = get_engine()
    assert isinstance(engine, PooledSQLiteEngine)
    for _ in range(20):
        await Department.select().limit(1)
    pool = engine._pool()
    assert pool._open <= engine.pool_size


async def test_concurrent_read_then_write_transactions_never_lock():
    """50 concurrent read-then-write units of work: none fails with "locked" and no update is lost.

    SQLite: BEGIN IMMEDIATE admits one writer at a time. PostgreSQL: for_update() takes a row lock.
    """
    await Department.insert(Department(code="CNT", name="counter", active=True))

    async def bump(i: int) -> None:
        async with write_transaction():
            row = await for_update(Department.select(Department.name).where(Department.code == "CNT")).first()
            await asyncio.sleep(0)  # let the others interleave between the read and the write
            await Department.update({Department.name: f"{row['name']}+"}).where(Department.code == "CNT")

    await asyncio.gather(*(bump(i) for i in range(50)))
    row = await Department.select(Department.name).where(Department.code == "CNT").first()
    assert row["name"] == "counter" + "+" * 50  # no lost update either


async def test_failed_transaction_returns_a_clean_connection():
    with pytest.raises(ZeroDivisionError):
        async with write_transaction():
            await Department.insert(Department(code="RB", name="rolled back", active=True))
            1 / 0  # noqa: B018
    assert not await Department.exists().where(Department.code == "RB")
    await Department.insert(Department(code="OK", name="after", active=True))
    assert await Department.exists().where(Department.code == "OK")


def test_make_engine_rejects_unknown_urls():
    with pytest.raises(ValueError, match="sqlite:/// or postgresql://"):
        make_engine("mysql://x")
