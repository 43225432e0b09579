"""Engagement pages: list, register, detail (facts, tier, term, selections), edit."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.response import Redirect, Stream, Template

from governance.accounts.roles import OUTSOURCING_READERS, STAFF_EDITORS
from governance.accounts.services import UserService
from governance.calendar import today_tokyo
from governance.contracts.documents import PAYMENT_LABELS
from governance.engagements import schemas
from governance.engagements.facts import (
    CONFIDENTIALITY_LABELS,
    CONFIDENTIALITY_LEVELS,
    CONTRACT_TYPE_LABELS,
    FLAG_LABELS,
    SEGMENT_LABELS,
    WORK_KIND_LABELS,
    WORK_LOCATION_LABELS,
)
from governance.engagements.register import ENGAGEMENT_COLUMNS, ENGAGEMENT_TITLE
from governance.engagements.services import SELECTION_METHODS, EngagementQuery, EngagementService, SelectionService
from governance.engagements.tables import ENGAGEMENT_STATUS_LABELS, SELECTION_STATUS_LABELS
from governance.engagements.term import RENEWAL_LABELS
from governance.engagements.tier import TIER_LABELS
from governance.errors import ConflictError, ValidationError
from governance.incidents.report_pages import incident_link_context
from governance.web.access import access
from governance.web.captions import department_label, filter_caption
from governance.web.exporting import export_links, export_response, wanted_format
from governance.web.forms import parse_form
from governance.web.pages import notice_of, principal, redirect, render
from governance.web.params import PathId, query_number, query_page
from governance.web.scope import listing_department

READ = access(OUTSOURCING_READERS)
ENDING_CHOICES = {90: "契約期間の終了が90日以内"}
"""``?ending=`` values the list offers (days from today; contracted engagements only)."""
WRITE = access(STAFF_EDITORS)
MULTILINE = frozenset({"purpose", "scope", "subcontractors", "tier_change_reason", "legal_ground"})
RENEWAL_BASIS_LABELS = {
    "long_term": "長期継続契約（地方自治法第234条の3）",
    "debt_burden": "債務負担行為（地方自治法第214条）",
}

CHOICES = {
    "statuses": ENGAGEMENT_STATUS_LABELS,
    "renewals": RENEWAL_LABELS,
    "segments": SEGMENT_LABELS,
    "work_kinds": WORK_KIND_LABELS,
    "work_locations": WORK_LOCATION_LABELS,
    "integrity": {"1": "完全性1", "2": "完全性2"},
    "availability": {"1": "可用性1", "2": "可用性2"},
    "tiers": TIER_LABELS,
    "flags": FLAG_LABELS,
    "methods": SELECTION_METHODS,
    "contract_types": {"": "業務の種類から判定する", **CONTRACT_TYPE_LABELS},
    "bonds": {"exempt": "免除", "required": "納付させる"},
    "payments": PAYMENT_LABELS,
    "renewal_bases": {"": "（自動更新の場合に選択）", **RENEWAL_BASIS_LABELS},
    "selection_statuses": SELECTION_STATUS_LABELS,
}


async def export_engagements(fmt: str, query: EngagementQuery) -> Stream:
    """The register of every engagement the list's filters (and the department scope) match, not one page."""
    rows = EngagementService().export_rows(query)
    return await export_response(fmt, ENGAGEMENT_TITLE, ENGAGEMENT_COLUMNS, rows, fallback="engagements")


def scheme_in_force(request: Request[Any, Any, Any], data: Any) -> Any:
    """The classification scheme is a setting (GOVERNANCE_CLASSIFICATION_SCHEME); no form or API body chooses it."""
    return msgspec.structs.replace(data, scheme=request.app.state.settings.classification_scheme)


def confidentiality_options(scheme: str) -> dict[str, str]:
    """The confidentiality levels of the classification scheme in force."""
    return {level: CONFIDENTIALITY_LABELS[level] for level in CONFIDENTIALITY_LEVELS.get(scheme, ())}


