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
requests first (20 for the slow a0 rows). Every row, the stock a0 row included (its pool is switched off only while
its own chunk runs), takes its turn in 5 rounds (a, a0, c, d, a, a0, ...) so that a change in the machine's load
during the run hits all of them alike and the ratios stay fair. Latencies: p50, p95 and p99 (target p99 < 50 ms).

Rows of the table (SQLite)
--------------------------
(a) app, pooled
    The app's own endpoint on ``PooledSQLiteEngine`` (connections reused), which is how the app runs.
(a0) app, stock
    The same endpoint with ``get_engine().pooling = False``: a new aiosqlite connection (and thread) per query, which
    is what Piccolo's stock ``SQLiteEngine`` does (stock runs one PRAGMA per new connection, this engine three; the
    thread and file open dominate). The ratio (a)/(a0) is the improvement the pooled engine brings.
(c) raw, no framework, no auth
    A bare ASGI callable (no Litestar, no middleware, no authentication), reached through the same in-process httpx
    transport: it runs the two statements the app runs (the same SELECT and COUNT, with LIMIT/OFFSET as bound
    parameters where Piccolo writes literals) on ONE ``sqlite3`` connection opened at start, inline on the event loop
    (on PostgreSQL: an asyncpg pool of the app's size, 1..10), and encodes the same ``AuditPage`` struct with msgspec.
    The benchmark checks that its JSON equals the app endpoint's JSON, byte for byte. "Same work without our code":
    a/c is the honest ratio (target >= 0.5); it includes authentication, which the app must do and the raw row not.
(d) floor
    A public handler that returns a constant small struct: the cost of httpx + ASGI + Litestar alone, with no database
    at all. Everything above it is database access and serialization. Measured on SQLite only (no database in it).

How to read it
--------------
``req/s`` is the throughput over the measured requests, ``p50``/``p95``/``p99`` the per-request latency in
milliseconds as seen by the client. ``a/c`` is the throughput of the app endpoint divided by the raw baseline with no
framework and no authentication (target: >= 0.5), and ``a/a0`` is the speed-up of the pooled engine over stock
Piccolo behaviour. The ratios matter more than the absolute numbers, which depend
on the machine and on whatever else runs on it; the in-process client costs the same for every row, so
it dilutes differences. Expect a few per cent of run-to-run noise on the ratios (more on a busy machine).
Progress lines go to stderr, the final table to stdout. Defaults take about 1.5 minutes on 2 cores with
``--postgres``; ``--requests 2000`` reduces the noise and doubles the time.

With ``--postgres URL`` a scratch database ``gov_bench_<random>`` is created on that server (dropped at the end
``WITH (FORCE)``), migrated and loaded with the same rows, and the app endpoint is measured with the connection pool
on (``GOVERNANCE_DB_POOL=true``; ``db_lifespan`` starts it), plus: the same without a pool (a new asyncpg
connection per query), and the raw-asyncpg baseline on its own pool of the same size (1..10).
``bench/lists.py`` reuses this file's measurement helpers for the other list pages and the home page.

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
FLOOR_PATH = "/api/v1/bench/floor"
PAGE = 50
POOL_SIZE = 10  # governance.db.db_lifespan starts the PostgreSQL pool with max_size=10
TARGET_P99_MS = 50.0
TARGET_RATIO = 0.5


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


def child_environment(args: argparse.Namespace, tmp: Path) -> None:
    """Set the child's environment. Must happen before the first ``governance`` import: settings and the engine are
    read once. ``bench/lists.py`` shares it."""
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


def child_main(args: argparse.Namespace) -> int:
    tmp = Path(tempfile.mkdtemp(prefix=f"gov-bench-{args.engine}-"))
    try:
        child_environment(args, tmp)
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
    """The PostgreSQL baseline: the same two statements on an asyncpg pool of the app's size (1..10)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.pool: Any = None
        self.select = (
            'SELECT "id", "occurred_at", "actor_id", "actor_label", "action", "target_type", "target_id", '
            '"target_label", "before_json", "after_json", "prev_hash", "entry_hash" '
            'FROM "audit_entry" ORDER BY "id" DESC LIMIT $1 OFFSET $2'
        )

    async def open(self) -> None:
        import asyncpg

        self.pool = await asyncpg.create_pool(self.url, min_size=1, max_size=POOL_SIZE)

    async def page(self, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        async with self.pool.acquire() as conn:
            rows = [dict(r) for r in await conn.fetch(self.select, limit, offset)]
            total = await conn.fetchval('SELECT COUNT(*) FROM "audit_entry"')
        return rows, total

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()


def bare_asgi(answer: Any) -> Any:
    """A plain ASGI callable, no framework, no middleware, no authentication: ``await answer(path, query) -> bytes``.

    This is the "same work without our code" baseline: httpx reaches it through the same in-process transport as the
    app, and it answers ``200`` with the JSON body ``answer`` builds from the raw driver's rows.
    """

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = await answer(scope["path"], scope["query_string"].decode())
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})  # fmt: skip

    return app


def raw_audit_app(raw: Any) -> Any:
    """The audit-log baseline: the app's two statements on the raw driver, encoded as the same ``AuditPage``."""
    from urllib.parse import parse_qs

    import msgspec

    from governance.audit import schemas

    encode = msgspec.json.Encoder().encode

    async def answer(path: str, query: str) -> bytes:
        q = parse_qs(query)
        limit, offset = int(q.get("limit", ["50"])[0]), int(q.get("offset", ["0"])[0])
        rows, total = await raw.page(limit, offset)
        return encode(
            schemas.AuditPage(items=[schemas.AuditEntry(**r) for r in rows], total=total, limit=limit, offset=offset)
        )

    return bare_asgi(answer)


def floor_handler() -> Any:
    """A public Litestar handler on the app that returns a constant struct: httpx + ASGI + Litestar, no database."""
    import msgspec
    from litestar import get

    from governance.web.access import PUBLIC, access

    class Floor(msgspec.Struct):
        ok: bool

    ns = {"Floor": Floor}

    @get(FLOOR_PATH, opt=access(PUBLIC), include_in_schema=False, name="bench-floor", signature_namespace=ns)
    async def floor() -> Floor:
        return Floor(ok=True)

    return floor


def urls(path: str, total: int) -> list[str]:
    pages = max(1, (total - PAGE) // PAGE + 1)
    return [f"{path}?limit={PAGE}&offset={i * PAGE}" for i in range(pages)]


def quantile_ms(latencies: list[float], q: int) -> float:
    if len(latencies) == 1:
        return latencies[0] * 1000
    return statistics.quantiles(latencies, n=100, method="inclusive")[q - 1] * 1000


class Endpoint:
    """One row of a table: a client (app or bare baseline), the URLs it walks in turn, headers, and optional hooks
    run around each of its chunks (the stock row switches the pool off only while its own requests run)."""

    def __init__(self, key: str, client: Any, targets: list[str], headers: dict[str, str] | None = None, *,
                 n: int | None = None, before: Any = None, after: Any = None) -> None:  # fmt: skip
        self.key, self.client, self.targets, self.headers = key, client, targets, headers or {}
        self.n, self.before, self.after = n, before, after


class Figure:
    """Accumulates one row of the table (one endpoint, one mode) over several rounds."""

    def __init__(self, endpoint: Endpoint, concurrency: int) -> None:
        self.endpoint, self.key, self.concurrency = endpoint, endpoint.key, concurrency
        self.latencies: list[float] = []
        self.seconds = 0.0

    def result(self) -> dict[str, Any]:
        n = len(self.latencies)
        return {
            "n": n,
            "concurrency": self.concurrency,
            "seconds": self.seconds,
            "rps": n / self.seconds,
            "p50_ms": quantile_ms(self.latencies, 50),
            "p95_ms": quantile_ms(self.latencies, 95),
            "p99_ms": quantile_ms(self.latencies, 99),
        }


async def warm_up(ep: Endpoint, n: int) -> None:
    if ep.before:
        await ep.before()
    try:
        for i in range(n):
            r = await ep.client.get(ep.targets[i % len(ep.targets)], headers=ep.headers)
            if r.status_code != 200:
                raise RuntimeError(f"GET {ep.targets[0]} ({ep.key}) answered {r.status_code}: {r.text[:300]}")
    finally:
        if ep.after:
            await ep.after()


async def run_chunk(fig: Figure, *, start: int, n: int) -> None:
    """Send ``n`` requests for ``fig`` (``fig.concurrency`` tasks at once), adding their latencies and time."""
    ep = fig.endpoint
    targets, client, headers = ep.targets, ep.client, ep.headers
    todo = iter(range(start, start + n))
    perf = time.perf_counter
    latencies = fig.latencies

    async def worker() -> None:
        for i in todo:  # one shared iterator: the tasks together send exactly n requests
            t0 = perf()
            r = await client.get(targets[i % len(targets)], headers=headers)
            latencies.append(perf() - t0)
            if r.status_code != 200:
                url = targets[i % len(targets)]
                raise RuntimeError(f"GET {url} ({ep.key}) answered {r.status_code}: {r.text[:300]}")

    if ep.before:
        await ep.before()
    try:
        t0 = perf()
        await asyncio.gather(*(worker() for _ in range(fig.concurrency)))
        fig.seconds += perf() - t0
    finally:
        if ep.after:
            await ep.after()


async def measure(
    endpoints: list[Endpoint], *, n: int, warmup: int, concurrency: int, rounds: int, engine: str,
    modes: tuple[str, ...] = ("seq", "conc"),
) -> dict[str, dict[str, Any]]:  # fmt: skip
    """Measure every endpoint with ``n`` requests (or its own ``n``), one at a time and concurrently.

    Every endpoint, stock and baselines included, takes its turn in each of ``rounds`` rounds (a, b, c, a, b, c, ...),
    so that a change in the machine's load during the run affects every row alike and the ratios stay fair.
    """
    for ep in endpoints:
        await warm_up(ep, warmup if ep.n is None else min(warmup, 20))
    out: dict[str, dict[str, Any]] = {}
    for mode in modes:
        conc = 1 if mode == "seq" else concurrency
        figs = [Figure(ep, conc) for ep in endpoints]
        rounds = max(1, min(rounds, n))
        for r in range(rounds):
            for fig in figs:
                total = fig.endpoint.n or n
                chunk = total // rounds + (1 if r < total % rounds else 0)
                start = sum(total // rounds + (1 if i < total % rounds else 0) for i in range(r))
                if chunk:
                    gc.collect()
                    await run_chunk(fig, start=start, n=chunk)
        for fig in figs:
            res = out[f"{fig.key}.{mode}"] = fig.result()
            log(
                f"[{engine}] {fig.key:<14} {mode:<4} {res['rps']:7.0f} req/s  p50 {res['p50_ms']:7.2f} ms  "
                f"p95 {res['p95_ms']:7.2f} ms  p99 {res['p99_ms']:7.2f} ms"
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

    # On PostgreSQL also VACUUM, as autovacuum does after bulk inserts: the visibility map lets the id query and the
    # count read the index alone.
    from governance.db import is_sqlite

    statement = 'ANALYZE "audit_entry"' if is_sqlite() else 'VACUUM (ANALYZE) "audit_entry"'
    await engine.run_querystring(QueryString(statement))
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
    app.register(floor_handler())

    auth = {"Authorization": f"Bearer {token}"}
    out: dict[str, Any] = {"engine": args.engine, "rows": total, "setup_seconds": setup_s, "figures": {}}

    async def stock_on() -> None:
        if sqlite:
            engine.pooling = False  # type: ignore[attr-defined]
        else:
            await engine.close_connection_pool()  # type: ignore[attr-defined]

    async def stock_off() -> None:
        if sqlite:
            engine.pooling = True  # type: ignore[attr-defined]
        else:
            await engine.start_connection_pool(min_size=1, max_size=POOL_SIZE)  # type: ignore[attr-defined]

    transport = httpx.ASGITransport
    try:
        async with (
            db_lifespan(),
            httpx.AsyncClient(transport=transport(app=app), base_url="http://bench") as client,
            httpx.AsyncClient(transport=transport(app=raw_audit_app(raw)), base_url="http://bench") as bare,
        ):
            await check_responses(client, bare, auth, total)
            if not sqlite:
                out["pool_started"] = engine.pool is not None  # type: ignore[attr-defined]
                if not out["pool_started"]:
                    raise RuntimeError("db_lifespan did not start the PostgreSQL pool (GOVERNANCE_DB_POOL=true)")
            pages = urls(APP_PATH, total)
            rows = [
                Endpoint("app", client, pages, auth),
                Endpoint("app_stock", client, pages, auth, n=args.stock_requests, before=stock_on, after=stock_off),
                Endpoint("raw", bare, pages),
            ]
            if sqlite:  # the floor has no database in it: once is enough
                rows.append(Endpoint("floor", client, [FLOOR_PATH]))
            out["figures"] = await measure(rows, n=args.requests, warmup=args.warmup, concurrency=args.concurrency,
                                           rounds=args.rounds, engine=args.engine)  # fmt: skip
    finally:
        await raw.close()
    return out


async def check_responses(client: Any, bare: Any, auth: dict[str, str], total: int) -> None:
    """Refuse to measure unless the baseline answers exactly what the endpoint answers, and auth is enforced."""
    for offset in (0, PAGE * 7, total - PAGE):
        q = f"?limit={PAGE}&offset={offset}"
        a = await client.get(APP_PATH + q, headers=auth)
        c = await bare.get(APP_PATH + q)
        for name, r in (("app", a), ("raw", c)):
            if r.status_code != 200:
                raise RuntimeError(f"{name} answered {r.status_code}: {r.text[:300]}")
        if a.content != c.content:
            raise RuntimeError(
                f"raw baseline JSON differs from the app endpoint's at offset {offset}:\n{a.text[:400]}\n{c.text[:400]}"
            )
        body = a.json()
        if len(body["items"]) != PAGE or body["total"] != total:
            raise RuntimeError(f"unexpected page: {len(body['items'])} items, total {body['total']}")
    r = await client.get(APP_PATH)
    if r.status_code != 401:
        raise RuntimeError(f"{APP_PATH} without a token answered {r.status_code}, expected 401")
    r = await client.get(APP_PATH, headers={"Authorization": "Bearer gov_not-a-token"})
    if r.status_code != 401:
        raise RuntimeError(f"{APP_PATH} with a wrong token answered {r.status_code}, expected 401")


# ---------------------------------------------------------------------------------------------------------------------
# parent: run the children, print the table
# ---------------------------------------------------------------------------------------------------------------------


def spawn(script: str, engine: str, database_url: str, options: list[str]) -> dict[str, Any] | None:
    """Run ``script --engine ENGINE`` (one engine's child process) and return the JSON it writes, or None."""
    with tempfile.TemporaryDirectory(prefix="gov-bench-result-") as d:
        result = Path(d) / "result.json"
        cmd = [sys.executable, script, "--engine", engine, "--result-file", str(result), *options]
        if database_url:
            cmd += ["--database-url", database_url]
        proc = subprocess.run(cmd, cwd=ROOT, check=False)
        if proc.returncode != 0 or not result.exists():
            log(f"[{engine}] benchmark run failed (exit status {proc.returncode})")
            return None
        return json.loads(result.read_text(encoding="utf-8"))


def run_child(engine: str, args: argparse.Namespace, database_url: str = "") -> dict[str, Any] | None:
    options = ["--rows", str(args.rows), "--requests", str(args.requests), "--stock-requests",
               str(args.stock_requests), "--warmup", str(args.warmup), "--concurrency", str(args.concurrency),
               "--rounds", str(args.rounds)]  # fmt: skip
    return spawn(str(Path(__file__).resolve()), engine, database_url, options)


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
    "raw": "(c)  raw driver, bare ASGI, no auth",
    "floor": "(d)  floor: Litestar, no database, no auth",
}


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def print_table(result: dict[str, Any], args: argparse.Namespace) -> None:
    figs = result["figures"]
    engine = result["engine"]
    if engine == "sqlite":
        title = "SQLite (PooledSQLiteEngine; raw = sqlite3, one connection, inline)"
        stock = "(a0) app endpoint, stock: new connection per query (pooling=False), interleaved with the others"
    else:
        title = f"PostgreSQL (Piccolo PostgresEngine, asyncpg pool 1..{POOL_SIZE}; raw = asyncpg pool 1..{POOL_SIZE})"
        stock = "(a0) app endpoint, no pool: new asyncpg connection per query, interleaved with the others"
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
    header = f"   {'':42} {'mode':>4} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
    print(header)
    print("   " + "-" * (len(header) - 3))
    for key in ("app", "app_stock", "raw", "floor"):
        for mode in ("seq", "conc"):
            f = figs.get(f"{key}.{mode}")
            if f is None:
                continue
            print(f"   {labels[key]:42} {mode:>4} {f['n']:8d} {f['rps']:8.0f} {f['p50_ms']:8.2f} {f['p95_ms']:8.2f} "
                  f"{f['p99_ms']:8.2f}")  # fmt: skip
    print(f"   {stock}")
    if "floor.seq" not in figs:
        print("   (d)  floor: not repeated here, it has no database in it (see the SQLite table)")
    print()
    print(f"   {'ratio (throughput)':42} {'mode':>4} {'value':>8}")
    for num, den, what in (
        ("app", "raw", "a/c   app / raw (no framework, no auth)"),
        ("app", "app_stock", "a/a0  pooled / stock (speed-up)"),
    ):
        for mode in ("seq", "conc"):
            n, d = figs.get(f"{num}.{mode}"), figs.get(f"{den}.{mode}")
            if n and d:
                extra = ""
                if (num, den) == ("app", "raw"):
                    extra = f"  target >= {TARGET_RATIO}: " + verdict(n["rps"] / d["rps"] >= TARGET_RATIO)
                print(f"   {what:42} {mode:>4} {n['rps'] / d['rps']:8.2f}{extra}")
    a = figs["app.seq"]
    print(f"   app p99 (seq) {a['p99_ms']:.2f} ms, target < {TARGET_P99_MS:.0f} ms: "
          f"{verdict(a['p99_ms'] < TARGET_P99_MS)}")  # fmt: skip


def emit_results(result: dict[str, Any]) -> None:
    """The ``RESULT`` lines ``bench/run_all`` collects: the app's p99 and its throughput ratio to the raw baseline."""
    from benchresult import emit

    figs, engine = result["figures"], ("sqlite" if result["engine"] == "sqlite" else "postgresql")
    a, raw = figs["app.seq"], figs["raw.seq"]
    row = f"GET {APP_PATH} ({result['rows']:,} entries)"
    emit("list_endpoint", f"{row} p99", engine, a["p99_ms"], "ms", baseline=raw["p99_ms"],
         ratio=a["p99_ms"] / raw["p99_ms"], target=f"p99 < {TARGET_P99_MS:.0f} ms", met=a["p99_ms"] < TARGET_P99_MS)
    ratio = a["rps"] / raw["rps"]
    emit("list_endpoint", f"{row} app/raw throughput", engine, ratio, "x", ratio=ratio,
         target=f">= {TARGET_RATIO}x raw", met=ratio >= TARGET_RATIO)  # fmt: skip


def run_engines(args: argparse.Namespace, run: Any) -> tuple[list[dict[str, Any]], bool]:
    """Run ``run(engine, args, database_url)`` on SQLite, then (with ``--postgres``) on a scratch PostgreSQL database
    created for the run and dropped ``WITH (FORCE)`` at the end; return the results that came back and whether all
    did. ``bench/lists.py`` shares it."""
    results: list[dict[str, Any]] = []
    ok = True
    log("running SQLite benchmark ...")
    r = run("sqlite", args, "")
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
                r = run("postgres", args, scratch)
                ok &= r is not None
                if r:
                    results.append(r)
            finally:
                try:
                    asyncio.run(_admin(args.postgres, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                except Exception as exc:
                    log(f"could not drop scratch database {name}: {exc}")
                    ok = False
    return results, ok


def parent_main(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    results, ok = run_engines(args, run_child)
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
    for res in results:
        emit_results(res)
    print()
    print(f"total time {time.perf_counter() - started:.0f}s; " + ("all runs succeeded" if ok else "SOME RUNS FAILED"))
    return 0 if ok else 1


def dispatch(args: argparse.Namespace, child: Any, parent: Any) -> int:
    """The parent runs the engines; ``--engine`` (internal) is one engine's child process."""
    if args.engine:
        if not args.result_file or (args.engine == "postgres" and not args.database_url):
            log("--engine is internal: use --postgres URL instead")
            return 2
        return child(args)
    return parent(args)


def main() -> int:
    return dispatch(parse_args(), child_main, parent_main)


if __name__ == "__main__":
    sys.exit(main())
