from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from enum import Enum
from piccolo.columns.column_types import Varchar

ID = "2026-12-05T07:53:03:438847"
VERSION = "1.38.0"
DESCRIPTION = "roles of the policy organisation (CISO, 統括, 責任者, 管理者, 個人情報の保護管理者)"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="governance", description=DESCRIPTION
    )

    manager.alter_column(
        table_class_name="UserRole",
        tablename="user_role",
        column_name="role",
        db_column_name="role",
        params={
            "choices": Enum(
                "Role",
                {
                    "admin": "admin",
                    "security_officer": "security_officer",
                    "procurement": "procurement",
                    "department_staff": "department_staff",
                    "pr_staff": "pr_staff",
                    "auditor": "auditor",
                    "ciso": "ciso",
                    "chief_security": "chief_security",
                    "security_head": "security_head",
                    "security_manager": "security_manager",
                    "privacy_manager": "privacy_manager",
                },
            )
        },
        old_params={
            "choices": Enum(
                "Role",
                {
                    "admin": "admin",
                    "security_officer": "security_officer",
                    "procurement": "procurement",
                    "department_staff": "department_staff",
                    "pr_staff": "pr_staff",
                    "auditor": "auditor",
                },
            )
        },
        column_class=Varchar,
        old_column_class=Varchar,
        schema=None,
    )

    return manager
