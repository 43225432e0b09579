"""Indexes behind the reminder run and the check lists: open items by due date, notifications to send."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-26T14:11:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "indexes for due checks, measures and pending notifications"

INDEXES = {
    "verification_check_status_due_on_idx": "verification_check (status, due_on)",
    "verification_check_engagement_idx": "verification_check (engagement, due_on)",
    "checklist_item_check_idx": "checklist_item (\"check\", position)",
    "measure_status_due_on_idx": "measure (status, due_on)",
    "finding_check_idx": "finding (\"check\")",
    "notification_status_next_idx": "notification (status, next_attempt_at)",
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="governance", description=DESCRIPTION)

    async def create_indexes() -> None:
        for name, target in INDEXES.items():
            await engine_finder().run_ddl(f"CREATE INDEX {name} ON {target}")

    async def drop_indexes() -> None:
        for name in INDEXES:
            await engine_finder().run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
