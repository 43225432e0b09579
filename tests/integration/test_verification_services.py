"""Verification services on a real database: planning on signature and re-planning, results and findings,
sign-off by a second person, measures, and the contractors' report links."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib

import pytest

from governance.calendar import add_business_days
from governance.errors import ConflictError, NotFoundError, SelfApprovalError, ValidationError
from governance.files.services import FileService
from governance.reminders.tables import Notification
from governance.requirements import is_known
from governance.settings import get_settings
from governance.verification.services import (
    CheckFilter,
    CheckService,
    FindingService,
    LinkGoneError,
    ReportFile,
    ReportLinkService,
    ResultInput,
    list_checks,
    list_findings,
)
from governance.verification.tables import Check, ChecklistItem, CheckPlan, ContractorReport, Finding, ReportLink
from tests.helpers import amend_contract as amend
from tests.helpers import at_tokyo, audit_actions, checks_by_key, items_of, sign_contract

D = dt.date
PDF = b"%PDF-1.4\n% report\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def links() -> ReportLinkService:
    return ReportLinkService(get_settings().data_dir)


async def test_signing_the_mynumber_contract_plans_its_checks():
    sc = await sign_contract()
    checks = await checks_by_key(sc.engagement_id)
    [plan] = await CheckPlan.select().where(CheckPlan.contract_version == sc.version_id)
    assert plan["library_version"] and len(plan["library_hash"]) == 64
    assert (plan["term_start"], plan["term_end"]) == (D(2026, 4, 1), D(2027, 3, 31))
    assert all(c["plan"] == plan["id"] and c["status"] == "planned" for c in checks.values())
    assert all(c["assignee"] == sc.staff.id and c["department"] == sc.department_id for c in checks.values())
    assert checks["at_signing:v1"]["due_on"] == D(2026, 4, 8)  # 10 business days after 3/25
    assert len([k for k in checks if k.startswith("monthly:")]) == 12
    assert checks["monthly:令和8年4月分"]["due_on"] == D(2026, 5, 11)  # 5/10 is a Sunday

    yearly = checks["yearly:令和8年度"]
    assert yearly["due_on"] == D(2027, 1, 29) and yearly["title"] == "年次の確認・実地検査　令和8年度"
    inspection = {i["item_id"]: i for i in await items_of(yearly["id"])}["CHK-PI-ONSITE-INSPECTION"]
    assert inspection["clause_id"] == "ANX-TK14-PI-INSPECTION" and "OUT-CHK-05" in inspection["requirements"]
    end = checks["at_end"]
    assert end["due_on"] == D(2027, 4, 14)
    [disposal] = [i for i in await items_of(end["id"]) if i["item_id"] == "CHK-RETURN-DISPOSAL"]
    assert disposal["clause_id"] == "ANX-TK13-RETURN" and "消去証明書" in disposal["what"]

    # every item is traceable to a clause of the signed version and to known requirement ids
    signed_clauses = {c["id"] for v in await sc.contracts.versions(sc.engagement_id) for c in v["clauses"]}
    ids = [c["id"] for c in checks.values()]
    for item in await ChecklistItem.select().where(ChecklistItem.check.is_in(ids)).output(load_json=True):
        assert item["clause_id"] in signed_clauses and item["requirements"], item
        assert all(is_known(r) for r in item["requirements"]), item
    templates = {t["check_id"] for t in await CheckService().event_templates(sc.engagement_id)}
    assert {"CHK-INCIDENT-RESPONSE", "CHK-MN-SUBCONTRACT-PERMISSION"} <= templates
    assert "checks.planned" in await audit_actions()


async def test_public_cloud_work_gets_no_personal_data_inspection():
    sc = await sign_contract(
        title="フォームサービス利用", confidentiality="1", integrity=1, availability=1, personal_info=False,
        specific_personal_info=False, segments=[], work_kinds=["cloud_service"], work_locations=["remote"],
        subcontracting=False, subcontractors="", renewal="none", notice_days=0,
    )  # fmt: skip
    checks = await checks_by_key(sc.engagement_id)
    item_ids = {i["item_id"] for c in checks.values() for i in await items_of(c["id"])}
    assert "CHK-PI-ONSITE-INSPECTION" not in item_ids and not any(i.startswith("CHK-MN-") for i in item_ids)


async def test_a_later_version_replans_future_checks_and_keeps_recorded_results():
    sc = await sign_contract()
    svc = CheckService()
    before = await checks_by_key(sc.engagement_id)
    april, may, june, july = (before[f"monthly:令和8年{m}月分"] for m in (4, 5, 6, 7))
    # April's report was checked after its due date; June's results were recorded early (on the report; each month
    # also has the 作業ログ item of 機密性3B work)
    april_item, _ = await items_of(april["id"])
    await svc.record_results(april["id"], [ResultInput(april_item["id"], "conforming", note="受領済み")],
                             actor=sc.staff, now=at_tokyo(D(2026, 5, 12)))  # fmt: skip
    june_item, _ = await items_of(june["id"])
    await svc.record_results(june["id"], [ResultInput(june_item["id"], "not_applicable", note="前倒し")],
                             actor=sc.staff, now=at_tokyo(D(2026, 6, 1)))  # fmt: skip

    await amend(sc, signed_on=D(2026, 6, 15), end_date=D(2027, 6, 30))  # the term is extended by a quarter
    after = await checks_by_key(sc.engagement_id)
    plans = await CheckPlan.select(CheckPlan.id).order_by(CheckPlan.id)
    assert len(plans) == 2
    new_plan = plans[1]["id"]
    # the past and everything touched stay as they were, results included
    assert after["monthly:令和8年4月分"]["status"] == "in_progress"
    assert (await items_of(april["id"]))[0]["result"] == "conforming"
    assert after["monthly:令和8年5月分"] == may  # due 6/10, before the new signing: not touched at all
    assert after["monthly:令和8年6月分"]["plan"] == before["at_end"]["plan"]
    june_now, _ = await items_of(june["id"])
    assert (june_now["id"], june_now["result"], june_now["note"]) == (june_item["id"], "not_applicable", "前倒し")
    # open future checks are updated in place (same id, new plan), new periods are added
    assert after["monthly:令和8年7月分"]["id"] == july["id"] and after["monthly:令和8年7月分"]["plan"] == new_plan
    assert after["at_end"]["id"] == before["at_end"]["id"]
    assert after["at_end"]["due_on"] == add_business_days(D(2027, 6, 30), 10)
    for key in ("monthly:令和9年4月分", "monthly:令和9年6月分", "yearly:令和9年度", "at_signing:v2"):
        assert after[key]["plan"] == new_plan and after[key]["status"] == "planned", key
    assert after["at_signing:v2"]["due_on"] == add_business_days(D(2026, 6, 15), 10)
    assert after["at_signing:v1"]["id"] == before["at_signing:v1"]["id"]
    assert not [c for c in after.values() if c["status"] == "cancelled"]


async def test_a_shorter_term_cancels_future_checks_and_a_longer_one_plans_them_again():
    sc = await sign_contract()
    await amend(sc, signed_on=D(2026, 6, 15), end_date=D(2026, 12, 31))
    short = await checks_by_key(sc.engagement_id)
    for month in (1, 2, 3):
        check = short[f"monthly:令和9年{month}月分"]
        assert check["status"] == "cancelled"
        assert check["cancel_reason"] == "契約の変更（第2版の締結）により不要となりました。"
    assert short["yearly:令和8年度"]["due_on"] == D(2026, 12, 28)  # by the term's end, before 12/29–1/3
    assert short["at_end"]["due_on"] == add_business_days(D(2026, 12, 31), 10)
    # a third version recorded 3 weeks late restores the term: the cancelled months and its own (overdue) 締結時 check
    await amend(sc, signed_on=D(2026, 7, 1), recorded_on=D(2026, 7, 22), end_date=D(2027, 3, 31))
    assert (await checks_by_key(sc.engagement_id))["at_signing:v3"]["due_on"] == D(2026, 7, 15)
    rows = await Check.select().where(Check.engagement == sc.engagement_id, Check.plan_key == "monthly:令和9年2月分")
    assert sorted(r["status"] for r in rows) == ["cancelled", "planned"]
    assert (await checks_by_key(sc.engagement_id))["yearly:令和8年度"]["due_on"] == D(2027, 1, 29)


async def test_results_open_findings_and_bad_input_changes_nothing():
    sc = await sign_contract()
    svc = CheckService()
    # the check before work begins (業務体制届・誓約書・従事者名簿 …, due 3/31), recorded before its due date
    check = (await checks_by_key(sc.engagement_id))["before_start"]
    a, b, c, _, _ = await items_of(check["id"])
    other = (await items_of((await checks_by_key(sc.engagement_id))["at_end"]["id"]))[0]
    now = at_tokyo(D(2026, 3, 27))
    refused = {
        f"note_{c['id']}": [ResultInput(c["id"], "nonconforming", note="  ")],
        f"result_{a['id']}": [ResultInput(a["id"], "ok")],
        f"severity_{c['id']}": [ResultInput(c["id"], "nonconforming", note="x", severity="fatal")],
        "results": [],
    }
    for field, results in refused.items():
        with pytest.raises(ValidationError) as info:
            await svc.record_results(check["id"], results, actor=sc.staff, now=now)
        assert field in info.value.field_errors
    with pytest.raises(ValidationError) as info:
        await svc.record_results(check["id"], [ResultInput(other["id"], "conforming")], actor=sc.staff, now=now)
    assert info.value.field_errors == {f"result_{other['id']}": "この確認の項目ではありません。"}
    with pytest.raises(NotFoundError):
        await svc.record_results(999_999, [ResultInput(a["id"], "conforming")], actor=sc.staff, now=now)
    assert all(i["result"] is None for i in await items_of(check["id"]))
    assert (await Check.select(Check.status).where(Check.id == check["id"]).first())["status"] == "planned"

    opened = await svc.record_results(
        check["id"],
        [ResultInput(a["id"], "conforming"), ResultInput(b["id"], "not_applicable", note="該当者なし"),
         ResultInput(c["id"], "nonconforming", note="従事者名簿が未提出", severity="major")],
        actor=sc.staff, now=now,
    )  # fmt: skip
    assert len(opened) == 1
    finding = await FindingService().get(opened[0])
    assert (finding["item"], finding["check"], finding["severity"], finding["status"]) == (
        c["id"], check["id"], "major", "open",
    )  # fmt: skip
    assert finding["description"] == "従事者名簿が未提出" and finding["title"] == c["what"][:200]
    assert finding["clause_id"] == c["clause_id"] and finding["escalated_at"] is None
    detail = await svc.get(check["id"], today=D(2026, 3, 27))
    assert detail["status"] == "in_progress" and detail["status_label"] == "実施中"
    assert [i["result_label"] for i in detail["checklist"]] == ["適合", "該当なし", "不適合", "未記録", "未記録"]
    assert [i["recorded_by"] for i in detail["checklist"]] == [sc.staff.id] * 3 + [None, None]
    # a 重要 finding is reported to its department's managers; none are registered here, so to the security office
    reported = await Notification.select().order_by(Notification.recipient)
    assert [(r["recipient"], r["rule"]) for r in reported] == [(o, "department-report") for o in sorted(sc.officer_ids)]
    with pytest.raises(ConflictError, match="指摘事項が作成済み"):
        await svc.record_results(check["id"], [ResultInput(c["id"], "conforming")], actor=sc.staff, now=now)
    # the same 不適合 recorded again (a better note) opens no second finding
    assert await svc.record_results(check["id"], [ResultInput(c["id"], "nonconforming", note="追記")],
                                    actor=sc.staff, now=now) == []  # fmt: skip
    assert await Finding.count() == 1
    assert {"check.results_recorded", "finding.opened"} <= set(await audit_actions())
    assert (await svc.get(check["id"], today=D(2026, 4, 1)))["status_label"] == "期限超過"
    # a finding that is not 重大 can still be reported up the chain by hand, once
    await FindingService().escalate(opened[0], actor=sc.staff)
    assert await Notification.count() == 4
    with pytest.raises(ConflictError, match="報告済み"):
        await FindingService().escalate(opened[0], actor=sc.staff)


async def test_a_serious_finding_is_escalated_to_every_security_officer():
    sc = await sign_contract()
    check = (await checks_by_key(sc.engagement_id))["at_signing:v1"]
    item = (await items_of(check["id"]))[0]
    [finding_id] = await CheckService().record_results(
        check["id"], [ResultInput(item["id"], "nonconforming", note="無断で再委託", severity="serious")],
        actor=sc.staff, now=at_tokyo(D(2026, 4, 6)),
    )  # fmt: skip
    rows = await Notification.select().order_by(Notification.recipient)
    assert [r["recipient"] for r in rows] == sorted(sc.officer_ids)
    assert {(r["rule"], r["status"], r["link"]) for r in rows} == {("escalation", "pending", f"/findings/{finding_id}")}
    assert all(r["title"].startswith("【重大な指摘事項の報告】") for r in rows)
    assert rows[0]["email"] == "ciso@city.example.jp"
    assert (await Finding.select().where(Finding.id == finding_id).first())["escalated_at"] is not None
    assert "finding.escalated" in await audit_actions()
    with pytest.raises(ConflictError):
        await FindingService().escalate(finding_id, actor=sc.officer)
    assert await Notification.count() == 2


async def test_submit_needs_every_item_and_review_needs_a_second_person():
    sc = await sign_contract()
    svc = CheckService()
    check = (await checks_by_key(sc.engagement_id))["before_start"]  # a check with several items (5)
    items = await items_of(check["id"])
    await svc.record_results(check["id"], [ResultInput(items[0]["id"], "conforming")], actor=sc.staff)
    with pytest.raises(ConflictError, match="4件"):
        await svc.submit(check["id"], actor=sc.staff)
    await svc.record_results(check["id"], [ResultInput(i["id"], "conforming") for i in items[1:]], actor=sc.staff)
    with pytest.raises(ConflictError, match="確認待ち"):
        await svc.review(check["id"], approve=True, actor=sc.second)  # not submitted yet
    await svc.submit(check["id"], actor=sc.staff)
    row = await Check.select().where(Check.id == check["id"]).first()
    assert row["status"] == "reviewing" and row["performed_by"] == sc.staff.id and row["performed_at"]
    with pytest.raises(ConflictError, match="確認待ち"):
        await svc.record_results(check["id"], [ResultInput(items[0]["id"], "not_applicable")], actor=sc.staff)
    with pytest.raises(SelfApprovalError):
        await svc.review(check["id"], approve=True, actor=sc.staff)
    with pytest.raises(ValidationError):
        await svc.review(check["id"], approve=False, note=" ", actor=sc.second)
    await svc.review(check["id"], approve=False, note="証跡を添付してください。", actor=sc.second)
    row = await Check.select().where(Check.id == check["id"]).first()
    assert row["status"] == "in_progress" and row["reviewed_by"] is None and row["review_note"].startswith("証跡")
    # a second person who recorded a result performed the check too: a third person signs it off
    await svc.record_results(check["id"], [ResultInput(items[0]["id"], "not_applicable", note="訂正")], actor=sc.second)
    await svc.submit(check["id"], actor=sc.staff)
    with pytest.raises(SelfApprovalError):
        await svc.review(check["id"], approve=True, actor=sc.second)
    await svc.review(check["id"], approve=True, note="確認しました。", actor=sc.officer)
    row = await Check.select().where(Check.id == check["id"]).first()
    assert (row["status"], row["reviewed_by"]) == ("done", sc.officer.id) and row["reviewed_at"]
    for attempt in (
        svc.review(check["id"], approve=True, actor=sc.second),
        svc.cancel(check["id"], reason="不要", actor=sc.second),
        svc.submit(check["id"], actor=sc.staff),
    ):
        with pytest.raises(ConflictError):
            await attempt
    assert {"check.submitted", "check.returned", "check.reviewed"} <= set(await audit_actions())


async def test_cancel_needs_a_reason_assign_an_active_user_and_event_checks_open_from_templates():
    sc = await sign_contract()
    svc = CheckService()
    check = (await checks_by_key(sc.engagement_id))["monthly:令和8年4月分"]
    with pytest.raises(ValidationError) as info:
        await svc.cancel(check["id"], reason="  ", actor=sc.staff)
    assert "reason" in info.value.field_errors
    with pytest.raises(ValidationError):
        await svc.assign(check["id"], 999_999, actor=sc.staff)
    await svc.assign(check["id"], sc.second.id, actor=sc.staff)
    assert (await Check.select(Check.assignee).where(Check.id == check["id"]).first())["assignee"] == sc.second.id
    await svc.cancel(check["id"], reason="4月分は5月分と合わせて報告を受けるため", actor=sc.staff)
    row = await Check.select().where(Check.id == check["id"]).first()
    assert row["status"] == "cancelled" and row["cancel_reason"].startswith("4月分は")
    assert (await svc.get(check["id"], today=D(2026, 12, 1)))["status_label"] == "中止"  # never 期限超過
    item, _ = await items_of(check["id"])  # the report and the 作業ログ
    with pytest.raises(ConflictError, match="中止"):
        await svc.record_results(check["id"], [ResultInput(item["id"], "conforming")], actor=sc.staff)
    with pytest.raises(ConflictError):
        await svc.cancel(check["id"], reason="再度", actor=sc.staff)
    with pytest.raises(ConflictError):
        await svc.assign(check["id"], sc.staff.id, actor=sc.staff)
    # an event check opens from the plan's templates
    now = at_tokyo(D(2026, 7, 3))
    errors = {}
    for template, note, due in (("CHK-NOPE", "x", None), ("CHK-INCIDENT-RESPONSE", " ", None),
                                ("CHK-INCIDENT-RESPONSE", "x", D(2026, 7, 2))):  # fmt: skip
        with pytest.raises(ValidationError) as info:
            await svc.open_event_check(sc.engagement_id, template, note=note, due_on=due, actor=sc.staff, now=now)
        errors.update(info.value.field_errors)
    assert set(errors) == {"template_id", "note", "due_on"}
    with pytest.raises(NotFoundError):
        await svc.open_event_check(999_999, "CHK-INCIDENT-RESPONSE", note="x", actor=sc.staff, now=now)
    check_id = await svc.open_event_check(
        sc.engagement_id, "CHK-INCIDENT-RESPONSE", note="USBメモリの紛失の報告", actor=sc.staff, now=now
    )
    row = await Check.select().where(Check.id == check_id).first()
    assert row["kind"] == "on_event" and row["due_on"] == D(2026, 7, 10) and row["assignee"] == sc.staff.id
    assert row["event_note"] == "USBメモリの紛失の報告" and row["title"].startswith("事象発生時の確認：事故の第一報")
    [item] = await items_of(check_id)
    assert item["item_id"] == "CHK-INCIDENT-RESPONSE" and item["clause_id"] == "ANX-TK15-INCIDENT"


async def test_measures_and_closing_a_finding():
    sc = await sign_contract()
    check = (await checks_by_key(sc.engagement_id))["at_signing:v1"]
    item = (await items_of(check["id"]))[0]
    now = at_tokyo(D(2026, 4, 6))
    [finding_id] = await CheckService().record_results(
        check["id"], [ResultInput(item["id"], "nonconforming", note="未提出")], actor=sc.staff, now=now
    )
    svc = FindingService()
    with pytest.raises(ValidationError) as info:
        await svc.add_measure(finding_id, kind="scolding", description=" ", owner_id=999_999, due_on=D(2026, 4, 5),
                              actor=sc.staff, now=now)  # fmt: skip
    assert set(info.value.field_errors) == {"kind", "description", "owner_id", "due_on"}
    with pytest.raises(ConflictError, match="完了した措置がありません"):
        await svc.close(finding_id, verification_note="確認済み", actor=sc.second, now=now)
    order = await svc.add_measure(finding_id, kind="improvement_order", description="名簿を10日以内に提出させる",
                                  owner_id=sc.staff.id, due_on=D(2026, 4, 20), actor=sc.staff, now=now)  # fmt: skip
    visit = await svc.add_measure(finding_id, kind="onsite_inspection", description="作業場所の立入検査",
                                  owner_id=sc.second.id, due_on=D(2026, 5, 20), actor=sc.staff, now=now)  # fmt: skip
    got = await svc.get(finding_id)
    assert [(m["kind_label"], m["requirements"]) for m in got["measures"]] == [
        ("改善指示", ["OUT-MSR-01"]), ("立入検査", ["OUT-CHK-05"]),
    ]  # fmt: skip
    with pytest.raises(ValidationError):
        await svc.close_measure(order, done=True, note=" ", actor=sc.staff, now=now)
    with pytest.raises(NotFoundError):
        await svc.close_measure(order, done=True, note="提出を受けた", finding_id=finding_id + 1, actor=sc.staff)
    await svc.close_measure(order, done=True, note="4/15に名簿の提出を受けた", actor=sc.staff, now=now)
    with pytest.raises(ConflictError, match="すでに完了"):
        await svc.close_measure(order, done=True, note="again", actor=sc.staff, now=now)
    with pytest.raises(ConflictError, match="対応中の措置があります"):
        await svc.close(finding_id, verification_note="名簿を確認", actor=sc.second, now=now)
    await svc.close_measure(visit, done=False, note="書面調査で足りるため取りやめ", actor=sc.staff, now=now)
    with pytest.raises(ValidationError) as info:
        await svc.close(finding_id, verification_note="  ", actor=sc.second, now=now)
    assert "verification_note" in info.value.field_errors
    await svc.close(finding_id, verification_note="提出された名簿を確認し、是正を確認しました。", actor=sc.second,
                    now=now)  # fmt: skip
    got = await svc.get(finding_id)
    assert (got["status_label"], got["closed_by"]) == ("完了", sc.second.id)
    assert [m["status_label"] for m in got["measures"]] == ["完了", "取りやめ"]
    with pytest.raises(ConflictError):
        await svc.close(finding_id, verification_note="x", actor=sc.second, now=now)
    with pytest.raises(ConflictError, match="完了した指摘事項"):
        await svc.add_measure(finding_id, kind="other", description="x", owner_id=sc.staff.id,
                              due_on=D(2026, 5, 1), actor=sc.staff, now=now)  # fmt: skip
    rows, total = await list_findings(status="closed")
    assert total == 1 and rows[0]["id"] == finding_id
    assert {"measure.created", "measure.closed", "finding.closed"} <= set(await audit_actions())


async def test_a_report_link_is_used_once_and_stores_the_files():
    sc = await sign_contract()
    check = (await checks_by_key(sc.engagement_id))["monthly:令和8年4月分"]
    now = at_tokyo(D(2026, 5, 1))
    token = await links().create(check["id"], days=30, actor=sc.staff, now=now)
    [link] = await ReportLink.select()
    assert link["token_hash"] == hashlib.sha256(token.encode()).hexdigest() and token not in str(link)
    opened = await links().open(token, now=now)
    assert opened["check_title"] == check["title"] and opened["engagement_title"] == "住民情報システム運用保守業務"
    with pytest.raises(NotFoundError):
        await links().open(token + "x", now=now)
    for kwargs, field in (
        ({"reporter_name": " ", "body": "報告"}, "reporter_name"),
        ({"reporter_name": "森", "body": " "}, "body"),
        ({"reporter_name": "森", "body": "x", "files": [ReportFile(PDF, f"{n}.pdf") for n in range(6)]}, "files"),
        ({"reporter_name": "森", "body": "x", "files": [ReportFile(b"MZ\x90\x00", "virus.exe")]}, "report"),
    ):
        with pytest.raises(ValidationError) as info:
            await links().submit(token, **{"reporter_email": "", "files": [], **kwargs}, now=now)
        assert field in info.value.field_errors
    assert await ContractorReport.count() == 0  # the refused submissions used nothing up
    report_id = await links().submit(
        token, reporter_name="森 健太", reporter_email="mori@midori.example.jp", body="4月分の定期報告です。",
        files=[ReportFile(PDF, "4月分報告書.pdf")], now=now,
    )  # fmt: skip
    report = await ContractorReport.select().where(ContractorReport.id == report_id).output(load_json=True).first()
    stored = await FileService(get_settings().data_dir).load(report["files"][0])
    assert stored.data == PDF and stored.filename == "4月分報告書.pdf" and stored.content_type == "application/pdf"
    detail = await CheckService().get(check["id"], today=D(2026, 5, 1))
    assert detail["status"] == "in_progress" and [r["id"] for r in detail["reports"]] == [report_id]
    [notice] = await Notification.select(Notification.recipient, Notification.rule, Notification.link)
    assert notice == {"recipient": sc.staff.id, "rule": "report_submitted", "link": f"/checks/{check['id']}"}
    for attempt in (
        links().open(token, now=now),
        links().submit(token, reporter_name="森", reporter_email="", body="再送", files=[], now=now),
    ):
        with pytest.raises(LinkGoneError, match="すでに報告が提出されています") as info:
            await attempt
        assert info.value.status_code == 410
    assert await ContractorReport.count() == 1
    with pytest.raises(ConflictError):
        await links().revoke(link["id"], actor=sc.staff)


async def test_two_submissions_through_one_link_at_the_same_time_store_one_report():
    sc = await sign_contract()
    check = (await checks_by_key(sc.engagement_id))["monthly:令和8年4月分"]
    token = await links().create(check["id"], days=30, actor=sc.staff)
    outcomes = await asyncio.gather(
        *(links().submit(token, reporter_name=f"森{n}", reporter_email="", body="報告", files=[]) for n in range(2)),
        return_exceptions=True,
    )
    assert sorted(type(o).__name__ for o in outcomes) == ["LinkGoneError", "int"], outcomes
    assert await ContractorReport.count() == 1 and await Notification.count() == 1


async def test_report_links_expire_and_can_be_revoked():
    sc = await sign_contract()
    checks = await checks_by_key(sc.engagement_id)
    check = checks["monthly:令和8年4月分"]
    now = at_tokyo(D(2026, 5, 1))
    token = await links().create(check["id"], days=30, actor=sc.staff, now=now)
    await links().open(token, now=now + dt.timedelta(days=30, seconds=-1))
    with pytest.raises(LinkGoneError, match="有効期限"):
        await links().open(token, now=now + dt.timedelta(days=30))
    with pytest.raises(LinkGoneError, match="有効期限"):
        await links().submit(token, reporter_name="森", reporter_email="", body="遅れて", files=[],
                             now=now + dt.timedelta(days=31))  # fmt: skip
    second = await links().create(check["id"], days=30, actor=sc.staff, now=now)
    link_id = (await ReportLink.select(ReportLink.id).order_by(ReportLink.id))[-1]["id"]
    with pytest.raises(NotFoundError):
        await links().revoke(link_id, check_id=checks["at_end"]["id"], actor=sc.staff)  # another check's path
    await links().revoke(link_id, check_id=check["id"], actor=sc.staff, now=now)
    with pytest.raises(LinkGoneError, match="取り消されています"):
        await links().open(second, now=now)
    with pytest.raises(ConflictError, match="すでに無効"):
        await links().revoke(link_id, actor=sc.staff)
    # a link of a check that was cancelled in the meantime stops working; a closed check gets no new link
    third = await links().create(check["id"], days=30, actor=sc.staff, now=now)
    await CheckService().cancel(check["id"], reason="契約変更のため", actor=sc.staff)
    with pytest.raises(LinkGoneError, match="終了しています"):
        await links().open(third, now=now)
    with pytest.raises(ConflictError):
        await links().create(check["id"], days=30, actor=sc.staff, now=now)
    assert {"report_link.created", "report_link.revoked"} <= set(await audit_actions())


async def test_check_lists_by_due_date_status_and_department():
    sc = await sign_contract()
    today = D(2026, 6, 1)
    overdue, total = await list_checks(CheckFilter(status="overdue"), today=today)
    titles = ["業務の開始前の確認", "契約締結時の確認", "定期報告（毎月）　令和8年4月分"]
    assert total == 3 and [r["title"] for r in overdue] == titles
    assert {r["status_label"] for r in overdue} == {"期限超過"}
    page, total = await list_checks(CheckFilter(department_id=sc.department_id), today=today, limit=5, offset=5)
    assert total == len(await checks_by_key(sc.engagement_id)) and len(page) == 5
    assert [r["due_on"] for r in page] == sorted(r["due_on"] for r in page)
    window, _ = await list_checks(CheckFilter(due_from=D(2027, 1, 1), due_to=D(2027, 1, 31)), today=today)
    assert {r["title"] for r in window} >= {"年次の確認・実地検査　令和8年度"}
    assert (await list_checks(CheckFilter(assignee_id=sc.second.id), today=today)) == ([], 0)


async def test_a_later_version_asks_before_work_only_for_what_it_adds():
    """Found in review: the before-start items a new version adds (a subcontractor's approval) were never planned."""
    sc = await sign_contract(subcontracting=False, subcontractors="")
    first = await checks_by_key(sc.engagement_id)
    assert "CHK-SUBCONTRACT-PRIOR" not in {i["item_id"] for i in await items_of(first["before_start"]["id"])}
    await amend(sc, signed_on=D(2026, 6, 15), subcontracting=True, subcontractors="株式会社下請システム")
    after = await checks_by_key(sc.engagement_id)
    added = after["before_start:v2"]
    assert added["due_on"] == D(2026, 6, 15)  # work has begun: due on the new version's signing date
    assert [i["item_id"] for i in await items_of(added["id"])] == ["CHK-SUBCONTRACT-PRIOR"]
    assert after["before_start"]["id"] == first["before_start"]["id"]  # the first one stays as it was
    # a version that adds nothing before work asks for nothing more
    await amend(sc, signed_on=D(2026, 7, 15), end_date=D(2027, 6, 30), subcontracting=True,
                subcontractors="株式会社下請システム")  # fmt: skip
    assert "before_start:v3" not in await checks_by_key(sc.engagement_id)


async def test_findings_are_reported_along_the_policys_chain_by_severity():
    """重大 → 統括情報セキュリティ責任者 and CISO; 重要 → the department's 管理者 and 責任者 (issue 12)."""
    from governance.accounts.roles import Role
    from tests.helpers import make_person

    sc = await sign_contract()
    chief = await make_person("toukatsu", Role.chief_security)
    ciso = await make_person("saikou", Role.ciso)
    manager = await make_person("kanrisha", Role.security_manager)  # the engagement's department (JOHO)
    head = await make_person("sekininsha", Role.security_head)
    elsewhere = await make_person("yosonokachou", Role.security_manager, dept="SHIMIN")  # another department
    check = (await checks_by_key(sc.engagement_id))["before_start"]
    a, b, *_ = await items_of(check["id"])
    major, serious = await CheckService().record_results(
        check["id"],
        [ResultInput(a["id"], "nonconforming", note="誓約書の一部が未提出", severity="major"),
         ResultInput(b["id"], "nonconforming", note="無断で再委託", severity="serious")],
        actor=sc.staff, now=at_tokyo(D(2026, 3, 27)),
    )  # fmt: skip
    rows = await Notification.select(Notification.recipient, Notification.rule, Notification.subject_id)
    to = {(r["subject_id"], r["rule"]): set() for r in rows}
    for r in rows:
        to[(r["subject_id"], r["rule"])].add(r["recipient"])
    assert to == {(major, "department-report"): {manager, head}, (serious, "escalation"): {chief, ciso}}
    assert elsewhere not in {r["recipient"] for r in rows}
    assert not set(sc.officer_ids) & {r["recipient"] for r in rows}  # the office is not needed when the chain exists
