"""Benchmark of the check register export (.xlsx and CSV) through the whole HTTP request, against openpyxl.

Run from the repository root (SQLite, in a temporary directory; about 4 minutes on 2 cores)::

    .venv/bin/python bench/register_export.py [--rounds 3] [--sizes 10000,50000,100000]

What is measured
----------------
The migrations go to a scratch SQLite file, which gets the departments, 200 users and 100 contracted engagements of
``reminders_run.py`` and then its mix of checks (history, cancelled, planned, overdue) up to each size in turn:
10,000, 50,000 and 100,000 checks. A security officer (who sees every department) holds a personal API token.

(a) app xlsx / (a) app csv
    ``GET /api/v1/checks?format=xlsx`` (or ``csv``) with ``Authorization: Bearer …``, sent to the ASGI app that
    ``create_app()`` makes, inside ``db_lifespan()``: authentication, the guard, the list's query in keyset chunks
    (``export_checks``), the register's columns, openpyxl's write-only workbook in a worker thread (or the CSV
    writer), and the streamed body. The client is a bare ASGI caller that counts the body's bytes and drops them,
    so the figures are the server's alone.
(b) baseline xlsx / (b) baseline csv
    The same rows, already in memory as the lists of cell values the register writes (taken from the app's own
    CSV columns, untimed), written with openpyxl's write-only workbook directly — same header, same number formats
    (和暦 dates, date-times), frozen header and filter — and saved to a ``BytesIO``; for CSV, ``csv.writer`` on a
    ``StringIO``. That is the least any export of these rows must do: no query, no HTTP, no streaming.

Before timing, at each size: the app's xlsx is opened with openpyxl and must hold the header and one row per check;
the CSV must hold the same number of rows. The rows take turns (a xlsx, b xlsx, a csv, b csv) in ``--rounds`` rounds;
the table shows the median seconds. Ratios ``a/b``: target ≤ 1.3 for xlsx.

Memory: after the timed rounds at each size, a child process (``--child``) runs one export of each format with
``tracemalloc`` on and reports the traced peak during the request (``peak``) and the child's peak resident size
(``rss``, VmHWM: the whole process, imports and the app included; not ``ru_maxrss``, which Linux carries over from
the parent, which holds the baseline's rows, across fork and exec). Flat means: the peak
at 100,000 checks is about the peak at 10,000 (the rows stream; they are never all in memory).
Progress goes to stderr, the table to stdout. Exit 0 when every check passed (a missed target is reported, not an
error), 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import datetime as dt
import io
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 1.3


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def asgi_get(app: Any, path: str, query: str, token: str, *, keep: bool = False) -> tuple[int, int, bytes]:
    """One GET through the ASGI app; returns the status, the body's size and the body (only with ``keep``)."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
        "headers": [(b"host", b"bench"), (b"authorization", f"Bearer {token}".encode())],
        "client": ("127.0.0.1", 50000), "server": ("bench", 80), "state": {},
    }  # fmt: skip
    status, size, kept = 0, 0, []
    sent, done = False, asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await done.wait()  # as a server does once the response is complete (Litestar's stream listens for it)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, size
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            body = message.get("body", b"")
            size += len(body)
            if keep:
                kept.append(body)
            if not message.get("more_body", False):
                done.set()

    await app(scope, receive, send)
    return status, size, b"".join(kept)


async def full_body(app: Any, path: str, query: str, token: str) -> bytes:
    """The whole body (for the checks before timing)."""
    status, _, body = await asgi_get(app, path, query, token, keep=True)
    assert status == 200, (status, body[:300])
    return body


