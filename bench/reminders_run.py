"""Benchmark of a reminder run: its cost grows with the number of items due, not with the number of checks.

Run from the repository root::

    .venv/bin/python bench/reminders_run.py
    GOVERNANCE_BENCH_PG_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python bench/reminders_run.py

What is measured
----------------
``ReminderService.collect(today)`` (every source ``register_builtin_sources()`` registers, as the CLI and the app do:
checks, measures, certificates, contract ends, notice deadlines, 指名停止 ends, incidents' deadlines, external services'
reviews; nothing written) and ``ReminderService.run(today)`` (collect, then record each reminder in the
notification log under its unique key, then deliver: SMTP is not configured, so nothing is sent and the run ends
after recording), with the default rules (checks: 30, 7 and 1 days before, then every 7 days while overdue).

The database is built in three stages, in this order, and each stage is measured:

(base)  10,000 checks, 1,000 of them due (scattered through the table, not contiguous ids): open and past their due
        date (500) or due within the next 30 days (500).
        The others are done or cancelled (past) or planned beyond the 30-day window (future), as in a live system.
(large) 100,000 checks: the same 1,000 due, plus 90,000 more that are not due (same mix). Target: < 2 s on SQLite.
(more)  100,000 checks, 2,000 due: 1,000 of the future checks moved into the window.

``large/base`` close to 1 shows that the run does not grow with the number of checks; ``more/large`` close to 2 shows
that it grows with the number due. Each figure is the median of ``--repeat`` runs (the notification log is emptied
before each ``run``); peak memory is measured in a separate pass under ``tracemalloc`` (it slows Python down, so it
is never timed). Checks are loaded with ``executemany`` (SQLite) or ``COPY`` (PostgreSQL) and ``ANALYZE`` runs after
each stage. Before the figures, the script checks that each stage's run records exactly the expected number of
reminders, one per due check, and that a second run records none. The query plan of the check source's query (the
SQL Piccolo sends, captured while it runs) is printed for the large stage: it must use
an index on ``(status, due_on, ...)`` (``verification_check_status_due_on_idx`` or a wider one).

Each engine runs in its own child process (``--engine``, internal), because the Piccolo engine is fixed when
``governance`` is first imported. With ``GOVERNANCE_BENCH_PG_URL`` (or ``--postgres URL``), a scratch database
``gov_bench_<random>`` is created on that server and dropped at the end ``WITH (FORCE)``. Exit status 0 when every run
succeeded and its checks passed (a missed time target is reported, not a failure).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import datetime as dt
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
import tracemalloc
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 6, 1)
NOW = dt.datetime(2026, 5, 31, 22, 0, tzinfo=dt.UTC)  # 07:00 in Tokyo on TODAY
HORIZON = 30  # the default check rule: 30,7,1/7
INDEX = "verification_check_status_due_on"  # the (status, due_on[, id]) index, whatever its suffix
STAGES = (("base", 10_000, 1_000), ("large", 100_000, 1_000), ("more", 100_000, 2_000))
TARGET_SECONDS = 2.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument(
        "--postgres", metavar="URL", default=os.environ.get("GOVERNANCE_BENCH_PG_URL", ""),
        help="also measure on PostgreSQL (default: $GOVERNANCE_BENCH_PG_URL) in a scratch database",
    )  # fmt: skip
    p.add_argument("--repeat", type=int, default=5, help="timed repetitions per figure, the median is shown (5)")
    p.add_argument("--engine", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    p.add_argument("--database-url", default="", help=argparse.SUPPRESS)
    p.add_argument("--result-file", default="", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.repeat < 1:
        p.error("--repeat must be >= 1")
    return args


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------------------------------
# child: one engine, one process
# ---------------------------------------------------------------------------------------------------------------------


def child_main(args: argparse.Namespace) -> int:
    # Everything here must happen before the first ``governance`` import: settings and the engine are read once.
    tmp = Path(tempfile.mkdtemp(prefix=f"gov-bench-reminders-{args.engine}-"))
    try:
        os.environ["DATABASE_URL"] = (
            f"sqlite:///{tmp / 'bench.sqlite3'}" if args.engine == "sqlite" else args.database_url
        )
        os.environ["GOVERNANCE_DATA_DIR"] = str(tmp / "data")
        os.environ["GOVERNANCE_LOG_LEVEL"] = "WARNING"
        os.environ["GOVERNANCE_DB_POOL"] = "true"
        for name in ("PICCOLO_CONF", "GOVERNANCE_SECRET_KEY", "GOVERNANCE_REMINDER_RULES", "GOVERNANCE_SMTP_HOST"):
            os.environ.pop(name, None)
        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))
        result = asyncio.run(child_async(args, tmp))
        Path(args.result_file).write_text(json.dumps(result), encoding="utf-8")
        return 0 if result["ok"] else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class Loader:
    """Bulk-loads checks with the engine's raw driver, outside Piccolo (loading is not what is measured)."""

    COLUMNS = ("engagement", "department", "plan_key", "kind", "title", "due_on", "assignee", "status",
               "cancel_reason", "event_note", "review_note", "created_at", "updated_at")  # fmt: skip

    def __init__(self, engine: str, url: str) -> None:
        self.engine, self.url = engine, url

    async def apply(self, rows: list[tuple] = (), sql: str = "") -> None:
        """Insert the rows (or run the statement), then ``ANALYZE`` (PostgreSQL: ``VACUUM (ANALYZE)``)."""
        if self.engine == "sqlite":
            import sqlite3

            conn = sqlite3.connect(self.url.removeprefix("sqlite:///"))
            try:
                with conn:
                    names, marks = ", ".join(f'"{c}"' for c in self.COLUMNS), ", ".join("?" for _ in self.COLUMNS)
                    if rows:
                        conn.executemany(f"INSERT INTO verification_check ({names}) VALUES ({marks})",
                                         [_sqlite_row(r) for r in rows])  # fmt: skip
                    if sql:
                        conn.execute(sql)
                    conn.execute("ANALYZE")
            finally:
                conn.close()
            return
        import asyncpg

        conn = await asyncpg.connect(self.url)
        try:
            if rows:
                await conn.copy_records_to_table("verification_check", records=rows, columns=list(self.COLUMNS))
            if sql:
                await conn.execute(sql)
            # As autovacuum does in a live database after bulk inserts: statistics, and the visibility map that lets
            # an index-only scan (a list's id query, a count) skip the table (without it, each row is fetched).
            await conn.execute("VACUUM (ANALYZE)")
        finally:
            await conn.close()


