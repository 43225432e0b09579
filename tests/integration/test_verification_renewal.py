"""An automatically renewed contract gets the checks of each new period; the old end-of-term check gives way."""

from __future__ import annotations

import datetime as dt

from governance.reminders.services import ReminderService
from governance.settings import get_settings
from governance.verification.services import CheckService, ResultInput, extend_renewed_plans
from governance.verification.tables import Check, CheckPlan
from tests.helpers import at_tokyo, checks_by_key, items_of, sign_contract

D = dt.date


async def test_each_renewed_period_is_planned_once_when_it_begins():
    sc = await sign_contract(renewal="automatic", renewal_months=12, notice_days=90)
    before = await checks_by_key(sc.engagement_id)
    assert before["at_end"]["due_on"] == D(2027, 4, 14)  # 10 business days after 2027-03-31
    assert "monthly:令和9年4月分" not in before

    # the first period is still in force: nothing to add
    assert await extend_renewed_plans(D(2027, 3, 31), now=at_tokyo(D(2027, 3, 31))) == 0
    # the contract renewed itself on 4/1: the second period's checks appear, the first end check is not needed
    created = await extend_renewed_plans(D(2027, 4, 1), now=at_tokyo(D(2027, 4, 1)))
    after = await checks_by_key(sc.engagement_id)
    assert created == len(after) - len(before) > 12
    assert "monthly:令和9年4月分" in after and "at_signing:v1" in after
    assert not any(k.startswith("at_signing") and k != "at_signing:v1" for k in after)  # signing is not repeated
    assert after["at_end"]["due_on"] == D(2028, 4, 14)
    old_end = after["at_end:2027-04-14"]
    assert old_end["status"] == "cancelled" and "自動更新" in old_end["cancel_reason"]
    plan = await CheckPlan.select().where(CheckPlan.engagement == sc.engagement_id).first()
    assert plan["term_end"] == D(2028, 3, 31)
    # idempotent, also through the reminder run that calls it
    assert await extend_renewed_plans(D(2027, 4, 2), now=at_tokyo(D(2027, 4, 2))) == 0
    await ReminderService(get_settings()).run(D(2027, 4, 2), now=at_tokyo(D(2027, 4, 2)))
    assert len(await checks_by_key(sc.engagement_id)) == len(after)


async def test_an_end_check_already_worked_on_is_kept():
    sc = await sign_contract(renewal="automatic", renewal_months=12, notice_days=90)
    end_check = (await checks_by_key(sc.engagement_id))["at_end"]
    item = (await items_of(end_check["id"]))[0]
    await CheckService().record_results(
        end_check["id"], [ResultInput(item["id"], "conforming", "")], actor=sc.staff, now=at_tokyo(D(2026, 5, 1))
    )
    await extend_renewed_plans(D(2027, 4, 1), now=at_tokyo(D(2027, 4, 1)))
    kept = await Check.select().where(Check.id == end_check["id"]).first()
    assert kept["status"] == "in_progress" and kept["plan_key"] == "at_end:2027-04-14"
    assert (await checks_by_key(sc.engagement_id))["at_end"]["due_on"] == D(2028, 4, 14)


async def test_contracts_without_automatic_renewal_are_left_alone():
    sc = await sign_contract(renewal="none", notice_days=0)
    before = await checks_by_key(sc.engagement_id)
    assert await extend_renewed_plans(D(2027, 6, 1), now=at_tokyo(D(2027, 6, 1))) == 0
    assert await checks_by_key(sc.engagement_id) == before
