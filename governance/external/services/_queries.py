"""Reading the registry: the list with filters, a service with everything around it, applications."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from governance.calendar import TOKYO, today_tokyo
from governance.contractors.tables import Contractor
from governance.contracts.tables import Contract
from governance.db import icontains, keyset_chunks
from governance.engagements.tables import Engagement
from governance.errors import NotFoundError
from governance.external import schemas
from governance.external.checklist import STATE_LABELS, ServiceFacts, applicant_items, evaluate_checklist
from governance.external.codes import (
    APPLICATION_STATUS_LABELS,
    CONTRACT_TYPE_LABELS,
    DATA_LOCATION_LABELS,
    ISMAP_LABELS,
    PLATFORM_LABELS,
    RECORD_KIND_LABELS,
    REGIME_LABELS,
    SERVICE_KIND_LABELS,
    SERVICE_STATUS_LABELS,
    ApplicationStatus,
    RecordKind,
    ServiceKind,
)
from governance.external.regime import BUILD_ITEMS, EXIT_ITEMS, REVIEW_ITEMS, allowed_actions, is_above, regime_for
from governance.external.services._common import ACTIVE_STATUSES, application_flags, level_label, service_flags
from governance.external.tables import ExternalService, ServiceApplication, ServiceRecord, ServiceUsage
from governance.listing import ids_then_rows

REVIEW_FILTERS: dict[str, str] = {"overdue": "期限超過", "soon": "60日以内に期限", "none": "期限の設定なし"}
DUE_SOON_DAYS = 60
_RECORD_ITEMS = {RecordKind.build: BUILD_ITEMS, RecordKind.review: REVIEW_ITEMS, RecordKind.exit: EXIT_ITEMS}


@dataclass(frozen=True)
class ServiceQuery:
    """Filters of the registry list; empty values do not filter."""

    q: str = ""
    regime: str = ""
    status: str = ""
    kind: str = ""
    department_id: int | None = None
    review: str = ""
    page: int = 1
    per_page: int = 50


_SERVICE_COLUMNS = (
    ExternalService.all_columns(),
    ExternalService.administrator.full_name.as_alias("administrator_name"),
    ExternalService.contractor.name.as_alias("contractor_name"),
    ExternalService.engagement.title.as_alias("engagement_title"),
)


async def _usages(service_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    by_service: dict[int, list[dict[str, Any]]] = {i: [] for i in service_ids}
    if not service_ids:
        return by_service
    rows = await ServiceUsage.select(
        ServiceUsage.all_columns(),
        ServiceUsage.department.name.as_alias("department_name"),
        ServiceUsage.reconfirmed_by.full_name.as_alias("reconfirmed_by_name"),
    ).where(ServiceUsage.service.is_in(service_ids)).order_by(ServiceUsage.id)  # fmt: skip
    for r in rows:
        by_service[r["service"]].append(r)
    return by_service


def _summary(row: dict[str, Any], usages: list[dict[str, Any]], today: dt.date) -> dict[str, Any]:
    active = [u for u in usages if u["active"]]
    overdue = row["status"] in ACTIVE_STATUSES and row["next_review_on"] is not None and row["next_review_on"] < today
    return {
        "id": row["id"], "name": row["name"], "provider_name": row["provider_name"], "kind": row["kind"],
        "kind_label": SERVICE_KIND_LABELS.get(row["kind"], row["kind"]),
        "is_social_media": row["kind"] == ServiceKind.social_media, "platform": row["platform"],
        "platform_label": PLATFORM_LABELS.get(row["platform"] or "", ""), "contract_type": row["contract_type"],
        "contract_type_label": CONTRACT_TYPE_LABELS.get(row["contract_type"], row["contract_type"]),
        "regime": row["regime"], "regime_label": REGIME_LABELS.get(row["regime"], row["regime"]),
        "status": row["status"], "status_label": SERVICE_STATUS_LABELS.get(row["status"], row["status"]),
        "max_confidentiality": row["max_confidentiality"],
        "max_confidentiality_label": level_label(row["max_confidentiality"]),
        "approved_confidentiality": row["approved_confidentiality"], "administrator_id": row["administrator"],
        "administrator_name": row["administrator_name"] or "",
        "departments": [u["department_name"] for u in active],
        "account_total": sum(u["account_count"] for u in active),
        "next_review_on": row["next_review_on"] if row["status"] in ACTIVE_STATUSES else None,
        "review_overdue": overdue, "flags": service_flags(row, usages, today),
    }  # fmt: skip


async def _service_where(query: ServiceQuery, today: dt.date) -> list[Any]:
    """The conditions of the registry list's filters, shared by the page, the API list and the export."""
    where: list[Any] = []
    if query.q:
        where.append(icontains(ExternalService.name, query.q) | icontains(ExternalService.provider_name, query.q))
    if query.status == "active":
        where.append(ExternalService.status.is_in(list(ACTIVE_STATUSES)))
    for column, value in (
        (ExternalService.regime, query.regime),
        (ExternalService.status, "" if query.status == "active" else query.status),
        (ExternalService.kind, query.kind),
    ):
        if value:
            where.append(column == value)
    if query.department_id is not None:
        ids = {r["service"] for r in await ServiceUsage.select(ServiceUsage.service).where(
            ServiceUsage.department == query.department_id)}  # fmt: skip
        ids |= {r["service"] for r in await ServiceApplication.select(ServiceApplication.service).where(
            ServiceApplication.department == query.department_id)}  # fmt: skip
        where.append(ExternalService.id.is_in(sorted(ids) or [0]))
    if query.review:
        where.append(ExternalService.status.is_in(list(ACTIVE_STATUSES)))
        if query.review == "overdue":
            where.append(ExternalService.next_review_on < today)
        elif query.review == "soon":
            where.append(ExternalService.next_review_on <= today + dt.timedelta(days=DUE_SOON_DAYS))
        elif query.review == "none":
            where.append(ExternalService.next_review_on.is_null())
    return where


