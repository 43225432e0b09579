"""Finding pages: the list, one finding with its measures, closing with a verification note."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Stream, Template

from governance.accounts.roles import OUTSOURCING_READERS, Role
from governance.accounts.services import UserService
from governance.calendar import today_tokyo
from governance.db import write_transaction
from governance.errors import DomainError, ValidationError
from governance.files.services import FileService
from governance.verification import schemas
from governance.verification.controllers._check_pages import PERFORM, staff_options
from governance.verification.register import FINDING_COLUMNS, FINDING_TITLE
from governance.verification.services import FindingService, export_findings, list_findings
from governance.verification.tables import (
    FINDING_STATUS_LABELS,
    MEASURE_KIND_LABELS,
    MEASURE_REQUIREMENTS,
    SEVERITY_LABELS,
)
from governance.web.access import access
from governance.web.captions import department_label, filter_caption
from governance.web.exporting import export_links, export_response, wanted_format
from governance.web.forms import parse_form
from governance.web.pages import notice_of, principal, redirect, render
from governance.web.params import PathId, query_number, query_page
from governance.web.scope import listing_department
from governance.web.uploads import KEEPS_FIELDS, oversized_errors

READ = access(OUTSOURCING_READERS)
PER_PAGE = 50


MEASURE_FILTERS = {"overdue": "措置の期限超過あり"}
"""``?measures=``: findings with a measure still open past its due date (状況一覧 links here)."""


async def export_finding_register(fmt: str, **filters: Any) -> Stream:
    """The register of every finding the list's filters (and the department scope) match, with its measures."""
    rows = export_findings(**filters)
    return await export_response(fmt, FINDING_TITLE, FINDING_COLUMNS, rows, fallback="findings")


