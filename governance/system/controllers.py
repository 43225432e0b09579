"""Health check and home page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.response import Template

from governance import __version__
from governance.accounts.roles import ALL_ROLES
from governance.calendar import today_tokyo, wareki
from governance.db import database_ok, get_engine, pending_migrations
from governance.reminders.events import recent_for
from governance.system.todos import TODO_LIMIT, todos_for
from governance.web.access import PUBLIC, access
from governance.web.pages import notice_of, principal, render

MIGRATIONS_CURRENT = "health_migrations_current"
"""Key on ``app.state``: True once a probe found no pending migration."""


class HealthController(Controller):
    """Liveness and database state for monitoring."""

    path = "/healthz"
    opt = access(PUBLIC)
    tags = ["system"]

    @get("/")
    async def health(self, request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
        """Report the app version and whether the database answers and is fully migrated (503 when not).

        Each probe runs one ``SELECT 1``. The migrations table is read only until it shows nothing pending: that
        answer is kept on the app's state, since migrations do not un-apply while the app runs.
        """
        ok = await database_ok()
        pending: list[str] = []
        if ok and not request.app.state.get(MIGRATIONS_CURRENT, False):
            try:
                pending = await pending_migrations()
            except Exception:
                ok = False
            else:
                request.app.state[MIGRATIONS_CURRENT] = not pending
        status = "ok" if ok and not pending else "degraded"
        body = {
            "status": status,
            "version": __version__,
            "database": {"engine": get_engine().engine_type, "reachable": ok, "pending_migrations": len(pending)},
        }
        return Response(body, status_code=200 if status == "ok" else 503)


NOTICE_DAYS = 30
NOTICE_LIMIT = 20


class HomeController(Controller):
    """The signed-in user's start page: what they must act on."""

    path = "/"
    opt = access(ALL_ROLES)
    include_in_schema = False

    @get("/")
    async def home(self, request: Request[Any, Any, Any]) -> Template:
        """List the user's to-do items (overdue first) and their notices of the last 30 days (newest first)."""
        user = principal(request)
        now = dt.datetime.now(dt.UTC)
        today = today_tokyo(now)
        todos = await todos_for(user.actor, today)
        notices = await recent_for(user.id, now=now, days=NOTICE_DAYS, limit=NOTICE_LIMIT)
        return render(
            "home.html", items=todos.items, more=todos.more, todo_limit=TODO_LIMIT,
            notices=notices, notice_days=NOTICE_DAYS, today=today,
            today_label=wareki(today, weekday=True), notice=notice_of(request),
        )  # fmt: skip
