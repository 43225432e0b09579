"""The contractor's report form, reached through a single-purpose link (no account)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Template

from governance.errors import DomainError, NotFoundError, ValidationError
from governance.verification import schemas
from governance.verification.services import ReportFile, ReportLinkService
from governance.web.access import PUBLIC, access
from governance.web.forms import parse_form
from governance.web.pages import render

MAX_TOKEN = 100
REPORT_MAX_BODY = 52 * 1024 * 1024
"""Five report files of up to 10 MiB each, plus the form's text."""


class ReportFormController(Controller):
    """定期報告の提出（委託事業者用）."""

    path = "/report/{token:str}"
    include_in_schema = False
    opt = access(PUBLIC)

    async def _page(
        self, request: Request[Any, Any, Any], token: str, *, status_code: int = 200,
        errors: dict[str, str] | None = None, values: dict[str, Any] | None = None,
    ) -> Template:  # fmt: skip
        svc = ReportLinkService(request.app.state.settings.data_dir)
        try:
            if len(token) > MAX_TOKEN:
                raise NotFoundError("報告用リンク", "指定のリンク")
            link = await svc.open(token)
        except DomainError as exc:
            return render("verification/report_closed.html", status_code=exc.status_code, message=exc.message)
        return render(
            "verification/report_form.html", status_code=status_code, link=link, token=token, errors=errors or {},
            values=values or {},
        )  # fmt: skip

    @get("/")
    async def show(self, request: Request[Any, Any, Any], token: FromPath[str]) -> Template:
        """The report form of the link's check."""
        return await self._page(request, token)

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