class FindingPageController(Controller):
    """指摘事項と措置."""

    path = "/findings"
    include_in_schema = False

    @get("/", opt=READ)
    async def index(self, request: Request[Any, Any, Any]) -> Template | Stream:
        """Findings, open first, by status, department, severity and overdue measures.

        ``?format=xlsx|csv``: every matching finding, with its measures, as a file.
        """
        q = request.query_params
        status = str(q.get("status", "open"))[:20]
        severity = str(q.get("severity", ""))[:20]
        measures = str(q.get("measures", ""))[:20]
        filters: dict[str, Any] = {
            "status": status if status in FINDING_STATUS_LABELS else None,
            "department_id": listing_department(request, query_number(q, "department_id")),
            "severity": severity if severity in SEVERITY_LABELS else None,
            "measures_overdue_on": today_tokyo() if measures in MEASURE_FILTERS else None,
        }
        if fmt := wanted_format(request):
            return await export_finding_register(fmt, **filters)
        page = query_page(q)
        rows, total = await list_findings(**filters, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
        departments = await UserService().list_departments()
        caption = filter_caption(
            [department_label(departments, filters["department_id"]), SEVERITY_LABELS.get(severity),
             MEASURE_FILTERS.get(measures), FINDING_STATUS_LABELS.get(status) if q.get("status") else None],
            "指摘事項", total,
        )  # fmt: skip
        return render(
            "verification/findings.html", items=rows, total=total, status=status,
            department_id=filters["department_id"], severity=severity if filters["severity"] else "",
            measures=measures if filters["measures_overdue_on"] else "", severities=SEVERITY_LABELS,
            measure_filters=MEASURE_FILTERS, caption=caption, clear_href="/findings",
            statuses={**FINDING_STATUS_LABELS, "": "すべて"}, departments=departments,
            page=page, pages=max(1, -(-total // PER_PAGE)), exports=export_links(request), notice=notice_of(request),
            active_nav="verification",
        )  # fmt: skip

    async def _page(
        self, request: Request[Any, Any, Any], finding_id: int, *, status_code: int = 200, error: str | None = None,
        errors: dict[str, str] | None = None, values: dict[str, Any] | None = None,
    ) -> Template:  # fmt: skip
        finding = await FindingService().get(finding_id)
        me = principal(request)
        can_act = me.has_any(Role.department_staff, Role.procurement, Role.security_officer)
        return render(
            "verification/finding.html", status_code=status_code, fi=finding, error=error, errors=errors or {},
            values=values or {}, kinds=MEASURE_KIND_LABELS, kind_requirements=MEASURE_REQUIREMENTS,
            can_act=can_act and finding["status"] == "open", staff=await staff_options() if can_act else {},
            notice=notice_of(request), active_nav="verification",
        )  # fmt: skip

    @get("/{finding_id:int}", opt=READ)
    async def show(self, request: Request[Any, Any, Any], finding_id: PathId) -> Template:
        """A finding with its measures."""
        return await self._page(request, finding_id)

    async def _act(
        self, request: Request[Any, Any, Any], finding_id: int, action: Any, *, values: dict[str, Any] | None = None,
        suffix: str = "",
    ) -> Template | Redirect:  # fmt: skip
        """Run an action; on refusal show the page again with what was typed (``values``) and the errors."""
        try:
            await action
        except ValidationError as exc:
            errors = {k if k.endswith(suffix) else f"{k}{suffix}": v for k, v in exc.field_errors.items()}
            return await self._page(request, finding_id, status_code=422, errors=errors, values=values)
        except DomainError as exc:
            return await self._page(request, finding_id, status_code=exc.status_code, error=exc.message, values=values)
        return redirect(f"/findings/{finding_id}", "saved")

    @post("/{finding_id:int}/measures", opt=PERFORM)
    async def add_measure(self, request: Request[Any, Any, Any], finding_id: PathId) -> Template | Redirect:
        """Decide a measure (改善指示, 立入検査, 契約解除 …) with owner and due date."""
        result = parse_form(await request.form(), schemas.MeasureIn, multiline=frozenset({"description"}))
        if not result.ok:
            return await self._page(request, finding_id, status_code=422, errors=result.errors, values=result.raw)
        v = result.value
        try:
            await FindingService().add_measure(
                finding_id, kind=v.kind, description=v.description, owner_id=v.owner_id, due_on=v.due_on,
                actor=principal(request).actor,
            )  # fmt: skip
        except ValidationError as exc:
            return await self._page(request, finding_id, status_code=422, errors=exc.field_errors, values=result.raw)
        except DomainError as exc:
            return await self._page(request, finding_id, status_code=exc.status_code, error=exc.message)
        return redirect(f"/findings/{finding_id}", "saved")

    @post("/{finding_id:int}/measures/{measure_id:int}/close", opt=PERFORM | KEEPS_FIELDS)
    async def close_measure(
        self, request: Request[Any, Any, Any], finding_id: PathId, measure_id: PathId
    ) -> Template | Redirect:
        """Record a measure as carried out (with evidence) or withdrawn."""
        form = await request.form()
        result = parse_form(form, schemas.MeasureCloseForm, multiline=frozenset({"note"}))
        oversized = oversized_errors(request)  # a file too large to take in: refused here
        typed = {f"note_{measure_id}": str(form.get("note", ""))[:4000]}  # kept on every refusal
        if not result.ok or oversized:
            errors = {f"{k}_{measure_id}": v for k, v in (result.errors | oversized).items()}
            return await self._page(request, finding_id, status_code=422, errors=errors, values=typed)
        actor = principal(request).actor
        upload = form.get("evidence")

        async def go() -> None:
            async with write_transaction():
                evidence_id = None
                if upload is not None and getattr(upload, "filename", ""):
                    evidence_id = await FileService(request.app.state.settings.data_dir).save(
                        await upload.read(), upload.filename, actor=actor, field=f"evidence_{measure_id}"
                    )
                await FindingService().close_measure(
                    measure_id, done=result.value.outcome != "cancelled", note=result.value.note, actor=actor,
                    evidence_id=evidence_id, finding_id=finding_id,
                )  # fmt: skip

        return await self._act(request, finding_id, go(), values=typed, suffix=f"_{measure_id}")

    @post("/{finding_id:int}/close", opt=PERFORM)
    async def close(self, request: Request[Any, Any, Any], finding_id: PathId) -> Template | Redirect:
        """Close the finding with a note on how the correction was verified."""
        note = str((await request.form()).get("verification_note", ""))[:4000]
        return await self._act(
            request, finding_id,
            FindingService().close(finding_id, verification_note=note, actor=principal(request).actor),
            values={"verification_note": note},
        )  # fmt: skip

    @post("/{finding_id:int}/escalate", opt=PERFORM)
    async def escalate(self, request: Request[Any, Any, Any], finding_id: PathId) -> Template | Redirect:
        """Report the finding to the security officers (OUT-CHK-02)."""
        return await self._act(
            request, finding_id, FindingService().escalate(finding_id, actor=principal(request).actor)
        )