def baseline_xlsx(header: list[str], rows: list[list[Any]], date_columns: set[int], stamp_columns: set[int]) -> int:
    """The rows written with openpyxl's write-only workbook directly (same formats), saved to memory."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    from governance.exports import DATETIME, WAREKI_DATE

    book = Workbook(write_only=True)
    sheet = book.create_sheet("確認一覧")
    sheet.freeze_panes = "A2"
    cells = []
    for text in header:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = Font(bold=True)
        cells.append(cell)
    sheet.append(cells)
    for row in rows:
        out = []
        for i, value in enumerate(row):
            cell = WriteOnlyCell(sheet, value=value)
            if i in date_columns and value is not None:
                cell.number_format = WAREKI_DATE
            elif i in stamp_columns and value is not None:
                cell.number_format = DATETIME
            out.append(cell)
        sheet.append(out)
    sheet.auto_filter.ref = f"A1:O{len(rows) + 1}"
    target = io.BytesIO()
    book.save(target)
    return len(target.getvalue())


def baseline_csv(header: list[str], rows: list[list[Any]]) -> int:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return len(("\ufeff" + buffer.getvalue()).encode("utf-8"))


def typed_rows(text: str) -> tuple[list[str], list[list[Any]], set[int], set[int]]:
    """The app's CSV back as cell values (dates as dates, numbers as numbers): what the baseline writes."""
    header, *rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    dates, stamps = set(), set()
    out = []
    for row in rows:
        values: list[Any] = []
        for i, cell in enumerate(row):
            if len(cell) == 10 and cell[4] == "-" and cell[7] == "-":
                values.append(dt.date.fromisoformat(cell))
                dates.add(i)
            elif len(cell) == 19 and cell[4] == "-" and cell[10] == " ":
                values.append(dt.datetime.fromisoformat(cell))
                stamps.add(i)
            elif cell.isdigit():
                values.append(int(cell))
            else:
                values.append(cell)
        out.append(values)
    return header, out, dates, stamps


async def make_token() -> str:
    from governance.accounts import schemas
    from governance.accounts.services import TokenService, UserService
    from governance.actor import Actor

    system = Actor.system("bench")
    users = UserService()
    dept_id = await users.create_department(schemas.DepartmentCreate(code="BENCHSEC", name="情報政策課"), actor=system)
    user_id = await users.create_user(
        schemas.UserCreate(username="bench.ciso", full_name="ベンチ 情報", department_id=dept_id,
                           roles=["security_officer"], password="bench-password-123456"),
        actor=system,
    )  # fmt: skip
    created = await TokenService().create(
        schemas.ApiTokenCreate(name="bench"),
        actor=Actor(id=user_id, label="bench", roles=frozenset({"security_officer"})),
    )
    return created.token


def peak_resident_mib() -> float:
    """This process's own peak resident size (VmHWM; unlike ru_maxrss it does not carry the parent's over exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def child(fmt: str, token: str) -> dict[str, float]:
    """One export with tracemalloc on: the traced peak during the request, and the process's peak resident size."""
    from governance.app import create_app
    from governance.db import db_lifespan

    app = create_app()
    async with db_lifespan():
        tracemalloc.start()
        status, size, _ = await asgi_get(app, "/api/v1/checks", f"format={fmt}", token)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return {"status": status, "bytes": size, "peak_mib": peak / 2**20, "hwm_mib": peak_resident_mib()}


