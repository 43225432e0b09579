"""Selection pages: the list across engagements, evaluate candidates, decide, submit, approve or return, correct."""

from __future__ import annotations

import re
from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Response, Stream, Template

from governance.accounts.roles import OUTSOURCING_READERS, STAFF_EDITORS, Role
from governance.accounts.services import UserService
from governance.calendar import today_tokyo
from governance.contractors.services import ContractorService
from governance.db import write_transaction
from governance.engagements import schemas
from governance.engagements.criteria import ANSWER_LABELS, SELECTION_METHODS
from governance.engagements.documents import render_selection_record
from governance.engagements.register import SELECTION_COLUMNS, SELECTION_TITLE
from governance.engagements.services import (
    EngagementService,
    SelectionQuery,
    SelectionService,
    SelectionSheet,
    SelectionSheetService,
)
from governance.engagements.tables import SELECTION_STATUS_LABELS
from governance.errors import ConflictError, DomainError, ValidationError
from governance.files.services import FileService
from governance.municipality.controllers import municipality_of
from governance.web.access import access
from governance.web.downloads import docx_download
from governance.web.exporting import export_links, export_response, wanted_format
from governance.web.forms import parse_form
from governance.web.pages import notice_of, principal, redirect, render
from governance.web.params import PathId, query_number, query_page
from governance.web.scope import listing_department
from governance.web.uploads import KEEPS_FIELDS, oversized_errors

READ = access(OUTSOURCING_READERS)
WRITE = access(STAFF_EDITORS)
REVIEW = access(Role.security_officer)
_ANSWER_KEY = re.compile(r"^answer-(\d{1,10})-(OUT-SEL-\d{2})$")
_EVIDENCE_KEY = re.compile(r"^evidence-(\d{1,10})-(OUT-SEL-\d{2})$")
SHEET_ACTIONS = {"save": "saved", "fill": "filled", "submit": "submitted"}
"""The buttons of the selection form (保存 / すべて適合 / 提出) and the notice each ends with."""


def evaluation_items(form: Any) -> list[schemas.EvaluationIn]:
    """The answers and notes of the evaluation table, one per ``answer-<candidate>-<criterion>`` field."""
    items: list[schemas.EvaluationIn] = []
    for key in form:
        match = _ANSWER_KEY.match(key)
        if not match:
            continue
        candidate_id, criterion_id = int(match.group(1)), match.group(2)
        answer = str(form.get(key, "")).strip() or None
        note = str(form.get(f"note-{candidate_id}-{criterion_id}", ""))[:2000]
        items.append(
            schemas.EvaluationIn(candidate_id=candidate_id, criterion_id=criterion_id, answer=answer, note=note)
        )
    return items


def typed_values(form: Any) -> dict[str, str]:
    """Every text value of the form as typed (files excluded), to show the form again unchanged."""
    return {k: str(form.get(k, ""))[:4000] for k in form if isinstance(form.get(k), str) and k != "_csrf_token"}


async def export_selections(fmt: str, query: SelectionQuery) -> Stream:
    """The register of every selection version the list's filters (and the department scope) match, not one page."""
    rows = SelectionService().export_rows(query)
    return await export_response(fmt, SELECTION_TITLE, SELECTION_COLUMNS, rows, fallback="selections")


