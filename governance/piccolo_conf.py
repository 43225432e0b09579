"""Piccolo configuration: the engine from DATABASE_URL and the one governance app."""

from __future__ import annotations

from typing import TYPE_CHECKING

from governance.db import make_engine
from governance.settings import get_settings

if TYPE_CHECKING:
    from piccolo.conf.apps import AppRegistry

DB = make_engine(get_settings().database_url, pool=get_settings().db_pool)


def __getattr__(name: str) -> AppRegistry:
    """Build ``APP_REGISTRY`` when first asked for (PEP 562), by Piccolo's CLI and the migrations.

    ``piccolo.conf.apps`` imports ``black`` (~0.05 s), which the app and the short commands never need.
    """
    if name == "APP_REGISTRY":
        from piccolo.conf.apps import AppRegistry

        registry = globals()["APP_REGISTRY"] = AppRegistry(apps=["governance.piccolo_app"])
        return registry
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
