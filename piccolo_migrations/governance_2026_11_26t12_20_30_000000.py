"""Composite unique indexes for selections (Piccolo columns cannot declare two-column uniqueness)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-26T12:20:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique selection versions, candidates and evaluations"

INDEXES = {
    "selection_engagement_version_key": 'selection (engagement, version)',
    "selection_candidate_selection_contractor_key": "selection_candidate (selection, contractor)",
    "criterion_evaluation_candidate_criterion_key": "criterion_evaluation (candidate, criterion_id)",
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="governance", description=DESCRIPTION)

    async def create_indexes() -> None:
        for name, target in INDEXES.items():
            await engine_finder().run_ddl(f"CREATE UNIQUE INDEX {name} ON {target}")

    async def drop_indexes() -> None:
        for name in INDEXES:
            await engine_finder().run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
