"""Indexes the lists' id queries read in order (issue 16): each list selects its page's ids first, on these.

The check list orders by due date then id, alone or within a department or an assignee; the finding list orders open
ones first, then newest, alone or within a department; the contractor list orders by reading (kana). Piccolo columns
cannot declare composite indexes, so they are made here, the same on SQLite and PostgreSQL.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-05T17:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "list id indexes"

INDEXES = {
    "verification_check_due_on_id_idx": "verification_check (due_on, id)",
    "verification_check_status_due_on_id_idx": "verification_check (status, due_on, id)",
    "verification_check_department_due_on_idx": "verification_check (department, due_on, id)",
    "verification_check_assignee_due_on_idx": "verification_check (assignee, due_on, id)",
    "finding_status_id_idx": "finding (status, id)",
    "finding_department_status_idx": "finding (department, status, id)",
    "contractor_name_kana_idx": "contractor (name_kana, id)",
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
