"""Every workflow event tells the person who must act next: once, on the home page and by mail (issue 14)."""

from __future__ import annotations

import datetime as dt

import pytest

from governance.accounts.roles import Role
from governance.actor import Actor
from governance.db import write_transaction
from governance.engagements.schemas import Decision, EvaluationIn, SelectionCreate
from governance.engagements.services import EngagementService, SelectionService
from governance.errors import ConflictError
from governance.external import schemas as ext
from governance.external.checklist import applicant_items
from governance.external.services import ApplicationService, RegistryService
from governance.reminders.events import Event, notify, people, role_holders
from governance.reminders.tables import Notification
from governance.social.schemas import AccountCreate, ApplicationCreate, DecisionIn
from governance.social.services import AccountQueries, AccountService, WorkflowService
from tests.helpers import (
    approve_platform_use,
    engagement_data,
    login,
    make_contractor,
    make_department,
    make_person,
    sign_contract,
)
from tests.integration.test_reminders import BASE, Inbox, fx_inbox, reminders  # noqa: F401

FULL = [c.id for c in applicant_items("full")]


async def _actor(username: str, *roles: str, dept: str = "JOHO") -> Actor:
    uid = await make_person(username, *roles, dept=dept)
    return Actor(id=uid, label=username, roles=frozenset(roles), department_id=await make_department(dept))


async def told(rule: str) -> list[tuple[int, str, str]]:
    """(recipient, title, link) of the notices of one kind, oldest first."""
    rows = await Notification.select().where(Notification.rule == rule).order_by(Notification.id)
    return [(r["recipient"], r["title"], r["link"]) for r in rows]


async def recipients(rule: str) -> list[int]:
    return sorted(r for r, _, _ in await told(rule))


@pytest.fixture(name="office")
async def fx_office():
    """A preparer (procurement) and two security officers; the engagement's department has its own staff."""
    dept = await make_department("FUKUSHI", "福祉課")
    return {
        "prep": await _actor("keiyaku", Role.procurement),
        "ciso": await _actor("ciso", Role.security_officer),
        "ciso2": await _actor("ciso2", Role.security_officer),
        "staff": await _actor("tantou", Role.department_staff, dept="FUKUSHI"),
        "dept": dept,
    }


async def _submitted_selection(office) -> tuple[int, int]:
    prep = office["prep"]
    eid = await EngagementService().create(
        engagement_data(department_id=office["dept"], supervisor_id=office["staff"].id), actor=prep
    )
    cid = await make_contractor("株式会社みどり情報")
    sel = SelectionService()
    sid = await sel.create(eid, SelectionCreate(method="negotiated"), actor=prep)
    cand = await sel.add_candidate(sid, cid, actor=prep)
    got = await sel.get(sid)
    await sel.save_evaluations(
        sid, [EvaluationIn(candidate_id=cand, criterion_id=c.id, answer="conforms") for c in got.criteria], actor=prep
    )
    await sel.decide(sid, Decision(contractor_id=cid, rationale="適合"), actor=prep)
    await sel.submit(sid, actor=prep)
    return eid, sid


async def test_a_submitted_selection_tells_each_approver_once_and_the_decision_tells_the_preparer(office):
    _, sid = await _submitted_selection(office)
    officers = sorted([office["ciso"].id, office["ciso2"].id])
    assert await recipients("selection.submitted") == officers  # not the preparer, not department staff
    [(_, title, link), _] = await told("selection.submitted")
    assert title.startswith("【選定の承認依頼】「住民情報システム運用保守業務") and link == f"/selections/{sid}"

    sel = SelectionService()
    await sel.approve(sid, actor=office["ciso"], comment="問題ありません")
    with pytest.raises(ConflictError):  # a second press of 承認 decides nothing and tells nobody again
        await sel.approve(sid, actor=office["ciso2"])
    [(who, title, link)] = await told("selection.approved")
    assert (who, link) == (office["prep"].id, f"/selections/{sid}") and title.startswith("【選定の承認】")
    [row] = await Notification.select().where(Notification.rule == "selection.approved")
    assert "コメント：問題ありません" in row["body"] and "{url}" in row["body"]
    assert await told("selection.returned") == []


async def test_a_returned_selection_tells_the_preparer_and_a_resubmission_asks_again(office):
    _, sid = await _submitted_selection(office)
    sel = SelectionService()
    await sel.return_to_preparer(sid, actor=office["ciso2"], comment="選定理由を具体的に")
    [(who, title, _)] = await told("selection.returned")
    [row] = await Notification.select().where(Notification.rule == "selection.returned")
    assert who == office["prep"].id and title.startswith("【選定の差戻し】")
    assert "差戻しの理由：選定理由を具体的に" in row["body"]
    await sel.submit(sid, actor=office["prep"], now=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5))
    # a new submission is a new event: each approver is asked again, once
    assert await recipients("selection.submitted") == sorted([office["ciso"].id, office["ciso2"].id] * 2)