def _service_export_row(row: dict[str, Any], usages: list[dict[str, Any]], today: dt.date) -> dict[str, Any]:
    """A service as the register file lists it: the list's summary and the registry facts behind it."""
    keep = ("url", "purpose", "data_location", "governing_law", "jurisdiction", "ismap", "ismap_number",
            "ismap_valid_until", "other_certifications", "terms_version", "terms_reviewed_on", "review_cycle_months",
            "last_review_on", "approved_at", "ended_on", "contractor_name", "engagement_title")  # fmt: skip
    return {
        **_summary(row, usages, today),
        **{k: row[k] for k in keep},
        "approved_confidentiality_label": level_label(row["approved_confidentiality"])
        if row["approved_confidentiality"]
        else "",
    }


def service_ids_query(query: ServiceQuery, where: list[Any]) -> Any:
    """The page's service ids (``where`` from ``_service_where``): by next review for due ones, else by name."""
    select = ExternalService.select(ExternalService.id)
    if where:
        select = select.where(*where)
    if query.review in ("overdue", "soon"):
        select = select.order_by(ExternalService.next_review_on).order_by(ExternalService.name)
    else:
        select = select.order_by(ExternalService.name)
    return select.order_by(ExternalService.id).limit(query.per_page).offset((query.page - 1) * query.per_page)


