"""Contractor pages and API."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post, put
from litestar.params import JSONBody, QueryParameter
from litestar.response import Redirect, Stream, Template

from governance.accounts.roles import OUTSOURCING_READERS, STAFF_EDITORS
from governance.accounts.services import UserService
from governance.contractors import schemas
from governance.contractors.filters import CERT_EXPIRING_CHOICES
from governance.contractors.register import CONTRACTOR_COLUMNS, CONTRACTOR_TITLE
from governance.contractors.services import ContractorQuery, ContractorService
from governance.contractors.tables import CERTIFICATION_LABELS, CONTRACTOR_STATUS_LABELS
from governance.db import write_transaction
from governance.errors import ValidationError
from governance.files.services import FileService
from governance.web.access import access
from governance.web.captions import department_label, filter_caption
from governance.web.exporting import ExportOperation, ExportParam, export_links, export_response, wanted_format
from governance.web.forms import parse_form
from governance.web.pages import notice_of, principal, redirect, render
from governance.web.params import PathId, query_number
from governance.web.uploads import KEEPS_FIELDS, oversized_errors

READ = access(OUTSOURCING_READERS)
WRITE = access(STAFF_EDITORS)
MULTILINE = frozenset({"notes", "scope", "reason"})


def _service(request: Request[Any, Any, Any]) -> ContractorService:
    return ContractorService(cert_warn_days=request.app.state.settings.cert_warn_days)


async def _export(request: Request[Any, Any, Any], fmt: str, query: ContractorQuery) -> Stream:
    """The register of every contractor the list's filters match (not one page)."""
    rows = _service(request).export_rows(query)
    return await export_response(fmt, CONTRACTOR_TITLE, CONTRACTOR_COLUMNS, rows, fallback="contractors")


