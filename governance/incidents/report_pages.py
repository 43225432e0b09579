"""Pages of the 事故報告用リンク: staff issue and revoke it on the engagement page; the contractor's 第一報 form.

The public form ``/incident-report/{token}`` needs no account. Its posts are gated by the token before their body is
read (``TokenFirstMiddleware`` of the check report links) and limited per client (``governance.ratelimit``).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody
from litestar.response import Redirect, Template

from governance.accounts.roles import OUTSOURCING_READERS, Role
from governance.errors import DomainError, ValidationError
from governance.files.services import MAX_FILE_BYTES
from governance.incidents.report_form import MULTILINE, IncidentReportForm
from governance.incidents.report_links import LINK_DAYS, MAX_FILES, IncidentReportLinkService, ReportFile
from governance.municipality.controllers import municipality_of
from governance.ratelimit import TokenBucketLimiter
from governance.schema import Struct
from governance.verification.controllers._public import TokenFirstMiddleware
from governance.verification.schemas import ReportLinkIn
from governance.web.access import PUBLIC, access
from governance.web.forms import parse_form
from governance.web.pages import principal, redirect, render
from governance.web.params import PathId

ISSUERS = frozenset({Role.department_staff, Role.security_officer})
"""Who issues and revokes an engagement's 事故報告用リンク (department staff for their own department)."""
REPORT_MAX_BODY = MAX_FILES * MAX_FILE_BYTES + 1024 * 1024
"""Five files of up to 10 MiB each, plus the form's text."""
RATE_PER_SECOND = 1 / 60
BURST = 5
"""A client may send 5 reports at once, then one a minute (per application instance)."""
LIMITER_KEY = "incident_report_limiter"
CLOSED = "incidents/report_closed.html"


def limiter_of(request: Request[Any, Any, Any]) -> TokenBucketLimiter:
    """The app's limiter for report posts (one per application instance, made on first use)."""
    limiter = request.app.state.get(LIMITER_KEY)
    if limiter is None:
        limiter = TokenBucketLimiter(rate=RATE_PER_SECOND, burst=BURST)
        request.app.state[LIMITER_KEY] = limiter
    return limiter


async def incident_link_context(engagement_id: int, user: Any) -> dict[str, Any]:
    """What the engagement page's 事故報告用リンク section shows."""
    return {
        "incident_links": await IncidentReportLinkService.links_of(engagement_id),
        "can_issue_incident_link": user.has_any(*ISSUERS),
        "now": dt.datetime.now(dt.UTC),
    }


def _service(request: Request[Any, Any, Any]) -> IncidentReportLinkService:
    return IncidentReportLinkService(request.app.state.settings.data_dir)


class IncidentTokenFirstMiddleware(TokenFirstMiddleware):
    """Refuse a post to an unknown or unusable 事故報告用リンク before its body is read."""

    closed_template = CLOSED
    max_body = REPORT_MAX_BODY

    async def open_link(self, request: Request[Any, Any, Any], token: str) -> None:
        """Refuse the token (NotFoundError / LinkGoneError) when its link may not be used."""
        await _service(request).open(token)


class IncidentReportFormController(Controller):
    """事故報告書（第一報）の提出（委託事業者用）."""

    path = "/incident-report/{token:str}"
    include_in_schema = False
    opt = access(PUBLIC)
    middleware = [IncidentTokenFirstMiddleware]

    async def _page(
        self, request: Request[Any, Any, Any], token: str, *, status_code: int = 200,
        errors: dict[str, str] | None = None, values: dict[str, Any] | None = None,
    ) -> Template:  # fmt: skip
        try:
            link = await _service(request).open(token)
        except DomainError as exc:
            return render(CLOSED, status_code=exc.status_code, message=exc.message)
        return render(
            "incidents/report_form.html", status_code=status_code, link=link, token=token, errors=errors or {},
            values=values or {}, municipality=await municipality_of(request), max_files=MAX_FILES,
        )  # fmt: skip

    @get("/")
    async def show(self, request: Request[Any, Any, Any], token: FromPath[str]) -> Template:
        """The 第一報 form of the link's engagement."""
        return await self._page(request, token)

    @post("/", request_max_body_size=REPORT_MAX_BODY)
    async def submit(self, request: Request[Any, Any, Any], token: FromPath[str]) -> Template:
        """Send the 第一報 and its files; an incident is opened and the department told."""
        client = request.client.host if request.client else "unknown"
        wait = limiter_of(request).acquire(client)
        if wait:
            seconds = max(1, math.ceil(wait))
            message = (
                f"短時間に多くの送信がありました。{seconds}秒ほど待ってから、もう一度送信してください。"
                "お急ぎの場合は、担当課に電話でご連絡ください。"
            )
            return Template(
                template_name=CLOSED, context={"message": message, "heading": "送信が集中しています"},
                status_code=429, headers={"Retry-After": str(seconds)},
            )  # fmt: skip
        form = await request.form()
        result = parse_form(form, IncidentReportForm, multiline=MULTILINE)
        if not result.ok:
            return await self._page(request, token, status_code=422, errors=result.errors, values=result.raw)
        files = [ReportFile(await u.read(), u.filename) for u in form.getall("files", []) if getattr(u, "filename", "")]
        try:
            await _service(request).submit(token, result.value, files=files)
        except ValidationError as exc:
            return await self._page(request, token, status_code=422, errors=exc.field_errors, values=result.raw)
        except DomainError as exc:
            return render(CLOSED, status_code=exc.status_code, message=exc.message)
        return render("incidents/report_done.html", municipality=await municipality_of(request))


