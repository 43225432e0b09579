"""Benchmark of the list pages, list APIs and home page at size, each against a raw-driver baseline of the same SQL.

Run from the repository root::

    .venv/bin/python bench/lists.py
    .venv/bin/python bench/lists.py --postgres postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/lists.py --scale 0.1          # a tenth of the data, for a quick look

What is measured
----------------
A database holding 10,000 contractors, 100,000 checks (the mix of ``reminders_run.py``: history, cancelled, planned,
1,000 due scattered through the table) and 200,000 audit entries (``--scale`` multiplies the three), ``ANALYZE``d.
Each row is one URL family, requested one at a time (one worker), through the whole application in-process
(``httpx.ASGITransport``: middleware, authentication, guards, handler, template or msgspec):

    checks page      GET /checks/?page=N               security officer, session cookie (default filter: open)
    checks API       GET /api/v1/checks?limit=50&offset=N   security officer, bearer token
    checks API dept  the same for a department user (scoped to their department)
    contractors page GET /contractors/?page=N           security officer
    contractors API  GET /api/v1/contractors?page=N&per_page=50
    audit API        GET /api/v1/audit-entries?limit=50&offset=N   auditor
    home (security)  GET /  security officer
    home (dept)      GET /  department user (assignee of about 10,000 of the checks, mostly done)
    home (pr)        GET /  広報 user (pr_staff), with 2,000 SNS accounts (a few flagged)

The baseline of each row ("raw") does the same database work without our code: the benchmark first requests every
URL once through the app while recording the SQL Piccolo sends and the rows it gets back (``reminders_run.Capture``),
removes the statements of authentication (those the token or session lookup sends, recorded separately), and then
serves the same URLs from a bare ASGI callable (``list_endpoint.bare_asgi``: no framework, no middleware, no
authentication) that runs exactly those statements with the same parameters on the raw driver (one ``sqlite3``
connection inline; on PostgreSQL an asyncpg pool of the app's size, 1..10) and answers their rows as JSON. Before
timing, it checks that the baseline gets the same number of rows and the same ids from every statement as the app did.
The baseline renders no template: for the pages, ``app/raw`` includes the Jinja rendering the app must do.

Every row, app and raw, takes its turn in each of ``--rounds`` rounds, so load changes hit all alike.
Targets (issue 16): every list page and list API p99 < 50 ms, and app/raw throughput >= 0.5; home page p99 < 50 ms.
Loading takes about 40 s per engine; the measurement about 1 to 2 minutes per engine on 2 cores (defaults).
Progress goes to stderr, the table and the ``RESULT`` lines to stdout. Exit status 0 when every run succeeded.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import random
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path[:0] = [str(Path(__file__).resolve().parent)]

import list_endpoint as le  # noqa: E402  the measurement helpers and the bare ASGI baseline
import reminders_run as rr  # noqa: E402  the seed, the bulk loader and the SQL capture

ROOT = le.ROOT
PAGE = 50
# key, label, who, kind ("list" or "home")
ROWS = (
    ("checks_page", "checks page /checks/", "officer", "list"),
    ("checks_api", "checks API /api/v1/checks", "officer", "list"),
    ("checks_api_dept", "checks API, department user", "dept", "list"),
    ("contractors_page", "contractors page /contractors/", "officer", "list"),
    ("contractors_api", "contractors API /api/v1/contractors", "officer", "list"),
    ("audit_api", "audit API /api/v1/audit-entries", "auditor", "list"),
    ("home_officer", "home page /, security officer", "officer", "home"),
    ("home_dept", "home page /, department user", "dept", "home"),
    ("home_pr", "home page /, 広報 user (SNS accounts)", "pr", "home"),
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--postgres", metavar="URL", default="", help="also measure on PostgreSQL, in a scratch database")
    p.add_argument("--scale", type=float, default=1.0,
                   help="data size: 1.0 = 10k contractors / 100k checks / 200k audit entries (default)")  # fmt: skip
    p.add_argument("--requests", type=int, default=300, help="measured requests per row (default 300)")
    p.add_argument("--rounds", type=int, default=5, help="rows take turns in this many rounds (default 5)")
    p.add_argument("--warmup", type=int, default=20, help="warm-up requests per row (default 20)")
    p.add_argument("--engine", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    p.add_argument("--database-url", default="", help=argparse.SUPPRESS)
    p.add_argument("--result-file", default="", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.requests < 1 or args.rounds < 1 or args.warmup < 0 or not 0.001 <= args.scale <= 10:
        p.error("--requests/--rounds must be >= 1, --warmup >= 0, --scale between 0.001 and 10")
    return args


def sizes(scale: float) -> dict[str, int]:
    return {k: max(PAGE * 2, int(v * scale)) for k, v in
            {"contractors": 10_000, "checks": 100_000, "audit": 200_000}.items()}  # fmt: skip


# ---------------------------------------------------------------------------------------------------------------------
# loading (raw driver, outside Piccolo: loading is not what is measured)
# ---------------------------------------------------------------------------------------------------------------------

CONTRACTOR_COLUMNS = ("name", "name_kana", "corporate_number", "address", "representative", "status", "notes",
                      "created_at", "updated_at")  # fmt: skip
AUDIT_COLUMNS = ("occurred_at", "actor_id", "actor_label", "action", "target_type", "target_id", "target_label",
                 "before_json", "after_json", "prev_hash", "entry_hash")  # fmt: skip


async def bulk_insert(engine: str, url: str, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert ``rows`` with ``executemany`` (SQLite) or ``COPY`` (PostgreSQL)."""
    if engine == "sqlite":
        import sqlite3

        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            with conn:
                names, marks = ", ".join(f'"{c}"' for c in columns), ", ".join("?" for _ in columns)
                conn.executemany(f'INSERT INTO "{table}" ({names}) VALUES ({marks})', [rr._sqlite_row(r) for r in rows])
        finally:
            conn.close()
        return
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.copy_records_to_table(table, records=rows, columns=list(columns))
    finally:
        await conn.close()


