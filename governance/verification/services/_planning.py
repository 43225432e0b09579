"""Turn a signed contract version into checks, and re-plan future checks when a later version is signed.

Must run inside the signing transaction (``ContractService.sign`` calls it), so a contract is never signed without
its plan. Checks that hold any recorded result, a contractor report or a status other than 予定 are never touched.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

from governance.actor import Actor
from governance.audit.chain import canonical_json
from governance.audit.services import AuditService
from governance.calendar import today_tokyo
from governance.contracts.library import ClauseLibrary
from governance.contracts.tables import Contract, ContractVersion
from governance.engagements.tables import Engagement
from governance.engagements.term import Term
from governance.verification.plan import ItemSource, PlannedCheck, plan_checks
from governance.verification.tables import (
    Check,
    ChecklistItem,
    CheckPlan,
    CheckStatus,
    ContractorReport,
)

REPLAN_REASON = "契約の変更（第{version}版の締結）により不要となりました。"
"""The reason recorded on a check that a re-plan cancels."""
_REPLAN_REASON = re.compile(re.escape(REPLAN_REASON).replace(re.escape("{version}"), r"\d+"))


@dataclass(frozen=True)
class PlanOutcome:
    """What planning did: checks created, updated in place and cancelled."""

    plan_id: int
    created: int
    updated: int
    cancelled: int


def item_sources(library: ClauseLibrary, clause_ids: list[str]) -> list[ItemSource]:
    """The check items of the given clauses, as the library states them."""
    by_id = {c.id: c for c in library.clauses}
    return [
        ItemSource(check.id, check.what, check.when, tuple(check.requirements), clause_id)
        for clause_id in clause_ids
        if clause_id in by_id
        for check in by_id[clause_id].checks
    ]


def version_sources(clauses: list[dict[str, Any]], library: ClauseLibrary) -> list[ItemSource]:
    """The check items of a contract version.

    They are those it was drafted with (pinned with its clauses), or, for a version drafted before clauses carried
    them, the library's.
    """
    if all("checks" in c for c in clauses):
        return [
            ItemSource(k["id"], k["what"], k["when"], tuple(k["requirements"]), c["id"])
            for c in clauses
            for k in c["checks"]
        ]
    return item_sources(library, [c["id"] for c in clauses])


def plan_key(check: PlannedCheck, version: int) -> str:
    """The identity of a planned check across re-plans (the same period keeps its check)."""
    if check.kind == "at_signing":
        return f"at_signing:v{version}"
    return f"{check.kind}:{check.period}" if check.period else check.kind


def sources_json(sources: list[ItemSource]) -> str:
    """The check items a plan was made from, kept so that a renewed term can be planned the same way."""
    return canonical_json([dataclasses.asdict(s) for s in sources])


def sources_of(plan_row: dict[str, Any]) -> list[ItemSource]:
    """The check items stored by ``sources_json``."""
    return [
        ItemSource(s["check_id"], s["what"], s["when"], tuple(s["requirements"]), s["clause_id"])
        for s in json.loads(plan_row["items_json"] or "[]")
    ]


def planning_end(engagement: dict[str, Any], day: dt.date) -> dt.date:
    """The end of the term period in force on ``day``.

    An automatically renewed contract is planned a period at a time; ``extend_renewed_plans`` adds each new period
    when it starts.
    """
    term = Term(
        engagement["start_date"], engagement["end_date"], engagement["renewal"], engagement["renewal_months"],
        engagement["notice_days"],
    )  # fmt: skip
    return term.current_end(day)


async def _insert_items(check_id: int, planned: PlannedCheck) -> None:
    rows = [
        ChecklistItem(
            check=check_id, position=n, item_id=i.check_id, what=i.what, clause_id=i.clause_id,
            requirements=list(i.requirements),
        )
        for n, i in enumerate(planned.items)
    ]  # fmt: skip
    if rows:
        await ChecklistItem.insert(*rows)


async def _items_of(check_ids: list[int]) -> set[str]:
    """The check item ids held by these checks."""
    if not check_ids:
        return set()
    rows = await ChecklistItem.select(ChecklistItem.item_id).where(ChecklistItem.check.is_in(check_ids))
    return {r["item_id"] for r in rows}


async def _untouched(check_ids: list[int]) -> set[int]:
    """The checks among these with no recorded result and no contractor report."""
    if not check_ids:
        return set()
    touched = {
        r["check"]
        for r in await ChecklistItem.select(ChecklistItem.check).where(
            ChecklistItem.check.is_in(check_ids), ChecklistItem.result.is_not_null()
        )
    }
    touched |= {
        r["check"]
        for r in await ContractorReport.select(ContractorReport.check).where(ContractorReport.check.is_in(check_ids))
    }
    return set(check_ids) - touched


async def plan_signed_version(
    version_id: int, library: ClauseLibrary, *, actor: Actor, now: dt.datetime, audit: AuditService
) -> PlanOutcome:
    """Plan (or re-plan) the checks of the engagement whose contract version was just signed.

    A first plan creates every check of the term, past ones included (a contract recorded late shows its overdue
    checks). A re-plan changes only checks due on or after the later of the signing date and today.
    """
    version = await ContractVersion.select().where(ContractVersion.id == version_id).first()
    contract = await Contract.select(Contract.engagement).where(Contract.id == version["contract"]).first()
    engagement = await Engagement.select().where(Engagement.id == contract["engagement"]).first()
    sources = version_sources(json.loads(version["clauses_json"] or '{"items": []}')["items"], library)
    term_end = planning_end(engagement, max(version["signed_on"], today_tokyo(now)))
    plan = plan_checks(sources, signed_on=version["signed_on"], start=engagement["start_date"], end=term_end)
    events = [
        {"check_id": t.items[0].check_id, "what": t.items[0].what,
         "items": [{"check_id": i.check_id, "what": i.what, "clause_id": i.clause_id,
                    "requirements": list(i.requirements)} for i in t.items]}
        for t in plan.on_event
    ]  # fmt: skip
    plan_id = (
        await CheckPlan.insert(
            CheckPlan(
                engagement=engagement["id"], contract_version=version_id, library_version=library.version,
                library_hash=library.content_hash, items_json=sources_json(sources),
                events_json=canonical_json(events), term_start=engagement["start_date"], term_end=term_end,
                created_at=now,
            )
        ).returning(CheckPlan.id)
    )[0]["id"]  # fmt: skip
    existing = await Check.select().where(Check.engagement == engagement["id"], Check.kind != "on_event")
    first = not existing
    signed_on = version["signed_on"]
    cutoff = max(signed_on, today_tokyo(now))
    existing_keys = {c["plan_key"] for c in existing}
    open_future = [c for c in existing if c["status"] == CheckStatus.planned and c["due_on"] >= cutoff]
    replaceable = await _untouched([c["id"] for c in open_future])
    by_key = {c["plan_key"]: c for c in open_future if c["id"] in replaceable}
    # A check cancelled by an earlier re-plan does not hold its period: a later version that needs it plans it again.
    kept_keys = {
        c["plan_key"]
        for c in existing
        if c["id"] not in replaceable
        and not (c["status"] == CheckStatus.cancelled and _REPLAN_REASON.fullmatch(c["cancel_reason"]))
    }
    created = updated = cancelled = 0
    new_keys = set()
    for planned in plan.checks:
        key = plan_key(planned, version["version"])
        if planned.kind == "before_start" and key in existing_keys and key not in by_key:
            # What must be handed in before work was asked for already (and is past or under way); a later version
            # asks only for what it adds (e.g. the approval of a subcontractor it introduces), due on its signing.
            earlier = [c["id"] for c in existing if c["kind"] == "before_start" and c["id"] not in replaceable]
            handed_in = await _items_of(earlier)
            added = tuple(i for i in planned.items if i.check_id not in handed_in)
            if not added:
                continue
            planned, key = dataclasses.replace(planned, items=added), f"before_start:v{version['version']}"
        new_keys.add(key)
        if not first and planned.due and planned.due < cutoff and (key in existing_keys or planned.due < signed_on):
            continue  # a re-plan leaves the past alone, but what the new version requires since its signing is due
        if key in by_key:
            row = by_key[key]
            await Check.update(
                {Check.due_on: planned.due, Check.title: planned.title, Check.plan: plan_id, Check.updated_at: now}
            ).where(Check.id == row["id"])
            await ChecklistItem.delete().where(ChecklistItem.check == row["id"])
            await _insert_items(row["id"], planned)
            updated += 1
            continue
        if key in kept_keys:
            continue  # the same period's check already holds results: it stays as it is
        check_id = (
            await Check.insert(
                Check(
                    engagement=engagement["id"], department=engagement["department"], plan=plan_id, plan_key=key,
                    kind=planned.kind, title=planned.title, due_on=planned.due, assignee=engagement["supervisor"],
                    status=CheckStatus.planned, created_at=now, updated_at=now,
                )
            ).returning(Check.id)
        )[0]["id"]  # fmt: skip
        await _insert_items(check_id, planned)
        created += 1
    reason = REPLAN_REASON.format(version=version["version"])
    for key, row in by_key.items():
        if key not in new_keys:
            await Check.update(
                {Check.status: CheckStatus.cancelled, Check.cancel_reason: reason, Check.updated_at: now}
            ).where(Check.id == row["id"])
            cancelled += 1
    outcome = PlanOutcome(plan_id, created, updated, cancelled)
    await audit.record(
        "checks.planned", actor=actor, target_type="engagement", target_id=engagement["id"],
        target_label=engagement["title"],
        after={"contract_version": version["version"], "library_version": library.version,
               "created": created, "updated": updated, "cancelled": cancelled,
               "on_event": [e["check_id"] for e in events]},
        now=now,
    )  # fmt: skip
    return outcome


def event_templates(plan_row: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The event-triggered check templates of a plan (事故, 再委託先の変更 …)."""
    if not plan_row or not plan_row.get("events_json"):
        return []
    return json.loads(plan_row["events_json"])
