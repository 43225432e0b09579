"""The ``governance`` command starts without the web app: cron's ``reminders run`` stays cheap, and sends the same.

Each case runs in a fresh interpreter (a subprocess), because what a process has imported and registered is the point.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CLI_RUN = """
import atexit, json, sys
from governance.cli import run_cli
from governance.reminders.sources import sources

def report():
    print("REPORT " + json.dumps({
        "sources": sorted(sources()),
        "litestar": "litestar" in sys.modules,
        "app": "governance.app" in sys.modules,
    }))

atexit.register(report)
sys.argv = ["governance", "reminders", "run", "--dry-run", "--today", "2026-06-01"]
run_cli()
"""

APP_BUILD = """
import json
from governance.app import create_app
from governance.reminders.sources import sources

create_app()
print("REPORT " + json.dumps({"sources": sorted(sources())}))
"""


def _run(code: str, database: Path | None) -> tuple[subprocess.CompletedProcess[str], dict]:
    env = dict(os.environ)
    if database is not None:  # SQLite: this test's own copy of the migrated template
        env["DATABASE_URL"] = f"sqlite:///{database}"
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("REPORT ")]
    assert lines, proc.stdout + proc.stderr
    return proc, json.loads(lines[-1].removeprefix("REPORT "))


def test_reminders_run_registers_what_the_app_registers_without_building_it(fresh_database):
    cli, from_cli = _run(CLI_RUN, fresh_database)
    assert cli.returncode == 0, cli.stderr
    assert "2026-06-01: 期限の通知 0件" in cli.stdout
    assert "--dry-run のため" in cli.stdout
    # Neither the app nor the web framework was loaded for the run.
    assert from_cli["app"] is False
    assert from_cli["litestar"] is False

    app, from_app = _run(APP_BUILD, fresh_database)
    assert app.returncode == 0, app.stderr
    assert from_cli["sources"] == from_app["sources"]
    # The other domains' subjects are among them (the external services' reviews were missing from cron's run).
    assert {"check", "contract_end", "ext_review"} <= set(from_cli["sources"])
    assert any(s.startswith("incident") for s in from_cli["sources"]), from_cli["sources"]
