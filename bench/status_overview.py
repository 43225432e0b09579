"""Benchmark of the 状況一覧 overview over 100,000 checks: aggregate queries, so it grows with departments, not rows.

Run from the repository root (SQLite, in a temporary directory; about 30 s on 2 cores)::

    .venv/bin/python bench/status_overview.py [--repeat 5]

It applies the migrations to a scratch SQLite file, loads the departments, users and contracted engagements of
``reminders_run.py`` and 10,000 then 100,000 checks (the same mix: history, cancelled, planned, 500 overdue), and
times ``StatusService().overview(today)`` (every figure of every department: 9 aggregate queries plus the SNS list)
as the median of ``--repeat`` runs at each size. Before timing, it checks that the overview's overdue checks per
department equal a plain ``GROUP BY`` over the table. Target: < 0.5 s at 100,000 checks, and ``100k/10k`` well
below 10 (the work must not grow with the rows that do not count).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 0.5


async def main(repeat: int, tmp: Path) -> int:
    sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
    import reminders_run as rr  # the loader and data mix of the reminder benchmark

    from governance.db import close_connections, db_lifespan, run_migrations
    from governance.system.status import StatusService

    url = os.environ["DATABASE_URL"]
    with contextlib.redirect_stdout(sys.stderr):
        await run_migrations()
    await close_connections()
    rnd = random.Random(20260601)
    ok = True
    timings: dict[int, float] = {}
    async with db_lifespan():
        engagements, users = await rr.seed()
        loader = rr.Loader("sqlite", url)
        loaded = 0
        for total in (10_000, 100_000):
            await loader.apply(rr.make_checks(rnd, total - loaded, 1_000 if not loaded else 0, engagements, users,
                                              loaded))  # fmt: skip
            loaded = total
            overview = await StatusService().overview(rr.TODAY)
            conn = sqlite3.connect(url.removeprefix("sqlite:///"))
            expected = dict(conn.execute(
                "SELECT department, COUNT(*) FROM verification_check WHERE status IN ('planned', 'in_progress') "
                "AND due_on < ? GROUP BY department", (rr.TODAY.isoformat(),)).fetchall())  # fmt: skip
            conn.close()
            got = {r.department_id: r.counts["checks_overdue"] for r in overview.rows if r.counts["checks_overdue"]}
            if got != expected:
                print(f"MISMATCH at {total}: {got} != {expected}")
                ok = False
            runs = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                await StatusService().overview(rr.TODAY)
                runs.append(time.perf_counter() - t0)
            timings[total] = statistics.median(runs)
            print(f"{total:>7,} checks: overview {timings[total] * 1000:7.1f} ms (median of {repeat}); "
                  f"overdue total {overview.total.counts['checks_overdue']}")  # fmt: skip
    ratio = timings[100_000] / timings[10_000]
    print(f"100k/10k = {ratio:.2f}; target < {TARGET_SECONDS * 1000:.0f} ms at 100,000: "
          f"{'met' if timings[100_000] < TARGET_SECONDS else 'MISSED'}")  # fmt: skip
    from benchresult import emit

    emit("status_overview", "StatusService.overview, 100,000 checks", "sqlite", timings[100_000] * 1000, "ms",
         baseline=timings[10_000] * 1000, ratio=ratio, target=f"< {TARGET_SECONDS * 1000:.0f} ms",
         met=timings[100_000] < TARGET_SECONDS)  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="gov-bench-status-"))
    try:
        os.environ["DATABASE_URL"] = f"sqlite:///{directory / 'bench.sqlite3'}"
        os.environ["GOVERNANCE_DATA_DIR"] = str(directory / "data")
        os.environ["GOVERNANCE_LOG_LEVEL"] = "WARNING"
        os.environ.pop("PICCOLO_CONF", None)
        sys.exit(asyncio.run(main(args.repeat, directory)))
    finally:
        shutil.rmtree(directory, ignore_errors=True)