class EngagementIncidentLinkController(Controller):
    """An engagement's 事故報告用リンク: issue (its URL shown once) and revoke."""

    path = "/engagements/{engagement_id:int}/incident-links"
    include_in_schema = False
    opt = access(ISSUERS)

    @post("/")
    async def create(self, request: Request[Any, Any, Any], engagement_id: PathId) -> Template:
        """Issue a link; the page shows its URL once."""
        settings = request.app.state.settings
        try:
            token = await _service(request).create(engagement_id, actor=principal(request).actor)
        except DomainError as exc:
            return render(
                "incidents/report_link_issued.html", status_code=exc.status_code, engagement_id=engagement_id,
                error=exc.message, url=None,
            )  # fmt: skip
        return render(
            "incidents/report_link_issued.html", engagement_id=engagement_id, error=None,
            url=f"{settings.public_base_url}/incident-report/{token}",
        )  # fmt: skip

    @post("/{link_id:int}/revoke")
    async def revoke(
        self, request: Request[Any, Any, Any], engagement_id: PathId, link_id: PathId
    ) -> Redirect | Template:
        """Revoke a link (it stops working at once)."""
        try:
            await _service(request).revoke(link_id, engagement_id=engagement_id, actor=principal(request).actor)
        except DomainError as exc:
            return render(
                "incidents/report_link_issued.html", status_code=exc.status_code, engagement_id=engagement_id,
                error=exc.message, url=None,
            )  # fmt: skip
        return redirect(f"/engagements/{engagement_id}#incident-links", "saved")


class IncidentReportLinkOut(Struct):
    """An engagement's 事故報告用リンク (its URL only when it is issued, never again)."""

    id: int
    token_prefix: str
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    created_at: dt.datetime
    incident_ids: list[int]
    url: str | None = None


def _out(link: dict[str, Any], url: str | None = None) -> IncidentReportLinkOut:
    return IncidentReportLinkOut(
        id=link["id"], token_prefix=link["token_prefix"], expires_at=link["expires_at"], revoked_at=link["revoked_at"],
        created_at=link["created_at"], incident_ids=link.get("incidents", []), url=url,
    )  # fmt: skip


class EngagementIncidentLinkApiController(Controller):
    """事故報告用リンク over /api/v1: list, issue (the URL returned once), revoke."""

    path = "/api/v1/engagements/{engagement_id:int}/incident-links"
    tags = ["incidents"]

    @get("/", opt=access(OUTSOURCING_READERS))
    async def list_links(self, engagement_id: PathId) -> list[IncidentReportLinkOut]:
        """The engagement's links, newest first, with the incidents reported through each."""
        return [_out(link) for link in await IncidentReportLinkService.links_of(engagement_id)]

    @post("/", opt=access(ISSUERS))
    async def create_link(
        self, request: Request[Any, Any, Any], engagement_id: PathId, data: JSONBody[ReportLinkIn]
    ) -> IncidentReportLinkOut:
        """Issue a link; its URL is returned now and never again."""
        svc = _service(request)
        token = await svc.create(engagement_id, actor=principal(request).actor, days=data.days or LINK_DAYS)
        link = await svc.open(token)
        url = f"{request.app.state.settings.public_base_url}/incident-report/{token}"
        return _out({**link, "incidents": []}, url)

    @post("/{link_id:int}/revoke", opt=access(ISSUERS), status_code=204)
    async def revoke_link(self, request: Request[Any, Any, Any], engagement_id: PathId, link_id: PathId) -> None:
        """Revoke a link (it stops working at once)."""
        await _service(request).revoke(link_id, engagement_id=engagement_id, actor=principal(request).actor)
