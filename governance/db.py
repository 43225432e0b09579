"""Database engine construction, connection reuse for SQLite, write transactions and migrations."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import io
import logging
import os
import sqlite3
import weakref
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import aiosqlite
import piccolo.table
from piccolo.engine.base import Engine
from piccolo.engine.finder import engine_finder
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType, dict_factory
from piccolo.querystring import QueryString

log = logging.getLogger(__name__)

# One value for every pg_advisory_xact_lock this application takes on the audit chain.
AUDIT_CHAIN_LOCK_KEY = 0x60_7E_A0_01


class _PooledConnection:
    """An aiosqlite connection whose ``close()`` hands it back to its pool.

    Piccolo's transaction and batch objects close the connection they were given when they finish; with this proxy
    that returns it to the pool instead, so Piccolo's own transaction code is used unchanged.
    """

    __slots__ = ("_conn", "_pool")

    def __init__(self, conn: aiosqlite.Connection, pool: _ConnectionPool) -> None:
        self._conn = conn
        self._pool = pool

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _PooledConnection.__slots__:
            object.__setattr__(self, name, value)
        else:  # Piccolo sets row_factory on the connection it was given
            setattr(self._conn, name, value)

    async def close(self) -> None:
        await self._pool.release(self._conn)


class _ConnectionPool:
    """Idle aiosqlite connections for one database file and one event loop."""

    def __init__(self, engine: PooledSQLiteEngine, size: int) -> None:
        self._engine = engine
        self._size = size
        self._idle: list[aiosqlite.Connection] = []
        self._open = 0
        self._available = asyncio.Condition()
        self.closed = False

    async def acquire(self) -> aiosqlite.Connection:
        async with self._available:
            while not self._idle and self._open >= self._size:
                await self._available.wait()
            if self._idle:
                return self._idle.pop()
            self._open += 1
        try:
            return await self._engine.open_connection()
        except BaseException:
            async with self._available:
                self._open -= 1
                self._available.notify()
            raise

    async def release(self, conn: aiosqlite.Connection) -> None:
        keep = not self.closed
        if keep and conn.in_transaction:
            # Cancelled half-way through a transaction: never hand an open transaction to the next user.
            try:
                await conn.execute("ROLLBACK")
            except (sqlite3.Error, ValueError):
                keep = False
        if not keep:
            await _close_quietly(conn)
        async with self._available:
            if keep:
                self._idle.append(conn)
            else:
                self._open -= 1
            self._available.notify()

    async def close(self) -> None:
        self.closed = True
        async with self._available:
            idle, self._idle = self._idle, []
            self._open -= len(idle)
        for conn in idle:
            await _close_quietly(conn)


async def _close_quietly(conn: aiosqlite.Connection) -> None:
    with contextlib.suppress(sqlite3.Error, ValueError, RuntimeError):  # already closed, or its thread is gone
        await conn.close()


class PooledSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine, reusing connections instead of opening one per query.

    Piccolo opens a new ``aiosqlite`` connection (and thread) for every query outside a transaction, which costs
    about ten times the query itself. This engine keeps a few connections per database file and event loop.
    Write safety is unchanged: every connection runs in autocommit mode with foreign keys on and a busy timeout,
    the database is in WAL mode (readers never block the writer), and ``write_transaction()`` still opens
    ``BEGIN IMMEDIATE`` transactions, on a connection taken from the same pool.
    """

    def __init__(self, path: str, *, pool_size: int = 4, pool: bool = True, **kwargs: Any) -> None:
        kwargs.setdefault("timeout", 30)
        super().__init__(path=path, **kwargs)
        self.pool_size = pool_size
        self.pooling = pool
        self._pools: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, _ConnectionPool]] = (
            weakref.WeakKeyDictionary()
        )

    async def open_connection(self) -> aiosqlite.Connection:
        """Open a new connection with this application's pragmas."""
        conn = aiosqlite.connect(**self.connection_kwargs)
        # aiosqlite runs each connection on a non-daemon thread, so an idle pooled connection would keep a short
        # command (``piccolo migrations forwards``) from exiting. A daemon thread cut off at exit is safe: SQLite's
        # journal makes every write atomic. The thread is created, not yet started, until the connection is awaited.
        thread = getattr(conn, "_thread", None)
        if thread is not None:
            thread.daemon = True
        conn = await conn
        conn.row_factory = dict_factory  # type: ignore[assignment]
        await conn.execute("PRAGMA foreign_keys = 1")
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute(f"PRAGMA busy_timeout = {int(self.connection_kwargs['timeout'] * 1000)}")
        return conn

    def _pool(self) -> _ConnectionPool:
        loop = asyncio.get_running_loop()
        pools = self._pools.setdefault(loop, {})
        pool = pools.get(self.path)
        if pool is None or pool.closed:
            pool = pools[self.path] = _ConnectionPool(self, self.pool_size)
        return pool

    async def get_connection(self) -> Any:
        """Return a connection for a transaction or batch; closing it hands it back."""
        if not self.pooling:
            return await self.open_connection()
        pool = self._pool()
        return _PooledConnection(await pool.acquire(), pool)

    async def _run_in_new_connection(
        self, query: str, args: list[Any] | None = None, query_type: str = "generic", table: Any = None
    ) -> Any:
        conn = await self.get_connection()
        try:
            async with conn.execute(query, args or []) as cursor:
                return await cursor.fetchall()
        finally:
            await conn.close()

    async def start_connection_pool(self, **_: Any) -> None:
        """Connections are opened on demand; nothing to start."""

    async def close_connection_pool(self) -> None:
        """Close the idle connections this event loop holds (every database file)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        for pool in list(self._pools.pop(loop, {}).values()):
            await pool.close()


def make_engine(url: str, *, pool: bool = True) -> Engine:
    """Build the Piccolo engine for a database URL.

    Args:
        url: ``sqlite:///relative/or/absolute/path`` or ``postgresql://user@host:port/db``.
        pool: reuse connections (SQLite) or allow a pool to be started (PostgreSQL).

    Returns:
        The engine.

    Raises:
        ValueError: for a URL of another kind.
    """
    if url.startswith("sqlite:///"):
        return PooledSQLiteEngine(path=url.removeprefix("sqlite:///"), pool=pool)
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresEngine(config={"dsn": url}, log_queries=False)
    raise ValueError(f"DATABASE_URL must start with sqlite:/// or postgresql://, not {url.split(':', 1)[0]!r}")


def configured_engine(module_name: str | None = None) -> Engine | None:
    """Return ``DB`` of the ``piccolo_conf`` module, as Piccolo's ``engine_finder`` does, at a fraction of its cost.

    Piccolo's finder imports ``piccolo.conf.apps`` and with it ``black`` and the migration machinery (~0.07 s), which
    every short command (cron's ``governance reminders run``) paid on its first query. The module is the same one
    Piccolo would read: ``module_name``, else ``PICCOLO_CONF`` (``governance.piccolo_conf``), else ``piccolo_conf``.
    """
    module = importlib.import_module(module_name or os.environ.get("PICCOLO_CONF") or "piccolo_conf")
    return getattr(module, "DB", None)


# Tables without an engine of their own (every table here) look it up on first use through the ``engine_finder`` name
# in ``piccolo.table``; point that name at the cheap lookup above, which answers the same engine object. Left alone if
# something else has already replaced it.
if piccolo.table.engine_finder is engine_finder:
    piccolo.table.engine_finder = configured_engine


def get_engine() -> Engine:
    """Return the engine configured in ``piccolo_conf``."""
    engine = configured_engine()
    if engine is None:  # pragma: no cover - piccolo_conf always defines DB
        raise RuntimeError("piccolo_conf.DB is not configured")
    return engine


def is_sqlite(engine: Engine | None = None) -> bool:
    """Tell whether the (given or configured) engine is SQLite."""
    return (engine or get_engine()).engine_type == "sqlite"


def _like(column: Any, pattern: str, *, case_sensitive: bool) -> Any:
    from piccolo.columns.combination import WhereRaw

    # SQLite's LIKE ignores ASCII case and has no ILIKE; PostgreSQL's LIKE is case-sensitive. Both get ESCAPE.
    op = "LIKE" if is_sqlite() or case_sensitive else "ILIKE"
    return WhereRaw(f"{column._meta.get_full_name(with_alias=False)} {op} {{}} ESCAPE '\\'", pattern)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def icontains(column: Any, text: str) -> Any:
    """A case-insensitive "contains" condition; LIKE wildcards typed by the user match literally."""
    return _like(column, f"%{_escape_like(text)}%", case_sensitive=False)


def startswith(column: Any, text: str) -> Any:
    """A "starts with" condition; LIKE wildcards in ``text`` match literally."""
    return _like(column, f"{_escape_like(text)}%", case_sensitive=True)


def write_transaction() -> Any:
    """Open the transaction for one unit of work that writes.

    SQLite gets ``BEGIN IMMEDIATE`` so that a read-then-write never fails with "database is locked" half-way;
    PostgreSQL gets an ordinary transaction. Nested calls join the outer transaction.
    """
    engine = get_engine()
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


def for_update(query: Any) -> Any:
    """Lock the selected rows until the transaction ends, for a read-check-write unit of work.

    PostgreSQL gets ``SELECT … FOR UPDATE``, so a concurrent transaction waits instead of writing over what this one
    read (READ COMMITTED would lose that update). SQLite has no row locks and needs none: ``write_transaction()``
    starts ``BEGIN IMMEDIATE``, which already admits one writer at a time.
    """
    # OF <table>: PostgreSQL refuses FOR UPDATE on the nullable side of the outer joins that related columns add.
    return query if is_sqlite() else query.lock_rows(of=(query.table,))


async def locked_row(table: Any, row_id: int, what: str) -> dict[str, Any]:
    """Read one row by id for a read-check-write unit of work (``for_update``), or refuse with 404.

    Raises:
        NotFoundError: no such row; ``what`` names it in the message (e.g. 確認).
    """
    from governance.errors import NotFoundError

    row = await for_update(table.select().where(table.id == row_id)).first()
    if row is None:
        raise NotFoundError(what, row_id)
    return row


async def keyset_chunks(
    select: Callable[[], Any], table: Any, where: Sequence[Any] = (), *, chunk: int = 500, newest_first: bool = False
) -> AsyncIterator[list[dict[str, Any]]]:
    """Yield every row a query selects, a chunk at a time in id order, never holding them all (for exports).

    Each chunk is a fresh query bounded by the last id read (keyset, not OFFSET), so a long export reads every row
    once and stays as fast on the last chunk as on the first.

    Args:
        select: Makes the query (a Piccolo select of ``table`` with the columns wanted; called once per chunk,
            because Piccolo queries are built in place).
        table: The table whose ``id`` orders and bounds the chunks.
        where: The list's filters, as the page and the API list apply them.
        chunk: Rows per query.
        newest_first: Highest id first (as the lists that show the newest first), instead of lowest first.
    """
    last: int | None = None
    while True:
        bound = [] if last is None else [table.id < last if newest_first else table.id > last]
        conditions = [*where, *bound]
        query = select()
        if conditions:
            query = query.where(*conditions)
        rows = await query.order_by(table.id, ascending=not newest_first).limit(chunk)
        if rows:
            yield rows
        if len(rows) < chunk:
            return
        last = rows[-1]["id"]


def is_unique_violation(exc: BaseException) -> bool:
    """Tell whether a database error is a unique-constraint violation (a race two requests both lost to a check)."""
    if isinstance(exc, sqlite3.IntegrityError):
        return "UNIQUE constraint failed" in str(exc)
    try:
        import asyncpg
    except ImportError:  # pragma: no cover
        return False
    return isinstance(exc, asyncpg.UniqueViolationError)


def is_bad_text(exc: BaseException) -> bool:
    """Tell whether the database refused text it cannot store (PostgreSQL and the NUL character)."""
    try:
        import asyncpg
    except ImportError:  # pragma: no cover
        return False
    return isinstance(exc, (asyncpg.CharacterNotInRepertoireError, asyncpg.UntranslatableCharacterError))


def in_transaction() -> bool:
    """Tell whether a transaction is open in the current context."""
    return get_engine().current_transaction.get() is not None


async def run_migrations() -> None:
    """Apply pending migrations of the governance app.

    Raises:
        RuntimeError: when a migration fails (``run_forwards`` reports failure instead of raising).
    """
    from piccolo.apps.migrations.commands.forwards import run_forwards

    # Piccolo prints its own progress (with a misleading "already complete" count); keep it for the error only.
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        result = await run_forwards(app_name="governance", migration_id="all", fake=False)
    if not result.success:
        raise RuntimeError(f"migrations failed: {result.message}\n{output.getvalue()}")


async def apply_migrations() -> list[str]:
    """Apply pending migrations and return the ids of those applied (empty when the schema was current)."""
    pending = await pending_migrations()
    if pending:
        await run_migrations()
    return pending


async def pending_migrations() -> list[str]:
    """List the ids of migrations that have not been applied yet."""
    from piccolo.apps.migrations.commands.check import CheckMigrationManager

    rows = await CheckMigrationManager(app_name="governance").get_migration_statuses()
    return [r.migration_id for r in rows if not r.has_ran]


async def database_ok() -> bool:
    """Run a trivial query to tell whether the database answers."""
    try:
        await get_engine().run_querystring(QueryString("SELECT 1"))
    except Exception as exc:
        log.warning("database check failed: %s", exc)
        return False
    return True


SQLITE_ANALYSIS_LIMIT = 1000
"""Rows of each index ANALYZE reads on SQLite (``PRAGMA analysis_limit``): enough for the planner, ms at any size."""


async def refresh_statistics(*, full: bool = True) -> None:
    """Give SQLite's planner table statistics (PostgreSQL's autovacuum keeps its own; nothing to do there).

    Without statistics SQLite guesses that ``status IN (…)`` finds a handful of rows, reads the check list through the
    status index and sorts every open check; with them it reads the partial index of open checks in order (tested in
    tests/integration/test_list_query_plans.py). ``full`` runs ANALYZE (on the app's start-up: a few ms at 100,000
    checks); otherwise ``PRAGMA optimize`` analyzes only what this connection's queries showed to need it (cron runs).
    A failure is logged, never raised: statistics only make plans better.
    """
    if not is_sqlite():
        return
    try:
        await get_engine().run_querystring(QueryString(f"PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMIT}"))
        await get_engine().run_querystring(QueryString("ANALYZE" if full else "PRAGMA optimize"))
    except Exception as exc:
        log.warning("refreshing SQLite statistics failed: %s", exc)


async def close_connections(engine: Engine | None = None) -> None:
    """Close pooled connections of the engine, if it holds any (Piccolo warns when there is no pool)."""
    engine = engine or get_engine()
    if isinstance(engine, PooledSQLiteEngine) or (isinstance(engine, PostgresEngine) and engine.pool is not None):
        await engine.close_connection_pool()


@asynccontextmanager
async def db_lifespan(_: Any = None) -> AsyncIterator[None]:
    """Start the PostgreSQL pool (when enabled) for the app's lifetime and close connections at the end."""
    from governance.settings import get_settings

    engine = get_engine()
    settings = get_settings()
    pooled = isinstance(engine, PostgresEngine) and settings.db_pool and engine.pool is None
    if pooled:
        await engine.start_connection_pool(min_size=1, max_size=10)
    try:
        yield
    finally:
        if pooled or isinstance(engine, PooledSQLiteEngine):
            await close_connections(engine)