async def main(args: argparse.Namespace, tmp: Path) -> int:
    sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

    import openpyxl
    import reminders_run as rr

    from governance.app import create_app
    from governance.db import close_connections, db_lifespan, run_migrations

    with contextlib.redirect_stdout(sys.stderr):
        await run_migrations()
    await close_connections()
    rnd = random.Random(20261205)
    ok = True
    results: list[dict[str, Any]] = []
    sizes = [int(s) for s in args.sizes.split(",")]
    async with db_lifespan():
        engagements, users = await rr.seed()
        token = await make_token()
    loader = rr.Loader("sqlite", os.environ["DATABASE_URL"])
    loaded = 0
    for total in sizes:
        await loader.apply(rr.make_checks(rnd, total - loaded, 1_000 if not loaded else 0, engagements, users, loaded))
        loaded = total
        app = create_app()
        async with db_lifespan():
            xlsx = await full_body(app, "/api/v1/checks", "format=xlsx", token)
            csv_text = (await full_body(app, "/api/v1/checks", "format=csv", token)).decode("utf-8")
            sheet = openpyxl.load_workbook(io.BytesIO(xlsx), read_only=True).active
            header, rows, dates, stamps = typed_rows(csv_text)
            xlsx_rows = sum(1 for _ in sheet.iter_rows(values_only=True)) - 1
            if xlsx_rows != total or len(rows) != total or header[0] != "番号":
                log(f"MISMATCH at {total}: xlsx {xlsx_rows}, csv {len(rows)} rows")
                ok = False
            del xlsx, csv_text
            times: dict[str, list[float]] = {"a_xlsx": [], "b_xlsx": [], "a_csv": [], "b_csv": []}
            for r in range(args.rounds):
                for name in times:
                    t0 = time.perf_counter()
                    if name.startswith("a_"):
                        status, _, _ = await asgi_get(app, "/api/v1/checks", f"format={name[2:]}", token)
                        ok &= status == 200
                    elif name == "b_xlsx":
                        await asyncio.to_thread(baseline_xlsx, header, rows, dates, stamps)
                    else:
                        baseline_csv(header, rows)
                    times[name].append(time.perf_counter() - t0)
                log(f"{total:,} checks, round {r + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items()))
        del rows
        memory = {}
        for fmt in ("xlsx", "csv"):
            done = subprocess.run(
                [sys.executable, __file__, "--child", fmt, "--token", token], env=os.environ, capture_output=True,
                text=True, check=False, timeout=1800,
            )  # fmt: skip
            if done.returncode != 0:
                log(done.stderr[-2000:])
                ok = False
                continue
            memory[fmt] = json.loads(done.stdout.strip().splitlines()[-1])
        results.append({"rows": total, **{k: statistics.median(v) for k, v in times.items()}, "memory": memory})

    print(f"\nCheck register export, SQLite, {args.rounds} rounds, median seconds (Python {sys.version.split()[0]})")
    print(f"{'checks':>8} | {'a xlsx':>7} {'b xlsx':>7} {'a/b':>5} | {'a csv':>6} {'b csv':>6} {'a/b':>5} | "
          f"{'peak xlsx':>9} {'peak csv':>8} {'rss xlsx':>9} {'rss csv':>8}")  # fmt: skip
    for r in results:
        m = {fmt: r["memory"].get(fmt, {}) for fmt in ("xlsx", "csv")}
        nan = float("nan")
        print(f"{r['rows']:>8,} | {r['a_xlsx']:7.2f} {r['b_xlsx']:7.2f} {r['a_xlsx'] / r['b_xlsx']:5.2f} | "
              f"{r['a_csv']:6.2f} {r['b_csv']:6.2f} {r['a_csv'] / r['b_csv']:5.2f} | "
              f"{m['xlsx'].get('peak_mib', nan):7.1f}MB {m['csv'].get('peak_mib', nan):6.1f}MB "
              f"{m['xlsx'].get('hwm_mib', nan):7.0f}MB {m['csv'].get('hwm_mib', nan):6.0f}MB")  # fmt: skip
    last = results[-1]
    ratio = last["a_xlsx"] / last["b_xlsx"]
    print(f"xlsx a/b at {last['rows']:,} checks = {ratio:.2f}; target ≤ {TARGET_RATIO}: "
          f"{'met' if ratio <= TARGET_RATIO else 'MISSED'}")  # fmt: skip
    from benchresult import emit

    emit("register_export", f"xlsx export, {last['rows']:,} checks", "sqlite", last["a_xlsx"], "s",
         baseline=last["b_xlsx"], ratio=ratio, target=f"a/b <= {TARGET_RATIO}", met=ratio <= TARGET_RATIO)
    csv_ratio = last["a_csv"] / last["b_csv"]
    emit("register_export", f"csv export, {last['rows']:,} checks", "sqlite", last["a_csv"], "s",
         baseline=last["b_csv"], ratio=csv_ratio, target="", met=None)  # fmt: skip
    if len(results) > 1 and all("xlsx" in r["memory"] for r in (results[0], last)):
        growth = last["memory"]["xlsx"]["peak_mib"] / results[0]["memory"]["xlsx"]["peak_mib"]
        print(f"traced peak xlsx {last['rows']:,}/{results[0]['rows']:,} = {growth:.2f} (flat ≈ 1)")
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sizes", default="10000,50000,100000")
    parser.add_argument("--child", choices=["xlsx", "csv"], help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, str(ROOT))
        print(json.dumps(asyncio.run(child(args.child, args.token))))
        sys.exit(0)
    directory = Path(tempfile.mkdtemp(prefix="gov-bench-export-"))
    try:
        os.environ["DATABASE_URL"] = f"sqlite:///{directory / 'bench.sqlite3'}"
        os.environ["GOVERNANCE_DATA_DIR"] = str(directory / "data")
        os.environ["GOVERNANCE_LOG_LEVEL"] = "WARNING"
        os.environ.pop("PICCOLO_CONF", None)
        sys.exit(asyncio.run(main(args, directory)))
    finally:
        shutil.rmtree(directory, ignore_errors=True)
