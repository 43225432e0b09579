"""A user holds each role at most once (a two-column unique index Piccolo columns cannot declare)."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-26T11:56:48:309547"
VERSION = "1.38.0"
DESCRIPTION = "unique role per user"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="governance", description=DESCRIPTION)

    async def create_index() -> None:
        await engine_finder().run_ddl('CREATE UNIQUE INDEX user_role_user_role_key ON user_role ("user", role)')

    async def drop_index() -> None:
        await engine_finder().run_ddl("DROP INDEX IF EXISTS user_role_user_role_key")

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