def _sqlite_row(row: tuple) -> tuple:
    return tuple(v.isoformat() if isinstance(v, dt.date | dt.datetime) else v for v in row)


def make_checks(rnd: random.Random, n: int, due: int, engagements: list[tuple[int, int]], users: list[int],
                start: int) -> list[tuple]:  # fmt: skip
    """``n`` checks, ``due`` of them open and due within the window (half overdue), the rest not due.

    The due checks are scattered through the ``n`` rows (random positions, so not contiguous ids), as in a live table
    where due checks sit among years of history.
    """
    created = dt.datetime(2024, 4, 1, tzinfo=dt.UTC)
    due_at = {start + k: j for j, k in enumerate(sorted(rnd.sample(range(n), due)))}
    rows = []
    for i in range(start, start + n):
        engagement, department = engagements[i % len(engagements)]
        if i in due_at:
            offset = -rnd.randint(1, 60) if due_at[i] % 2 else rnd.randint(0, HORIZON)
            status = "in_progress" if offset < 0 and i % 4 == 1 else "planned"
        else:
            kind = rnd.random()
            if kind < 0.55:
                offset, status = -rnd.randint(1, 1500), "done"  # the history
            elif kind < 0.60:
                offset, status = rnd.randint(-1500, 1500), "cancelled"
            else:
                offset, status = rnd.randint(HORIZON + 1, 1500), "planned"  # planned beyond the window
        due_on = TODAY + dt.timedelta(days=offset)
        title = f"定期報告（毎月）　令和{due_on.year - 2018}年{due_on.month}月分"
        rows.append((engagement, department, f"bench:{i}", "monthly", title, due_on, users[i % len(users)], status,
                     "", "", "", created, created))  # fmt: skip
    return rows


