"""Composite unique index for bid packages: one number per engagement (Piccolo columns cannot declare it)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-05T11:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique bid package numbers per engagement"

INDEXES = {"bid_package_engagement_number_key": "bid_package (engagement, number)"}


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
