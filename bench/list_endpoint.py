"""Benchmark of the audit-log list endpoint against raw-driver baselines measured in the same run.

Run from the repository root::

    .venv/bin/python bench/list_endpoint.py
    .venv/bin/python bench/list_endpoint.py --postgres postgresql://postgres@127.0.0.1:5432/test

What is measured
----------------
``GET /api/v1/audit-entries?limit=50&offset=<varying>`` with ``Authorization: Bearer <token>`` of a user holding the
``auditor`` role, against a database holding 10,000 audit entries (a valid hash chain, checked before measuring;
``ANALYZE`` has been run, as autovacuum would in a live database).
Every request goes through the whole application in-process: ``httpx.AsyncClient`` over ``httpx.ASGITransport``, the
app's middleware (security headers, bearer-token authentication: one token lookup, one user lookup, one role lookup),
the access guard, the handler (Piccolo: one page ``SELECT`` and one ``COUNT(*)``) and msgspec serialization.
The offsets walk every page of the table in turn (0, 50, 100, ... 9,950, then again), the same sequence for every row.

Each figure is measured twice, with the same requests: one at a time (``seq``, 1,000 requests by default), and
with 8 tasks sending requests concurrently on one event loop (``conc``). Each endpoint gets a warm-up of 100
requests first (20 for the slow a0 rows). The endpoints (a), (b), (c), (d) take turns in 5 rounds (a, b, c, d, a, b,
...) so that a change in the machine's load during the run hits all of them alike and the ratios stay fair.

Rows of the table (SQLite)
--------------------------
(a) app, pooled
    The app's own endpoint on ``PooledSQLiteEngine`` (connections reused), which is how the app runs.
(a0) app, stock
    The same endpoint with ``get_engine().pooling = False``: a new aiosqlite connection (and thread) per query, which
    is what Piccolo's stock ``SQLiteEngine`` does (stock runs one PRAGMA per new connection, this engine three; the
    thread and file open dominate). The ratio (a)/(a0) is the improvement the pooled engine brings.
(b) raw + auth
    A handler registered on the same app instance (``app.register``) with ``opt=access("auditor")``, so the same
    middleware resolves the same bearer token through the app's token service and the same guard checks the role;
    the handler then runs the two statements the app runs (the same SELECT and COUNT, with LIMIT/OFFSET as bound
    parameters where Piccolo writes literals) on ONE ``sqlite3`` connection opened at start, inline on the event loop
    (the cheapest possible data access), and returns the same ``AuditPage`` struct. The benchmark checks that its
    JSON equals the app endpoint's JSON, byte for byte.
(c) raw, no auth
    The same raw handler with ``opt=access(PUBLIC)``, requested without an ``Authorization`` header: no token lookup.
    (b) - (c) is the cost of authentication (three Piccolo queries per request).
(d) floor
    A public handler that returns a constant small struct: the cost of httpx + ASGI + Litestar alone, with no database
    at all. Everything above it is database access and serialization. Measured on SQLite only (no database in it).

How to read it
--------------
``req/s`` is the throughput over the measured requests, ``p50``/``p95`` the per-request latency in milliseconds as
seen by the client. ``a/b`` is the throughput of the app endpoint divided by the raw baseline behind the same
authentication (our target: >= 0.3); ``a/c`` is divided by the raw baseline without authentication, and ``a/a0`` is
the speed-up of the pooled engine over stock Piccolo behaviour. The ratios matter more than the absolute numbers,
which depend on the machine and on whatever else runs on it; the in-process client costs the same for every row, so
it dilutes differences. Expect a few per cent of run-to-run noise on the ratios (more on a busy machine).
Progress lines go to stderr, the final table to stdout. Defaults take about 1.5 minutes on 2 cores with
``--postgres``; ``--requests 2000`` reduces the noise and doubles the time.

With ``--postgres URL`` a scratch database ``gov_bench_<random>`` is created on that server (dropped at the end
``WITH (FORCE)``), migrated and loaded with the same rows, and the app endpoint is measured with the connection pool
on (``GOVERNANCE_DB_POOL=true``; ``db_lifespan`` starts it), plus: the same without a pool (a new asyncpg
connection per query), and a raw-asyncpg baseline behind the same auth (one persistent connection, serialized by a
lock since an asyncpg connection runs one query at a time).

Design: the Piccolo engine is chosen when ``governance`` is first imported, so each engine is measured in a child
process (``--engine sqlite|postgres``, internal) that sets the environment before importing ``governance`` and writes
its figures to a JSON file; the parent prints the combined table. Exit status 0 when every run succeeded.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent

APP_PATH = "/api/v1/audit-entries"
RAW_PATH = "/api/v1/bench/raw-audit-entries"
RAW_PUBLIC_PATH = "/api/v1/bench/raw-audit-entries-public"
FLOOR_PATH = "/api/v1/bench/floor"
PAGE = 50


# ---------------------------------------------------------------------------------------------------------------------
# arguments
# ---------------------------------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument(
        "--postgres",
        metavar="URL",
        default="",
        help="also measure on PostgreSQL: a scratch database is created on this server and dropped",
    )
    p.add_argument("--rows", type=int, default=10_000, help="audit entries to load (default 10000)")
    p.add_argument("--requests", type=int, default=1_000, help="measured requests per figure (default 1000)")
    p.add_argument(
        "--stock-requests",
        type=int,
        default=200,
        help="measured requests for the slow connection-per-query figures (a0), default 200",
    )
    p.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="the endpoints take turns in this many rounds, so load changes hit all alike (default 5)",
    )
    p.add_argument("--warmup", type=int, default=100, help="warm-up requests before each figure (default 100)")
    p.add_argument("--concurrency", type=int, default=8, help="concurrent tasks in the conc figures (default 8)")
    p.add_argument("--engine", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    p.add_argument("--database-url", default="", help=argparse.SUPPRESS)
    p.add_argument("--result-file", default="", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if (
        args.requests < 1
        or args.stock_requests < 1
        or args.warmup < 0
        or args.concurrency < 1
        or args.rows < PAGE
        or args.rounds < 1
    ):
        p.error("--requests/--stock-requests/--concurrency/--rounds must be >= 1, --warmup >= 0, --rows >= 50")
    return args


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------------------------------
# child: one engine, one process
# ---------------------------------------------------------------------------------------------------------------------


def child_main(args: argparse.Namespace) -> int:
    # Everything here must happen before the first ``governance`` import: settings and the engine are read once.
    tmp = Path(tempfile.mkdtemp(prefix=f"gov-bench-{args.engine}-"))
    try:
        if args.engine == "sqlite":
            os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
        else:
            os.environ["DATABASE_URL"] = args.database_url
        os.environ["GOVERNANCE_DATA_DIR"] = str(tmp / "data")
        os.environ["GOVERNANCE_LOG_LEVEL"] = "WARNING"
        os.environ["GOVERNANCE_DB_POOL"] = "true"
        # Let the project choose its Piccolo config module (the engine then reads DATABASE_URL set above).
        os.environ.pop("PICCOLO_CONF", None)
        os.environ.pop("GOVERNANCE_SECRET_KEY", None)
        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))
        result = asyncio.run(child_async(args, tmp))
        Path(args.result_file).write_text(json.dumps(result), encoding="utf-8")
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def make_rows(n: int, prev: str, start_id: int) -> tuple[list[Any], str]:
    """Build ``n`` chained audit entries (Piccolo objects) following ``prev``; return them and the new head hash."""
    import datetime as dt

    from governance.audit.chain import EntryFields, canonical_json, entry_hash
    from governance.audit.services import ACTION_LABELS
    from governance.audit.tables import AuditEntry

    rnd = random.Random(20260401)
    actions = sorted(ACTION_LABELS)
    base = dt.datetime(2026, 1, 5, 0, 0, tzinfo=dt.UTC)
    rows = []
    for i in range(n):
        action = rnd.choice(actions)
        target_type = action.split(".", 1)[0]
        actor = rnd.randint(1, 60)
        target = rnd.randint(1, 400)
        before = None if action.endswith("created") else {"name": f"対象{target}", "active": True, "roles": ["auditor"]}
        after = {"name": f"対象{target}", "active": rnd.random() > 0.1, "note": "x" * rnd.randint(0, 80), "seq": i}
        fields = EntryFields(
            occurred_at=base + dt.timedelta(seconds=37 * (start_id + i)),
            actor_id=None if actor == 1 else actor,
            actor_label="システム（bench）" if actor == 1 else f"職員{actor}（user{actor:03d}）",
            action=action,
            target_type=target_type,
            target_id=str(target),
            target_label=f"{target_type}-{target}",
            before_json=canonical_json(before),
            after_json=canonical_json(after),
        )
        h = entry_hash(prev, fields)
        rows.append(AuditEntry(prev_hash=prev, entry_hash=h, **fields.__dict__))
        prev = h
    return rows, prev


async def load_rows(n: int, batch: int = 1000) -> None:
    """Append ``n`` entries to the chain, in batches of ``batch`` rows per INSERT, inside write transactions."""
    from governance.audit.chain import GENESIS_HASH
    from governance.audit.tables import AuditEntry
    from governance.db import write_transaction

    async with write_transaction():
        last = (
            await AuditEntry.select(AuditEntry.id, AuditEntry.entry_hash)
            .order_by(AuditEntry.id, ascending=False)
            .first()
        )
        prev = last["entry_hash"] if last else GENESIS_HASH
        rows, _ = make_rows(n, prev, start_id=(last["id"] if last else 0))
        for i in range(0, n, batch):
            await AuditEntry.insert(*rows[i : i + batch])


async def make_token() -> str:
    """Create a department, an auditor and a personal API token for them; return the token."""
    from governance.accounts import schemas
    from governance.accounts.services import TokenService, UserService
    from governance.actor import Actor

    system = Actor.system("bench")
    users = UserService()
    dept_id = await users.create_department(schemas.DepartmentCreate(code="bench", name="ベンチ課"), actor=system)
    user_id = await users.create_user(
        schemas.UserCreate(
            username="bench.auditor",
            full_name="ベンチ監査",
            department_id=dept_id,
            roles=["auditor"],
            password="bench-" + secrets.token_urlsafe(12),
        ),
        actor=system,
    )
    created = await TokenService().create(
        schemas.ApiTokenCreate(name="bench"), actor=Actor(id=user_id, label="bench", roles=frozenset({"auditor"}))
    )
    return created.token


class RawSQLite:
    """The baseline's data access: the two statements Piccolo runs, on one sqlite3 connection opened at start."""

    def __init__(self, path: str) -> None:
        import sqlite3

        import piccolo.engine.sqlite  # noqa: F401  registers the TIMESTAMPTZ converter Piccolo's engine uses

        self.conn = sqlite3.connect(
            path, check_same_thread=False, detect_types=sqlite3.PARSE_DECLTYPES | sqlite3.PARSE_COLNAMES
        )
        self.conn.execute("PRAGMA busy_timeout = 30000")
        self.select = (
            'SELECT "id", "occurred_at", "actor_id", "actor_label", "action", "target_type", "target_id", '
            '"target_label", "before_json", "after_json", "prev_hash", "entry_hash" '
            'FROM "audit_entry" ORDER BY "id" DESC LIMIT ? OFFSET ?'
        )

    async def page(self, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        # Inline on the event loop: no thread hop, no await; a page read takes well under a millisecond.
        cur = self.conn.execute(self.select, (limit, offset))
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        total = self.conn.execute('SELECT COUNT(*) FROM "audit_entry"').fetchone()[0]
        return rows, total

    async def close(self) -> None:
        self.conn.close()


class RawPostgres:
    """The PostgreSQL baseline: the same two statements on one asyncpg connection (one query at a time)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.conn: Any = None
        self.lock = asyncio.Lock()
        self.select = (
            'SELECT "id", "occurred_at", "actor_id", "actor_label", "action", "target_type", "target_id", '
            '"target_label", "before_json", "after_json", "prev_hash", "entry_hash" '
            'FROM "audit_entry" ORDER BY "id" DESC LIMIT $1 OFFSET $2'
        )

    async def open(self) -> None:
        import asyncpg

        self.conn = await asyncpg.connect(self.url)

    async def page(self, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        async with self.lock:
            rows = [dict(r) for r in await self.conn.fetch(self.select, limit, offset)]
            total = await self.conn.fetchval('SELECT COUNT(*) FROM "audit_entry"')
        return rows, total

    async def close(self) -> None:
        if self.conn is not None:
            await self.conn.close()


def bench_handlers(raw: Any) -> list[Any]:
    """Route handlers added to the app: the raw baseline with and without auth, and the no-database floor."""
    from typing import Annotated

    import msgspec
    from litestar import get
    from litestar.params import QueryParameter

    from governance.audit import schemas
    from governance.web.access import PUBLIC, access

    Limit = Annotated[int, QueryParameter(ge=1, le=500)]
    Offset = Annotated[int, QueryParameter(ge=0)]

    class Floor(msgspec.Struct):
        ok: bool
        limit: int
        offset: int

    # Annotations are strings here (``from __future__ import annotations``); name what they refer to.
    ns = {"Limit": Limit, "Offset": Offset, "schemas": schemas, "Floor": Floor}

    async def serve(limit: int, offset: int) -> schemas.AuditPage:
        rows, total = await raw.page(limit, offset)
        return schemas.AuditPage(items=[schemas.AuditEntry(**r) for r in rows], total=total, limit=limit, offset=offset)

    @get(RAW_PATH, opt=access("auditor"), include_in_schema=False, name="bench-raw", signature_namespace=ns)
    async def raw_entries(limit: Limit = 50, offset: Offset = 0) -> schemas.AuditPage:
        return await serve(limit, offset)

    @get(RAW_PUBLIC_PATH, opt=access(PUBLIC), include_in_schema=False, name="bench-raw-public", signature_namespace=ns)
    async def raw_entries_public(limit: Limit = 50, offset: Offset = 0) -> schemas.AuditPage:
        return await serve(limit, offset)

    @get(FLOOR_PATH, opt=access(PUBLIC), include_in_schema=False, name="bench-floor", signature_namespace=ns)
    async def floor(limit: Limit = 50, offset: Offset = 0) -> Floor:
        return Floor(ok=True, limit=limit, offset=offset)

    return [raw_entries, raw_entries_public, floor]


def urls(path: str, total: int) -> list[str]:
    pages = max(1, (total - PAGE) // PAGE + 1)
    return [f"{path}?limit={PAGE}&offset={i * PAGE}" for i in range(pages)]


class Figure:
    """Accumulates one row of the table (one endpoint, one mode) over several rounds."""

    def __init__(self, key: str, path: str, headers: dict[str, str], concurrency: int) -> None:
        self.key, self.path, self.headers, self.concurrency = key, path, headers, concurrency
        self.latencies: list[float] = []
        self.seconds = 0.0

    def result(self) -> dict[str, Any]:
        n = len(self.latencies)
        q = statistics.quantiles(self.latencies, n=100, method="inclusive")
        return {
            "n": n,
            "concurrency": self.concurrency,
            "seconds": self.seconds,
            "rps": n / self.seconds,
            "p50_ms": q[49] * 1000,
            "p95_ms": q[94] * 1000,
        }


async def warm_up(client: Any, path: str, headers: dict[str, str], *, total: int, n: int) -> None:
    targets = urls(path, total)
    for i in range(n):
        r = await client.get(targets[i % len(targets)], headers=headers)
        if r.status_code != 200:
            raise RuntimeError(f"GET {path} answered {r.status_code}: {r.text[:300]}")


async def run_chunk(client: Any, fig: Figure, *, total: int, start: int, n: int) -> None:
    """Send ``n`` requests for ``fig`` (``fig.concurrency`` tasks at once), adding their latencies and time."""
    targets = urls(fig.path, total)
    todo = iter(range(start, start + n))
    perf = time.perf_counter
    latencies = fig.latencies

    async def worker() -> None:
        for i in todo:  # one shared iterator: the tasks together send exactly n requests
            t0 = perf()
            r = await client.get(targets[i % len(targets)], headers=fig.headers)
            latencies.append(perf() - t0)
            if r.status_code != 200:
                raise RuntimeError(f"GET {fig.path} answered {r.status_code}: {r.text[:300]}")

    t0 = perf()
    await asyncio.gather(*(worker() for _ in range(fig.concurrency)))
    fig.seconds += perf() - t0


async def measure(
    client: Any,
    endpoints: list[tuple[str, str, dict[str, str]]],
    *,
    total: int,
    n: int,
    warmup: int,
    concurrency: int,
    rounds: int,
    engine: str,
) -> dict[str, dict[str, Any]]:
    """Measure several endpoints with ``n`` requests each, one at a time and concurrently.

    The endpoints take turns in ``rounds`` rounds (a, b, c, a, b, c, ...), so that a change in the machine's load
    during the run affects every endpoint alike and the ratios stay fair.
    """
    for _, path, headers in endpoints:
        await warm_up(client, path, headers, total=total, n=warmup)
    out: dict[str, dict[str, Any]] = {}
    for mode, conc in (("seq", 1), ("conc", concurrency)):
        figs = [Figure(key, path, headers, conc) for key, path, headers in endpoints]
        rounds = max(1, min(rounds, n))
        done = 0
        for r in range(rounds):
            chunk = n // rounds + (1 if r < n % rounds else 0)
            for fig in figs:
                gc.collect()
                await run_chunk(client, fig, total=total, start=done, n=chunk)
            done += chunk
        for fig in figs:
            res = out[f"{fig.key}.{mode}"] = fig.result()
            log(
                f"[{engine}] {fig.key:<9} {mode:<4} {res['rps']:7.0f} req/s  p50 {res['p50_ms']:7.2f} ms  "
                f"p95 {res['p95_ms']:7.2f} ms"
            )
    return out


async def child_async(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    import httpx

    from governance.app import create_app
    from governance.audit.services import AuditService
    from governance.audit.tables import AuditEntry
    from governance.db import PooledSQLiteEngine, close_connections, db_lifespan, get_engine, run_migrations

    engine = get_engine()
    sqlite = args.engine == "sqlite"
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(sys.stderr):  # Piccolo prints its progress; keep stdout for the table
        await run_migrations()
    await load_rows(args.rows)
    token = await make_token()
    # Give the planner statistics, as autovacuum would in a live database. Without them PostgreSQL plans Piccolo's
    # page query (LIMIT/OFFSET written as literals) as a full sort, several times slower than the index scan.
    from piccolo.querystring import QueryString

    await engine.run_querystring(QueryString('ANALYZE "audit_entry"'))
    total = await AuditEntry.count()
    report = await AuditService().verify()
    if not report.ok or report.checked != total:
        raise RuntimeError(f"audit chain does not verify: {report}")
    setup_s = time.perf_counter() - t0
    log(f"[{args.engine}] {total} audit entries loaded, chain verified ({report.checked} entries) in {setup_s:.1f}s")
    if sqlite:
        await close_connections(engine)  # start measuring with an empty pool, inside db_lifespan

    raw: RawSQLite | RawPostgres
    if sqlite:
        assert isinstance(engine, PooledSQLiteEngine)
        raw = RawSQLite(engine.path)
    else:
        raw = RawPostgres(os.environ["DATABASE_URL"])
        await raw.open()

    app = create_app()
    for handler in bench_handlers(raw):
        app.register(handler)

    auth = {"Authorization": f"Bearer {token}"}
    out: dict[str, Any] = {"engine": args.engine, "rows": total, "setup_seconds": setup_s, "figures": {}}
    figures = out["figures"]
    common = {"total": total, "concurrency": args.concurrency, "rounds": args.rounds, "engine": args.engine}
    main_rows = [("app", APP_PATH, auth), ("raw_auth", RAW_PATH, auth), ("raw", RAW_PUBLIC_PATH, {})]
    if sqlite:  # the floor has no database in it: once is enough
        main_rows.append(("floor", FLOOR_PATH, {}))
    stock_warmup = min(args.warmup, 20)
    try:
        async with (
            db_lifespan(),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client,
        ):
            await check_responses(client, auth, total)
            if not sqlite:
                out["pool_started"] = engine.pool is not None  # type: ignore[attr-defined]
                if not out["pool_started"]:
                    raise RuntimeError("db_lifespan did not start the PostgreSQL pool (GOVERNANCE_DB_POOL=true)")
            figures.update(await measure(client, main_rows, n=args.requests, warmup=args.warmup, **common))
            # Stock behaviour last, on its own: a new connection for every query.
            if sqlite:
                engine.pooling = False  # type: ignore[attr-defined]
                try:
                    figures.update(
                        await measure(
                            client,
                            [("app_stock", APP_PATH, auth)],
                            n=args.stock_requests,
                            warmup=stock_warmup,
                            **common,
                        )
                    )
                finally:
                    engine.pooling = True  # type: ignore[attr-defined]
            else:
                await engine.close_connection_pool()  # type: ignore[attr-defined]
                figures.update(
                    await measure(
                        client, [("app_stock", APP_PATH, auth)], n=args.stock_requests, warmup=stock_warmup, **common
                    )
                )
    finally:
        await raw.close()
    return out


async def check_responses(client: Any, auth: dict[str, str], total: int) -> None:
    """Refuse to measure unless the baselines answer exactly what the endpoint answers, and auth is enforced."""
    for offset in (0, PAGE * 7, total - PAGE):
        q = f"?limit={PAGE}&offset={offset}"
        a = await client.get(APP_PATH + q, headers=auth)
        b = await client.get(RAW_PATH + q, headers=auth)
        c = await client.get(RAW_PUBLIC_PATH + q)
        for name, r in (("app", a), ("raw+auth", b), ("raw", c)):
            if r.status_code != 200:
                raise RuntimeError(f"{name} answered {r.status_code}: {r.text[:300]}")
        if not (a.content == b.content == c.content):
            raise RuntimeError(
                f"raw baseline JSON differs from the app endpoint's at offset {offset}:\n{a.text[:400]}\n{b.text[:400]}"
            )
        body = a.json()
        if len(body["items"]) != PAGE or body["total"] != total:
            raise RuntimeError(f"unexpected page: {len(body['items'])} items, total {body['total']}")
    for path in (APP_PATH, RAW_PATH):
        r = await client.get(path)
        if r.status_code != 401:
            raise RuntimeError(f"{path} without a token answered {r.status_code}, expected 401")
        r = await client.get(path, headers={"Authorization": "Bearer gov_not-a-token"})
        if r.status_code != 401:
            raise RuntimeError(f"{path} with a wrong token answered {r.status_code}, expected 401")


# ---------------------------------------------------------------------------------------------------------------------
# parent: run the children, print the table
# ---------------------------------------------------------------------------------------------------------------------


def run_child(engine: str, args: argparse.Namespace, database_url: str = "") -> dict[str, Any] | None:
    with tempfile.TemporaryDirectory(prefix="gov-bench-result-") as d:
        result = Path(d) / "result.json"
        cmd = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--engine",
            engine,
            "--result-file",
            str(result),
            "--rows",
            str(args.rows),
            "--requests",
            str(args.requests),
            "--stock-requests",
            str(args.stock_requests),
            "--warmup",
            str(args.warmup),
            "--concurrency",
            str(args.concurrency),
            "--rounds",
            str(args.rounds),
        ]
        if database_url:
            cmd += ["--database-url", database_url]
        proc = subprocess.run(cmd, cwd=ROOT, check=False)
        if proc.returncode != 0 or not result.exists():
            log(f"[{engine}] benchmark run failed (exit status {proc.returncode})")
            return None
        return json.loads(result.read_text(encoding="utf-8"))


async def _admin(url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


LABELS = {
    "app": "(a)  app endpoint, pooled engine",
    "app_stock": "(a0) app endpoint, stock (new conn/query)",
    "raw_auth": "(b)  raw driver, 1 conn, same auth",
    "raw": "(c)  raw driver, 1 conn, no auth",
    "floor": "(d)  floor: no database, no auth",
}


def print_table(result: dict[str, Any], args: argparse.Namespace) -> None:
    figs = result["figures"]
    engine = result["engine"]
    if engine == "sqlite":
        title = "SQLite (PooledSQLiteEngine; raw = sqlite3, one connection, inline)"
        stock = "(a0) app endpoint, stock: new connection per query (pooling=False)"
    else:
        title = "PostgreSQL (Piccolo PostgresEngine, asyncpg pool 1..10 started by db_lifespan; raw = asyncpg)"
        stock = "(a0) app endpoint, no pool: new asyncpg connection per query"
    labels = dict(LABELS)
    if engine == "postgres":
        labels["app"] = "(a)  app endpoint, pool on"
        labels["app_stock"] = "(a0) app endpoint, no pool (conn/query)"
    print()
    print(f"== {title}")
    print(
        f"   {result['rows']} audit entries, limit={PAGE}, offsets walk every page; seq = 1 at a time, "
        f"conc = {args.concurrency} tasks"
    )
    header = f"   {'':42} {'mode':>4} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8}"
    print(header)
    print("   " + "-" * (len(header) - 3))
    for key in ("app", "app_stock", "raw_auth", "raw", "floor"):
        for mode in ("seq", "conc"):
            f = figs.get(f"{key}.{mode}")
            if f is None:
                continue
            print(f"   {labels[key]:42} {mode:>4} {f['n']:8d} {f['rps']:8.0f} {f['p50_ms']:8.2f} {f['p95_ms']:8.2f}")
    print(f"   {stock}")
    if "floor.seq" not in figs:
        print("   (d)  floor: not repeated here, it has no database in it (see the SQLite table)")
    print()
    print(f"   {'ratio (throughput)':42} {'mode':>4} {'value':>8}")
    for num, den, what in (
        ("app", "raw_auth", "a/b   app / raw behind the same auth"),
        ("app", "raw", "a/c   app / raw without auth"),
        ("app", "app_stock", "a/a0  pooled / stock (speed-up)"),
        ("app_stock", "raw_auth", "a0/b  stock / raw behind the same auth"),
    ):
        for mode in ("seq", "conc"):
            n, d = figs.get(f"{num}.{mode}"), figs.get(f"{den}.{mode}")
            if n and d:
                extra = ""
                if (num, den) == ("app", "raw_auth"):
                    extra = "  target >= 0.30: " + ("met" if n["rps"] / d["rps"] >= 0.3 else "NOT met")
                print(f"   {what:42} {mode:>4} {n['rps'] / d['rps']:8.2f}{extra}")


def parent_main(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    results: list[dict[str, Any]] = []
    ok = True
    log("running SQLite benchmark ...")
    r = run_child("sqlite", args)
    ok &= r is not None
    if r:
        results.append(r)
    if args.postgres:
        parts = urlsplit(args.postgres)
        name = f"gov_bench_{secrets.token_hex(4)}"
        scratch = urlunsplit(parts._replace(path=f"/{name}"))
        log(f"running PostgreSQL benchmark on scratch database {name} ...")
        try:
            asyncio.run(_admin(args.postgres, f'CREATE DATABASE "{name}"'))
        except Exception as exc:  # report and carry on with the figures we have
            log(f"cannot create the scratch database on {parts.hostname}: {exc}")
            ok = False
        else:
            try:
                r = run_child("postgres", args, scratch)
                ok &= r is not None
                if r:
                    results.append(r)
            finally:
                try:
                    asyncio.run(_admin(args.postgres, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                except Exception as exc:
                    log(f"could not drop scratch database {name}: {exc}")
                    ok = False
    import platform

    print(
        f"governance list-endpoint benchmark — GET {APP_PATH}?limit={PAGE}&offset=<varying>, "
        f"in-process httpx.ASGITransport"
    )
    print(
        f"python {platform.python_version()}, {os.cpu_count()} CPUs, asyncio event loop; warm-up {args.warmup} "
        f"requests per endpoint ({min(args.warmup, 20)} for a0); endpoints take turns in {args.rounds} rounds"
    )
    for res in results:
        print_table(res, args)
    print()
    print(f"total time {time.perf_counter() - started:.0f}s; " + ("all runs succeeded" if ok else "SOME RUNS FAILED"))
    return 0 if ok else 1


def main() -> int:
    args = parse_args()
    if args.engine:
        if not args.result_file or (args.engine == "postgres" and not args.database_url):
            log("--engine is internal: use --postgres URL instead")
            return 2
        return child_main(args)
    return parent_main(args)


if __name__ == "__main__":
    sys.exit(main())
