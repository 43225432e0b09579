"""Use cases of the contractors domain: register, change, certify, suspend, list."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import msgspec

from governance.actor import Actor
from governance.audit.services import AuditService
from governance.calendar import today_tokyo
from governance.contractors import schemas
from governance.contractors.certificates import CERT_STATUS_LABELS, CertificateFact, certification_status
from governance.contractors.corporate_number import corporate_number_problem, normalize_corporate_number
from governance.contractors.filters import engaged_and_expiring
from governance.contractors.register_rows import ContractorRegisterRows, suspended_on
from governance.contractors.tables import (
    CERTIFICATION_LABELS,
    CONTRACTOR_STATUS_LABELS,
    Certification,
    ContactPerson,
    Contractor,
    Suspension,
)
from governance.db import for_update, icontains, write_transaction
from governance.errors import NotFoundError, ValidationError

SORTS = {"name": Contractor.name_kana, "updated": Contractor.updated_at, "id": Contractor.id}


@dataclass(frozen=True)
class ContractorQuery:
    """List filters, sort and page."""

    q: str = ""
    status: str = ""
    cert_expiring_days: int | None = None
    """Only contractors holding a certification whose validity ends within this many days from today."""
    department_id: int | None = None
    """Only contractors of the department's contracted engagements (状況一覧 links here)."""
    sort: str = "name"
    page: int = 1
    per_page: int = 20


