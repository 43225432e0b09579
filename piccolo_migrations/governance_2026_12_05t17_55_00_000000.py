"""Partial indexes of the check list's two default filters (issue 16): open checks, and checks still to perform.

The check list shows open checks (予定・実施中・確認待ち) by due date, and the overdue filter those still to perform
(予定・実施中) whose due date has passed. No index on (status, due_on) gives the due-date order across several states,
so each page sorted every open check (tens of thousands at a large city) to keep fifty. These partial indexes hold only
the rows of each filter, in due-date order; the list writes the same condition with literals
(``check_status_in_sql``) so that both planners can use them. Piccolo columns cannot declare partial indexes, so they
are made here, the same on SQLite and PostgreSQL.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-05T17:55:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "check list partial indexes"

INDEXES = {
    "verification_check_open_due_idx": (
        "verification_check (due_on, id) WHERE status IN ('planned', 'in_progress', 'reviewing')"
    ),
    "verification_check_to_perform_due_idx": (
        "verification_check (due_on, id) WHERE status IN ('planned', 'in_progress')"
    ),
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
