"""団体の設定: the administrator's page, the API, and the request-level accessor every page and document uses."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post, put
from litestar.params import JSONBody
from litestar.response import Redirect, Template

from governance.accounts.roles import ALL_ROLES, Role
from governance.municipality import schemas
from governance.municipality.profile import FIELD_LABELS, Municipality, from_settings
from governance.municipality.services import MunicipalityService, as_schema, current_municipality, stored_settings
from governance.web.access import access
from governance.web.forms import parse_form
from governance.web.pages import notice_of, principal, redirect, render

_STATE_KEY = "municipality"
LAST_SEEN_KEY = "municipality_last_seen"
"""Where the app keeps the municipality a request last read, for the (synchronous) public error pages."""


def defaults_of(request: Request[Any, Any, Any]) -> Municipality:
    """The environment's initial values (GOVERNANCE_MUNICIPALITY_*) of the running app."""
    return from_settings(request.app.state.settings)


async def municipality_of(request: Request[Any, Any, Any]) -> Municipality:
    """The municipality in force, read once per request (stored settings over the environment's initial values)."""
    cached = request.state.get(_STATE_KEY)
    if cached is None:
        cached = await current_municipality(defaults_of(request))
        request.state[_STATE_KEY] = cached
        request.app.state[LAST_SEEN_KEY] = cached
    return cached


def last_seen_municipality(request: Request[Any, Any, Any]) -> Municipality:
    """The municipality as a request of this app last read it (the environment's values before any did).

    For the exception handler, which runs synchronously and cannot read the database; a change on 団体の設定
    reaches it with the next public page served.
    """
    return request.app.state.get(LAST_SEEN_KEY) or defaults_of(request)


class MunicipalityPageController(Controller):
    """The administrator's 団体の設定 page."""

    path = "/admin/municipality"
    opt = access(Role.admin)
    include_in_schema = False

    async def _page(
        self,
        request: Request[Any, Any, Any],
        *,
        values: dict[str, Any] | None = None,
        errors: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        defaults = defaults_of(request)
        current = await current_municipality(defaults)
        stored = await stored_settings()
        return render(
            "admin/municipality.html", status_code=status_code, section="municipality",
            values=values if values is not None else current.form_values(), errors=errors or {},
            current=current, defaults=defaults.form_values(), stored=stored, labels=FIELD_LABELS,
            notice=notice_of(request),
        )  # fmt: skip

    @get("/")
    async def show(self, request: Request[Any, Any, Any]) -> Template:
        """Show the municipality settings in force, with where each value comes from."""
        return await self._page(request)

    @post("/")
    async def save(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        """Save the municipality settings."""
        result = parse_form(await request.form(), schemas.MunicipalityUpdate)
        if not result.ok:
            return await self._page(request, values=result.raw, errors=result.errors, status_code=422)
        await MunicipalityService().save(result.value, actor=principal(request).actor)
        return redirect("/admin/municipality", "saved")


class MunicipalityApiController(Controller):
    """The municipality settings (read: every role; write: administrators)."""

    path = "/api/v1/municipality"
    tags = ["municipality"]

    @get("/", opt=access(ALL_ROLES))
    async def show(self, request: Request[Any, Any, Any]) -> schemas.Municipality:
        """Return the municipality in force (stored settings over the environment's initial values)."""
        return as_schema(await current_municipality(defaults_of(request)))

    @put("/", opt=access(Role.admin))
    async def update(
        self, request: Request[Any, Any, Any], data: JSONBody[schemas.MunicipalityUpdate]
    ) -> schemas.Municipality:
        """Replace the stored settings (an empty field falls back to the environment's initial value)."""
        await MunicipalityService().save(data, actor=principal(request).actor)
        return as_schema(await current_municipality(defaults_of(request)))
