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


async def test_the_former_work_kind_system_maintenance_becomes_operation():
    """Migration 2026-12-05T07:20:00 rewrites stored kinds (once each, other kinds and order kept)."""
    import importlib.util
    import json
    from pathlib import Path

    from governance.engagements.tables import Engagement
    from tests.helpers import engagement_data, make_department

    path = Path(__file__).resolve().parents[1] / "piccolo_migrations" / "governance_2026_12_05t07_20_00_000000.py"
    spec = importlib.util.spec_from_file_location("merge_work_kinds", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    dept = await make_department()
    data = engagement_data(department_id=dept)
    common = {"title": data.title, "department": dept, "start_date": data.start_date, "end_date": data.end_date}
    async def insert(kinds: list[str]) -> int:
        return (await Engagement.insert(Engagement(**common, work_kinds=kinds)).returning(Engagement.id))[0]["id"]

    old = await insert(["system_maintenance", "clerical", "system_operation"])
    other = await insert(["cloud_service"])
    manager = await module.forwards()
    for step in manager.raw:
        await step()
    rows = {r["id"]: r["work_kinds"] for r in await Engagement.select(Engagement.id, Engagement.work_kinds)}
    stored = {k: json.loads(v) if isinstance(v, str) else v for k, v in rows.items()}
    assert stored[old] == ["system_operation", "clerical"]
    assert stored[other] == ["cloud_service"]
