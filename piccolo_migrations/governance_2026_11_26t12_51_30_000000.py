"""One row per version number of a contract, and per subcontractor name of an engagement."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-26T12:51:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique contract versions and subcontractor approvals"

INDEXES = {
    "contract_version_contract_version_key": "contract_version (contract, version)",
    "subcontractor_approval_engagement_name_key": "subcontractor_approval (engagement, name)",
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
