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

# What cron's run must not load (issue 16): the web framework and app, Piccolo's app finder with ``black`` (the engine
# is found without it), the holiday calendars (no date asked for one), and the document and template libraries.
HEAVY = ["litestar", "governance.app", "piccolo.conf.apps", "black", "holidays", "jinja2", "docx", "openpyxl",
         "uvicorn", "markdown_it"]  # fmt: skip

CLI_RUN = """
import atexit, json, sys
from governance.cli import run_cli
from governance.reminders.sources import sources

def report():
    print("REPORT " + json.dumps({
        "sources": sorted(sources()),
        "litestar": "litestar" in sys.modules,
        "app": "governance.app" in sys.modules,
        "loaded": sorted(m for m in HEAVY if m in sys.modules),
    }))

atexit.register(report)
sys.argv = ["governance", "reminders", "run", "--dry-run", "--today", "2026-06-01"]
run_cli()
""".replace("HEAVY", repr(HEAVY))

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
    # Nor the other heavy modules: the tables found their engine without Piccolo's finder (and black).
    assert from_cli["loaded"] == []

    app, from_app = _run(APP_BUILD, fresh_database)
    assert app.returncode == 0, app.stderr
    assert from_cli["sources"] == from_app["sources"]
    # The other domains' subjects are among them (the external services' reviews were missing from cron's run).
    assert {"check", "contract_end", "ext_review"} <= set(from_cli["sources"])
    assert any(s.startswith("incident") for s in from_cli["sources"]), from_cli["sources"]


ENGINE_AND_REGISTRY = """
import json, sys
from governance.db import get_engine
from governance.engagements.tables import Engagement
from piccolo.engine.finder import engine_finder

table_engine = Engagement._meta.db
before = "black" in sys.modules or "piccolo.conf.apps" in sys.modules
import governance.piccolo_conf as conf
registry = conf.APP_REGISTRY  # Piccolo's CLI asks for it: built on demand
print("REPORT " + json.dumps({
    "same": table_engine is get_engine() is conf.DB is engine_finder(),
    "before": before,
    "apps": registry.apps,
    "tables": len(registry.get_table_classes("governance")) > 20,
}))
"""


def test_tables_use_the_configured_engine_and_piccolo_still_finds_the_registry(fresh_database):
    proc, found = _run(ENGINE_AND_REGISTRY, fresh_database)
    assert proc.returncode == 0, proc.stderr
    # One engine object for the tables, our get_engine, piccolo_conf and Piccolo's own finder (tests point it
    # at their database by changing that object), found without importing Piccolo's app machinery.
    assert found["same"] is True
    assert found["before"] is False
    assert found["apps"] == ["governance.piccolo_app"]
    assert found["tables"] is True