def make_contractors(n: int) -> list[tuple]:
    rnd = random.Random(20261001)
    stamp = dt.datetime(2025, 4, 1, tzinfo=dt.UTC)
    statuses = ("candidate", "active", "active", "active", "inactive")
    return [(f"株式会社ベンチ{i:05d}", f"ベンチ{i:05d}", f"{1000000000000 + i}", f"東京都千代田区{i % 50}-{i % 7}",
             f"代表 {i:05d}", statuses[i % 5], "x" * rnd.randint(0, 40), stamp, stamp) for i in range(n)]  # fmt: skip


async def load(engine: str, url: str, n: dict[str, int]) -> dict[str, Any]:
    from governance.db import write_transaction

    t0 = time.perf_counter()
    engagements, users = await rr.seed()
    await bulk_insert(engine, url, "contractor", CONTRACTOR_COLUMNS, make_contractors(n["contractors"]))
    loader = rr.Loader(engine, url)
    await loader.apply(rr.make_checks(random.Random(20260601), n["checks"], min(1_000, n["checks"] // 10), engagements,
                                      users, 0))  # fmt: skip
    async with write_transaction():  # the chain head is read under the write lock, as the app appends
        from governance.audit.chain import GENESIS_HASH

        audit, _ = le.make_rows(n["audit"], GENESIS_HASH, start_id=0)
    await bulk_insert(engine, url, "audit_entry", AUDIT_COLUMNS,
                      [tuple(getattr(e, c) for c in AUDIT_COLUMNS) for e in audit])  # fmt: skip
    del audit
    await loader.apply()  # ANALYZE (PostgreSQL: VACUUM (ANALYZE), as autovacuum would)
    log(f"[{engine}] loaded {n} in {time.perf_counter() - t0:.1f}s")
    return {"engagements": engagements, "users": users}


async def make_users(department_id: int) -> dict[str, dict[str, str]]:
    """A security officer, a department user and an auditor: each with a session cookie and an API token."""
    from governance.accounts import schemas
    from governance.accounts.services import AuthService, TokenService, UserService
    from governance.actor import Actor

    system = Actor.system("bench")
    out = {}
    for who, roles in (("officer", ["security_officer"]), ("dept", ["department_staff"]), ("auditor", ["auditor"]),
                       ("pr", ["pr_staff"])):  # fmt: skip
        password = "bench-" + secrets.token_urlsafe(12)
        user_id = await UserService().create_user(
            schemas.UserCreate(username=f"bench.{who}", full_name=f"ベンチ {who}", department_id=department_id,
                               roles=roles, password=password),
            actor=system,
        )  # fmt: skip
        token = await TokenService().create(
            schemas.ApiTokenCreate(name="bench"), actor=Actor(id=user_id, label=who, roles=frozenset(roles))
        )
        cookie = await AuthService().sign_in(f"bench.{who}", password)
        out[who] = {"token": token.token, "cookie": cookie}
    return out


async def own_checks_and_accounts(engine: str, url: str, users: list[int], department: int, n: dict[str, int]) -> None:
    """The department user gets the checks of a tenth of the users (about 10,000, mostly done, as a clerk's years of
    checks); 2,000 SNS accounts (scaled), mostly in order, a few due for re-attestation, quiet or missing a measure."""
    from governance.accounts.tables import User
    from governance.external.tables import ExternalService
    from governance.verification.tables import Check

    dept = await User.select(User.id).where(User.username == "bench.dept").first()
    await Check.update({Check.assignee: dept["id"]}).where(Check.assignee.is_in(users[: len(users) // 10]))
    [service] = await ExternalService.insert(ExternalService(name="X（ベンチ）", kind="social_media", platform="x")
                                             ).returning(ExternalService.id)  # fmt: skip
    rnd, today = random.Random(20261205), dt.date.today()
    columns = ("service", "handle", "profile_url", "lookup_key", "display_name", "department", "status", "opened_on",
               "mfa_enabled", "recovery_email", "login_alerts", "third_party_apps_reviewed_on", "listed_on_website",
               "badge", "password_changed_on", "last_attested_on", "last_post_on")  # fmt: skip
    rows = []
    for i in range(max(20, int(2_000 * n["checks"] / 100_000))):
        recent = today - dt.timedelta(days=rnd.randint(1, 60))
        odd = rnd.random() < 0.05  # about one in twenty needs something
        rows.append((service["id"], f"bench{i}", f"https://x.com/bench{i}", f"x:bench{i}", f"ベンチ{i:04d}",
                     department if i % 10 == 0 else department + 1 + i % 5, "closed" if i % 50 == 0 else "active",
                     today - dt.timedelta(days=900), not (odd and i % 3 == 0), "koho@city.example.lg.jp", True, recent,
                     True, "obtained", recent, today - dt.timedelta(days=200 if odd and i % 3 == 1 else 30),
                     today - dt.timedelta(days=300 if odd and i % 3 == 2 else 5)))  # fmt: skip
    await bulk_insert(engine, url, "social_account", columns, rows)


def row_urls(key: str, n: dict[str, int]) -> list[str]:
    """The URLs a row walks: pages spread over the whole list (first, deep, last)."""
    if key.startswith("home"):
        return ["/"]
    total = {"checks": n["checks"], "contractors": n["contractors"], "audit": n["audit"]}[key.split("_")[0]]
    if key == "checks_page":
        return [f"/checks/?page={p}" for p in (1, 2, 3, 5, 8, 13, 21, 34, 55, 89)]
    if key == "contractors_page":
        last = max(1, total // 20)
        return [f"/contractors/?page={p}" for p in sorted({1, 2, 3, 10, last // 4, last // 2, last - 1, last} - {0})]
    if key == "contractors_api":
        last = max(1, total // PAGE)
        return [f"/api/v1/contractors?page={p}&per_page={PAGE}" for p in sorted({1, 2, last // 2, last} - {0})]
    path = "/api/v1/checks" if key.startswith("checks") else "/api/v1/audit-entries"
    return [f"{path}?limit={PAGE}&offset={o}" for o in sorted({0, PAGE, total // 3, total // 2, total - PAGE * 2})]


def headers_for(key: str, who: dict[str, str]) -> dict[str, str]:
    if "_api" in key:
        return {"Authorization": f"Bearer {who['token']}"}
    return {"Cookie": f"gov_session={who['cookie']}"}


# ---------------------------------------------------------------------------------------------------------------------
# the raw baseline: the app's own statements, replayed on the raw driver
# ---------------------------------------------------------------------------------------------------------------------


def summary(rows: Any) -> tuple[int, list[Any]]:
    rows = rows or []
    return len(rows), [dict(r).get("id") for r in rows]  # dicts (SQLite) or asyncpg records


async def capture(engine: Any, make: Any) -> tuple[list[tuple[str, list[Any]]], list[Any]]:
    """Run ``make()`` and return the statements Piccolo sent and the rows each returned."""
    async with rr.Capture(engine) as cap:
        await make()
    return cap.statements, cap.results


def without(statements: list[Any], results: list[Any], auth: list[Any]) -> tuple[list[Any], list[Any]]:
    """Drop the authentication statements (first occurrence of each, matched by SQL text)."""
    todo = [sql for sql, _ in auth]
    kept, kept_results = [], []
    for (sql, params), rows in zip(statements, results, strict=True):
        if sql in todo:
            todo.remove(sql)
            continue
        kept.append((sql, params))
        kept_results.append(rows)
    return kept, kept_results


class Replay:
    """The raw driver running recorded statements: ``sqlite3`` inline on one connection, or an asyncpg pool."""

    def __init__(self, engine: str, url: str) -> None:
        self.engine, self.url, self.conn, self.pool = engine, url, None, None

    async def open(self) -> None:
        if self.engine == "sqlite":
            raw = le.RawSQLite(self.url.removeprefix("sqlite:///"))
            self.conn = raw.conn
        else:
            import asyncpg

            self.pool = await asyncpg.create_pool(self.url, min_size=1, max_size=le.POOL_SIZE)

    async def run(self, statements: list[tuple[str, list[Any]]]) -> list[list[dict[str, Any]]]:
        out = []
        if self.engine == "sqlite":
            for sql, params in statements:
                cur = self.conn.execute(sql, params)  # type: ignore[union-attr]
                names = [d[0] for d in cur.description or ()]
                out.append([dict(zip(names, r, strict=True)) for r in cur.fetchall()])
            return out
        async with self.pool.acquire() as conn:  # type: ignore[union-attr]
            for sql, params in statements:
                out.append([dict(r) for r in await conn.fetch(sql, *params)])
        return out

    async def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
        if self.pool is not None:
            await self.pool.close()


# ---------------------------------------------------------------------------------------------------------------------
# child: one engine, one process
# ---------------------------------------------------------------------------------------------------------------------


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def child_main(args: argparse.Namespace) -> int:
    tmp = Path(tempfile.mkdtemp(prefix=f"gov-bench-lists-{args.engine}-"))
    try:
        le.child_environment(args, tmp)
        result = asyncio.run(child_async(args))
        Path(args.result_file).write_text(json.dumps(result, default=str), encoding="utf-8")
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


async def child_async(args: argparse.Namespace) -> dict[str, Any]:
    import httpx

    from governance.accounts.services import AuthService, TokenService
    from governance.app import create_app
    from governance.db import close_connections, db_lifespan, get_engine, run_migrations

    url = os.environ["DATABASE_URL"]
    engine = get_engine()
    n = sizes(args.scale)
    with contextlib.redirect_stdout(sys.stderr):
        await run_migrations()
    await close_connections()
    async with db_lifespan():
        seeded = await load(args.engine, url, n)
        department = (await _department_of(seeded["engagements"][0][0]))
        people = await make_users(department)
        await own_checks_and_accounts(args.engine, url, seeded["users"], department, n)
    app = create_app()
    replay = Replay(args.engine, url)
    await replay.open()
    plans: dict[str, list[tuple[str, list[Any]]]] = {}
    out: dict[str, Any] = {"engine": args.engine, "sizes": n, "figures": {}, "statements": {}}
    try:
        async with (
            db_lifespan(),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client,
        ):
            auth_sql = {}
            for who, creds in people.items():
                auth_sql[(who, "api")], _ = await capture(engine, lambda c=creds: TokenService().resolve(c["token"]))
                auth_sql[(who, "page")], _ = await capture(
                    engine, lambda c=creds: AuthService().resolve_session(c["cookie"])
                )
            for key, _, who, _ in ROWS:
                headers = headers_for(key, people[who])
                kind = "api" if "_api" in key else "page"
                for target in row_urls(key, n):
                    responses: list[Any] = []

                    async def get(t: str = target, h: dict[str, str] = headers, into: list[Any] = responses) -> None:
                        into.append(await client.get(t, headers=h))

                    statements, results = await capture(engine, get)
                    if responses[0].status_code != 200:
                        raise RuntimeError(f"GET {target} answered {responses[0].status_code}: "
                                           f"{responses[0].text[:300]}")  # fmt: skip
                    statements, results = without(statements, results, auth_sql[(who, kind)])
                    got = await replay.run(statements)
                    for (sql, _), mine, theirs in zip(statements, got, results, strict=True):
                        if summary(mine) != summary(theirs):
                            raise RuntimeError(f"raw replay of {target} differs from the app on:\n{sql[:300]}\n"
                                               f"{summary(mine)} != {summary(theirs)}")  # fmt: skip
                    plans[f"{target}#{who}"] = statements
                out["statements"][key] = len(plans[f"{row_urls(key, n)[0]}#{who}"])
            log(f"[{args.engine}] raw replays return the same rows as the app; statements per request: "
                f"{out['statements']}")  # fmt: skip

            async def answer_for(who: str) -> Any:
                async def answer(path: str, query: str) -> bytes:
                    rows = await replay.run(plans[f"{path}{'?' + query if query else ''}#{who}"])
                    return json.dumps(rows, default=str, ensure_ascii=False).encode()

                return answer

            bare = {who: httpx.AsyncClient(transport=httpx.ASGITransport(app=le.bare_asgi(await answer_for(who))),
                                           base_url="http://bench") for who in people}  # fmt: skip
            endpoints = []
            for key, _, who, _ in ROWS:
                targets = row_urls(key, n)
                endpoints.append(le.Endpoint(key, client, targets, headers_for(key, people[who])))
                endpoints.append(le.Endpoint(f"{key}.raw", bare[who], targets))
            try:
                out["figures"] = await le.measure(endpoints, n=args.requests, warmup=args.warmup, concurrency=1,
                                                  rounds=args.rounds, engine=args.engine, modes=("seq",))  # fmt: skip
            finally:
                for c in bare.values():
                    await c.aclose()
    finally:
        await replay.close()
    return out


async def _department_of(engagement_id: int) -> int:
    from governance.engagements.tables import Engagement

    row = await Engagement.select(Engagement.department).where(Engagement.id == engagement_id).first()
    return row["department"]


# ---------------------------------------------------------------------------------------------------------------------
# parent: run the children, print the table and the RESULT lines
# ---------------------------------------------------------------------------------------------------------------------


def run_child(engine: str, args: argparse.Namespace, database_url: str = "") -> dict[str, Any] | None:
    options = ["--scale", str(args.scale), "--requests", str(args.requests), "--rounds", str(args.rounds),
               "--warmup", str(args.warmup)]  # fmt: skip
    return le.spawn(str(Path(__file__).resolve()), engine, database_url, options)


def report(result: dict[str, Any]) -> list[tuple[str, str, float, float, float, bool, bool | None]]:
    """Print one engine's table; return its rows (key, label, p99, raw p99, ratio, p99 met, ratio met)."""
    figs, n = result["figures"], result["sizes"]
    engine = "sqlite" if result["engine"] == "sqlite" else "postgresql"
    print()
    print(f"== {engine}: {n['contractors']:,} contractors, {n['checks']:,} checks, {n['audit']:,} audit entries; "
          "one request at a time")  # fmt: skip
    header = (f"   {'row':38} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'raw p99':>8} {'app/raw':>8}  "
              f"{'p99 < 50 ms':>11}  {'>= 0.5x':>8}")  # fmt: skip
    print(header)
    print("   " + "-" * (len(header) - 3))
    rows = []
    for key, label, _, kind in ROWS:
        a, r = figs[f"{key}.seq"], figs[f"{key}.raw.seq"]
        ratio = a["rps"] / r["rps"]
        p99_met = a["p99_ms"] < le.TARGET_P99_MS
        ratio_met = ratio >= le.TARGET_RATIO if kind == "list" else None
        rows.append((key, label, a["p99_ms"], r["p99_ms"], ratio, p99_met, ratio_met))
        print(f"   {label:38} {a['p50_ms']:7.2f} {a['p95_ms']:7.2f} {a['p99_ms']:7.2f} {r['p99_ms']:8.2f} "
              f"{ratio:8.2f}  {le.verdict(p99_met):>11}  "
              f"{'-' if ratio_met is None else le.verdict(ratio_met):>8}")  # fmt: skip
    print(f"   statements per request (after authentication): {result['statements']}")
    return rows


def emit_results(result: dict[str, Any], rows: list[Any]) -> None:
    from benchresult import emit

    engine = "sqlite" if result["engine"] == "sqlite" else "postgresql"
    for _key, label, p99, raw_p99, ratio, p99_met, ratio_met in rows:
        emit("lists", f"{label} p99", engine, p99, "ms", baseline=raw_p99, ratio=p99 / raw_p99,
             target=f"p99 < {le.TARGET_P99_MS:.0f} ms", met=p99_met)  # fmt: skip
        if ratio_met is not None:
            emit("lists", f"{label} app/raw throughput", engine, ratio, "x", ratio=ratio,
                 target=f">= {le.TARGET_RATIO}x raw", met=ratio_met)  # fmt: skip


def parent_main(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    results, ok = le.run_engines(args, run_child)
    print("governance list pages, list APIs and home page against raw replays of the same SQL (bare ASGI, no auth)")
    print(f"{os.cpu_count()} CPUs; {args.requests} requests per row in {args.rounds} interleaved rounds, "
          f"warm-up {args.warmup}")  # fmt: skip
    reported = [(res, report(res)) for res in results]
    print()
    for res, rows in reported:
        emit_results(res, rows)
    print(f"\ntotal time {time.perf_counter() - started:.0f}s; " + ("all runs succeeded" if ok else "SOME RUNS FAILED"))
    return 0 if ok else 1


def main() -> int:
    return le.dispatch(parse_args(), child_main, parent_main)


if __name__ == "__main__":
    sys.exit(main())
