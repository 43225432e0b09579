"""Benchmark of the ``governance`` command's start: what cron pays for ``governance reminders run`` every few minutes.

Run from the repository root::

    .venv/bin/python bench/cli_start.py
    .venv/bin/python bench/cli_start.py --tree /tmp/old-checkout   # time another checkout's code (before/after)

What is measured
----------------
Wall time of whole processes, started the way cron starts them, on a migrated empty SQLite database in a scratch
directory (``governance migrate`` runs first, untimed):

- ``python -c pass``: the interpreter alone (the floor no command can beat);
- ``governance --help``: the command's imports, no database;
- ``governance reminders run --dry-run --today 2026-06-01``: every reminder source queried, nothing written.

The three rows run interleaved in rounds (one of each per round, in a shuffled order), so that a slower moment of a
shared machine touches every row alike. Each figure is the median and the 90th percentile of ``--rounds`` rounds;
the ratio is the row's median over the interpreter's. With ``--tree DIR``, the commands import ``governance`` from
DIR (put first on ``PYTHONPATH``) instead of this checkout, to compare a commit before a change with the one after.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 0.4  # issue 16: a dry run under 0.4 s


def _time(cmd: list[str], env: dict[str, str], cwd: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--rounds", type=int, default=15, help="interleaved rounds (15)")
    p.add_argument("--tree", type=Path, default=None, help="import governance from this checkout instead")
    args = p.parse_args(argv)
    py = sys.executable
    gov = [py, "-c", "from governance.cli import run_cli; run_cli()"]
    with tempfile.TemporaryDirectory(prefix="gov-cli-bench-") as tmp:
        work = Path(tmp)
        env = dict(os.environ, DATABASE_URL=f"sqlite:///{work / 'gov.sqlite3'}", GOVERNANCE_DATA_DIR=str(work / "data"))
        if args.tree:
            env["PYTHONPATH"] = str(args.tree.resolve())
        check = subprocess.run([py, "-c", "import governance; print(governance.__file__)"], env=env, cwd=work,
                               capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
        print(f"governance imported from {check}")
        _time([*gov, "migrate"], env, work)
        rows = {
            "python -c pass": [py, "-c", "pass"],
            "governance --help": [*gov, "--help"],
            "reminders run --dry-run": [*gov, "reminders", "run", "--dry-run", "--today", "2026-06-01"],
        }
        times: dict[str, list[float]] = {name: [] for name in rows}
        for cmd in rows.values():  # warm the file cache once, untimed
            _time(cmd, env, work)
        for _ in range(args.rounds):
            order = list(rows)
            random.shuffle(order)
            for name in order:
                times[name].append(_time(rows[name], env, work))
    base = statistics.median(times["python -c pass"])
    print(f"\n{args.rounds} interleaved rounds; seconds\n")
    print("| command | median | p90 | median / python -c pass |")
    print("|---|---:|---:|---:|")
    for name, values in times.items():
        med = statistics.median(values)
        p90 = statistics.quantiles(values, n=10)[-1] if len(values) > 1 else med
        print(f"| `{name}` | {med:.3f} | {p90:.3f} | {med / base:.1f}× |")
    dry = statistics.median(times["reminders run --dry-run"])
    print(f"\ndry run median {dry:.3f} s: {'within' if dry < TARGET_SECONDS else 'over'} the {TARGET_SECONDS} s target")
    from benchresult import emit

    emit("cli_start", "governance reminders run --dry-run", "sqlite", dry, "s", baseline=base, ratio=dry / base,
         target=f"< {TARGET_SECONDS} s", met=dry < TARGET_SECONDS)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
