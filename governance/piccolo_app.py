"""The one Piccolo app: every domain's tables, one migration history in ../piccolo_migrations."""

from piccolo.conf.apps import AppConfig, table_finder

from governance.settings import REPO_ROOT

DOMAINS = [
    "accounts",
    "audit",
    "files",
    "contractors",
    "engagements",
    "contracts",
    "external",
    "verification",
    "reminders",
    "social",
    "municipality",
    "incidents",
]

APP_CONFIG = AppConfig(
    app_name="governance",
    migrations_folder_path=str(REPO_ROOT / "piccolo_migrations"),
    table_classes=table_finder([f"governance.{d}.tables" for d in DOMAINS], exclude_imported=True),
    migration_dependencies=[],
    commands=[],
)