async def test_a_decision_rolled_back_tells_nobody(office):
    _, sid = await _submitted_selection(office)
    with pytest.raises(RuntimeError):
        async with write_transaction():  # the service's transaction joins this one, which then fails
            await SelectionService().approve(sid, actor=office["ciso"])
            raise RuntimeError("the decision is not kept")
    assert await told("selection.approved") == []
    assert (await SelectionService().get(sid)).status == "submitted"


async def test_the_same_event_recorded_twice_is_one_notice(office):
    now = dt.datetime.now(dt.UTC)
    event = Event("selection.approved", "selection", 99, "「x」の選定記録（第1版）", "/selections/99")
    for _ in range(2):  # a retried request: same event, same instant
        assert [r.user_id for r in await notify(event, await people(office["prep"].id), now=now)] == [office["prep"].id]
    assert len(await told("selection.approved")) == 1
    # the one who acted is never told of their own step
    assert await notify(event, await people(office["prep"].id), now=now, actor_id=office["prep"].id) == []


async def test_departmental_roles_are_told_only_in_the_records_department(office):
    mgr_fukushi = await make_person("kacho-f", Role.security_manager, dept="FUKUSHI")
    await make_person("kacho-j", Role.security_manager, dept="JOHO")
    officer = office["ciso"].id
    found = await role_holders(Role.security_manager, Role.security_officer, department_id=office["dept"])
    assert sorted(r.user_id for r in found) == sorted([mgr_fukushi, officer, office["ciso2"].id])


async def test_usage_applications_tell_the_deciders_then_the_applicant_and_the_administrator():
    applicant = await _actor("shimin", Role.department_staff, dept="SHIMIN")
    ciso = await _actor("ciso", Role.security_officer)
    officer2 = await _actor("ciso2", Role.security_officer, dept="SHIMIN")
    admin = await _actor("es-kanri", Role.department_staff, dept="SHIMIN")
    registry, apps = RegistryService(), ApplicationService()
    sid = await registry.create(
        ext.ServiceCreate(name="ファイル共有サービス（架空）", provider_name="くもクラウド合同会社", kind="saas",
                          contract_type="terms_of_use", max_confidentiality="2", terms_version="2026年4月版"),
        scheme="R6", actor=applicant,
    )  # fmt: skip
    application = ext.ApplicationCreate(
        purpose="資料の受け渡し", information="打合せ資料", confidentiality="2", users="市民課", account_count=5,
        terms_reviewed=True, terms_version="2026年4月版", measures="多要素認証", checklist=FULL,
    )  # fmt: skip

    aid = await apps.create(sid, application, scheme="R6", actor=applicant)
    await apps.submit(aid, actor=applicant)
    assert await recipients("external_application.submitted") == sorted([ciso.id, officer2.id])
    [(_, title, link), _] = await told("external_application.submitted")
    assert "ファイル共有サービス（架空）" in title and link == f"/external-services/applications/{aid}"
    await apps.start_review(aid, actor=ciso)
    await apps.approve(aid, ext.ApproveIn(administrator_id=admin.id), actor=ciso)
    with pytest.raises(ConflictError):
        await apps.approve(aid, ext.ApproveIn(administrator_id=admin.id), actor=ciso)
    assert await recipients("external_application.approved") == sorted([applicant.id, admin.id])

    other = await apps.create(sid, application, scheme="R6", actor=applicant)
    await apps.submit(other, actor=applicant)
    await apps.start_review(other, actor=officer2)
    await apps.return_to_applicant(other, ext.CommentIn(comment="利用者の範囲を記載してください"), actor=officer2)
    assert await recipients("external_application.returned") == [applicant.id]
    await apps.submit(other, actor=applicant, now=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5))
    await apps.start_review(other, actor=ciso)
    await apps.reject(other, ext.CommentIn(comment="既存サービスで足ります"), actor=ciso)
    [(who, title, _)] = await told("external_application.rejected")
    assert who == applicant.id and title.startswith("【外部サービス利用申請の却下】")


async def test_sns_opening_and_closing_tell_the_approvers_then_the_applicant():
    dept = await make_department("KOHO", "企画部 秘書広報課")
    koho = Actor(id=await make_person("koho", Role.pr_staff, dept="KOHO"), label="広報",
                 roles=frozenset({Role.pr_staff}), department_id=dept)  # fmt: skip
    officer = await _actor("joho", Role.security_officer)
    platform = await RegistryService().create(
        ext.ServiceCreate(name="Instagram", kind="social_media", platform="instagram", provider_name="Meta"),
        scheme="R6", actor=koho,
    )  # fmt: skip
    await approve_platform_use(platform, dept)
    account = await AccountService().create(
        AccountCreate(service_id=platform, url="https://instagram.com/midori.koho/", display_name="みどり市",
                      department_id=dept, purpose="観光", responsible_name="広報 課長",
                      content_categories=["観光・魅力発信"]),
        actor=koho,
    )  # fmt: skip
    [(who, title, link)] = await told("social_application.submitted")
    assert who == officer.id and "みどり市" in title and link == f"/social-accounts/{account}#applications"
    app = (await AccountQueries().get(account)).applications[0]
    flow = WorkflowService()
    await flow.approve(account, app.id, DecisionIn(comment=""), actor=officer)
    with pytest.raises(ConflictError):
        await flow.approve(account, app.id, DecisionIn(comment=""), actor=officer)
    [(who, title, _)] = await told("social_application.approved")
    assert who == koho.id and title.startswith("【SNSアカウントの申請の承認】")

    closing = await flow.apply(account, ApplicationCreate(kind="close", reason="事業終了"), actor=koho)
    assert await recipients("social_application.submitted") == [officer.id, officer.id]
    await flow.return_(account, closing, DecisionIn(comment="廃止日を決めてください"), actor=officer)
    [(who, _, _)] = await told("social_application.returned")
    assert who == koho.id