async def seed() -> tuple[list[tuple[int, int]], list[int]]:
    """Departments, users with addresses, and contracted engagements (terms far from their end)."""
    from governance.accounts.tables import Department, User
    from governance.engagements.tables import Engagement

    departments = [
        r["id"]
        for r in await Department.insert(
            *[Department(code=f"D{n:02d}", name=f"部署{n:02d}") for n in range(10)]
        ).returning(Department.id)
    ]
    users = [
        r["id"]
        for r in await User.insert(
            *[User(username=f"user{n:03d}", full_name=f"職員 {n:03d}", email=f"user{n:03d}@city.example.jp",
                   department=departments[n % 10]) for n in range(200)]
        ).returning(User.id)
    ]  # fmt: skip
    engagements = await Engagement.insert(
        *[Engagement(title=f"委託業務{n:03d}", department=departments[n % 10], supervisor=users[n], status="contracted",
                     start_date=dt.date(2024, 4, 1), end_date=dt.date(2031, 3, 31)) for n in range(100)]
    ).returning(Engagement.id, Engagement.department)  # fmt: skip
    return [(r["id"], r["department"]) for r in engagements], users


class Capture:
    """Records the SQL Piccolo sends while a coroutine runs, and what each statement returned."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.statements: list[tuple[str, list[Any]]] = []
        self.results: list[Any] = []  # what each statement returned (bench/lists.py compares its raw replay)

    async def __aenter__(self) -> Capture:
        cls = type(self.engine)  # patched on the class: PostgresEngine instances take no new attributes
        self.original = original = cls.run_querystring
        statements = self.statements

        results = self.results

        async def run_querystring(engine: Any, querystring: Any, in_pool: bool = True) -> Any:
            statements.append(querystring.compile_string(engine_type=engine.engine_type))
            rows = await original(engine, querystring, in_pool=in_pool)
            results.append(rows)
            return rows

        cls.run_querystring = run_querystring
        return self

    async def __aexit__(self, *exc: object) -> None:
        type(self.engine).run_querystring = self.original


async def explain(engine_name: str, url: str, sql: str, params: list[Any]) -> list[str]:
    if engine_name == "sqlite":
        import sqlite3

        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            rows = conn.execute(f"EXPLAIN QUERY PLAN {sql}", [_sqlite_row((p,))[0] for p in params]).fetchall()
        finally:
            conn.close()
        return [f"{'  ' * (parent > 0)}{detail}" for _, parent, _, detail in rows]
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        return [r[0] for r in await conn.fetch(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) {sql}", *params)]
    finally:
        await conn.close()


async def measure(service: Any, repeat: int) -> dict[str, Any]:
    from governance.reminders.tables import Notification

    collect_times, run_times, recorded = [], [], set()
    for _ in range(repeat):
        t0 = time.perf_counter()
        due = await service.collect(TODAY)
        collect_times.append(time.perf_counter() - t0)
        await Notification.delete(force=True)
        t0 = time.perf_counter()
        report = await service.run(TODAY, now=NOW)
        run_times.append(time.perf_counter() - t0)
        recorded.add(report.recorded)
    again = (await service.run(TODAY, now=NOW)).recorded
    await Notification.delete(force=True)
    tracemalloc.start()
    await service.collect(TODAY)
    collect_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    tracemalloc.start()
    await service.run(TODAY, now=NOW)
    run_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {
        "due": len(due), "recorded": sorted(recorded), "again": again,
        "collect_s": statistics.median(collect_times), "run_s": statistics.median(run_times),
        "collect_peak_mib": collect_peak / 2**20, "run_peak_mib": run_peak / 2**20,
    }  # fmt: skip


async def child_async(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    from governance.db import close_connections, db_lifespan, get_engine, run_migrations
    from governance.reminders.services import ReminderService
    from governance.reminders.sources import due_checks, register_builtin_sources, sources
    from governance.settings import get_settings

    url = os.environ["DATABASE_URL"]
    with contextlib.redirect_stdout(sys.stderr):  # Piccolo prints its progress; keep stdout for the table
        await run_migrations()
    await close_connections()
    rnd = random.Random(20260601)
    result: dict[str, Any] = {"engine": args.engine, "stages": {}, "ok": True, "plan": []}
    register_builtin_sources()  # every source, as the CLI and the app register them
    result["sources"] = sorted(sources())
    log(f"[{args.engine}] reminder sources: {', '.join(result['sources'])}")
    async with db_lifespan():
        engagements, users = await seed()
        loader = Loader(args.engine, url)
        service = ReminderService(dataclasses.replace(get_settings(), smtp_host="", reminder_rules=""))
        loaded = 0
        for name, total, due in STAGES:
            t0 = time.perf_counter()
            if name == "more":  # move 1,000 planned future checks into the window
                edge = (TODAY + dt.timedelta(days=HORIZON)).isoformat()
                await loader.apply(
                    sql=f"UPDATE verification_check SET due_on = '{edge}' WHERE id IN (SELECT id FROM "
                    f"verification_check WHERE status = 'planned' AND due_on > '{edge}' "
                    "ORDER BY (id * 7919) % 10007, id LIMIT 1000)"
                )
            else:
                new_due = due if loaded == 0 else 0
                await loader.apply(make_checks(rnd, total - loaded, new_due, engagements, users, loaded))
                loaded = total
            log(f"[{args.engine}] {name}: {total:,} checks, {due:,} due, loaded in {time.perf_counter() - t0:.1f}s")
            figures = await measure(service, args.repeat)
            ok = figures["due"] == due and figures["recorded"] == [due] and figures["again"] == 0
            if not ok:
                log(f"[{args.engine}] {name}: CHECK FAILED: {figures}")
            result["ok"] &= ok
            result["stages"][name] = {"total": total, "expected_due": due, **figures}
            ms = {k: f"{figures[f'{k}_s'] * 1000:.0f} ms" for k in ("collect", "run")}
            log(f"[{args.engine}] {name}: collect {ms['collect']}, run {ms['run']}")
            if name == "large":
                rule = service.rules["check"]
                async with Capture(get_engine()) as capture:
                    await due_checks(rule, TODAY)
                sql, params = next(s for s in capture.statements if 'FROM "verification_check"' in s[0])
                result["sql"] = sql
                result["plan"] = await explain(args.engine, url, sql, params)
                if not any(INDEX in line for line in result["plan"]):
                    log(f"[{args.engine}] the check source query does not use {INDEX}")
                    result["ok"] = False
    return result


# ---------------------------------------------------------------------------------------------------------------------
# parent: run the children, print the table
# ---------------------------------------------------------------------------------------------------------------------


def run_child(engine: str, args: argparse.Namespace, database_url: str = "") -> dict[str, Any] | None:
    with tempfile.TemporaryDirectory(prefix="gov-bench-result-") as d:
        result = Path(d) / "result.json"
        cmd = [sys.executable, str(Path(__file__).resolve()), "--engine", engine, "--result-file", str(result),
               "--repeat", str(args.repeat)]  # fmt: skip
        if database_url:
            cmd += ["--database-url", database_url]
        proc = subprocess.run(cmd, cwd=ROOT, check=False)
        if not result.exists():
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


def print_table(result: dict[str, Any]) -> None:
    stages = result["stages"]
    title = "SQLite (PooledSQLiteEngine)" if result["engine"] == "sqlite" else "PostgreSQL (asyncpg pool)"
    print()
    print(f"== {title}")
    print(
        f"   {'stage':6} {'checks':>8} {'due':>6} {'collect ms':>11} {'run ms':>8} {'collect MiB':>12} {'run MiB':>8}"
    )
    for name, s in stages.items():
        print(f"   {name:6} {s['total']:8,} {s['due']:6,} {s['collect_s'] * 1000:11.0f} {s['run_s'] * 1000:8.0f} "
              f"{s['collect_peak_mib']:12.1f} {s['run_peak_mib']:8.1f}")  # fmt: skip
    if {"base", "large", "more"} <= set(stages):
        base, large, more = stages["base"], stages["large"], stages["more"]
        print(f"   large/base (10x the checks, same due): collect {large['collect_s'] / base['collect_s']:.2f}, "
              f"run {large['run_s'] / base['run_s']:.2f}")  # fmt: skip
        print(f"   more/large (2x the due, same checks):  collect {more['collect_s'] / large['collect_s']:.2f}, "
              f"run {more['run_s'] / large['run_s']:.2f}")  # fmt: skip
        if result["engine"] == "sqlite":
            met = large["collect_s"] + large["run_s"] < TARGET_SECONDS
            print(f"   target: collect + run at 100,000 checks / 1,000 due < {TARGET_SECONDS:.0f} s: "
                  f"{large['collect_s'] + large['run_s']:.2f} s, " + ("met" if met else "NOT met"))  # fmt: skip
    print("   sources: " + ", ".join(result.get("sources", [])))
    print("   query plan of the check source (large stage):")
    for line in result["plan"]:
        print(f"     {line}")
    print("   checks: " + ("passed" if result["ok"] else "FAILED"))


def emit_results(result: dict[str, Any]) -> None:
    """The ``RESULT`` lines for ``bench/run_all``: collect + run at 100,000 checks, and the growth ratios."""
    from benchresult import emit

    stages, engine = result["stages"], ("sqlite" if result["engine"] == "sqlite" else "postgresql")
    if not {"base", "large", "more"} <= set(stages):
        return
    base, large, more = stages["base"], stages["large"], stages["more"]
    total = large["collect_s"] + large["run_s"]
    sqlite = engine == "sqlite"
    emit("reminders_run", "collect + run, 100,000 checks / 1,000 due", engine, total, "s",
         target=f"< {TARGET_SECONDS:.0f} s" if sqlite else "", met=(total < TARGET_SECONDS) if sqlite else None)
    growth = (large["collect_s"] + large["run_s"]) / (base["collect_s"] + base["run_s"])
    emit("reminders_run", "large/base (10x checks, same due)", engine, growth, "x", baseline=None, ratio=growth,
         target="close to 1", met=growth < 2)
    due = (more["collect_s"] + more["run_s"]) / total
    emit("reminders_run", "more/large (2x due, same checks)", engine, due, "x", ratio=due, target="close to 2",
         met=None)  # fmt: skip


def parent_main(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    results: list[dict[str, Any]] = []
    ok = True
    log("running SQLite benchmark ...")
    r = run_child("sqlite", args)
    ok &= bool(r and r["ok"])
    if r:
        results.append(r)
    if args.postgres:
        parts = urlsplit(args.postgres)
        name = f"gov_bench_{secrets.token_hex(4)}"
        log(f"running PostgreSQL benchmark on scratch database {name} ...")
        try:
            asyncio.run(_admin(args.postgres, f'CREATE DATABASE "{name}"'))
        except Exception as exc:  # report and carry on with the figures we have
            log(f"cannot create the scratch database on {parts.hostname}: {exc}")
            ok = False
        else:
            try:
                r = run_child("postgres", args, urlunsplit(parts._replace(path=f"/{name}")))
                ok &= bool(r and r["ok"])
                if r:
                    results.append(r)
            finally:
                try:
                    asyncio.run(_admin(args.postgres, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                except Exception as exc:
                    log(f"could not drop scratch database {name}: {exc}")
                    ok = False
    import platform

    print(f"governance reminder-run benchmark — ReminderService.collect and run(dry_run=False), SMTP off, "
          f"today {TODAY.isoformat()}, default rules")  # fmt: skip
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs; median of {args.repeat} runs per figure, "
          "peak memory from a separate tracemalloc pass")  # fmt: skip
    for res in results:
        print_table(res)
    print()
    for res in results:
        emit_results(res)
    print()
    print(f"total time {time.perf_counter() - started:.0f}s; " + ("all runs succeeded" if ok else "SOME RUNS FAILED"))
    return 0 if ok else 1


def main() -> int:
    args = parse_args()
    if args.engine:
        if not args.result_file or (args.engine == "postgres" and not args.database_url):
            log("--engine is internal: use --postgres URL (or GOVERNANCE_BENCH_PG_URL) instead")
            return 2
        return child_main(args)
    return parent_main(args)


if __name__ == "__main__":
    sys.exit(main())
