"""More indexes the lists' id queries read in order (issue 16), after those of 2026-12-05T17:30.

The engagement list orders newest first, or by title, start date or tier (then newest first), alone or within a
department or a state; the contractor list can order by last update (newest first, then id); the external service list
orders by name, or by next review for the due ones. ``id DESC`` in an index matches a sort ascending on its first column
and descending on id, so that neither SQLite nor PostgreSQL sorts. The same on both engines.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-05T17:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "more list id indexes"

INDEXES = {
    "engagement_department_id_idx": "engagement (department, id)",
    "engagement_status_id_idx": "engagement (status, id)",
    "engagement_title_id_idx": "engagement (title, id DESC)",
    "engagement_start_date_id_idx": "engagement (start_date, id DESC)",
    "engagement_tier_id_idx": "engagement (tier, id)",
    "contractor_updated_at_id_idx": "contractor (updated_at DESC, id)",
    "external_service_name_id_idx": "external_service (name, id)",
    "external_service_next_review_idx": "external_service (next_review_on, name, id)",
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
