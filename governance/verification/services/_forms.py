"""様式 on a check: the library's forms tied to its checklist items, pre-filled from the check and its contract."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio

from governance.calendar import today_tokyo
from governance.contractors.services import ContractorService
from governance.contracts.context import Municipality, build_context
from governance.contracts.form_documents import form_file_name, forms_for, render_form
from governance.contracts.forms import Form
from governance.contracts.library import ClauseLibrary
from governance.contracts.library_cache import base_document, library_at
from governance.contracts.tables import Contract
from governance.engagements.schemas import Engagement
from governance.engagements.services import EngagementService, facts_of_engagement
from governance.errors import ConflictError, NotFoundError
from governance.municipality.services import current_municipality
from governance.verification.plan import check_period
from governance.verification.tables import Check, ChecklistItem, CheckPlan

_FORM_ID = re.compile(r"^[A-Z][A-Z0-9-]{1,59}$")


@dataclass(frozen=True)
class FilledForm:
    """A form pre-filled for a check, as a Word document."""

    form: Form
    data: bytes
    filename: str
    """The download's name, as the 調達用一式 names the form: 様式第６号_定期報告書.docx."""


@dataclass(frozen=True)
class _Sources:
    check: dict[str, Any]
    items: list[dict[str, Any]]
    engagement: Engagement
    library: ClauseLibrary


class CheckFormService:
    """The forms a check offers, and each one filled in from the check, its engagement and its contract."""

    def __init__(self, *, templates_dir: Path, municipality: Municipality) -> None:
        self.templates_dir = templates_dir
        self.municipality = municipality

    async def offered(self, check_id: int, *, contractor_only: bool = False) -> list[Form]:
        """The forms tied to the check's checklist items whose conditions hold for its engagement, in 様式番号 order.

        ``contractor_only`` leaves out the municipality's own forms (実地検査チェックリスト …), for the contractor.

        Raises:
            NotFoundError: no such check.
            governance.contracts.library.LibraryError: the clause library has problems.
        """
        return self._offered(await self._sources(check_id), contractor_only)

    async def fill(self, check_id: int, form_id: str, *, contractor_only: bool = False) -> FilledForm:
        """The form pre-filled with the engagement, the contractor, the period the check covers and its items.

        Raises:
            NotFoundError: no such check, or the check does not offer that form.
            ConflictError: the engagement has no contract (its contractor is not known).
            governance.contracts.library.LibraryError: the clause library has problems.
        """
        sources = await self._sources(check_id)
        form = next((f for f in self._offered(sources, contractor_only) if f.id == form_id), None)
        if form is None:
            raise NotFoundError("この確認で使う様式", form_id if _FORM_ID.match(form_id) else "指定の様式")
        contract = await Contract.select().where(Contract.engagement == sources.engagement.id).first()
        if contract is None:
            raise ConflictError("この委託業務には契約がないため、様式を作成できません。")
        contractor = await ContractorService().get(contract["contractor"])
        municipality = await current_municipality(self.municipality)
        context = build_context(sources.engagement, contractor, municipality) | {
            "check": await self._check_context(sources), "today": today_tokyo(),
        }  # fmt: skip
        root = self.templates_dir
        data = await anyio.to_thread.run_sync(lambda: render_form(form, context, base=base_document(root)))
        return FilledForm(form, data, form_file_name(form, context))

    async def _sources(self, check_id: int) -> _Sources:
        check = await Check.select(
            Check.id, Check.engagement, Check.plan, Check.kind, Check.title, Check.due_on
        ).where(Check.id == check_id).first()  # fmt: skip
        if check is None:
            raise NotFoundError("確認", check_id)
        items = await (
            ChecklistItem.select(ChecklistItem.item_id, ChecklistItem.what, ChecklistItem.requirements)
            .where(ChecklistItem.check == check_id)
            .order_by(ChecklistItem.position)
            .output(load_json=True)
        )
        engagement = await EngagementService().get(check["engagement"])
        library = await anyio.to_thread.run_sync(library_at, self.templates_dir)
        return _Sources(check, items, engagement, library)

    @staticmethod
    def _offered(sources: _Sources, contractor_only: bool) -> list[Form]:
        facts = facts_of_engagement(sources.engagement)
        forms = forms_for(sources.library, facts, check_item_ids=[i["item_id"] for i in sources.items])
        return [f for f in forms if not contractor_only or f.submitted_by == "contractor"]

    @staticmethod
    async def _check_context(sources: _Sources) -> dict[str, Any]:
        """The ``check`` placeholder: title, kind, due date, the period it covers (within the planned term), items."""
        check, engagement = sources.check, sources.engagement
        term = None
        if check["plan"] is not None:
            term = await CheckPlan.select(CheckPlan.term_start, CheckPlan.term_end).where(
                CheckPlan.id == check["plan"]
            ).first()  # fmt: skip
        start, end = (term["term_start"], term["term_end"]) if term else (engagement.start_date, engagement.end_date)
        period = check_period(check["kind"], check["due_on"], start, end)
        return {
            "title": check["title"], "kind": check["kind"], "due_on": check["due_on"],
            "period_start": period[0] if period else None, "period_end": period[1] if period else None,
            "items": [{"what": i["what"], "requirements": list(i["requirements"] or [])} for i in sources.items],
        }  # fmt: skip
