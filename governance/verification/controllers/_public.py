"""The contractor's report form, reached through a single-purpose link (no account)."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import FromPath
from litestar.response import Response, Template
from litestar.types import ASGIApp, Receive, Scope, Send

from governance.contracts.library import LibraryError
from governance.errors import DomainError, NotFoundError, ValidationError
from governance.files.services import MAX_FILE_BYTES
from governance.municipality.controllers import municipality_of
from governance.verification import schemas
from governance.verification.controllers._forms import check_forms, form_download, offered_forms
from governance.verification.services import ReportFile, ReportLinkService
from governance.verification.services._links import MAX_FILES
from governance.web.access import PUBLIC, access
from governance.web.forms import parse_form
from governance.web.pages import render

MAX_TOKEN = 100
REPORT_FIELDS_BYTES = 1024 * 1024
"""The form's text fields and the multipart framing (the report text is at most 20,000 characters)."""
REPORT_MAX_BODY = MAX_FILES * MAX_FILE_BYTES + REPORT_FIELDS_BYTES
"""The most a report can need: five files of up to 10 MiB each, plus the form's text."""
FORM_UNAVAILABLE = "現在、様式を用意できません。お手数ですが、担当課にお問い合わせください。"
"""What the contractor reads when the clause library is broken: nothing about the library itself."""

log = logging.getLogger("governance.verification")


async def _open_link(request: Request[Any, Any, Any], token: str) -> dict[str, Any]:
    """The link's check, when the link may still be used (an over-long token is as unknown as a wrong one).

    Raises:
        NotFoundError / LinkGoneError: as ``ReportLinkService.open``.
    """
    if len(token) > MAX_TOKEN:
        raise NotFoundError("報告用リンク", "指定のリンク")
    return await ReportLinkService(request.app.state.settings.data_dir).open(token)


class TokenFirstMiddleware:
    """Refuse a post to an unknown, used, revoked or expired link before anything reads its body.

    The CSRF check reads a multipart form in full before the handler runs; without this gate anyone could make the
    server take in up to ``REPORT_MAX_BODY`` bytes per request with a made-up token. An announced body larger than
    the form's limit is refused at once as well. Another link form subclasses it (``open_link``, ``closed_template``,
    ``max_body``): the 事故報告 form of ``governance.incidents`` does.
    """

    closed_template = "verification/report_closed.html"
    max_body = REPORT_MAX_BODY

    async def open_link(self, request: Request[Any, Any, Any], token: str) -> None:
        """Refuse the token (NotFoundError / LinkGoneError) when its link may not be used."""
        await _open_link(request, token)

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the token (and the announced size) of a POST, then hand over to the rest of the stack."""
        if scope["type"] == "http" and scope.get("method") == "POST":
            request: Request[Any, Any, Any] = Request(scope, receive)
            token = str(scope.get("path_params", {}).get("token", ""))
            try:
                await self.open_link(request, token)
            except DomainError as exc:
                page = Template(
                    template_name=self.closed_template, context={"message": exc.message},
                    status_code=exc.status_code, headers={"Connection": "close"},  # the rest of the body is not read
                )  # fmt: skip
                await page.to_asgi_response(app=None, request=request)(scope, receive, send)
                return
            length = request.headers.get("content-length", "")
            if length.isdigit() and int(length) > self.max_body:
                raise RequestEntityTooLarge
        await self.app(scope, receive, send)


class ReportFormController(Controller):
    """定期報告の提出（委託事業者用）."""

    path = "/report/{token:str}"
    include_in_schema = False
    opt = access(PUBLIC)
    middleware = [TokenFirstMiddleware]

    async def _page(
        self, request: Request[Any, Any, Any], token: str, *, status_code: int = 200,
        errors: dict[str, str] | None = None, values: dict[str, Any] | None = None,
    ) -> Template:  # fmt: skip
        try:
            link = await _open_link(request, token)
        except DomainError as exc:
            return render("verification/report_closed.html", status_code=exc.status_code, message=exc.message)
        forms, _ = await offered_forms(request, link["check"], contractor_only=True)  # a broken library: no forms
        return render(
            "verification/report_form.html", status_code=status_code, link=link, token=token, errors=errors or {},
            values=values or {}, forms=forms, municipality=await municipality_of(request),
        )  # fmt: skip

    @get("/")
    async def show(self, request: Request[Any, Any, Any], token: FromPath[str]) -> Template:
        """The report form of the link's check."""
        return await self._page(request, token)

    @get("/forms/{form_id:str}")
    async def form(
        self, request: Request[Any, Any, Any], token: FromPath[str], form_id: FromPath[str]
    ) -> Response[bytes] | Template:
        """Download a 様式 of the link's check, pre-filled (.docx), while the link may still be used."""
        try:
            link = await _open_link(request, token)
            filled = await check_forms(request).fill(link["check"], form_id, contractor_only=True)
        except LibraryError as exc:  # the link is fine: the municipality's library is not (its details stay inside)
            log.warning("report form %r unavailable: the clause library is broken (%s)", form_id[:60], exc.problems[0])
            return render("verification/report_form_unavailable.html", status_code=503, message=FORM_UNAVAILABLE,
                          token=token)  # fmt: skip
        except DomainError as exc:
            return render("verification/report_closed.html", status_code=exc.status_code, message=exc.message)
        return form_download(filled)

    @post("/", request_max_body_size=REPORT_MAX_BODY)
    async def submit(self, request: Request[Any, Any, Any], token: FromPath[str]) -> Template:
        """Submit the report and its files; the link is then used up."""
        form = await request.form()
        result = parse_form(form, schemas.ReportForm, multiline=frozenset({"body"}))
        if not result.ok:
            return await self._page(request, token, status_code=422, errors=result.errors, values=result.raw)
        files = [ReportFile(await u.read(), u.filename) for u in form.getall("files", []) if getattr(u, "filename", "")]
        v = result.value
        try:
            if len(token) > MAX_TOKEN:
                raise NotFoundError("報告用リンク", "指定のリンク")
            await ReportLinkService(request.app.state.settings.data_dir).submit(
                token, reporter_name=v.reporter_name, reporter_email=v.reporter_email, body=v.body, files=files
            )
        except ValidationError as exc:  # a refused file is reported by the service as "report": show it at "files"
            errors = {("files" if k == "report" else k): v for k, v in exc.field_errors.items()}
            return await self._page(request, token, status_code=422, errors=errors, values=result.raw)
        except DomainError as exc:
            return render("verification/report_closed.html", status_code=exc.status_code, message=exc.message)
        return render("verification/report_done.html")
