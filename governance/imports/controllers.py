"""Import pages (upload → preview → 取り込む) and API for 委託事業者 and 委託業務, with the template downloads."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, QueryParameter
from litestar.response import Redirect, Response, Template

from governance.accounts.roles import STAFF_EDITORS
from governance.accounts.tables import Department
from governance.exports import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE
from governance.imports.columns import KINDS
from governance.imports.reading import MAX_BYTES, MAX_ROWS
from governance.imports.report import ImportReport
from governance.imports.services import PREVIEW_HEADERS, ImportService
from governance.imports.staging import Staging
from governance.imports.template import template_csv, template_name, template_xlsx
from governance.web.access import access
from governance.web.downloads import download
from governance.web.pages import principal, redirect, render
from governance.web.uploads import oversized_errors

WRITE = access(STAFF_EDITORS)
MultipartFile = Annotated[UploadFile, Body(media_type=RequestEncodingType.MULTI_PART, title="取り込むファイル")]


def _service(request: Request[Any, Any, Any]) -> ImportService:
    settings = request.app.state.settings
    return ImportService(scheme=settings.classification_scheme, cert_warn_days=settings.cert_warn_days)


def _staging(request: Request[Any, Any, Any]) -> Staging:
    return Staging(request.app.state.settings.data_dir)


async def _department_names() -> list[str]:
    rows = await Department.select(Department.name).where(Department.active.eq(True)).order_by(Department.code)
    return [r["name"] for r in rows]


class _ImportPages(Controller):
    """Upload, preview and import one kind of list (the subclasses name the kind)."""

    include_in_schema = False
    kind = ""
    list_path = ""

    def _page(self, template: str, *, status_code: int = 200, **context: Any) -> Template:
        spec = KINDS[self.kind]
        return render(
            template, status_code=status_code, spec=spec, base=self.path, list_path=self.list_path,
            max_rows=MAX_ROWS, max_mb=MAX_BYTES // (1024 * 1024), active_nav=self.list_path.strip("/"), **context,
        )  # fmt: skip

    @get("/", opt=WRITE)
    async def upload_page(self) -> Template:
        """The upload form, with the templates and what each column takes."""
        return self._page("imports/upload.html", errors=[])

    @get("/template.xlsx", opt=WRITE)
    async def template_xlsx(self) -> Response[bytes]:
        """The .xlsx template: header row, pick lists, explanation sheet."""
        names = {"department": await _department_names()} if self.kind == "engagements" else {}
        data = template_xlsx(KINDS[self.kind], names)
        name = template_name(KINDS[self.kind], "xlsx")
        return download(data, name, media_type=XLSX_MEDIA_TYPE, fallback=f"{self.kind}-template.xlsx")

    @get("/template.csv", opt=WRITE)
    async def template_csv(self) -> Response[bytes]:
        """The CSV template: the header row (UTF-8 with BOM)."""
        name = template_name(KINDS[self.kind], "csv")
        return download(
            template_csv(KINDS[self.kind]), name, media_type=CSV_MEDIA_TYPE, fallback=f"{self.kind}-template.csv"
        )

    @post("/", opt=WRITE)
    async def preview(self, request: Request[Any, Any, Any]) -> Template:
        """Keep the uploaded file on the server, check every row and show the result (nothing is imported yet)."""
        upload = (await request.form()).get("file")
        if oversized := oversized_errors(request):
            return self._page("imports/upload.html", status_code=422, errors=list(oversized.values()))
        if upload is None or not getattr(upload, "filename", ""):
            return self._page("imports/upload.html", status_code=422, errors=["取り込むファイルを選んでください。"])
        data = await upload.read()
        user = principal(request)
        now = dt.datetime.now(dt.UTC)
        report = await _service(request).check(self.kind, data, upload.filename, actor=user.actor)
        if report.problems:
            return self._page("imports/upload.html", status_code=422, errors=report.problems)
        staged = None
        if report.ok:
            staged = _staging(request).put(data, kind=self.kind, filename=upload.filename, user_id=user.id, now=now)
        return self._preview(report, staged.token if staged else "")

    def _preview(self, report: ImportReport, token: str) -> Template:
        return self._page(
            "imports/preview.html", status_code=200 if report.ok else 422, report=report, token=token,
            preview_headers=PREVIEW_HEADERS[self.kind],
        )  # fmt: skip

    @post("/confirm", opt=WRITE)
    async def confirm(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        """Check the kept file again and import every row in one transaction (or, if anything changed, none)."""
        token = str((await request.form()).get("token", ""))
        user = principal(request)
        now = dt.datetime.now(dt.UTC)
        staging = _staging(request)
        staged = staging.get(token, kind=self.kind, user_id=user.id, now=now)
        report = await _service(request).run(self.kind, staged.data, staged.filename, actor=user.actor, now=now)
        if not report.ok:
            return self._preview(report, "")
        staging.drop(token)
        return redirect(self.list_path, "imported")


class ContractorImportPages(_ImportPages):
    """委託事業者の一覧の取込み."""

    path = "/contractors/imports"
    kind = "contractors"
    list_path = "/contractors"


class EngagementImportPages(_ImportPages):
    """委託業務の一覧の取込み."""

    path = "/engagements/imports"
    kind = "engagements"
    list_path = "/engagements"


def _api_answer(report: ImportReport, *, dry_run: bool) -> Response[dict[str, Any]]:
    if report.ok:
        return Response(report.as_json(), status_code=200 if dry_run else 201)
    errors = [{"field": f"{e.row}行目「{e.column}」" if e.column else f"{e.row}行目", "row": e.row,
               "column": e.column, "message": e.message} for e in report.errors]  # fmt: skip
    body = {
        "type": "about:blank",
        "title": "取り込めない行があります" if report.errors else "ファイルを読み込めません",
        "status": 422,
        "detail": (
            "；".join(report.problems)
            or f"{len({e.row for e in report.errors})}行に誤りがあります。1行も取り込んでいません。"
        ),
        "errors": errors,
        **{k: v for k, v in report.as_json().items() if k not in ("errors", "ids", "imported")},
    }
    return Response(body, status_code=422, media_type="application/problem+json")


class _ImportApi(Controller):
    """Import a list over the API (multipart ``file``); ``dry_run=true`` checks only."""

    kind = ""

    @post("/", opt=WRITE, status_code=201)
    async def import_list(
        self,
        request: Request[Any, Any, Any],
        data: MultipartFile,
        dry_run: Annotated[bool, QueryParameter(description="true: 検査だけ行い、取り込みません")] = False,
    ) -> Response[dict[str, Any]]:
        """Check every row of an .xlsx or CSV file and import all rows in one transaction, or none (422 by row)."""
        content = await data.read()
        service, actor = _service(request), principal(request).actor
        if dry_run:
            report = await service.check(self.kind, content, data.filename, actor=actor)
        else:
            report = await service.run(self.kind, content, data.filename, actor=actor)
        return _api_answer(report, dry_run=dry_run)


class ContractorImportApi(_ImportApi):
    """委託事業者の一覧の取込み (API)."""

    path = "/api/v1/contractors/imports"
    tags = ["contractors"]
    kind = "contractors"


class EngagementImportApi(_ImportApi):
    """委託業務の一覧の取込み (API)."""

    path = "/api/v1/engagements/imports"
    tags = ["engagements"]
    kind = "engagements"


IMPORT_CONTROLLERS = (ContractorImportPages, EngagementImportPages, ContractorImportApi, EngagementImportApi)