class RegistryQueries:
    """Read-only use cases of the registry."""

    async def list(self, query: ServiceQuery, *, today: dt.date | None = None) -> schemas.ServicePage:
        """One page of services matching the filters (name order)."""
        today = today or today_tokyo()
        where = await _service_where(query, today)
        count = ExternalService.count()
        if where:
            count = count.where(*where)
        rows, total = await ids_then_rows(service_ids_query(query, where), ExternalService.select(*_SERVICE_COLUMNS),
                                          ExternalService.id, count)  # fmt: skip
        usages = await _usages([r["id"] for r in rows])
        items = [schemas.ServiceSummary(**_summary(r, usages[r["id"]], today)) for r in rows]
        return schemas.ServicePage(items=items, total=total, page=query.page, per_page=query.per_page)

    async def export_rows(
        self, query: ServiceQuery, *, today: dt.date | None = None, chunk: int = 500
    ) -> AsyncIterator[dict[str, Any]]:
        """Every service matching the list's filters (not one page), in registration order, a chunk at a time."""
        today = today or today_tokyo()
        where = await _service_where(query, today)
        async for rows in keyset_chunks(lambda: ExternalService.select(*_SERVICE_COLUMNS), ExternalService, where,
                                        chunk=chunk):  # fmt: skip
            usages = await _usages([r["id"] for r in rows])
            for row in rows:
                yield _service_export_row(row, usages[row["id"]], today)

    async def options(self) -> dict[str, str]:
        """Services that can take new applications (not ended), for select boxes."""
        rows = await ExternalService.select(ExternalService.id, ExternalService.name).where(
            ExternalService.status != "ended"
        ).order_by(ExternalService.name)  # fmt: skip
        return {str(r["id"]): r["name"] for r in rows}

    async def link_options(self, department_id: int | None = None) -> dict[str, dict[str, str]]:
        """Contractors, engagements and contracts a service can be linked to, for select boxes (of one department)."""
        contractors = await Contractor.select(Contractor.id, Contractor.name).order_by(Contractor.name_kana)
        engagements = Engagement.select(Engagement.id, Engagement.title).order_by(Engagement.id, ascending=False)
        contracts = Contract.select(
            Contract.id, Contract.engagement.title.as_alias("title"), Contract.contractor.name.as_alias("contractor")
        ).order_by(Contract.id, ascending=False)  # fmt: skip
        if department_id is not None:
            engagements = engagements.where(Engagement.department == department_id)
            contracts = contracts.where(Contract.engagement.department == department_id)
        engagements, contracts = await engagements, await contracts
        return {
            "contractors": {str(r["id"]): r["name"] for r in contractors},
            "engagements": {str(r["id"]): r["title"] for r in engagements},
            "contracts": {str(r["id"]): f"{r['title']}（{r['contractor']}）" for r in contracts},
        }

    @staticmethod
    def facts(row: dict[str, Any]) -> ServiceFacts:
        """The registry's facts for the checklist."""
        return ServiceFacts(
            regime=row["regime"], status=row["status"], ismap=row["ismap"], ismap_number=row["ismap_number"],
            ismap_valid_until=row["ismap_valid_until"], data_location=row["data_location"],
            governing_law=row["governing_law"], jurisdiction=row["jurisdiction"], terms_version=row["terms_version"],
            has_contract=row["contract"] is not None, has_administrator=row["administrator"] is not None,
            approved=row["status"] in (*ACTIVE_STATUSES, "ended"), build_confirmed_on=row["build_confirmed_on"],
            last_review_on=row["last_review_on"], next_review_on=row["next_review_on"],
            exit_confirmed_on=row["exit_confirmed_on"],
        )  # fmt: skip

    def checklist(self, row: dict[str, Any], today: dt.date, regime: str | None = None) -> list[schemas.CheckItem]:
        """The checklist of the service's regime (or of another regime) with each item's state."""
        facts = self.facts(row)
        if regime is not None:
            from dataclasses import replace

            facts = replace(facts, regime=regime)
        return [
            schemas.CheckItem(
                id=c.id, label=c.label, phase=c.phase, phase_label=c.phase_label, text=c.text, state=c.state,
                state_label=STATE_LABELS[c.state], note=c.note,
            )
            for c in evaluate_checklist(facts, today)
        ]  # fmt: skip

    async def get(
        self, service_id: int, *, today: dt.date | None = None, applications_of: int | None = None
    ) -> schemas.Service:
        """A service with its regime, checklist, usage per department, applications and records.

        ``applications_of`` limits the applications listed to one department's (a department user's need-to-know).

        Raises:
            NotFoundError: no such service.
        """
        today = today or today_tokyo()
        row = await ExternalService.select(*_SERVICE_COLUMNS).where(ExternalService.id == service_id).first()
        if row is None:
            raise NotFoundError("外部サービス", service_id)
        usages = (await _usages([service_id]))[service_id]
        decision = regime_for(row["scheme"], row["max_confidentiality"])
        records = await ServiceRecord.select(
            ServiceRecord.all_columns(), ServiceRecord.recorded_by.full_name.as_alias("recorded_by_name")
        ).where(ServiceRecord.service == service_id).order_by(ServiceRecord.id, ascending=False)  # fmt: skip
        return schemas.Service(
            **_summary(row, usages, today),
            contractor_id=row["contractor"], contractor_name=row["contractor_name"] or "", url=row["url"],
            purpose=row["purpose"], data_location=row["data_location"],
            data_location_label=DATA_LOCATION_LABELS.get(row["data_location"], row["data_location"]),
            governing_law=row["governing_law"], jurisdiction=row["jurisdiction"], ismap=row["ismap"],
            ismap_label=ISMAP_LABELS.get(row["ismap"], row["ismap"]), ismap_number=row["ismap_number"],
            ismap_valid_until=row["ismap_valid_until"], other_certifications=row["other_certifications"],
            terms_version=row["terms_version"], terms_reviewed_on=row["terms_reviewed_on"], scheme=row["scheme"],
            regime_reason=decision.reason, engagement_id=row["engagement"],
            engagement_title=row["engagement_title"] or "", contract_id=row["contract"],
            review_cycle_months=row["review_cycle_months"], last_review_on=row["last_review_on"],
            build_confirmed_on=row["build_confirmed_on"], exit_confirmed_on=row["exit_confirmed_on"],
            ended_on=row["ended_on"], approved_at=row["approved_at"], notes=row["notes"],
            created_by_id=row["created_by"], checklist=self.checklist(row, today),
            usages=[_usage(u) for u in usages],
            applications=await self.applications(service_id=service_id, department_id=applications_of),
            records=[_record(r) for r in records],
        )  # fmt: skip

    async def applications(
        self, *, service_id: int | None = None, status: str = "", department_id: int | None = None, limit: int = 200
    ) -> list[schemas.ApplicationSummary]:
        """Applications, newest first, optionally of one service, status or department."""
        where = _application_where(service_id, status, department_id)
        query = ServiceApplication.select(*_APPLICATION_COLUMNS).order_by(ServiceApplication.id, ascending=False)
        rows = await (query.where(*where) if where else query).limit(limit)
        return [schemas.ApplicationSummary(**_application_summary(r)) for r in rows]

    async def export_applications(
        self, *, service_id: int | None = None, status: str = "", department_id: int | None = None, chunk: int = 500
    ) -> AsyncIterator[dict[str, Any]]:
        """Every application matching the list's filters (the list shows the latest 200), newest first, in chunks."""
        where = _application_where(service_id, status, department_id)
        async for rows in keyset_chunks(lambda: ServiceApplication.select(*_APPLICATION_EXPORT_COLUMNS),
                                        ServiceApplication, where, chunk=chunk, newest_first=True):  # fmt: skip
            for row in rows:
                yield _application_export_row(row)

    async def application(self, application_id: int, *, today: dt.date | None = None) -> schemas.Application:
        """A usage application with its checklist (the regime of the information applied for) and flags.

        Raises:
            NotFoundError: no such application.
        """
        today = today or today_tokyo()
        row = await ServiceApplication.select(
            *_APPLICATION_COLUMNS,
            ServiceApplication.reviewer.full_name.as_alias("reviewer_name"),
            ServiceApplication.administrator.full_name.as_alias("administrator_name"),
        ).where(ServiceApplication.id == application_id).first()  # fmt: skip
        if row is None:
            raise NotFoundError("利用申請", application_id)
        service = await ExternalService.select().where(ExternalService.id == row["service"]).first()
        decision = regime_for(row["scheme"], row["confidentiality"])
        service_checks = {c.id: c for c in self.checklist(service, today, regime=decision.regime)}
        confirmed = set(json.loads(row["checklist"] or "[]"))
        checks = [
            schemas.ApplicationCheck(
                id=c.id, label=c.label, phase_label=service_checks[c.id].phase_label, text=c.text,
                confirmed=c.id in confirmed, registry_state=service_checks[c.id].state,
                registry_note=service_checks[c.id].note,
            )
            for c in applicant_items(decision.regime)
        ]  # fmt: skip
        _, _, flags = application_flags(row, service)
        return schemas.Application(
            **_application_summary(row, service),
            purpose=row["purpose"], information=row["information"], scheme=row["scheme"], users=row["users"],
            account_count=row["account_count"], period_start=row["period_start"], period_end=row["period_end"],
            terms_reviewed=row["terms_reviewed"], terms_version=row["terms_version"], measures=row["measures"],
            regime_label=decision.label, regime_reason=decision.reason, checks=checks,
            service_checklist=list(service_checks.values()), flags=flags, service_status=service["status"],
            service_max_confidentiality=service["max_confidentiality"],
            service_approved_confidentiality=service["approved_confidentiality"], reviewer_id=row["reviewer"],
            reviewer_name=row["reviewer_name"] or "", review_started_at=row["review_started_at"],
            decided_at=row["decided_at"], decision_comment=row["decision_comment"],
            administrator_id=row["administrator"], administrator_name=row["administrator_name"] or "",
            allowed_actions=allowed_actions(row["status"]),
        )  # fmt: skip

    async def awaiting_review(self) -> list[dict[str, Any]]:
        """Applications submitted or under review (oldest first), for the approvers' to-do list."""
        return await ServiceApplication.select(
            ServiceApplication.id, ServiceApplication.applicant, ServiceApplication.status,
            ServiceApplication.service.name.as_alias("service_name"),
            ServiceApplication.department.name.as_alias("department_name"),
        ).where(
            ServiceApplication.status.is_in([ApplicationStatus.submitted, ApplicationStatus.under_review])
        ).order_by(ServiceApplication.id)  # fmt: skip