class SelectionPageController(Controller):
    """Selection records (選定記録): the list across engagements, and each record with its workflow."""

    path = "/selections"
    include_in_schema = False

    @get("/", opt=READ)
    async def index(self, request: Request[Any, Any, Any]) -> Template | Stream:
        """Selection versions of the engagements the user sees, newest first (``?format=xlsx|csv``: as a file)."""
        q = request.query_params
        status, method = str(q.get("status", ""))[:20], str(q.get("method", ""))[:40]
        query = SelectionQuery(
            q=str(q.get("q", ""))[:100],
            department_id=listing_department(request, query_number(q, "department_id")),
            status=status if status in SELECTION_STATUS_LABELS else "",
            method=method if method in SELECTION_METHODS else "",
            page=query_page(q),
        )
        if fmt := wanted_format(request):
            return await export_selections(fmt, query)
        result = await SelectionService().list(query)
        return render(
            "selections/index.html", result=result, query=query, statuses=SELECTION_STATUS_LABELS,
            methods=SELECTION_METHODS, departments=await UserService().list_departments(),
            pages=max(1, -(-result.total // result.per_page)), exports=export_links(request),
            notice=notice_of(request), active_nav="engagements",
        )  # fmt: skip

    async def _page(
        self,
        request: Request[Any, Any, Any],
        selection_id: int,
        *,
        status_code: int = 200,
        errors: Any = None,
        error: str | None = None,
        values: dict[str, Any] | None = None,
    ) -> Template:
        selection = await SelectionService().get(selection_id)
        user = principal(request)
        if errors and not error:
            error = "入力内容に誤りがあります。次の点を確認してください。入力した内容はそのまま残っています。"
        return render(
            "selections/detail.html", status_code=status_code, s=selection, answers=ANSWER_LABELS,
            contractors=await ContractorService().options(), errors=errors or {}, error=error, values=values or {},
            can_edit=selection.editable and user.has_any(*STAFF_EDITORS),
            can_review=selection.status == "submitted" and user.has_any(Role.security_officer),
            own=selection.prepared_by_id == user.id, can_correct=selection.status == "approved"
            and user.has_any(*STAFF_EDITORS), notice=notice_of(request), active_nav="engagements",
        )  # fmt: skip

    async def _run(
        self,
        request: Request[Any, Any, Any],
        selection_id: int,
        action: Any,
        *,
        notice: str = "saved",
        values: dict[str, Any] | None = None,
    ) -> Template | Redirect:
        """Run a workflow step; show the page again with the message when the service refuses."""
        try:
            await action
        except ValidationError as exc:
            return await self._page(
                request, selection_id, status_code=422, errors=exc.field_errors, error=exc.message, values=values
            )
        except DomainError as exc:
            return await self._page(
                request, selection_id, status_code=exc.status_code, error=exc.message, values=values
            )
        return redirect(f"/selections/{selection_id}", notice)

    @get("/{selection_id:int}", opt=READ)
    async def detail(self, request: Request[Any, Any, Any], selection_id: PathId) -> Template:
        """Show the selection: criteria × candidates, decision and status."""
        return await self._page(request, selection_id)

    @post("/{selection_id:int}/candidates", opt=WRITE)
    async def add_candidate(self, request: Request[Any, Any, Any], selection_id: PathId) -> Template | Redirect:
        """Add a contractor as a candidate."""
        result = parse_form(await request.form(), schemas.CandidateAdd)
        if not result.ok:
            return await self._page(request, selection_id, status_code=422, errors=result.errors)
        return await self._run(
            request, selection_id,
            SelectionService().add_candidate(selection_id, result.value.contractor_id, actor=principal(request).actor),
        )  # fmt: skip

    @post("/{selection_id:int}/candidates/{candidate_id:int}/delete", opt=WRITE)
    async def remove_candidate(
        self, request: Request[Any, Any, Any], selection_id: PathId, candidate_id: PathId
    ) -> Template | Redirect:
        """Remove a candidate."""
        return await self._run(
            request, selection_id,
            SelectionService().remove_candidate(selection_id, candidate_id, actor=principal(request).actor),
        )  # fmt: skip

    @post("/{selection_id:int}/evaluations", opt=WRITE | KEEPS_FIELDS)
    async def save_evaluations(self, request: Request[Any, Any, Any], selection_id: PathId) -> Template | Redirect:
        """Save the answers and notes of the evaluation table."""
        form = await request.form()
        values = typed_values(form)
        if errors := oversized_errors(request):
            return await self._page(request, selection_id, status_code=422, errors=errors, values=values)
        sheet = SelectionSheet(items=evaluation_items(form))
        return await self._run(
            request, selection_id, self._save_with_evidence(request, selection_id, form, sheet), values=values
        )

    @post("/{selection_id:int}/save", opt=WRITE | KEEPS_FIELDS)
    async def save(self, request: Request[Any, Any, Any], selection_id: PathId) -> Template | Redirect:
        """Save the whole form (every answer, note, evidence file and the decision) at once.

        ``action``: ``save`` (保存), ``fill`` (answer 適合 where nothing is chosen, then save) or ``submit`` (save,
        then submit for approval). Whatever is refused, the form comes back with every value typed.
        """
        form = await request.form()
        action = str(form.get("action", "save"))
        action = action if action in SHEET_ACTIONS else "save"
        values = typed_values(form)
        errors = oversized_errors(request)
        decision = parse_form(form, schemas.Decision, multiline=frozenset({"rationale"}))
        errors.update(decision.errors)
        if errors:
            return await self._page(request, selection_id, status_code=422, errors=errors, values=values)
        sheet = SelectionSheet(items=evaluation_items(form), decision=decision.value)
        if action == "fill":
            sheet.fill_unanswered()
        saved = await self._run(
            request, selection_id, self._save_with_evidence(request, selection_id, form, sheet),
            notice=SHEET_ACTIONS[action], values=values,
        )  # fmt: skip
        if action != "submit" or not isinstance(saved, Redirect):
            return saved
        # Saved: what was typed is kept even when the submission is refused, and each missing cell is named.
        return await self._run(
            request, selection_id, SelectionSheetService().submit(selection_id, actor=principal(request).actor),
            notice="submitted", values=values,
        )  # fmt: skip

    @staticmethod
    async def _save_with_evidence(
        request: Request[Any, Any, Any], selection_id: int, form: Any, sheet: SelectionSheet
    ) -> None:
        """Store the evidence files sent with the form and save everything in it, in one transaction."""
        actor = principal(request).actor
        files = FileService(request.app.state.settings.data_dir)
        async with write_transaction():
            for key in form:
                match = _EVIDENCE_KEY.match(key)
                upload = form.get(key)
                if match and getattr(upload, "filename", ""):
                    field = f"evidence-{match.group(1)}-{match.group(2)}"
                    file_id = await files.save(await upload.read(), upload.filename, actor=actor, field=field)
                    sheet.evidence[(int(match.group(1)), match.group(2))] = file_id
            await SelectionSheetService().save(selection_id, sheet, actor=actor)

    @post("/{selection_id:int}/decision", opt=WRITE)
    async def decide(self, request: Request[Any, Any, Any], selection_id: PathId) -> Template | Redirect:
        """Record the selected contractor and the rationale."""
        result = parse_form(await request.form(), schemas.Decision, multiline=frozenset({"rationale"}))
        if not result.ok:
            return await self._page(request, selection_id, status_code=422, errors=result.errors, values=result.raw)
        return await self._run(
            request, selection_id,
            SelectionService().decide(selection_id, result.value, actor=principal(request).actor), values=result.raw,
        )  # fmt: skip

    @post("/{selection_id:int}/submit", opt=WRITE)
    async def submit(self, request: Request[Any, Any, Any], selection_id: PathId) -> Template | Redirect:
        """Submit the selection for approval."""
        return await self._run(
            request, selection_id, SelectionService().submit(selection_id, actor=principal(request).actor)
        )

    @post("/{selection_id:int}/approve", opt=REVIEW)
    async def approve(self, request: Request[Any, Any, Any], selection_id: PathId) -> Template | Redirect:
        """Approve (情報セキュリティ担当者, not the preparer)."""
        result = parse_form(await request.form(), schemas.ReviewIn, multiline=frozenset({"comment"}))
        comment = result.value.comment if result.ok else ""
        return await self._run(
            request, selection_id,
            SelectionService().approve(selection_id, actor=principal(request).actor, comment=comment),
        )  # fmt: skip

    @post("/{selection_id:int}/return", opt=REVIEW)
    async def return_to_preparer(self, request: Request[Any, Any, Any], selection_id: PathId) -> Template | Redirect:
        """Send back for correction with a comment."""
        result = parse_form(await request.form(), schemas.ReviewIn, multiline=frozenset({"comment"}))
        comment = result.value.comment if result.ok else ""
        return await self._run(
            request, selection_id,
            SelectionService().return_to_preparer(selection_id, actor=principal(request).actor, comment=comment),
        )  # fmt: skip

    @post("/{selection_id:int}/correct", opt=WRITE)
    async def correct(self, request: Request[Any, Any, Any], selection_id: PathId) -> Template | Redirect:
        """Start a correction (a new version) of an approved selection."""
        try:
            new_id = await SelectionService().correct(selection_id, actor=principal(request).actor)
        except ConflictError as exc:
            return await self._page(request, selection_id, status_code=409, error=exc.message)
        return redirect(f"/selections/{new_id}", "created")

    @get("/{selection_id:int}/record.docx", opt=READ)
    async def record(self, request: Request[Any, Any, Any], selection_id: PathId) -> Response[bytes]:
        """Download the printable selection record (.docx)."""
        import anyio

        selection = await SelectionService().get(selection_id)
        engagement = await EngagementService().get(selection.engagement_id)
        municipality = (await municipality_of(request)).name
        data = await anyio.to_thread.run_sync(
            lambda: render_selection_record(selection, engagement, issued_on=today_tokyo(), municipality=municipality)
        )
        name = f"選定記録_{selection.engagement_id}_第{selection.version}版.docx"
        return docx_download(data, name, fallback=f"selection-{selection.id}.docx")
