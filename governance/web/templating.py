"""The one Jinja environment: template folder, filters for Japanese dates and labels, and globals."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from jinja2 import Environment
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from governance import __version__
from governance.accounts.roles import ROLE_LABELS, Role
from governance.audit.labels import target_label
from governance.audit.services import ACTION_LABELS
from governance.calendar import TOKYO, wareki
from governance.files.services import MAX_FILE_BYTES
from governance.web.nav import NAV
from governance.web.uploads import upload_limit_label

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"


def jst(value: dt.datetime | None, fmt: str | None = None) -> str:
    """Format a timestamp in Japan time: 令和8年12月5日 14:37 unless a ``strftime`` format is given."""
    if value is None:
        return ""
    if fmt is None:
        return wareki_time(value)
    return value.astimezone(TOKYO).strftime(fmt)


def wareki_time(value: dt.datetime | None, seconds: bool = False) -> str:
    """Format a timestamp in Japan time as 令和8年12月5日 14:37 (with ``seconds``: 14:37:05)."""
    if value is None:
        return ""
    local = value.astimezone(TOKYO)
    clock = local.strftime("%H:%M:%S" if seconds else "%H:%M")
    return f"{wareki_filter(local.date())} {clock}"


def wareki_filter(value: dt.date | dt.datetime | None, weekday: bool = False) -> str:
    """Format a date (or a timestamp's Japan-time date) as 令和8年4月1日."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.astimezone(TOKYO).date()
    try:
        return wareki(value, weekday=weekday)
    except ValueError:  # a date before 明治 (stored before input was bounded): shown as it is, never a 500
        return value.isoformat()


def last_valid_day(value: dt.datetime) -> str:
    """The last day an expiry instant still allows, as 令和8年4月1日 (expiry is 0:00 JST of the following day)."""
    return wareki_filter((value.astimezone(TOKYO) - dt.timedelta(microseconds=1)).date())


def role_label(value: str) -> str:
    """The Japanese name of a role."""
    try:
        return ROLE_LABELS[Role(value)]
    except ValueError:
        return value


def configure_environment(env: Environment) -> None:
    """Add this application's filters and globals to the Jinja environment."""
    env.filters.update(
        jst=jst, wareki=wareki_filter, wareki_time=wareki_time, role_label=role_label, last_valid_day=last_valid_day
    )
    env.filters["action_label"] = lambda a: ACTION_LABELS.get(a, a)
    env.filters["target_label"] = target_label
    env.globals.update(
        nav_items=NAV,
        app_version=__version__,
        role_labels={r.value: ROLE_LABELS[r] for r in Role},
        upload_max_bytes=MAX_FILE_BYTES,  # file inputs: data-max-bytes and the 「10 MB まで」 hint
        upload_limit=upload_limit_label(),
        static=_static_url,
        now_utc=lambda: dt.datetime.now(dt.UTC),
    )
    env.trim_blocks = True
    env.lstrip_blocks = True


_STATIC_VERSION = __version__


def _static_url(path: str) -> str:
    return f"/static/{path}?v={_STATIC_VERSION}"


def make_template_config() -> TemplateConfig[Any]:
    """Template configuration for the app (autoescaping on for .html)."""
    return TemplateConfig(
        directory=TEMPLATES_DIR,
        engine=JinjaTemplateEngine,
        engine_callback=lambda engine: configure_environment(engine.engine),
    )
