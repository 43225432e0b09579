"""Piccolo CLI entry point when run from the repository root (``piccolo migrations …``); see governance.piccolo_conf."""

from governance.piccolo_conf import APP_REGISTRY, DB

__all__ = ["APP_REGISTRY", "DB"]
