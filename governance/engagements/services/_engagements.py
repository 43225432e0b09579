"""Engagements: facts, derived tier with its history, term arithmetic."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from governance.accounts.tables import Department, User
from governance.actor import Actor
from governance.audit.chain import canonical_json
from governance.audit.services import AuditService
from governance.calendar import today_tokyo
from governance.db import for_update, icontains, write_transaction
from governance.engagements import schemas
from governance.engagements.facts import CONTRACT_TYPE_LABELS, EngagementFacts, WorkLocation
from governance.engagements.services._engagement_register import EngagementRegisterRows, _decode
from governance.engagements.tables import (
    ENGAGEMENT_STATUS_LABELS,
    Engagement,
    EngagementStatus,
    EngagementTierChange,
)
from governance.engagements.term import Renewal, Term
from governance.engagements.tier import TIER_LABELS, criticality
from governance.errors import NotFoundError, ValidationError
from governance.listing import ids_then_rows
from governance.scoping import ensure_own_department
from governance.settings import get_settings

FACT_FIELDS = (
    "scheme", "confidentiality", "integrity", "availability", "personal_info", "specific_personal_info",
    "segments", "work_kinds", "work_locations", "remote_access", "off_premises", "subcontracting", "subcontractors",
    "contract_type_choice",
)  # fmt: skip
FRONT_FIELDS = (
    "work_place", "tax_amount", "bond", "bond_amount", "bond_note", "payment_terms", "payment_note", "renewal_basis",
)  # fmt: skip
"""The contract's 頭書 as the officer enters it (not facts: they print, they do not choose clauses)."""


def split_subcontractors(text: str) -> tuple[str, ...]:
    """One subcontractor per line (or separated by 、 or ,), blanks dropped, order kept, duplicates removed."""
    names = [n.strip() for n in re.split(r"[\n、,，]", text) if n.strip()]
    return tuple(dict.fromkeys(names))


def facts_of(row: dict[str, Any]) -> EngagementFacts:
    """Build the pure facts from a stored engagement row (JSON columns already decoded)."""
    return EngagementFacts(
        scheme=row["scheme"],
        confidentiality=row["confidentiality"],
        integrity=row["integrity"],
        availability=row["availability"],
        personal_info=row["personal_info"],
        specific_personal_info=row["specific_personal_info"],
        segments=frozenset(row["segments"]),
        work_kinds=frozenset(row["work_kinds"]),
        work_locations=frozenset(row["work_locations"]),
        remote_access=row["remote_access"],
        off_premises=row["off_premises"],
        subcontracting=row["subcontracting"],
        subcontractors=tuple(row["subcontractors"]),
        contract_type_choice=row.get("contract_type", row.get("contract_type_choice", "")) or "",
    )


def facts_of_engagement(engagement: schemas.Engagement) -> EngagementFacts:
    """The pure facts of an engagement as the service returns it."""
    return facts_of({name: getattr(engagement, name) for name in FACT_FIELDS})


def facts_snapshot(facts: EngagementFacts) -> dict[str, Any]:
    """The facts as a JSON-ready dict (sets sorted), with the contract type in force."""
    snapshot = {
        name: sorted(value) if isinstance(value, frozenset) else list(value) if isinstance(value, tuple) else value
        for name in FACT_FIELDS
        for value in [getattr(facts, name)]
    }
    snapshot["contract_type"] = facts.contract_type
    return snapshot


def _fact_columns(facts: EngagementFacts) -> dict[str, Any]:
    """The stored columns of the facts (the contract type as chosen: "" when derived)."""
    columns = facts_snapshot(facts)
    del columns["contract_type"]
    columns["contract_type"] = columns.pop("contract_type_choice")
    return columns


@dataclass(frozen=True)
class EngagementQuery:
    """List filters."""

    q: str = ""
    department_id: int | None = None
    status: str = ""
    tier: int | None = None
    ending_within: int | None = None
    """Only contracted engagements whose planned term ends from today to this many days later."""
    sort: str = "new"
    page: int = 1
    per_page: int = 20


ENGAGEMENT_SORTS: dict[str, tuple[Any, bool]] = {
    "new": (Engagement.id, False),
    "title": (Engagement.title, True),
    "start": (Engagement.start_date, True),
    "tier": (Engagement.tier, False),
}


