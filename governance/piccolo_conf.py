"""Piccolo configuration: the engine from DATABASE_URL and the one governance app."""

from piccolo.conf.apps import AppRegistry

from governance.db import make_engine
from governance.settings import get_settings

DB = make_engine(get_settings().database_url, pool=get_settings().db_pool)

APP_REGISTRY = AppRegistry(apps=["governance.piccolo_app"])
