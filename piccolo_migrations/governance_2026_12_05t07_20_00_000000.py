"""The kinds of work follow the contract officer's list: システム保守 is part of システム運用・保守.

Engagements stored with ``system_maintenance`` get ``system_operation`` instead (once, without duplicates). The
backward step cannot tell which engagements had the old code and leaves the data as it is.
"""

import json

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder
from piccolo.querystring import QueryString

ID = "2026-12-05T07:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "merge work kind system_maintenance into system_operation"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="governance", description=DESCRIPTION)

    async def merge() -> None:
        engine = engine_finder()
        rows = await engine.run_querystring(
            QueryString("SELECT id, work_kinds FROM engagement WHERE CAST(work_kinds AS TEXT) LIKE '%system_maintenance%'")
        )
        for row in rows:
            kinds = row["work_kinds"]
            kinds = json.loads(kinds) if isinstance(kinds, str) else list(kinds)
            merged = list(dict.fromkeys("system_operation" if k == "system_maintenance" else k for k in kinds))
            await engine.run_querystring(
                QueryString("UPDATE engagement SET work_kinds = {} WHERE id = {}", json.dumps(merged), row["id"])
            )

    manager.add_raw(merge)
    return manager