_APPLICATION_COLUMNS = (
    ServiceApplication.all_columns(),
    ServiceApplication.service.name.as_alias("service_name"),
    ServiceApplication.service.max_confidentiality.as_alias("service_max"),
    ServiceApplication.service.approved_confidentiality.as_alias("service_approved"),
    ServiceApplication.service.status.as_alias("service_status"),
    ServiceApplication.department.name.as_alias("department_name"),
    ServiceApplication.applicant.full_name.as_alias("applicant_name"),
)


_APPLICATION_EXPORT_COLUMNS = (
    *_APPLICATION_COLUMNS,
    ServiceApplication.reviewer.full_name.as_alias("reviewer_name"),
    ServiceApplication.administrator.full_name.as_alias("administrator_name"),
)


def _application_where(service_id: int | None, status: str, department_id: int | None) -> list[Any]:
    """The conditions of the applications list's filters, shared by the page, the API list and the export."""
    where: list[Any] = []
    if service_id is not None:
        where.append(ServiceApplication.service == service_id)
    if status:
        where.append(ServiceApplication.status == status)
    if department_id is not None:
        where.append(ServiceApplication.department == department_id)
    return where


def _application_export_row(row: dict[str, Any]) -> dict[str, Any]:
    """An application as the register file lists it: the list's summary, what was asked and how it was decided."""
    approved = row["status"] == ApplicationStatus.approved and row["decided_at"] is not None
    keep = ("purpose", "information", "users", "account_count", "period_start", "period_end", "decided_at",
            "decision_comment")  # fmt: skip
    return {
        **_application_summary(row),
        **{k: row[k] for k in keep},
        "regime_label": regime_for(row["scheme"], row["confidentiality"]).label,
        "reviewer_name": row["reviewer_name"] or "",
        "approver_name": (row["reviewer_name"] or "") if approved else "",
        "approved_on": row["decided_at"].astimezone(TOKYO).date() if approved else None,
        "administrator_name": row["administrator_name"] or "",
    }