class EngagementPageController(Controller):
    """委託業務: the engagement register and each engagement's facts."""

    path = "/engagements"
    include_in_schema = False

    @get("/", opt=READ)
    async def index(self, request: Request[Any, Any, Any]) -> Template | Stream:
        """List engagements with filters (``?format=xlsx|csv``: the register as a file)."""
        q = request.query_params
        query = EngagementQuery(
            q=str(q.get("q", ""))[:100],
            department_id=listing_department(request, query_number(q, "department_id")),
            status=str(q.get("status", ""))[:20],
            tier=query_number(q, "tier"),
            ending_within=ending if (ending := query_number(q, "ending")) in ENDING_CHOICES else None,
            sort=str(q.get("sort", "new"))[:10],
            page=query_page(q),
        )
        if fmt := wanted_format(request):
            return await export_engagements(fmt, query)
        items, total = await EngagementService().list(query)
        departments = await UserService().list_departments()
        caption = filter_caption(
            [department_label(departments, query.department_id), ENGAGEMENT_STATUS_LABELS.get(query.status),
             f"重要度{TIER_LABELS[query.tier]}" if query.tier in TIER_LABELS else None,
             ENDING_CHOICES.get(query.ending_within or 0),
             f"「{query.q}」を含む" if query.q.strip() else None],
            "委託業務", total,
        )  # fmt: skip
        return render(
            "engagements/index.html", items=items, total=total, query=query, caption=caption,
            clear_href="/engagements", ending_choices=ENDING_CHOICES,
            pages=max(1, -(-total // query.per_page)), departments=departments,
            exports=export_links(request), notice=notice_of(request), active_nav="engagements", **CHOICES,
        )  # fmt: skip

    async def _form(
        self,
        request: Request[Any, Any, Any],
        *,
        engagement: Any = None,
        values: dict[str, Any],
        errors: dict[str, str],
        status_code: int = 200,
    ) -> Template:
        scheme = request.app.state.settings.classification_scheme
        users = await UserService().list_users(include_inactive=False)
        return render(
            "engagements/form.html", status_code=status_code, engagement=engagement, values=values, errors=errors,
            departments={str(d.id): d.name for d in await UserService().list_departments(include_inactive=False)},
            supervisors={str(u.id): f"{u.full_name}（{u.department_name}）" for u in users},
            confidentiality=confidentiality_options(scheme), scheme=scheme,
            active_nav="engagements", **CHOICES,
        )  # fmt: skip

    @get("/new", opt=WRITE)
    async def new(self, request: Request[Any, Any, Any]) -> Template:
        """Show the registration form."""
        user = principal(request)
        values = {"department_id": str(user.department_id), "status": "planning", "renewal": "none",
                  "renewal_months": "12", "notice_days": "0", "integrity": "1", "availability": "1",
                  "confidentiality": "2", "work_kinds": [], "work_locations": [], "segments": []}  # fmt: skip
        return await self._form(request, values=values, errors={})

    @post("/", opt=WRITE)
    async def create(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        """Register an engagement."""
        form = await request.form()
        result = parse_form(form, schemas.EngagementCreate, multiline=MULTILINE)
        if not result.ok:
            return await self._form(request, values=result.raw, errors=result.errors, status_code=422)
        try:
            new_id = await EngagementService().create(
                scheme_in_force(request, result.value), actor=principal(request).actor
            )
        except ValidationError as exc:
            return await self._form(request, values=result.raw, errors=exc.field_errors, status_code=422)
        return redirect(f"/engagements/{new_id}", "created")

    @get("/{engagement_id:int}", opt=READ)
    async def detail(self, request: Request[Any, Any, Any], engagement_id: PathId) -> Template:
        """Show an engagement: facts, flags, tier and why, term arithmetic, tier history, selections."""
        return await self._detail(request, engagement_id)

    async def _detail(
        self, request: Request[Any, Any, Any], engagement_id: int, *, status_code: int = 200, **extra: Any
    ) -> Template:
        engagement = await EngagementService().get(engagement_id)
        selections = await SelectionService().for_engagement(engagement_id)
        user = principal(request)
        context = {"selection_values": {"method": ""}, "selection_errors": {}, "error": None}
        context.update(await incident_link_context(engagement_id, user))
        context.update(extra)
        return render(
            "engagements/detail.html", status_code=status_code, e=engagement, selections=selections,
            can_edit=user.has_any(*STAFF_EDITORS), today=today_tokyo(), confidentiality_labels=CONFIDENTIALITY_LABELS,
            notice=notice_of(request), active_nav="engagements", **CHOICES, **context,
        )  # fmt: skip

    @get("/{engagement_id:int}/edit", opt=WRITE)
    async def edit(self, request: Request[Any, Any, Any], engagement_id: PathId) -> Template:
        """Show the edit form."""
        e = await EngagementService().get(engagement_id)
        values: dict[str, Any] = {
            name: getattr(e, name)
            for name in ("title", "purpose", "scope", "renewal", "status", "scheme", "confidentiality", "segments",
                         "work_kinds", "work_locations", "personal_info", "specific_personal_info", "remote_access",
                         "off_premises", "subcontracting", "work_place", "bond", "bond_note", "payment_terms",
                         "payment_note", "renewal_basis")
        }  # fmt: skip
        values.update(
            contract_type=e.contract_type_choice,
            tax_amount="" if e.tax_amount is None else str(e.tax_amount),
            bond_amount="" if e.bond_amount is None else str(e.bond_amount),
        )
        values.update(
            department_id=str(e.department_id), supervisor_id=str(e.supervisor_id or ""),
            start_date=e.start_date.isoformat(), end_date=e.end_date.isoformat(), renewal_months=str(e.renewal_months),
            notice_days=str(e.notice_days), contract_value="" if e.contract_value is None else str(e.contract_value),
            integrity=str(e.integrity), availability=str(e.availability), subcontractors="\n".join(e.subcontractors),
        )  # fmt: skip
        return await self._form(request, engagement=e, values=values, errors={})

    @post("/{engagement_id:int}", opt=WRITE)
    async def update(self, request: Request[Any, Any, Any], engagement_id: PathId) -> Template | Redirect:
        """Save changes; raising the tier asks for a reason."""
        service = EngagementService()
        e = await service.get(engagement_id)
        result = parse_form(await request.form(), schemas.EngagementUpdate, multiline=MULTILINE)
        if not result.ok:
            return await self._form(request, engagement=e, values=result.raw, errors=result.errors, status_code=422)
        try:
            await service.update(engagement_id, scheme_in_force(request, result.value), actor=principal(request).actor)
        except ValidationError as exc:
            return await self._form(request, engagement=e, values=result.raw, errors=exc.field_errors, status_code=422)
        return redirect(f"/engagements/{engagement_id}", "saved")

    @post("/{engagement_id:int}/selections", opt=WRITE)
    async def start_selection(self, request: Request[Any, Any, Any], engagement_id: PathId) -> Template | Redirect:
        """Start a selection record for the engagement."""
        result = parse_form(await request.form(), schemas.SelectionCreate, multiline=MULTILINE)
        if not result.ok:
            return await self._detail(
                request, engagement_id, status_code=422, selection_values=result.raw, selection_errors=result.errors
            )
        try:
            sel_id = await SelectionService().create(engagement_id, result.value, actor=principal(request).actor)
        except ValidationError as exc:
            return await self._detail(
                request, engagement_id, status_code=422, selection_values=result.raw, selection_errors=exc.field_errors
            )
        except ConflictError as exc:
            return await self._detail(request, engagement_id, status_code=409, error=exc.message)
        return redirect(f"/selections/{sel_id}", "created")