async def test_subcontractor_approvals_are_requested_from_the_security_office_and_decided_for_the_requester():
    sc = await sign_contract(keep_notices=True)  # マイナンバー work naming a subcontractor: the 番号法第10条 permission
    [(title_of, link)] = {(t, lk) for _, t, lk in await told("subcontractor.requested")}
    assert await recipients("subcontractor.requested") == sorted(sc.officer_ids)  # not procurement, not the requester
    assert "株式会社下請システム" in title_of and link.startswith(f"/engagements/{sc.engagement_id}/contract#approval-")
    # the approval was opened by the first draft; the next draft of the same work asks nobody again
    await sc.contracts.create_draft(sc.engagement_id, actor=sc.procurement, now=dt.datetime.now(dt.UTC))
    assert len(await told("subcontractor.requested")) == 2


async def test_the_approvers_decision_is_mailed_and_shown_on_the_preparers_home_page(office, inbox, client):
    _, sid = await _submitted_selection(office)
    await SelectionService().approve(sid, actor=office["ciso"])
    sent, failed = await reminders(inbox.port).deliver()
    assert failed == 0 and sent == 3  # two approvers asked, then the preparer told of the decision
    mails = {rcpt: (subject, body) for rcpt, subject, body in
             ((e.rcpt_tos[0], m["subject"], m.get_content()) for e, m in zip(inbox.envelopes, inbox.messages(),
                                                                              strict=True))}  # fmt: skip
    subject, body = mails["keiyaku@city.example.jp"]
    assert subject.startswith("【選定の承認】") and f"{BASE}/selections/{sid}" in body
    assert mails["ciso@city.example.jp"][0].startswith("【選定の承認依頼】")
    assert (await reminders(inbox.port).deliver()) == (0, 0)  # nothing twice

    await login(client, "keiyaku")
    page = (await client.get("/")).text
    notices = page[page.index('id="notices"') :]
    assert "【選定の承認】「住民情報システム運用保守業務" in notices and f'href="/selections/{sid}"' in notices
    assert "令和" in notices  # the time it was recorded, in 和暦


async def test_procurement_home_lists_selections_in_progress_and_returned_and_contract_drafts(office, client):
    eid, sid = await _submitted_selection(office)
    await login(client, "keiyaku")
    page = (await client.get("/")).text
    assert "作成中の選定" not in page  # submitted: it waits for the approver, not the preparer
    await SelectionService().return_to_preparer(sid, actor=office["ciso"], comment="再確認してください")
    page = (await client.get("/")).text
    assert "差し戻された選定の修正：住民情報システム運用保守業務（第1版）" in page and f"/selections/{sid}" in page
    assert "【選定の差戻し】" in page  # and the notice of it

    await SelectionService().submit(sid, actor=office["prep"], now=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1))
    await SelectionService().approve(sid, actor=office["ciso"])
    from tests.helpers import contract_service

    await contract_service().create_draft(eid, actor=office["prep"])
    page = (await client.get("/")).text
    assert "契約書案の確定：住民情報システム運用保守業務（第1版）" in page and f"/engagements/{eid}/contract" in page


async def test_an_auditors_home_points_to_the_audit_log_and_notices(client):
    await make_person("kansa", Role.auditor)
    await login(client, "kansa")
    page = (await client.get("/")).text
    assert 'href="/audit"' in page and 'href="/notifications"' in page and "お知らせ" in page
    assert (await client.get("/notifications")).status_code == 200


async def test_a_report_on_a_check_without_an_assignee_reaches_its_departments_staff():
    from governance.settings import get_settings
    from governance.verification.services import ReportLinkService
    from governance.verification.tables import Check
    from tests.helpers import checks_by_key

    sc = await sign_contract()
    check = (await checks_by_key(sc.engagement_id))["at_signing:v1"]
    await Check.update({Check.assignee: None}).where(Check.id == check["id"])
    links = ReportLinkService(get_settings().data_dir)
    token = await links.create(check["id"], days=30, actor=sc.staff)
    await links.submit(token, reporter_name="委託 太郎", reporter_email="", body="報告します", files=[])
    rows = await Notification.select().where(Notification.rule == "report_submitted")
    assert sorted(r["recipient"] for r in rows) == sorted([sc.staff.id, sc.second.id])
