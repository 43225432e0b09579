"""Indexes the incident lists and steps read by (Piccolo columns cannot declare composite indexes)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-05T14:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "incident indexes"

INDEXES = {
    "incident_status_department_idx": "incident (status, department)",
    "incident_step_incident_step_idx": "incident_step (incident, step)",
    "incident_fact_change_incident_idx": "incident_fact_change (incident)",
    "incident_report_link_engagement_idx": "incident_report_link (engagement)",
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