async def _move_records(engagement_id: int, department_id: int) -> None:
    """An engagement handed to another department takes its checks and findings along.

    Runs inside the caller's transaction: their department decides who sees them, lists them and is reminded.
    """
    from governance.verification.tables import Check, Finding

    await Check.update({Check.department: department_id}).where(Check.engagement == engagement_id)
    await Finding.update({Finding.department: department_id}).where(Finding.engagement == engagement_id)


class EngagementService(EngagementRegisterRows):
    """Create, change and read engagements; facts changes keep the tier history."""

    def __init__(self, audit: AuditService | None = None) -> None:
        self.audit = audit or AuditService()

    @staticmethod
    async def _validate(data: schemas.EngagementCreate) -> tuple[EngagementFacts, Term]:
        facts = EngagementFacts(
            scheme=data.scheme,
            confidentiality=data.confidentiality,
            integrity=data.integrity,
            availability=data.availability,
            personal_info=data.personal_info,
            specific_personal_info=data.specific_personal_info,
            segments=frozenset(data.segments),
            work_kinds=frozenset(data.work_kinds),
            work_locations=frozenset(data.work_locations),
            # working remotely on the municipality's environment is remote access, whichever box was ticked
            remote_access=data.remote_access or WorkLocation.remote in data.work_locations,
            off_premises=data.off_premises,
            subcontracting=data.subcontracting,
            subcontractors=split_subcontractors(data.subcontractors),
            contract_type_choice=data.contract_type,
        )
        term = Term(
            start=data.start_date,
            end=data.end_date,
            renewal=data.renewal,
            renewal_months=data.renewal_months if data.renewal == Renewal.automatic else 12,
            notice_days=data.notice_days,
        )
        errors = {**facts.problems(), **term.problems(max_years=get_settings().max_contract_term_years)}
        if data.bond == "required" and data.bond_amount is None:
            errors["bond_amount"] = "契約保証金を納付させる場合は、その額を入力してください。"
        if data.bond == "exempt" and data.bond_amount is not None:
            errors["bond_amount"] = "契約保証金を免除する場合、額は入力できません。"
        if data.tax_amount is not None and (data.contract_value is None or data.tax_amount > data.contract_value):
            errors["tax_amount"] = (
                "消費税及び地方消費税の額は、契約金額（税込）を入力した上で、その額以下で入力してください。"
            )
        if data.renewal_basis and data.renewal != Renewal.automatic:
            errors["renewal_basis"] = "自動更新の根拠は、更新を「自動更新」とする場合にだけ選べます。"
        if data.status not in ENGAGEMENT_STATUS_LABELS:
            errors["status"] = "状態を選んでください。"
        dept = await Department.select(Department.active).where(Department.id == data.department_id).first()
        if dept is None or not dept["active"]:
            errors["department_id"] = "所管課を選んでください。"
        if data.supervisor_id is not None and not await User.exists().where(
            User.id == data.supervisor_id, User.active.eq(True)
        ):
            errors["supervisor_id"] = "監督職員には有効な職員を選んでください。"
        if errors:
            raise ValidationError(errors)
        return facts, term

    @staticmethod
    def _columns(data: schemas.EngagementCreate, facts: EngagementFacts, term: Term) -> dict[str, Any]:
        tier = criticality(facts)
        return {
            "title": data.title.strip(),
            "department": data.department_id,
            "supervisor": data.supervisor_id,
            "purpose": data.purpose.strip(),
            "scope": data.scope.strip(),
            "start_date": term.start,
            "end_date": term.end,
            "renewal": term.renewal,
            "renewal_months": term.renewal_months,
            "notice_days": term.notice_days,
            "contract_value": data.contract_value,
            "status": data.status,
            **_fact_columns(facts),
            **{name: getattr(data, name) for name in FRONT_FIELDS},
            "work_place": data.work_place.strip(),
            "bond_note": data.bond_note.strip(),
            "payment_note": data.payment_note.strip(),
            "renewal_basis": (data.renewal_basis or "long_term") if term.renewal == Renewal.automatic else "",
            "tier": tier.tier,
            "tier_reasons": list(tier.reasons),
        }

    async def _record_tier(
        self,
        engagement_id: int,
        old: int | None,
        new: int,
        facts: EngagementFacts,
        reason: str,
        actor: Actor,
        now: dt.datetime,
    ) -> None:
        await EngagementTierChange.insert(
            EngagementTierChange(
                engagement=engagement_id,
                old_tier=old,
                new_tier=new,
                facts_json=canonical_json(facts_snapshot(facts)),
                reason=reason,
                changed_by_id=actor.id,
                changed_by_label=actor.label[:200],
                changed_at=now,
            )
        )

    async def create(self, data: schemas.EngagementCreate, *, actor: Actor, now: dt.datetime | None = None) -> int:
        """Register an engagement; its tier is computed from the facts and the first history entry written.

        Raises:
            ValidationError: contradictory facts, an impossible term, unknown department or supervisor.
        """
        now = now or dt.datetime.now(dt.UTC)
        ensure_own_department(actor, data.department_id)
        facts, term = await self._validate(data)
        values = self._columns(data, facts, term)
        async with write_transaction():
            new_id = (
                await Engagement.insert(Engagement(**values, created_at=now, updated_at=now)).returning(Engagement.id)
            )[0]["id"]
            await self._record_tier(new_id, None, values["tier"], facts, "登録時の判定", actor, now)
            await self.audit.record(
                "engagement.created",
                actor=actor,
                target_type="engagement",
                target_id=new_id,
                target_label=values["title"],
                after=values,
                now=now,
            )
        return new_id

    async def update(
        self, engagement_id: int, data: schemas.EngagementUpdate, *, actor: Actor, now: dt.datetime | None = None
    ) -> None:
        """Change an engagement; a change of facts that raises the tier needs a reason and is kept in the history.

        Raises:
            NotFoundError: no such engagement.
            ValidationError: as for create, or a raised tier without a reason.
        """
        now = now or dt.datetime.now(dt.UTC)
        ensure_own_department(actor, data.department_id)  # a scoped user cannot hand an engagement to another
        facts, term = await self._validate(data)
        values = self._columns(data, facts, term)
        async with write_transaction():
            current = await for_update(Engagement.select().where(Engagement.id == engagement_id)).first()
            if current is None:
                raise NotFoundError("委託業務", engagement_id)
            current = _decode(current)
            old_tier, new_tier = current["tier"], values["tier"]
            reason = data.tier_change_reason.strip()
            if new_tier > old_tier and not reason:
                raise ValidationError(
                    {
                        "tier_change_reason": (
                            f"この変更で重要度が「{TIER_LABELS[old_tier]}」から「{TIER_LABELS[new_tier]}」に上がります。"
                            "変更の理由を入力してください。"
                        )
                    }
                )
            await Engagement.update({**values, "updated_at": now}).where(Engagement.id == engagement_id)
            if values["department"] != current["department"]:
                await _move_records(engagement_id, values["department"])
            if new_tier != old_tier:
                await self._record_tier(
                    engagement_id, old_tier, new_tier, facts, reason or "事実の変更による再判定", actor, now
                )
            before = {k: current[k] for k in values}
            await self.audit.record(
                "engagement.updated",
                actor=actor,
                target_type="engagement",
                target_id=engagement_id,
                target_label=values["title"],
                before=before,
                after=values,
                now=now,
            )

    async def set_status(self, engagement_id: int, status: str, *, actor: Actor, now: dt.datetime) -> None:
        """Move an engagement to a status inside the caller's transaction (used by selection approval)."""
        row = await Engagement.select(Engagement.status, Engagement.title).where(Engagement.id == engagement_id).first()
        if row is None or row["status"] == status:
            return
        await Engagement.update({Engagement.status: status, Engagement.updated_at: now}).where(
            Engagement.id == engagement_id
        )
        await self.audit.record(
            "engagement.status_changed",
            actor=actor,
            target_type="engagement",
            target_id=engagement_id,
            target_label=row["title"],
            before={"status": row["status"]},
            after={"status": status},
            now=now,
        )

    async def get(self, engagement_id: int, *, today: dt.date | None = None) -> schemas.Engagement:
        """Return an engagement with flags, tier, current term, cancel-by date and tier history.

        Raises:
            NotFoundError: no such engagement.
        """
        today = today or today_tokyo()
        row = (
            await Engagement.select(
                *Engagement.all_columns(),
                Engagement.department.name.as_alias("department_name"),
                Engagement.supervisor.full_name.as_alias("supervisor_name"),
            )
            .where(Engagement.id == engagement_id)
            .first()
        )
        if row is None:
            raise NotFoundError("委託業務", engagement_id)
        row = _decode(row)
        facts = facts_of(row)
        term = Term(row["start_date"], row["end_date"], row["renewal"], row["renewal_months"], row["notice_days"])
        start, end = term.current_period(today)
        history = (
            await EngagementTierChange.select()
            .where(EngagementTierChange.engagement == engagement_id)
            .order_by(EngagementTierChange.id)
        )
        return schemas.Engagement(
            id=row["id"], title=row["title"], department_id=row["department"],
            department_name=row["department_name"], supervisor_id=row["supervisor"],
            supervisor_name=row["supervisor_name"] or "", purpose=row["purpose"],
            scope=row["scope"], start_date=row["start_date"], end_date=row["end_date"], renewal=row["renewal"],
            renewal_months=row["renewal_months"], notice_days=row["notice_days"],
            contract_value=row["contract_value"], status=row["status"],
            status_label=ENGAGEMENT_STATUS_LABELS.get(row["status"], row["status"]),
            **{k: row[k] for k in ("scheme", "confidentiality", "integrity", "availability", "personal_info",
                                   "specific_personal_info", "remote_access", "off_premises", "subcontracting")},
            segments=row["segments"], work_kinds=row["work_kinds"], work_locations=row["work_locations"],
            subcontractors=row["subcontractors"], contract_type_choice=row["contract_type"],
            contract_type=facts.contract_type, contract_type_label=CONTRACT_TYPE_LABELS[facts.contract_type],
            **{k: row[k] for k in FRONT_FIELDS},
            mynumber_suggestion=facts.mynumber_suggestion(row["department_name"] or ""),
            flags=sorted(facts.flags), tier=row["tier"],
            tier_label=TIER_LABELS[row["tier"]], tier_reasons=row["tier_reasons"], current_term_start=start,
            current_term_end=end, cancel_by=term.cancel_by(today), fiscal_years=term.fiscal_years_label(today),
            tier_history=[
                schemas.TierChange(
                    old_tier=h["old_tier"], new_tier=h["new_tier"], reason=h["reason"],
                    changed_by=h["changed_by_label"], changed_at=h["changed_at"],
                )
                for h in history
            ],
        )  # fmt: skip

    @staticmethod
    def conditions(query: EngagementQuery) -> list[Any]:
        """The list's filters (with the department scope) as query conditions: page, API list and export share them."""
        where: list[Any] = []
        if query.q.strip():
            where.append(icontains(Engagement.title, query.q.strip()))
        if query.department_id:
            where.append(Engagement.department == query.department_id)
        if query.status:
            where.append(Engagement.status == query.status)
        if query.tier:
            where.append(Engagement.tier == query.tier)
        if query.ending_within is not None:
            today = today_tokyo()
            last = today + dt.timedelta(days=query.ending_within)
            where += [Engagement.status == EngagementStatus.contracted, Engagement.end_date >= today,
                      Engagement.end_date <= last]  # fmt: skip
        return where

    @classmethod
    def ids_query(cls, query: EngagementQuery) -> Any:
        """The page's engagement ids: the one table, the filters, the sort then newest first, limited (indexed)."""
        per_page = max(1, min(query.per_page, 100))
        select = Engagement.select(Engagement.id)
        if where := cls.conditions(query):
            select = select.where(*where)
        column, ascending = ENGAGEMENT_SORTS.get(query.sort, ENGAGEMENT_SORTS["new"])
        select = select.order_by(column, ascending=ascending).order_by(Engagement.id, ascending=False)
        return select.limit(per_page).offset((max(1, query.page) - 1) * per_page)

    async def list(self, query: EngagementQuery) -> tuple[list[schemas.EngagementSummary], int]:
        """Return one page of engagements (newest first) and the total matching the filter: ids first, then rows."""
        where = self.conditions(query)
        select = Engagement.select(
            Engagement.id,
            Engagement.title,
            Engagement.department.name.as_alias("department_name"),
            Engagement.status,
            Engagement.tier,
            Engagement.start_date,
            Engagement.end_date,
        )
        count = Engagement.count()
        if where:
            count = count.where(*where)
        rows, total = await ids_then_rows(self.ids_query(query), select, Engagement.id, count)
        items = [
            schemas.EngagementSummary(
                **r,
                status_label=ENGAGEMENT_STATUS_LABELS.get(r["status"], r["status"]),
                tier_label=TIER_LABELS[r["tier"]],
            )
            for r in rows
        ]
        return items, total

    async def facts(self, engagement_id: int) -> tuple[dict[str, Any], EngagementFacts]:
        """Return the engagement row and its facts (for selection).

        Raises:
            NotFoundError: no such engagement.
        """
        row = await Engagement.select().where(Engagement.id == engagement_id).first()
        if row is None:
            raise NotFoundError("委託業務", engagement_id)
        row = _decode(row)
        return row, facts_of(row)