class ContractorService(ContractorRegisterRows):
    """Contractor registry with certifications and suspensions; every write audited."""

    def __init__(self, *, cert_warn_days: int = 60, audit: AuditService | None = None) -> None:
        self.cert_warn_days = cert_warn_days
        self.audit = audit or AuditService()

    # -- validation ----------------------------------------------------------------------------------------------

    async def _check(self, data: schemas.ContractorCreate, *, contractor_id: int | None) -> tuple[str | None, dict]:
        errors: dict[str, str] = {}
        number = normalize_corporate_number(data.corporate_number) or None
        if number is not None:
            if problem := corporate_number_problem(number):
                errors["corporate_number"] = problem
            else:
                query = Contractor.select(Contractor.id, Contractor.name).where(Contractor.corporate_number == number)
                if contractor_id is not None:
                    query = query.where(Contractor.id != contractor_id)
                existing = await query.first()
                if existing:
                    errors["corporate_number"] = (
                        f"この法人番号は既に登録されています（{existing['name']}、登録番号 {existing['id']}）。"
                    )
        if data.status not in CONTRACTOR_STATUS_LABELS:
            errors["status"] = "状態を選んでください。"
        return number, errors

    @staticmethod
    def _values(data: schemas.ContractorCreate, number: str | None) -> dict[str, Any]:
        return {
            "name": data.name.strip(),
            "name_kana": data.name_kana.strip(),
            "corporate_number": number,
            "address": data.address.strip(),
            "representative": data.representative.strip(),
            "status": data.status,
            "notes": data.notes.strip(),
        }

    # -- writing -------------------------------------------------------------------------------------------------

    async def create(self, data: schemas.ContractorCreate, *, actor: Actor, now: dt.datetime | None = None) -> int:
        """Register a contractor.

        Raises:
            ValidationError: invalid or duplicate 法人番号, unknown status.
        """
        now = now or dt.datetime.now(dt.UTC)
        async with write_transaction():
            number, errors = await self._check(data, contractor_id=None)
            if errors:
                raise ValidationError(errors)
            values = self._values(data, number)
            new_id = (
                await Contractor.insert(Contractor(**values, created_at=now, updated_at=now)).returning(Contractor.id)
            )[0]["id"]
            await self.audit.record(
                "contractor.created",
                actor=actor,
                target_type="contractor",
                target_id=new_id,
                target_label=values["name"],
                after=values,
                now=now,
            )
        return new_id

    async def update(
        self, contractor_id: int, data: schemas.ContractorUpdate, *, actor: Actor, now: dt.datetime | None = None
    ) -> None:
        """Change a contractor's registered details.

        Raises:
            NotFoundError: no such contractor.
            ValidationError: invalid or duplicate 法人番号, unknown status.
        """
        now = now or dt.datetime.now(dt.UTC)
        async with write_transaction():
            current = await for_update(Contractor.select().where(Contractor.id == contractor_id)).first()
            if current is None:
                raise NotFoundError("委託事業者", contractor_id)
            number, errors = await self._check(data, contractor_id=contractor_id)
            if errors:
                raise ValidationError(errors)
            values = self._values(data, number)
            await Contractor.update({**values, "updated_at": now}).where(Contractor.id == contractor_id)
            before = {k: current[k] for k in values}
            await self.audit.record(
                "contractor.updated",
                actor=actor,
                target_type="contractor",
                target_id=contractor_id,
                target_label=values["name"],
                before=before,
                after=values,
                now=now,
            )

    async def _touch(self, contractor_id: int, now: dt.datetime) -> dict[str, Any]:
        row = await for_update(
            Contractor.select(Contractor.id, Contractor.name).where(Contractor.id == contractor_id)
        ).first()
        if row is None:
            raise NotFoundError("委託事業者", contractor_id)
        await Contractor.update({Contractor.updated_at: now}).where(Contractor.id == contractor_id)
        return row

    async def _add_child(
        self, contractor_id: int, record: Any, action: str, values: dict[str, Any], actor: Actor, now: dt.datetime
    ) -> int:
        """Insert a record that belongs to a contractor (contact, certification, suspension), audited."""
        table = type(record)
        async with write_transaction():
            contractor = await self._touch(contractor_id, now)
            new_id = (await table.insert(record).returning(table.id))[0]["id"]
            await self.audit.record(
                action, actor=actor, target_type="contractor", target_id=contractor_id,
                target_label=contractor["name"], after=values, now=now,
            )  # fmt: skip
        return new_id

    async def _remove_child(
        self,
        contractor_id: int,
        table: Any,
        record_id: int,
        what: str,
        action: str,
        shown: tuple[Any, ...],
        actor: Actor,
    ) -> None:
        """Delete a record that belongs to a contractor, keeping what it said in the audit entry."""
        now = dt.datetime.now(dt.UTC)
        async with write_transaction():
            contractor = await self._touch(contractor_id, now)
            gone = (
                await table.delete().where(table.id == record_id, table.contractor == contractor_id).returning(*shown)
            )
            if not gone:
                raise NotFoundError(what, record_id)
            await self.audit.record(
                action, actor=actor, target_type="contractor", target_id=contractor_id,
                target_label=contractor["name"], before=gone[0], now=now,
            )  # fmt: skip

    async def add_contact(
        self, contractor_id: int, data: schemas.ContactCreate, *, actor: Actor, now: dt.datetime | None = None
    ) -> int:
        """Add a contact person."""
        values = {k: getattr(data, k).strip() for k in ("name", "role", "email", "phone")}
        record = ContactPerson(contractor=contractor_id, **values)
        return await self._add_child(
            contractor_id, record, "contractor.contact_added", values, actor, now or dt.datetime.now(dt.UTC)
        )

    async def remove_contact(self, contractor_id: int, contact_id: int, *, actor: Actor) -> None:
        """Remove a contact person."""
        await self._remove_child(
            contractor_id,
            ContactPerson,
            contact_id,
            "担当者",
            "contractor.contact_removed",
            (ContactPerson.name,),
            actor,
        )

    async def add_certification(
        self,
        contractor_id: int,
        data: schemas.CertificationCreate,
        *,
        actor: Actor,
        evidence_id: int | None = None,
        now: dt.datetime | None = None,
    ) -> int:
        """Record a certification (with its evidence file, already stored in this transaction).

        Raises:
            ValidationError: unknown kind, or a validity period that ends before it starts.
        """
        now = now or dt.datetime.now(dt.UTC)
        errors: dict[str, str] = {}
        if data.kind not in CERTIFICATION_LABELS:
            errors["kind"] = "認証の種類を選んでください。"
        if data.valid_from and data.valid_until and data.valid_until < data.valid_from:
            errors["valid_until"] = "有効期間の終了日は開始日以降にしてください。"
        if errors:
            raise ValidationError(errors)
        values = msgspec.structs.asdict(data)
        record = Certification(contractor=contractor_id, evidence=evidence_id, created_at=now, **values)
        return await self._add_child(
            contractor_id, record, "contractor.certification_added", {**values, "evidence_id": evidence_id}, actor, now
        )

    async def remove_certification(self, contractor_id: int, certification_id: int, *, actor: Actor) -> None:
        """Remove a certification record (e.g. entered by mistake)."""
        await self._remove_child(
            contractor_id, Certification, certification_id, "認証", "contractor.certification_removed",
            (Certification.kind, Certification.number), actor,
        )  # fmt: skip

    async def add_suspension(
        self, contractor_id: int, data: schemas.SuspensionCreate, *, actor: Actor, now: dt.datetime | None = None
    ) -> int:
        """Record a bidding suspension (指名停止).

        Raises:
            ValidationError: the end date is before the start date.
        """
        now = now or dt.datetime.now(dt.UTC)
        if data.end_date and data.end_date < data.start_date:
            raise ValidationError({"end_date": "終了日は開始日以降にしてください。"})
        values = {"start_date": data.start_date, "end_date": data.end_date, "reason": data.reason.strip()}
        record = Suspension(contractor=contractor_id, created_at=now, **values)
        return await self._add_child(contractor_id, record, "contractor.suspended", values, actor, now)

    async def end_suspension(
        self,
        contractor_id: int,
        suspension_id: int,
        end_date: dt.date,
        *,
        actor: Actor,
        now: dt.datetime | None = None,
    ) -> None:
        """Record the end date of a suspension (e.g. one recorded without an end, now lifted).

        Raises:
            NotFoundError: no such suspension of this contractor.
            ValidationError: the end date is before the start date.
        """
        now = now or dt.datetime.now(dt.UTC)
        async with write_transaction():
            contractor = await self._touch(contractor_id, now)
            row = await for_update(
                Suspension.select().where(Suspension.id == suspension_id, Suspension.contractor == contractor_id)
            ).first()
            if row is None:
                raise NotFoundError("指名停止", suspension_id)
            if end_date < row["start_date"]:
                raise ValidationError({"end_date": "終了日は開始日以降にしてください。"})
            await Suspension.update({Suspension.end_date: end_date}).where(Suspension.id == suspension_id)
            await self.audit.record(
                "contractor.suspension_ended", actor=actor, target_type="contractor", target_id=contractor_id,
                target_label=contractor["name"], before={"end_date": row["end_date"]}, after={"end_date": end_date},
                now=now,
            )  # fmt: skip

    # -- reading -------------------------------------------------------------------------------------------------

    @staticmethod
    def conditions(query: ContractorQuery) -> list[Any]:
        """The list's filters as query conditions: the page, the API list and the export all apply these."""
        where: list[Any] = []
        if query.q.strip():
            text = query.q.strip()
            where.append(
                icontains(Contractor.name, text)
                | icontains(Contractor.name_kana, text)
                | (Contractor.corporate_number == normalize_corporate_number(text))
            )
        if query.status:
            where.append(Contractor.status == query.status)
        return where + engaged_and_expiring(query.department_id, query.cert_expiring_days, today_tokyo())

    @classmethod
    def page_query(cls, query: ContractorQuery) -> Any:
        """The page's rows: one narrow table, no join, so read in the sort's index order directly (not ids first)."""
        per_page = max(1, min(query.per_page, 100))
        select = Contractor.select(
            Contractor.id,
            Contractor.name,
            Contractor.name_kana,
            Contractor.corporate_number,
            Contractor.status,
            Contractor.updated_at,
        )
        if where := cls.conditions(query):
            select = select.where(*where)
        sort = SORTS.get(query.sort, Contractor.name_kana)
        select = select.order_by(sort, ascending=query.sort != "updated").order_by(Contractor.id)
        return select.limit(per_page).offset((max(1, query.page) - 1) * per_page)

    async def list(self, query: ContractorQuery, *, today: dt.date | None = None) -> schemas.ContractorPage:
        """Return one page of contractors matching the filter."""
        today = today or today_tokyo()
        where = self.conditions(query)
        per_page = max(1, min(query.per_page, 100))
        page = max(1, query.page)
        count = Contractor.count()
        if where:
            count = count.where(*where)
        rows = await self.page_query(query)
        suspensions = await self._suspensions([r["id"] for r in rows])
        items = [
            schemas.ContractorSummary(
                **r,
                status_label=CONTRACTOR_STATUS_LABELS.get(r["status"], r["status"]),
                suspended=suspended_on(suspensions.get(r["id"], []), today),
            )
            for r in rows
        ]
        return schemas.ContractorPage(items=items, total=await count, page=page, per_page=per_page)

    async def get(self, contractor_id: int, *, today: dt.date | None = None) -> schemas.Contractor:
        """Return a contractor with contacts, certifications (with status today) and suspensions.

        Raises:
            NotFoundError: no such contractor.
        """
        today = today or today_tokyo()
        row = await Contractor.select().where(Contractor.id == contractor_id).first()
        if row is None:
            raise NotFoundError("委託事業者", contractor_id)
        contacts = (
            await ContactPerson.select(
                ContactPerson.id, ContactPerson.name, ContactPerson.role, ContactPerson.email, ContactPerson.phone
            )
            .where(ContactPerson.contractor == contractor_id)
            .order_by(ContactPerson.id)
        )
        certs = (
            await Certification.select()
            .where(Certification.contractor == contractor_id)
            .order_by(Certification.valid_until, ascending=False)
        )
        suspensions = (await self._suspensions([contractor_id])).get(contractor_id, [])
        return schemas.Contractor(
            id=row["id"],
            name=row["name"],
            name_kana=row["name_kana"],
            corporate_number=row["corporate_number"],
            status=row["status"],
            status_label=CONTRACTOR_STATUS_LABELS.get(row["status"], row["status"]),
            suspended=suspended_on(suspensions, today),
            updated_at=row["updated_at"],
            address=row["address"],
            representative=row["representative"],
            notes=row["notes"],
            contacts=[schemas.Contact(**c) for c in contacts],
            certifications=[self._cert_out(c, today) for c in certs],
            suspensions=[
                schemas.SuspensionOut(
                    id=s["id"],
                    start_date=s["start_date"],
                    end_date=s["end_date"],
                    reason=s["reason"],
                    in_force=suspended_on([s], today),
                )
                for s in suspensions
            ],
        )

    def _cert_out(self, c: dict[str, Any], today: dt.date) -> schemas.CertificationOut:
        status = certification_status(c["valid_from"], c["valid_until"], today, warn_days=self.cert_warn_days)
        return schemas.CertificationOut(
            id=c["id"],
            kind=c["kind"],
            kind_label=CERTIFICATION_LABELS.get(c["kind"], c["kind"]),
            number=c["number"],
            scope=c["scope"],
            issuer=c["issuer"],
            valid_from=c["valid_from"],
            valid_until=c["valid_until"],
            status=status,
            status_label=CERT_STATUS_LABELS[status],
            evidence_id=c["evidence"],
        )

    async def certificate_facts(self, contractor_ids: list[int]) -> dict[int, list[CertificateFact]]:
        """Certificates of several contractors, as selection pre-fill needs them."""
        out: dict[int, list[CertificateFact]] = {cid: [] for cid in contractor_ids}
        if contractor_ids:
            for c in await Certification.select().where(Certification.contractor.is_in(contractor_ids)):
                out[c["contractor"]].append(
                    CertificateFact(
                        kind=c["kind"],
                        label=CERTIFICATION_LABELS.get(c["kind"], c["kind"]),
                        number=c["number"],
                        valid_from=c["valid_from"],
                        valid_until=c["valid_until"],
                    )
                )
        return out

    async def suspended_ids(self, contractor_ids: list[int], day: dt.date) -> set[int]:
        """The contractors, among those given, that are suspended on the day."""
        rows = await self._suspensions(contractor_ids)
        return {cid for cid, r in rows.items() if suspended_on(r, day)}

    async def options(self) -> list[dict[str, Any]]:
        """All contractors as (id, name) for pick lists, by kana."""
        return (
            await Contractor.select(Contractor.id, Contractor.name)
            .order_by(Contractor.name_kana)
            .order_by(Contractor.name)
        )
