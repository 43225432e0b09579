"""Contract pages (preview with reasons, versions, finalize, sign, subcontractor approvals) and API."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import JSONBody
from litestar.response import Redirect, Response, Template

from governance.accounts.roles import OUTSOURCING_READERS, Role
from governance.contracts import schemas
from governance.contracts.amendments import AmendmentService
from governance.contracts.bidding import BidService
from governance.contracts.library import LibraryError
from governance.contracts.services import ContractService, municipality_from
from governance.contracts.subcontracting import ANSWERS, CRITERIA, Evaluation
from governance.contracts.tables import SubcontractorApproval, VersionKind
from governance.engagements.services import EngagementService
from governance.errors import ConflictError, DomainError, NotFoundError, ValidationError
from governance.municipality.controllers import municipality_of
from governance.schema import Struct
from governance.web.access import access
from governance.web.downloads import DOCX, docx_download
from governance.web.forms import parse_form
from governance.web.pages import notice_of, principal, redirect, render
from governance.web.params import PathId, query_number

READ = access(OUTSOURCING_READERS)
DRAFT = access(Role.procurement)
APPROVE = access(Role.procurement, Role.security_officer)


def contract_service(request: Request[Any, Any, Any]) -> ContractService:
    """The contract service configured from the settings."""
    s = request.app.state.settings
    return ContractService(
        templates_dir=s.contract_templates_dir, data_dir=s.data_dir,
        municipality=municipality_from(s),
    )  # fmt: skip


def _docx_response(data: bytes, name: str) -> Response[bytes]:
    return docx_download(data, name, fallback="contract.docx")


def _document_name(engagement_id: int, row: dict[str, Any]) -> str:
    kind = "覚書" if row["kind"] == VersionKind.amendment else "契約書"
    return f"{kind}_{engagement_id}_第{row['version']}版.docx"


class ContractPageController(Controller):
    """契約書: the draft of an engagement's contract and its versions."""

    path = "/engagements/{engagement_id:int}/contract"
    include_in_schema = False

    async def _page(
        self,
        request: Request[Any, Any, Any],
        engagement_id: int,
        *,
        status_code: int = 200,
        error: str | None = None,
        errors: dict[str, str] | None = None,
        typed: dict[str, Any] | None = None,
    ) -> Template:
        svc = contract_service(request)
        engagement = await EngagementService().get(engagement_id)
        municipality = await municipality_of(request)  # read once for the page and the preview's context
        preview, problem = None, None
        try:
            preview = await svc.preview(engagement_id, engagement=engagement, municipality=municipality)
        except (ConflictError, LibraryError) as exc:  # no approved selection yet, or a broken library
            problem = exc.message
        user = principal(request)
        approvals = await svc.approvals(engagement_id)
        versions = await svc.versions(engagement_id)
        amendment = await AmendmentService(svc).pending(engagement_id, preview) if preview else None
        bid = await BidService.from_settings(request.app.state.settings).against_contract(engagement_id, preview)
        return render(
            "contracts/detail.html", status_code=status_code, e=engagement, preview=preview, bid=bid,
            clauses=preview.rendered() if preview else [], front=preview.front() if preview else [], problem=problem,
            versions=versions, amendment=amendment,
            awaiting_signature=any(v["status"] == "finalized" for v in versions),
            approvals=approvals, blocking=[a for a in approvals if a["status"] != "approved"],
            can_draft=user.has_any(Role.procurement), can_decide=user.has_any(Role.procurement, Role.security_officer),
            me=user.id, error=error, errors=errors or {}, typed=typed or {}, answer_labels=ANSWERS,
            municipality_unset=not municipality.complete, can_configure=user.has_any(Role.admin),
            notice=notice_of(request), active_nav="engagements",
        )  # fmt: skip

    @get("/", opt=READ)
    async def show(self, request: Request[Any, Any, Any], engagement_id: PathId) -> Template:
        """Preview the clauses the engagement needs (with reasons) and list the versions."""
        return await self._page(request, engagement_id)

    @post("/drafts", opt=DRAFT)
    async def create_draft(self, request: Request[Any, Any, Any], engagement_id: PathId) -> Template | Redirect:
        """Generate a new draft version from the current facts."""
        try:
            await contract_service(request).create_draft(engagement_id, actor=principal(request).actor)
        except DomainError as exc:
            return await self._page(request, engagement_id, status_code=exc.status_code, error=exc.message)
        return redirect(f"/engagements/{engagement_id}/contract", "draft_created")

    @post("/amendments", opt=DRAFT)
    async def draft_amendment(self, request: Request[Any, Any, Any], engagement_id: PathId) -> Template | Redirect:
        """Draft a 変更契約書（覚書） that brings the signed contract to the current library and facts."""
        try:
            await AmendmentService(contract_service(request)).draft(engagement_id, actor=principal(request).actor)
        except DomainError as exc:
            return await self._page(request, engagement_id, status_code=exc.status_code, error=exc.message)
        return redirect(f"/engagements/{engagement_id}/contract", "amendment_created")

    @get("/versions/{version_id:int}/compare", opt=READ)
    async def compare(self, request: Request[Any, Any, Any], engagement_id: PathId, version_id: PathId) -> Template:
        """Show a version against an earlier one (``?with=<version id>``) of the same contract as a 新旧対照表."""
        with_id = query_number(request.query_params, "with")
        result = await AmendmentService(contract_service(request)).compare(engagement_id, version_id, with_id)
        engagement = await EngagementService().get(engagement_id)
        return render("contracts/compare.html", e=engagement, result=result, active_nav="engagements")

    @get("/versions/{version_id:int}/compare.docx", opt=READ)
    async def compare_document(
        self, request: Request[Any, Any, Any], engagement_id: PathId, version_id: PathId
    ) -> Response[bytes]:
        """Download the 新旧対照表 of a version against an earlier one (``?with=<version id>``) as .docx."""
        svc = AmendmentService(contract_service(request))
        with_id = query_number(request.query_params, "with")
        result, data = await svc.compare_document(engagement_id, version_id, with_id)
        name = f"新旧対照表_{engagement_id}_第{result.new['version']}版_第{result.old['version']}版.docx"
        return _docx_response(data, name)

    @post("/versions/{version_id:int}/finalize", opt=DRAFT)
    async def finalize(
        self, request: Request[Any, Any, Any], engagement_id: PathId, version_id: PathId
    ) -> Template | Redirect:
        """Finalize a draft (it never changes afterwards)."""
        try:
            await contract_service(request).finalize(
                version_id, actor=principal(request).actor, engagement_id=engagement_id
            )
        except DomainError as exc:
            return await self._page(request, engagement_id, status_code=exc.status_code, error=exc.message)
        return redirect(f"/engagements/{engagement_id}/contract", "saved")

    @post("/versions/{version_id:int}/sign", opt=DRAFT)
    async def sign(
        self, request: Request[Any, Any, Any], engagement_id: PathId, version_id: PathId
    ) -> Template | Redirect:
        """Record the signature of a finalized version."""
        result = parse_form(await request.form(), schemas.SignatureIn)
        if not result.ok:
            return await self._page(request, engagement_id, status_code=422, errors=result.errors)
        try:
            await contract_service(request).sign(
                version_id, signed_on=result.value.signed_on,
                municipality_signatory=result.value.municipality_signatory,
                contractor_signatory=result.value.contractor_signatory, actor=principal(request).actor,
                engagement_id=engagement_id,
            )  # fmt: skip
        except ValidationError as exc:
            return await self._page(request, engagement_id, status_code=422, errors=exc.field_errors)
        except DomainError as exc:
            return await self._page(request, engagement_id, status_code=exc.status_code, error=exc.message)
        return redirect(f"/engagements/{engagement_id}/contract", "saved")

    @get("/versions/{version_id:int}/document.docx", opt=READ)
    async def document(
        self, request: Request[Any, Any, Any], engagement_id: PathId, version_id: PathId
    ) -> Response[bytes]:
        """Download the stored document of a version, byte for byte as generated."""
        row, data = await contract_service(request).version_document(version_id, engagement_id)
        return _docx_response(data, _document_name(engagement_id, row))

    @post("/approvals/{approval_id:int}", opt=APPROVE)
    async def decide(
        self, request: Request[Any, Any, Any], engagement_id: PathId, approval_id: PathId
    ) -> Template | Redirect:
        """Approve or refuse a subcontractor on its item-by-item evaluation (the typed answers are kept on refusal)."""
        form = await request.form()
        evaluation = Evaluation(
            {c.id: str(form.get(f"answer-{c.id}", "")).strip() for c in CRITERIA if form.get(f"answer-{c.id}")},
            {c.id: str(form.get(f"note-{c.id}", ""))[:1000] for c in CRITERIA if form.get(f"note-{c.id}")},
        )
        note = str(form.get("note", ""))[:2000]
        if not await SubcontractorApproval.exists().where(
            SubcontractorApproval.id == approval_id, SubcontractorApproval.engagement == engagement_id
        ):
            raise NotFoundError("再委託の承認", approval_id)  # another engagement's approval is not decided here
        try:
            await contract_service(request).decide_approval(
                approval_id, approve=form.get("decision") == "approve", actor=principal(request).actor,
                note=note, evaluation=evaluation,
            )  # fmt: skip
        except ValidationError as exc:
            typed = {"approval_id": approval_id, "answers": dict(evaluation.answers), "notes": dict(evaluation.notes),
                     "note": note}  # fmt: skip
            return await self._page(
                request,
                engagement_id,
                status_code=422,
                error="評価の内容を確認してください。",
                errors={f"a{approval_id}-{k}": v for k, v in exc.field_errors.items()},
                typed=typed,
            )
        except DomainError as exc:
            return await self._page(request, engagement_id, status_code=exc.status_code, error=exc.message)
        return redirect(f"/engagements/{engagement_id}/contract", "saved")


