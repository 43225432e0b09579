"""Test configuration: a fresh database per test on SQLite (default) or PostgreSQL.

Set GOVERNANCE_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test to run the whole suite on PostgreSQL:
a scratch database is created beside the named one for this run and dropped at the end.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import shutil
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

# --- environment, before any governance import (settings and the engine are read once) --------------------------
TMP = Path(tempfile.mkdtemp(prefix="governance-tests-"))
PG_URL = os.environ.get("GOVERNANCE_TEST_DATABASE_URL", "").strip()
PG_SCRATCH_URL = ""
if PG_URL:
    parts = urlsplit(PG_URL)
    scratch = f"gov_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    PG_SCRATCH_URL = urlunsplit(parts._replace(path=f"/{scratch}"))

    async def _create() -> None:
        import asyncpg

        conn = await asyncpg.connect(PG_URL)
        try:
            await conn.execute(f'CREATE DATABASE "{scratch}"')
        finally:
            await conn.close()

    asyncio.run(_create())
    os.environ["DATABASE_URL"] = PG_SCRATCH_URL
    os.environ["GOVERNANCE_DB_POOL"] = "false"  # a pool made on one test's loop would serve the next test's loop
else:
    os.environ["DATABASE_URL"] = f"sqlite:///{TMP / 'template.sqlite3'}"
os.environ["GOVERNANCE_DATA_DIR"] = str(TMP / "data")
os.environ.pop("GOVERNANCE_SECRET_KEY", None)
os.environ.setdefault("GOVERNANCE_LOG_LEVEL", "WARNING")
# The municipality's initial values (団体の設定): drafting a contract is refused without them.
os.environ.setdefault("GOVERNANCE_MUNICIPALITY_NAME", "みどり市")
os.environ.setdefault("GOVERNANCE_MUNICIPALITY_HEAD", "みどり市長 緑川 一郎")

import httpx  # noqa: E402
import pytest  # noqa: E402
from litestar import Litestar  # noqa: E402
from piccolo.table import sort_table_classes  # noqa: E402

from governance.db import close_connections, get_engine, is_sqlite, run_migrations  # noqa: E402
from governance.piccolo_app import APP_CONFIG  # noqa: E402
from governance.settings import get_settings  # noqa: E402

ENGINE = "postgres" if PG_URL else "sqlite"
TEMPLATE = TMP / "template.sqlite3"


def pytest_report_header() -> list[str]:
    return [f"governance database engine: {ENGINE}" + (f" ({PG_SCRATCH_URL})" if PG_URL else "")]


@pytest.fixture(scope="session", autouse=True)
def migrated_database():
    """Build the schema once per run, from the migrations."""

    async def migrate() -> None:
        await run_migrations()
        engine = get_engine()
        if is_sqlite(engine):
            from piccolo.querystring import QueryString

            await engine.run_querystring(QueryString("PRAGMA wal_checkpoint(TRUNCATE)"))
        await close_connections(engine)

    asyncio.run(migrate())
    yield
    if PG_URL:

        async def drop() -> None:
            import asyncpg

            conn = await asyncpg.connect(PG_URL)
            try:
                await conn.execute(f'DROP DATABASE IF EXISTS "{urlsplit(PG_SCRATCH_URL).path[1:]}" WITH (FORCE)')
            finally:
                await conn.close()

        asyncio.run(drop())
    shutil.rmtree(TMP, ignore_errors=True)


def _tables_to_clear() -> list[str]:
    return [t._meta.tablename for t in reversed(sort_table_classes(APP_CONFIG.table_classes))]


def _uses_database(request: pytest.FixtureRequest) -> bool:
    return "unit" not in request.node.path.parts  # tests/unit holds the pure modules' tests


@pytest.fixture(autouse=True)
def fresh_database(request: pytest.FixtureRequest, tmp_path: Path):
    """Give each test an empty, migrated database (a copy of the template, or truncated PostgreSQL tables)."""
    if not _uses_database(request):
        yield None
        return
    engine = get_engine()
    if is_sqlite(engine):
        path = tmp_path / "test.sqlite3"
        shutil.copyfile(TEMPLATE, path)
        engine.path = str(path)
        yield path
        return
    yield None  # PostgreSQL: tables are emptied by connection_pool, on the test's own loop


@pytest.fixture(autouse=True)
async def connection_pool(request: pytest.FixtureRequest):
    """Pool connections on the test's own loop (PostgreSQL: a small asyncpg pool) and close them afterwards."""
    if not _uses_database(request):
        yield
        return
    engine = get_engine()
    # Only async tests run their queries on this loop; sync ones (CLI, schemathesis) run their own loops.
    if not is_sqlite(engine) and engine.pool is None and inspect.iscoroutinefunction(request.function):
        await engine.start_connection_pool(min_size=1, max_size=4)
    yield
    if not is_sqlite(engine):
        from piccolo.querystring import QueryString

        names = ", ".join(f'"{n}"' for n in _tables_to_clear())
        await engine.run_querystring(QueryString(f"TRUNCATE TABLE {names} RESTART IDENTITY CASCADE"))
    await close_connections()


@pytest.fixture(name="settings")
def fx_settings():
    """The settings of the test run."""
    return get_settings()


@pytest.fixture(name="app")
def fx_app(settings) -> Litestar:
    """A fresh application."""
    from governance.app import create_app

    return create_app(settings)


@pytest.fixture(name="client")
async def fx_client(app: Litestar):
    """An HTTP client that runs the app in the test's own event loop (see style guide §5).

    The app's only startup work is the database lifespan; ``app.lifespan()`` itself cannot be used in a fixture,
    because pytest-asyncio tears fixtures down in another task than it set them up in (anyio refuses that).
    """
    from governance.db import db_lifespan

    async with (
        db_lifespan(),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=("127.0.0.1", 50000)), base_url="http://testserver"
        ) as client,
    ):
        yield client


@pytest.fixture(name="anon")
async def fx_anon(app: Litestar):
    """A second, never signed-in client."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield client
