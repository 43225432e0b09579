"""The migrations build exactly the tables the code declares."""

from __future__ import annotations

from piccolo.apps.migrations.commands.new import AutoMigrationManager

from governance.db import pending_migrations
from governance.piccolo_app import APP_CONFIG


async def test_tables_match_the_migrations():
    """Fails when a table changes without a migration (the check `piccolo migrations new --auto` makes)."""
    statements = await AutoMigrationManager(auto_input="y").get_alter_statements(app_config=APP_CONFIG)
    assert [s.statements for s in statements if s.statements] == []


async def test_database_has_every_declared_column():
    for table in APP_CONFIG.table_classes:
        await table.select(*table._meta.columns).limit(1)  # raises if a column is missing


async def test_nothing_pending_after_migrate():
    assert await pending_migrations() == []