class ContractorPageController(Controller):
    """委託事業者: list, register, detail, edit, contacts, certifications, suspensions."""

    path = "/contractors"
    include_in_schema = False

    @get("/", opt=READ)
    async def index(self, request: Request[Any, Any, Any]) -> Template | Stream:
        """List contractors with filter, sort and pages (``?format=xlsx|csv``: the register as a file)."""
        q = request.query_params
        try:
            page = max(1, int(q.get("page", "1")))
        except ValueError:
            page = 1
        expiring = query_number(q, "cert_expiring")
        query = ContractorQuery(
            q=str(q.get("q", ""))[:100],
            status=str(q.get("status", ""))[:20],
            cert_expiring_days=expiring if expiring in CERT_EXPIRING_CHOICES else None,
            department_id=query_number(q, "department_id"),
            sort=str(q.get("sort", "name")),
            page=page,
        )
        if fmt := wanted_format(request):
            return await _export(request, fmt, query)
        result = await _service(request).list(query)
        departments = await UserService().list_departments() if query.department_id is not None else []
        engaged = department_label(departments, query.department_id)
        caption = filter_caption(
            [f"{engaged}と契約中" if engaged else None, CONTRACTOR_STATUS_LABELS.get(query.status),
             CERT_EXPIRING_CHOICES.get(query.cert_expiring_days or 0)],
            "委託事業者", result.total,
        )  # fmt: skip
        return render(
            "contractors/index.html",
            result=result,
            query=query,
            caption=caption,
            clear_href="/contractors",
            cert_choices=CERT_EXPIRING_CHOICES,
            statuses=CONTRACTOR_STATUS_LABELS,
            pages=max(1, -(-result.total // result.per_page)),
            exports=export_links(request),
            notice=notice_of(request),
            active_nav="contractors",
        )

    async def _form(
        self, *, contractor: Any = None, values: dict[str, Any], errors: dict[str, str], status_code: int = 200
    ) -> Template:
        return render(
            "contractors/form.html",
            status_code=status_code,
            contractor=contractor,
            values=values,
            errors=errors,
            statuses=CONTRACTOR_STATUS_LABELS,
            active_nav="contractors",
        )

    @get("/new", opt=WRITE)
    async def new(self) -> Template:
        """Show the registration form."""
        return await self._form(values={"status": "candidate"}, errors={})

    @post("/", opt=WRITE)
    async def create(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        """Register a contractor."""
        result = parse_form(await request.form(), schemas.ContractorCreate, multiline=MULTILINE)
        if not result.ok:
            return await self._form(values=result.raw, errors=result.errors, status_code=422)
        try:
            new_id = await _service(request).create(result.value, actor=principal(request).actor)
        except ValidationError as exc:
            return await self._form(values=result.raw, errors=exc.field_errors, status_code=422)
        return redirect(f"/contractors/{new_id}", "created")

    @get("/{contractor_id:int}", opt=READ)
    async def detail(self, request: Request[Any, Any, Any], contractor_id: PathId) -> Template:
        """Show a contractor with contacts, certifications and suspensions."""
        return await self._detail(request, contractor_id)

    async def _detail(
        self, request: Request[Any, Any, Any], contractor_id: int, *, status_code: int = 200, **forms: Any
    ) -> Template:
        contractor = await _service(request).get(contractor_id)
        user = principal(request)
        context = {"contact_values": {}, "contact_errors": {}, "cert_values": {}, "cert_errors": {},
                   "susp_values": {}, "susp_errors": {}}  # fmt: skip
        context.update(forms)
        return render(
            "contractors/detail.html",
            status_code=status_code,
            c=contractor,
            cert_kinds=CERTIFICATION_LABELS,
            can_edit=user.has_any(*STAFF_EDITORS),
            notice=notice_of(request),
            active_nav="contractors",
            **context,
        )

    @get("/{contractor_id:int}/edit", opt=WRITE)
    async def edit(self, request: Request[Any, Any, Any], contractor_id: PathId) -> Template:
        """Show the edit form."""
        c = await _service(request).get(contractor_id)
        values = {k: getattr(c, k) or "" for k in ("name", "name_kana", "corporate_number", "address",
                                                    "representative", "status", "notes")}  # fmt: skip
        return await self._form(contractor=c, values=values, errors={})

    @post("/{contractor_id:int}", opt=WRITE)
    async def update(self, request: Request[Any, Any, Any], contractor_id: PathId) -> Template | Redirect:
        """Save changes."""
        service = _service(request)
        c = await service.get(contractor_id)
        result = parse_form(await request.form(), schemas.ContractorUpdate, multiline=MULTILINE)
        if not result.ok:
            return await self._form(contractor=c, values=result.raw, errors=result.errors, status_code=422)
        try:
            await service.update(contractor_id, result.value, actor=principal(request).actor)
        except ValidationError as exc:
            return await self._form(contractor=c, values=result.raw, errors=exc.field_errors, status_code=422)
        return redirect(f"/contractors/{contractor_id}", "saved")

    @post("/{contractor_id:int}/contacts", opt=WRITE)
    async def add_contact(self, request: Request[Any, Any, Any], contractor_id: PathId) -> Template | Redirect:
        """Add a contact person."""
        result = parse_form(await request.form(), schemas.ContactCreate)
        if not result.ok:
            return await self._detail(
                request, contractor_id, status_code=422, contact_values=result.raw, contact_errors=result.errors
            )
        await _service(request).add_contact(contractor_id, result.value, actor=principal(request).actor)
        return redirect(f"/contractors/{contractor_id}#contacts", "saved")

    @post("/{contractor_id:int}/contacts/{contact_id:int}/delete", opt=WRITE)
    async def remove_contact(
        self, request: Request[Any, Any, Any], contractor_id: PathId, contact_id: PathId
    ) -> Redirect:
        """Remove a contact person."""
        await _service(request).remove_contact(contractor_id, contact_id, actor=principal(request).actor)
        return redirect(f"/contractors/{contractor_id}#contacts", "saved")

    @post("/{contractor_id:int}/certifications", opt=WRITE | KEEPS_FIELDS)
    async def add_certification(self, request: Request[Any, Any, Any], contractor_id: PathId) -> Template | Redirect:
        """Record a certification with an optional evidence file."""
        form = await request.form()
        result = parse_form(form, schemas.CertificationCreate, multiline=MULTILINE)
        oversized = oversized_errors(request)  # a file too large to take in: refused here, the values kept
        if not result.ok or oversized:
            return await self._detail(
                request, contractor_id, status_code=422, cert_values=result.raw, cert_errors=result.errors | oversized
            )
        upload = form.get("evidence")
        actor = principal(request).actor
        try:
            async with write_transaction():
                evidence_id = None
                if upload is not None and getattr(upload, "filename", ""):
                    data = await upload.read()
                    evidence_id = await FileService(request.app.state.settings.data_dir).save(
                        data, upload.filename, actor=actor
                    )
                await _service(request).add_certification(
                    contractor_id, result.value, actor=actor, evidence_id=evidence_id
                )
        except ValidationError as exc:
            return await self._detail(
                request, contractor_id, status_code=422, cert_values=result.raw, cert_errors=exc.field_errors
            )
        return redirect(f"/contractors/{contractor_id}#certifications", "saved")

    @post("/{contractor_id:int}/certifications/{certification_id:int}/delete", opt=WRITE)
    async def remove_certification(
        self, request: Request[Any, Any, Any], contractor_id: PathId, certification_id: PathId
    ) -> Redirect:
        """Remove a certification record."""
        await _service(request).remove_certification(contractor_id, certification_id, actor=principal(request).actor)
        return redirect(f"/contractors/{contractor_id}#certifications", "saved")

    @post("/{contractor_id:int}/suspensions", opt=WRITE)
    async def add_suspension(self, request: Request[Any, Any, Any], contractor_id: PathId) -> Template | Redirect:
        """Record a bidding suspension (指名停止)."""
        result = parse_form(await request.form(), schemas.SuspensionCreate, multiline=MULTILINE)
        errors = result.errors
        if result.ok:
            try:
                await _service(request).add_suspension(contractor_id, result.value, actor=principal(request).actor)
                return redirect(f"/contractors/{contractor_id}#suspensions", "saved")
            except ValidationError as exc:
                errors = exc.field_errors
        return await self._detail(request, contractor_id, status_code=422, susp_values=result.raw, susp_errors=errors)

    @post("/{contractor_id:int}/suspensions/{suspension_id:int}/end", opt=WRITE)
    async def end_suspension(
        self, request: Request[Any, Any, Any], contractor_id: PathId, suspension_id: PathId
    ) -> Template | Redirect:
        """Record the end date of a suspension."""
        result = parse_form(await request.form(), schemas.SuspensionEnd)
        errors = result.errors
        if result.ok:
            try:
                await _service(request).end_suspension(
                    contractor_id, suspension_id, result.value.end_date, actor=principal(request).actor
                )
                return redirect(f"/contractors/{contractor_id}#suspensions", "saved")
            except ValidationError as exc:
                errors = exc.field_errors
        return await self._detail(request, contractor_id, status_code=422, susp_errors=errors)


class ContractorApiController(Controller):
    """Contractors over the API."""

    path = "/api/v1/contractors"
    tags = ["contractors"]

    @get("/", opt=READ, operation_class=ExportOperation)
    async def list_contractors(
        self,
        request: Request[Any, Any, Any],
        q: Annotated[str, QueryParameter(max_length=100)] = "",
        status: Annotated[str, QueryParameter(max_length=20)] = "",
        sort: Annotated[str, QueryParameter(max_length=10)] = "name",
        page: Annotated[int, QueryParameter(ge=1, le=100000)] = 1,
        per_page: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
        format: ExportParam = None,  # read through wanted_format(), with Accept
    ) -> schemas.ContractorPage | Stream:
        """List contractors (filter by text and status; sort by name, updated or id).

        With ``format=xlsx|csv`` (or ``Accept`` naming the file type) every matching contractor comes as a file.
        """
        query = ContractorQuery(q=q, status=status, sort=sort, page=page, per_page=per_page)
        if fmt := wanted_format(request):
            return await _export(request, fmt, query)
        return await _service(request).list(query)

    @get("/{contractor_id:int}", opt=READ)
    async def get_contractor(self, request: Request[Any, Any, Any], contractor_id: PathId) -> schemas.Contractor:
        """Return a contractor with contacts, certifications and suspensions."""
        return await _service(request).get(contractor_id)

    @post("/", opt=WRITE)
    async def create_contractor(
        self, request: Request[Any, Any, Any], data: JSONBody[schemas.ContractorCreate]
    ) -> schemas.Contractor:
        """Register a contractor."""
        service = _service(request)
        return await service.get(await service.create(data, actor=principal(request).actor))

    @put("/{contractor_id:int}", opt=WRITE)
    async def update_contractor(
        self, request: Request[Any, Any, Any], contractor_id: PathId, data: JSONBody[schemas.ContractorUpdate]
    ) -> schemas.Contractor:
        """Change a contractor."""
        service = _service(request)
        await service.update(contractor_id, data, actor=principal(request).actor)
        return await service.get(contractor_id)

    @post("/{contractor_id:int}/certifications", opt=WRITE)
    async def add_certification(
        self, request: Request[Any, Any, Any], contractor_id: PathId, data: JSONBody[schemas.CertificationCreate]
    ) -> schemas.Contractor:
        """Record a certification (evidence files are uploaded through the page)."""
        service = _service(request)
        await service.add_certification(contractor_id, data, actor=principal(request).actor)
        return await service.get(contractor_id)

    @post("/{contractor_id:int}/suspensions", opt=WRITE)
    async def add_suspension(
        self, request: Request[Any, Any, Any], contractor_id: PathId, data: JSONBody[schemas.SuspensionCreate]
    ) -> schemas.Contractor:
        """Record a bidding suspension (指名停止)."""
        service = _service(request)
        await service.add_suspension(contractor_id, data, actor=principal(request).actor)
        return await service.get(contractor_id)
