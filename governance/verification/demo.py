"""Demo data for verification: a signed contract whose checks are in every state, a finding with a measure."""

from __future__ import annotations

import datetime as dt
from typing import Any

from governance.accounts.roles import Role
from governance.actor import Actor
from governance.calendar import today_tokyo
from governance.verification.services import CheckService, FindingService, ReportLinkService, ResultInput
from governance.verification.tables import Check, ChecklistItem, ItemResult, Severity


async def _items(check_id: int) -> list[dict[str, Any]]:
    return await ChecklistItem.select().where(ChecklistItem.check == check_id).order_by(ChecklistItem.position)


async def _perform(checks: CheckService, check_id: int, who: Actor, results: list[str]) -> list[int]:
    items = await _items(check_id)
    inputs = [
        ResultInput(i["id"], results[n % len(results)],
                    "報告書の記載内容を確認しました。" if results[n % len(results)] != ItemResult.nonconforming
                    else "従事者名簿に記載のない者が作業に従事していました。", None, Severity.major)
        for n, i in enumerate(items)
    ]  # fmt: skip
    return await checks.record_results(check_id, inputs, actor=who)


async def load_verification_demo(
    users: dict[str, int], depts: dict[str, int], *, contractor_id: int, contracts: Any
) -> None:
    """A 福祉 system contract signed last fiscal year, with checks in every state.

    Done, waiting for sign-off, in progress, cancelled, overdue and planned checks; a 不適合 with its finding and a
    measure; a report link for the next check.
    """
    from governance.demo import demo_selection
    from governance.engagements.schemas import EngagementCreate
    from governance.engagements.services import EngagementService

    today = today_tokyo()
    fy = today.year if today.month >= 4 else today.year - 1
    start, end = dt.date(fy - 1, 4, 1), dt.date(fy + 1, 3, 31)
    keiyaku = Actor(id=users["demo-keiyaku"], label="契約 花子（demo-keiyaku）", roles=frozenset({Role.procurement}))
    ciso = Actor(id=users["demo-ciso"], label="情報 守（demo-ciso）", roles=frozenset({Role.security_officer}))
    fukushi = Actor(
        id=users["demo-fukushi"], label="福祉 陽子（demo-fukushi）", roles=frozenset({Role.department_staff}),
        department_id=depts["FUKUSHI"],
    )  # fmt: skip
    engagement = await EngagementService().create(
        EngagementCreate(
            title="福祉総合システム運用保守業務", department_id=depts["FUKUSHI"], supervisor_id=users["demo-fukushi"],
            start_date=start, end_date=end, work_kinds=["system_operation"], work_locations=["contractor_site"],
            purpose="介護保険・障害福祉システムの運用保守", confidentiality="2", integrity=2, availability=2,
            personal_info=True, segments=["lgwan"], off_premises=True, contract_value=12_800_000,
        ),
        actor=keiyaku,
    )  # fmt: skip
    await demo_selection(
        engagement, (contractor_id,), contractor_id, "保守実績と情報セキュリティ体制を評価したため",
        preparer=keiyaku, approver=ciso,
    )  # fmt: skip
    version = await contracts.create_draft(engagement, actor=keiyaku)
    await contracts.finalize(version, actor=keiyaku)
    await contracts.sign(
        version, signed_on=start - dt.timedelta(days=7), municipality_signatory="みどり市長 緑川 一郎",
        contractor_signatory="株式会社みどり情報システム 代表取締役 緑川 一郎", actor=keiyaku,
    )  # fmt: skip
    rows = await Check.select(Check.id, Check.due_on).where(Check.engagement == engagement).order_by(Check.due_on)
    past = [r["id"] for r in rows if r["due_on"] < today]
    future = [r["id"] for r in rows if r["due_on"] >= today]
    checks = CheckService()
    # All but the last four past checks were performed and signed off by another person.
    for check_id in past[:-4]:
        await _perform(checks, check_id, fukushi, [ItemResult.conforming, ItemResult.not_applicable])
        await checks.submit(check_id, actor=fukushi)
        await checks.review(check_id, approve=True, note="確認しました。", actor=ciso)
    if len(past) >= 4:
        reviewing, nonconforming, cancelled, _overdue = past[-4:]
        await _perform(checks, reviewing, fukushi, [ItemResult.conforming])
        await checks.submit(reviewing, actor=fukushi)
        findings = await _perform(checks, nonconforming, fukushi, [ItemResult.nonconforming, ItemResult.conforming])
        for finding_id in findings[:1]:
            await FindingService().add_measure(
                finding_id, kind="improvement_order", owner_id=users["demo-fukushi"],
                description="従事者名簿の更新と、名簿にない者を従事させない措置の報告を指示する。",
                due_on=today + dt.timedelta(days=14), actor=fukushi,
            )  # fmt: skip
        await checks.cancel(cancelled, reason="システム更改の延期により、当月の作業がなかったため。", actor=fukushi)
    if future:
        await ReportLinkService(contracts.files.root).create(future[0], days=30, actor=fukushi)
