"""Indexes of the home page's to-dos (issue 16): one's open checks by due date, without reading the done ones.

The home page lists the checks assigned to the user that are planned or in progress and due within the horizon,
by due date. On (assignee, due_on, id) both engines read every check ever assigned to the user, done ones included
(years of them). The partial index holds the open checks only (``status IN ('planned', 'in_progress')``, the very
condition the to-do query writes as literals, so that both planners can prove it) in due-date order: no sort, no done
check read. Measures are chosen by owner and state the same way. Piccolo columns cannot declare composite or partial
indexes, so they are made here, the same on SQLite and PostgreSQL.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-05T17:50:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "home to-do indexes"

INDEXES = {
    "verification_check_open_assignee_due_idx": (
        "verification_check (assignee, due_on, id) WHERE status IN ('planned', 'in_progress')"
    ),
    "measure_owner_status_due_idx": "measure (owner, status, due_on, id)",
}


async def forwards():
    """Create the indexes (if missing); backwards drops them."""
    manager = MigrationManager(migration_id=ID, app_name="governance", description=DESCRIPTION)

    async def create_indexes() -> None:
        for name, target in INDEXES.items():
            await engine_finder().run_ddl(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")

    async def drop_indexes() -> None:
        for name in INDEXES:
            await engine_finder().run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