def _application_summary(row: dict[str, Any], service: dict[str, Any] | None = None) -> dict[str, Any]:
    service = service or {"max_confidentiality": row["service_max"], "approved_confidentiality":
                          row["service_approved"], "status": row["service_status"]}  # fmt: skip
    above_limit, above_approval, _ = application_flags(row, service)
    return {
        "id": row["id"], "service_id": row["service"], "service_name": row["service_name"],
        "department_id": row["department"], "department_name": row["department_name"],
        "applicant_id": row["applicant"], "applicant_name": row["applicant_name"], "status": row["status"],
        "status_label": APPLICATION_STATUS_LABELS.get(row["status"], row["status"]),
        "confidentiality": row["confidentiality"], "confidentiality_label": level_label(row["confidentiality"]),
        "regime": regime_for(row["scheme"], row["confidentiality"]).regime, "above_service_limit": above_limit,
        "above_approval": above_approval, "submitted_at": row["submitted_at"], "updated_at": row["updated_at"],
    }  # fmt: skip


def _usage(u: dict[str, Any]) -> schemas.Usage:
    return schemas.Usage(
        id=u["id"], department_id=u["department"], department_name=u["department_name"],
        account_count=u["account_count"], approved_confidentiality=u["approved_confidentiality"],
        confidentiality_in_use=u["confidentiality_in_use"],
        above_approval=is_above(u["confidentiality_in_use"], u["approved_confidentiality"]),
        terms_confirmed_version=u["terms_confirmed_version"], reconfirm_requested_at=u["reconfirm_requested_at"],
        reconfirmed_at=u["reconfirmed_at"], reconfirmed_by=u["reconfirmed_by_name"] or "", active=u["active"],
    )  # fmt: skip


def _record(r: dict[str, Any]) -> schemas.Record:
    checked = json.loads(r["checked_items"] or "[]")
    items = _RECORD_ITEMS.get(r["kind"], {})
    return schemas.Record(
        id=r["id"], kind=r["kind"], kind_label=RECORD_KIND_LABELS.get(r["kind"], r["kind"]),
        performed_on=r["performed_on"], checked_items=checked,
        checked_labels=[items[k] for k in checked if k in items],
        unchecked_labels=[label for k, label in items.items() if k not in checked],
        terms_version=r["terms_version"], note=r["note"], recorded_by=r["recorded_by_name"] or "",
        recorded_at=r["recorded_at"],
    )  # fmt: skip
