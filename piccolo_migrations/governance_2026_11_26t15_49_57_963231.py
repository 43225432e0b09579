from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from enum import Enum
from piccolo.columns.column_types import Varchar

ID = "2026-11-26T15:49:57:963231"
VERSION = "1.38.0"
DESCRIPTION = "notification status expired"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="governance", description=DESCRIPTION
    )

    manager.alter_column(
        table_class_name="Notification",
        tablename="notification",
        column_name="status",
        db_column_name="status",
        params={
            "choices": Enum(
                "NotificationStatus",
                {
                    "pending": "pending",
                    "sending": "sending",
                    "sent": "sent",
                    "failed": "failed",
                    "no_address": "no_address",
                    "expired": "expired",
                },
            )
        },
        old_params={
            "choices": Enum(
                "NotificationStatus",
                {
                    "pending": "pending",
                    "sending": "sending",
                    "sent": "sent",
                    "failed": "failed",
                    "no_address": "no_address",
                },
            )
        },
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    return manager