async def _version(svc: ContractService, engagement_id: int, version_id: int) -> schemas.ContractVersion:
    for v in await svc.versions(engagement_id):
        if v["id"] == version_id:
            return schemas.version_out(v)
    raise NotFoundError("契約書の版", version_id)


class ContractApiController(Controller):
    """Contract drafts over the API."""

    path = "/api/v1/engagements/{engagement_id:int}/contract"
    tags = ["contracts"]

    @post("/drafts", opt=DRAFT)
    async def create_draft(self, request: Request[Any, Any, Any], engagement_id: PathId) -> schemas.ContractVersion:
        """Generate a new draft version from the engagement's current facts."""
        svc = contract_service(request)
        version_id = await svc.create_draft(engagement_id, actor=principal(request).actor)
        return await _version(svc, engagement_id, version_id)

    @post("/amendments", opt=DRAFT)
    async def draft_amendment(self, request: Request[Any, Any, Any], engagement_id: PathId) -> schemas.ContractVersion:
        """Draft a 変更契約書（覚書）: a version of kind amendment holding the whole contract after the change.

        Its clauses are those the library in force selects for the engagement's facts now; ``amends_version`` is the
        signed version it changes; its document is the 覚書 with the 新旧対照表. 409 when nothing is signed yet or
        nothing would change.
        """
        svc = contract_service(request)
        version_id = await AmendmentService(svc).draft(engagement_id, actor=principal(request).actor)
        return await _version(svc, engagement_id, version_id)

    @get("/versions", opt=READ)
    async def versions(self, request: Request[Any, Any, Any], engagement_id: PathId) -> list[schemas.ContractVersion]:
        """List versions, newest first, with clauses added and removed against the previous one."""
        return [schemas.version_out(v) for v in await contract_service(request).versions(engagement_id)]

    @get("/versions/{version_id:int}/document", opt=READ, media_type=DOCX)
    async def document(
        self, request: Request[Any, Any, Any], engagement_id: PathId, version_id: PathId
    ) -> Response[bytes]:
        """Download a version's document (.docx)."""
        row, data = await contract_service(request).version_document(version_id, engagement_id)
        return _docx_response(data, _document_name(engagement_id, row))

    @post("/versions/{version_id:int}/finalize", opt=DRAFT)
    async def finalize(
        self, request: Request[Any, Any, Any], engagement_id: PathId, version_id: PathId
    ) -> schemas.ContractVersion:
        """Finalize a draft."""
        svc = contract_service(request)
        await svc.finalize(version_id, actor=principal(request).actor, engagement_id=engagement_id)
        return await _version(svc, engagement_id, version_id)

    @post("/versions/{version_id:int}/sign", opt=DRAFT)
    async def sign(
        self,
        request: Request[Any, Any, Any],
        engagement_id: PathId,
        version_id: PathId,
        data: JSONBody[schemas.SignatureIn],
    ) -> schemas.ContractVersion:
        """Record the signature of a finalized version."""
        svc = contract_service(request)
        await svc.sign(
            version_id, signed_on=data.signed_on, municipality_signatory=data.municipality_signatory,
            contractor_signatory=data.contractor_signatory, actor=principal(request).actor,
            engagement_id=engagement_id,
        )  # fmt: skip
        return await _version(svc, engagement_id, version_id)

    @get("/approvals", opt=READ)
    async def approvals(
        self, request: Request[Any, Any, Any], engagement_id: PathId
    ) -> list[schemas.SubcontractorApproval]:
        """List the subcontractor approvals (再委託の承認・番号法第10条の許諾) with their evaluation items."""
        return [schemas.approval_out(r) for r in await contract_service(request).approvals(engagement_id)]

    @post("/approvals/{approval_id:int}", opt=APPROVE, status_code=200)
    async def decide_approval(
        self,
        request: Request[Any, Any, Any],
        engagement_id: PathId,
        approval_id: PathId,
        data: JSONBody[ApprovalDecisionIn],
    ) -> schemas.SubcontractorApproval:
        """Approve or refuse a subcontractor on its item-by-item evaluation (the same rules as the page).

        Approval needs every item answered and none 不適合; a refusal needs a 不適合 item or a note. マイナンバー work
        (番号法第10条の許諾) is decided by a security officer; nobody decides their own request.
        """
        svc = contract_service(request)
        if not any(r["id"] == approval_id for r in await svc.approvals(engagement_id)):
            raise NotFoundError("再委託の承認", approval_id)
        evaluation = Evaluation(
            {i.criterion: i.answer for i in data.evaluation}, {i.criterion: i.note for i in data.evaluation if i.note}
        )
        try:
            await svc.decide_approval(
                approval_id, approve=data.decision == "approve", actor=principal(request).actor, note=data.note,
                evaluation=evaluation,
            )  # fmt: skip
        except ValidationError as exc:  # the service names form fields (answer-<id>, note-<id>): name the JSON ones
            raise ValidationError({_api_field(k): v for k, v in exc.field_errors.items()}, exc.message) from exc
        [row] = [r for r in await svc.approvals(engagement_id) if r["id"] == approval_id]
        return schemas.approval_out(row)

    @get("/versions/{version_id:int}", opt=READ)
    async def version(
        self, request: Request[Any, Any, Any], engagement_id: PathId, version_id: PathId
    ) -> schemas.ContractVersion:
        """One version, with its clauses and those added and removed against the previous version."""
        return await _version(contract_service(request), engagement_id, version_id)


def _api_field(form_field: str) -> str:
    """The JSON name of a field the service names as on the page (``answer-scope`` → ``evaluation.scope.answer``)."""
    kind, _, criterion = form_field.partition("-")
    return f"evaluation.{criterion}.{kind}" if criterion else form_field


class EvaluationItemIn(Struct):
    """The answer on one evaluation item of a subcontractor."""

    criterion: Annotated[str, msgspec.Meta(title="評価の項目", min_length=1, max_length=50)]
    answer: Annotated[Literal["conforms", "fails", "not_applicable"], msgspec.Meta(title="評価")]
    note: Annotated[str, msgspec.Meta(title="評価の所見", max_length=1000)] = ""


class ApprovalDecisionIn(Struct):
    """A decision on a subcontractor: approve or refuse, with the item-by-item evaluation.

    Declared here rather than in ``schemas.py`` only because that module is being reworked in parallel (issue 12).
    """

    decision: Annotated[Literal["approve", "refuse"], msgspec.Meta(title="判断")]
    evaluation: Annotated[list[EvaluationItemIn], msgspec.Meta(title="評価", max_length=20)] = []
    note: Annotated[str, msgspec.Meta(title="所見", max_length=2000)] = ""
