"""Plan the next term period of an automatically renewed contract (自動更新) when it starts.

A contract that renews itself is planned one period at a time: at signing, up to the end of the period in force;
each reminder run then adds the checks of a period that has begun since, from the check items the signed version
was planned with. The end-of-term check (返還・廃棄) of the previous period is not needed while the contract goes on:
if nothing was recorded on it, it is cancelled with the reason, and the new period gets its own.
"""

from __future__ import annotations

import datetime as dt

from governance.actor import Actor
from governance.audit.services import AuditService
from governance.db import for_update, write_transaction
from governance.engagements.tables import Engagement, EngagementStatus
from governance.engagements.term import Renewal
from governance.verification.plan import plan_checks
from governance.verification.services._planning import (
    _insert_items,
    _untouched,
    plan_key,
    planning_end,
    sources_of,
)
from governance.verification.tables import Check, CheckPlan, CheckStatus

RENEWAL_REASON = "契約が自動更新されたため不要となりました（終了時の確認は新しい契約期間の終了後に行います）。"
SYSTEM = Actor.system("自動更新による確認計画の追加")


async def extend_renewed_plans(today: dt.date, *, now: dt.datetime, audit: AuditService | None = None) -> int:
    """Add the checks of every renewed period that has begun by ``today``; returns how many checks were created.

    Idempotent: the plan records the end of the period it covers, and a second run finds nothing to add.
    """
    audit = audit or AuditService()
    engagements = await Engagement.select().where(
        Engagement.status == EngagementStatus.contracted, Engagement.renewal == Renewal.automatic
    )
    created = 0
    for engagement in engagements:
        end = planning_end(engagement, today)
        latest = (
            await CheckPlan.select(CheckPlan.id, CheckPlan.term_end)
            .where(CheckPlan.engagement == engagement["id"])
            .order_by(CheckPlan.id, ascending=False)
            .first()
        )
        if latest is None or end <= latest["term_end"]:
            continue
        async with write_transaction():
            plan = await for_update(CheckPlan.select().where(CheckPlan.id == latest["id"])).first()
            if end <= plan["term_end"]:
                continue  # another run did it meanwhile
            created += await _extend(engagement, plan, end, now=now, audit=audit)
    return created


async def _extend(engagement: dict, plan: dict, end: dt.date, *, now: dt.datetime, audit: AuditService) -> int:
    start = plan["term_end"] + dt.timedelta(days=1)
    sources = [s for s in sources_of(plan) if s.when not in ("at_signing", "before_start")]  # once per contract
    planned = plan_checks(sources, signed_on=start, start=start, end=end)
    existing = await Check.select(Check.id, Check.plan_key, Check.status, Check.due_on).where(
        Check.engagement == engagement["id"], Check.kind != "on_event"
    )
    ends = [c for c in existing if c["plan_key"] == "at_end"]
    untouched = await _untouched([c["id"] for c in ends if c["status"] == CheckStatus.planned])
    for c in ends:
        # The previous period's end check gives its key up to the new period's; kept with results if it has any.
        values = {Check.plan_key: f"at_end:{c['due_on'].isoformat()}", Check.updated_at: now}
        if c["id"] in untouched:
            values |= {Check.status: CheckStatus.cancelled, Check.cancel_reason: RENEWAL_REASON}
        await Check.update(values).where(Check.id == c["id"])
    taken = {c["plan_key"] for c in existing} - {"at_end"}
    created = 0
    for p in planned.checks:
        key = plan_key(p, 0)
        if key in taken:
            continue
        check_id = (
            await Check.insert(
                Check(
                    engagement=engagement["id"], department=engagement["department"], plan=plan["id"], plan_key=key,
                    kind=p.kind, title=p.title, due_on=p.due, assignee=engagement["supervisor"],
                    status=CheckStatus.planned, created_at=now, updated_at=now,
                )
            ).returning(Check.id)
        )[0]["id"]  # fmt: skip
        await _insert_items(check_id, p)
        created += 1
    await CheckPlan.update({CheckPlan.term_end: end}).where(CheckPlan.id == plan["id"])
    await audit.record(
        "checks.extended", actor=SYSTEM, target_type="engagement", target_id=engagement["id"],
        target_label=engagement["title"],
        after={"period": [start, end], "created": created, "end_checks_cancelled": len(untouched)}, now=now,
    )  # fmt: skip
    return created
