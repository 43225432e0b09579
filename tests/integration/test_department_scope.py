"""Need-to-know by department, the policy's roles, and the SNS rules of issue 12.

A department's staff (and the policy's per-department 情報セキュリティ責任者・管理者・個人情報の保護管理者) read and
change only their own department's engagements, checks, findings, external-service applications and SNS accounts;
the security office, procurement, PR staff and auditors see all. The route × role × department matrix below walks
every route that names such a record.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import httpx
import pytest

from governance.accounts.roles import Role, effective_roles
from governance.actor import Actor
from governance.calendar import today_tokyo
from governance.verification.services import CheckService, ResultInput
from governance.web.access import ACCESS_KEY, PUBLIC
from tests.helpers import (
    approve_platform_use,
    at_tokyo,
    checks_by_key,
    engagement_data,
    items_of,
    login,
    make_department,
    make_user,
    post_form,
    sign_contract,
)
from tests.integration.test_routes_and_errors import _routes

SCOPED_PARAMS = ("engagement_id", "selection_id", "check_id", "finding_id", "account_id")
DEPARTMENT_ROLES = (Role.department_staff, Role.security_manager, Role.security_head, Role.privacy_manager)


async def _token(client: httpx.AsyncClient, username: str) -> str:
    await login(client, username)
    headers = {"x-csrftoken": client.cookies["gov_csrf"]}
    page = await client.post("/account/tokens", data={"name": "t"}, headers=headers)
    return re.search(r'id="new-token">([^<]+)<', page.text).group(1)


async def _records() -> dict[str, int]:
    """An engagement with checks and a finding, an external-service application and an SNS account of 情報政策課."""
    from governance.external.schemas import ApplicationCreate, ServiceCreate
    from governance.external.services import ApplicationService, RegistryService
    from governance.social.schemas import AccountCreate
    from governance.social.services import AccountService

    sc = await sign_contract()  # 情報政策課 (JOHO)
    check = (await checks_by_key(sc.engagement_id))["before_start"]
    item = (await items_of(check["id"]))[0]
    [finding] = await CheckService().record_results(
        check["id"], [ResultInput(item["id"], "nonconforming", note="未提出", severity="minor")],
        actor=sc.staff, now=at_tokyo(dt.date(2026, 3, 27)),
    )  # fmt: skip
    staff = sc.staff
    service = await RegistryService().create(
        ServiceCreate(name="フォーム", kind="saas", provider_name="フォーム社", max_confidentiality="1"),
        scheme="R6", actor=staff,
    )  # fmt: skip
    application = await ApplicationService().create(
        service, ApplicationCreate(purpose="申込受付", information="公開情報", confidentiality="1", users="職員",
                                   account_count=1, terms_reviewed=True, terms_version="1"),
        scheme="R6", actor=staff,
    )  # fmt: skip
    platform = await RegistryService().create(
        ServiceCreate(name="X", kind="social_media", platform="x", provider_name="X Corp."), scheme="R6", actor=staff
    )
    await approve_platform_use(platform, sc.department_id)
    account = await AccountService().create(
        AccountCreate(service_id=platform, url="https://x.com/joho_midori", display_name="情報政策課",
                      department_id=sc.department_id, purpose="お知らせ", responsible_name="情報 課長",
                      content_categories=["市政・行政のお知らせ"]),
        actor=staff,
    )  # fmt: skip
    return {"engagement_id": sc.engagement_id, "check_id": check["id"], "finding_id": finding,
            "application_id": application, "account_id": account, "department": sc.department_id,
            "selection_id": 1}  # fmt: skip


def _url(path: str, ids: dict[str, int]) -> str:
    def sub(m: re.Match[str]) -> str:
        return str(ids.get(m.group(1), 1))

    return re.sub(r"\{(\w+):int\}", sub, path).replace("{token:str}", "x")


def _names_a_record(path: str) -> bool:
    return any(f"{{{p}:int}}" in path for p in SCOPED_PARAMS) or (
        "{application_id:int}" in path and path.startswith(("/external-services/applications/", "/api/v1/external-"))
    )


@pytest.mark.parametrize("role", DEPARTMENT_ROLES)
async def test_route_role_department_matrix(app, client, role):
    """Another department's record: every read answers 404 and every change 403, on pages and API alike."""
    ids = await _records()
    await make_department("SHIMIN", "市民部 市民課")
    await make_user("yoso", role, dept="SHIMIN")
    token = await _token(client, "yoso")
    checked = 0
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as api:
        for path, methods, handler in _routes(app):
            policy = handler.opt[ACCESS_KEY]
            if policy == PUBLIC or not _names_a_record(path) or not (effective_roles({role}) & policy):
                continue
            url = _url(path, ids)
            for method in sorted(methods):
                if path.startswith("/api/"):
                    r = await api.request(method, url, headers={"Authorization": f"Bearer {token}"}, json={})
                else:
                    headers = {"x-csrftoken": client.cookies["gov_csrf"]}
                    r = await client.request(method, url, headers=headers, data={} if method == "POST" else None)
                expected = 404 if method == "GET" else 403
                assert r.status_code == expected, (role, method, url, r.status_code)
                checked += 1
    assert checked > 60


async def test_own_department_reads_and_lists_show_only_its_records(client):
    ids = await _records()
    await make_department("SHIMIN", "市民部 市民課")
    await make_user("jibun", Role.department_staff)  # 情報政策課, like the records
    await make_user("yoso", Role.department_staff, dept="SHIMIN")
    await login(client, "jibun")
    for url in (f"/engagements/{ids['engagement_id']}", f"/checks/{ids['check_id']}", f"/findings/{ids['finding_id']}",
                f"/external-services/applications/{ids['application_id']}", f"/social-accounts/{ids['account_id']}"):
        assert (await client.get(url)).status_code == 200, url
    own = await _token(client, "jibun")
    other = await _token(client, "yoso")
    async with httpx.AsyncClient(transport=client._transport, base_url="http://testserver") as api:
        for path in ("/api/v1/engagements", "/api/v1/findings", "/api/v1/external-applications",
                     "/api/v1/social-accounts"):  # fmt: skip
            mine = (await api.get(path, headers={"Authorization": f"Bearer {own}"})).json()
            theirs = (await api.get(path, headers={"Authorization": f"Bearer {other}"})).json()
            assert len(mine) == 1 and theirs == [], path
            # asking for the other department by filter changes nothing
            asked = await api.get(path, params={"department_id": ids["department"]},
                                  headers={"Authorization": f"Bearer {other}"})  # fmt: skip
            assert asked.status_code in (200, 400) and (asked.status_code == 400 or asked.json() == []), path
        checks = (await api.get("/api/v1/checks", headers={"Authorization": f"Bearer {other}"})).json()
        assert checks["total"] == 0
    await login(client, "yoso")
    assert "住民情報システム運用保守業務" not in (await client.get("/engagements")).text


async def test_reading_may_be_opened_to_every_department_while_changes_stay_their_own(settings, client):
    from governance.app import create_app

    ids = await _records()
    await make_department("SHIMIN", "市民部 市民課")
    await make_user("yoso", Role.department_staff, dept="SHIMIN")
    opened = create_app(dataclasses.replace(settings, department_read_scope="all"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=opened), base_url="http://testserver") as c:
        await login(c, "yoso")
        assert (await c.get(f"/checks/{ids['check_id']}")).status_code == 200
        r = await c.post(f"/checks/{ids['check_id']}/cancel", data={"reason": "x"},
                         headers={"x-csrftoken": c.cookies["gov_csrf"]})  # fmt: skip
        assert r.status_code == 403 and "所属が異なるため" in r.text


async def test_done_when_a_shimin_user_cannot_change_a_fukushi_check_or_record_an_incident_on_koho(client):
    ids = await _records()
    await make_department("SHIMIN", "市民部 市民課")
    await make_user("shimin", Role.department_staff, dept="SHIMIN")
    await login(client, "shimin")
    item = (await items_of(ids["check_id"]))[0]
    r = await post_form(client, f"/checks/{ids['check_id']}/items/{item['id']}", {"result": "conforming"})
    assert r.status_code == 403 and "所属が異なるため" in r.text
    r = await post_form(client, f"/social-accounts/{ids['account_id']}/incidents", {"kind": "takeover"})
    assert r.status_code == 403
    # and cannot register an engagement for another department either (the form says why, values kept)
    form = {"title": "他課の業務", "department_id": str(ids["department"]), "status": "planning",
            "start_date": "2026-04-01", "end_date": "2027-03-31", "renewal": "none", "confidentiality": "1",
            "integrity": "1", "availability": "1", "work_kinds": "clerical", "work_locations": "onsite",
            "bond": "exempt", "payment_terms": "lump_sum"}  # fmt: skip
    r = await post_form(client, "/engagements", form)
    assert r.status_code == 422 and "ご自身の所属を選んでください" in r.text and 'value="他課の業務"' in r.text


async def test_the_security_office_procurement_and_auditors_see_every_department(client):
    ids = await _records()
    for name, role in (("joho", Role.security_officer), ("keiyaku2", Role.procurement), ("kansa", Role.auditor),
                       ("saikou", Role.ciso)):  # fmt: skip
        await make_user(name, role, dept="SHIMIN")
        await login(client, name)
        assert (await client.get(f"/checks/{ids['check_id']}")).status_code == 200, name


async def test_a_ciso_acts_as_the_security_office():
    from governance.engagements.services import EngagementService

    assert effective_roles({Role.ciso}) >= {Role.security_officer}
    assert effective_roles({Role.security_manager}) >= {Role.department_staff}
    uid = await make_user("saikou", Role.ciso)
    actor = Actor(id=uid, label="CISO", roles=effective_roles({Role.ciso}), department_id=None)
    data = engagement_data(department_id=await make_department("SHIMIN", "市民部 市民課"))
    assert await EngagementService().create(data, actor=actor) > 0  # not limited to a department


async def test_external_service_approver_is_the_configured_role(monkeypatch):
    """With GOVERNANCE_EXTERNAL_SERVICE_APPROVERS=chief_security only the 統括 approves (許可権限者)."""
    from governance.errors import PermissionDeniedError
    from governance.external.schemas import ApplicationCreate, ServiceCreate
    from governance.external.services import ApplicationService, RegistryService
    from governance.settings import get_settings

    monkeypatch.setenv("GOVERNANCE_EXTERNAL_SERVICE_APPROVERS", "chief_security")
    get_settings.cache_clear()
    try:
        dept = await make_department()
        applicant = Actor(id=await make_user("shinsei", Role.department_staff), label="申請者",
                          roles=frozenset({Role.department_staff}), department_id=dept)  # fmt: skip
        office = Actor(id=await make_user("joho", Role.security_officer), label="担当",
                       roles=frozenset({Role.security_officer}), department_id=dept)  # fmt: skip
        chief = Actor(id=await make_user("toukatsu", Role.chief_security), label="統括",
                      roles=effective_roles({Role.chief_security}), department_id=dept)  # fmt: skip
        service = await RegistryService().create(
            ServiceCreate(name="フォーム", kind="saas", provider_name="フォーム社", max_confidentiality="1"),
            scheme="R6", actor=applicant,
        )  # fmt: skip
        from governance.external.checklist import applicant_items

        app_id = await ApplicationService().create(
            service, ApplicationCreate(purpose="申込", information="公開情報", confidentiality="1", users="職員",
                                       account_count=1, terms_reviewed=True, terms_version="1",
                                       checklist=[c.id for c in applicant_items("low")]),
            scheme="R6", actor=applicant,
        )  # fmt: skip
        await ApplicationService().submit(app_id, actor=applicant)
        with pytest.raises(PermissionDeniedError, match="統括情報セキュリティ責任者"):
            await ApplicationService().start_review(app_id, actor=office)
        await ApplicationService().start_review(app_id, actor=chief)
    finally:
        get_settings.cache_clear()


async def test_an_account_opens_only_on_a_platform_approved_for_its_department(anon):
    from governance.errors import ConflictError
    from governance.external.schemas import ServiceCreate
    from governance.external.services import RegistryService
    from governance.social.lifecycle import AccountStatus
    from governance.social.schemas import AccountCreate, DecisionIn
    from governance.social.services import AccountQueries, AccountService, WorkflowService

    dept = await make_department("KOHO", "企画部 秘書広報課")
    koho = Actor(id=await make_user("koho", Role.pr_staff, dept="KOHO"), label="広報",
                 roles=frozenset({Role.pr_staff}), department_id=dept)  # fmt: skip
    officer = Actor(id=await make_user("joho", Role.security_officer), label="担当",
                    roles=frozenset({Role.security_officer}))  # fmt: skip
    platform = await RegistryService().create(
        ServiceCreate(name="Instagram", kind="social_media", platform="instagram", provider_name="Meta"),
        scheme="R6", actor=koho,
    )  # fmt: skip
    account = await AccountService().create(
        AccountCreate(service_id=platform, url="https://instagram.com/midori.koho/", display_name="みどり市",
                      department_id=dept, purpose="観光", responsible_name="広報 課長",
                      content_categories=["観光・魅力発信"]),
        actor=koho,
    )  # fmt: skip
    app = (await AccountQueries().get(account)).applications[0]
    with pytest.raises(ConflictError, match="利用が、この所属について承認されていない"):
        await WorkflowService().approve(account, app.id, DecisionIn(comment=""), actor=officer)
    await approve_platform_use(platform, dept)
    await WorkflowService().approve(account, app.id, DecisionIn(comment=""), actor=officer)
    assert (await AccountQueries().get(account)).status == AccountStatus.active


async def test_a_closing_on_a_future_date_keeps_the_account_official_until_then(anon):
    from governance.social.lifecycle import AccountStatus
    from governance.social.schemas import ApplicationCreate, DecisionIn
    from governance.social.services import AccountQueries, WorkflowService, close_scheduled_accounts

    ids = await _records()
    account = ids["account_id"]
    officer = Actor(id=await make_user("joho", Role.security_officer), label="担当",
                    roles=frozenset({Role.security_officer}))  # fmt: skip
    pr = Actor(id=await make_user("koho", Role.pr_staff), label="広報", roles=frozenset({Role.pr_staff}))
    opening = (await AccountQueries().get(account)).applications[0]
    await WorkflowService().approve(account, opening.id, DecisionIn(comment=""), actor=officer)
    today = today_tokyo()
    closing_day = today + dt.timedelta(days=30)
    closing = await WorkflowService().apply(
        account, ApplicationCreate(kind="close", reason="統合のため", effective_on=closing_day), actor=pr
    )
    await WorkflowService().approve(account, closing, DecisionIn(comment=""), actor=officer)
    got = await AccountQueries().get(account)
    assert got.status == AccountStatus.active and got.closed_on == closing_day
    verify = "/api/public/v1/official-accounts/verify"
    answer = (await anon.get(verify, params={"q": "https://x.com/joho_midori"})).json()
    assert answer["result"] == "official"
    assert await close_scheduled_accounts(today) == 0  # not yet
    assert await close_scheduled_accounts(closing_day) == 1
    assert (await AccountQueries().get(account)).status == AccountStatus.closed
    answer = (await anon.get(verify, params={"q": "https://x.com/joho_midori"})).json()
    assert answer["result"] == "closed"


async def test_removing_a_credential_holder_creates_a_password_change_task():
    from governance.social.schemas import ChecklistUpdate, PersonAdd, PersonEnd
    from governance.social.services import AccountQueries, AccountService
    from governance.social.todos import accounts_needing_action
    from governance.system.todos import items_of

    ids = await _records()
    account = ids["account_id"]
    pr = Actor(id=await make_user("koho", Role.pr_staff), label="広報", roles=frozenset({Role.pr_staff}))
    today = today_tokyo()
    person = await AccountService().add_person(
        account,
        PersonAdd(role="credential_holder", person_name="異動 予定", start_date=today - dt.timedelta(days=90)),
        actor=pr,
    )  # fmt: skip
    await AccountService().update_checklist(account, ChecklistUpdate(password_changed_on=today - dt.timedelta(days=5)),
                                            actor=pr)  # fmt: skip
    await AccountService().end_person(account, person, PersonEnd(end_date=today), actor=pr)
    got = await AccountQueries().get(account)
    item = next(i for i in got.checklist if i.key == "password_rotation")
    assert not item.ok and "認証情報の管理者を外した日" in item.detail
    todos = items_of(await accounts_needing_action(pr, today))
    assert any(t.title.startswith("パスワードの変更") for t in todos)
    await AccountService().update_checklist(account, ChecklistUpdate(password_changed_on=today), actor=pr)
    assert not any(t.title.startswith("パスワードの変更") for t in items_of(await accounts_needing_action(pr, today)))


async def test_another_departments_contract_document_and_evidence_cannot_be_downloaded(client):
    """Found in review: /files/{id} only checked the role, and file ids are sequential."""
    from governance.contracts.tables import ContractVersion

    ids = await _records()
    await make_department("SHIMIN", "市民部 市民課")
    await make_user("yoso", Role.department_staff, dept="SHIMIN")
    await make_user("jibun", Role.department_staff)
    document = (await ContractVersion.select(ContractVersion.document).first())["document"]
    await login(client, "yoso")
    assert (await client.get(f"/files/{document}")).status_code == 404
    await login(client, "jibun")
    assert (await client.get(f"/files/{document}")).status_code == 200
    del ids


async def test_an_engagement_handed_to_another_department_takes_its_checks_and_findings():
    """Found in review: the checks and findings kept the old department, so the wrong staff saw them."""
    from governance.engagements.services import EngagementService
    from governance.verification.tables import Check, Finding

    ids = await _records()
    shimin = await make_department("SHIMIN", "市民部 市民課")
    keiyaku = Actor(id=await make_user("keiyaku2", Role.procurement), label="契約", roles=frozenset({Role.procurement}))
    data = engagement_data(department_id=shimin, tier_change_reason="所管替え")
    await EngagementService().update(ids["engagement_id"], data, actor=keiyaku)
    checks = await Check.select(Check.department).where(Check.engagement == ids["engagement_id"])
    findings = await Finding.select(Finding.department).where(Finding.engagement == ids["engagement_id"])
    assert checks and {c["department"] for c in checks} == {shimin}
    assert findings and {f["department"] for f in findings} == {shimin}


async def test_the_public_page_of_an_account_is_the_same_for_signed_in_staff_of_any_department(client, anon):
    """Found in review: the scope guard also ran on the public official-account page."""
    from governance.social.schemas import DecisionIn
    from governance.social.services import AccountQueries, WorkflowService

    ids = await _records()
    officer = Actor(id=await make_user("joho", Role.security_officer), label="担当",
                    roles=frozenset({Role.security_officer}))  # fmt: skip
    opening = (await AccountQueries().get(ids["account_id"])).applications[0]
    await WorkflowService().approve(ids["account_id"], opening.id, DecisionIn(comment=""), actor=officer)
    await make_department("SHIMIN", "市民部 市民課")
    await make_user("yoso", Role.department_staff, dept="SHIMIN")
    await login(client, "yoso")
    assert (await anon.get(f"/official-accounts/{ids['account_id']}")).status_code == 200
    assert (await client.get(f"/official-accounts/{ids['account_id']}")).status_code == 200


async def test_checks_and_measures_go_only_to_people_who_may_open_them():
    """Found in review: a check could be assigned to another department's staff, who then got a dead link."""
    from governance.errors import ValidationError
    from governance.verification.services import FindingService

    ids = await _records()
    await make_department("SHIMIN", "市民部 市民課")
    outsider = await make_user("yoso", Role.department_staff, dept="SHIMIN")
    office = await make_user("joho", Role.security_officer, dept="SHIMIN")  # not limited to a department
    me = Actor(id=await make_user("jibun", Role.department_staff), label="担当",
               roles=frozenset({Role.department_staff}), department_id=ids["department"])  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        await CheckService().assign(ids["check_id"], outsider, actor=me)
    assert "assignee_id" in exc.value.field_errors
    await CheckService().assign(ids["check_id"], office, actor=me)
    due = today_tokyo() + dt.timedelta(days=30)
    with pytest.raises(ValidationError) as exc:
        await FindingService().add_measure(ids["finding_id"], kind="improvement_order", description="是正を指示",
                                           owner_id=outsider, due_on=due, actor=me)  # fmt: skip
    assert "owner_id" in exc.value.field_errors


async def test_scope_follows_the_role_through_which_a_route_is_reached(client):
    """Found in review: a department role plus 監査担当 or 広報担当 lifted the department limit everywhere."""
    ids = await _records()
    await make_department("SHIMIN", "市民部 市民課")
    await make_user("kansa_tantou", Role.department_staff, Role.auditor, dept="SHIMIN")
    await login(client, "kansa_tantou")
    assert (await client.get(f"/checks/{ids['check_id']}")).status_code == 200  # reads as an auditor
    r = await post_form(client, f"/checks/{ids['check_id']}/cancel", {"reason": "誤り"})
    assert r.status_code == 403 and "所属が異なるため" in r.text  # but changes only as department staff
    await make_user("koho_tantou", Role.department_staff, Role.pr_staff, dept="SHIMIN")
    await login(client, "koho_tantou")
    assert (await client.get(f"/social-accounts/{ids['account_id']}")).status_code == 200  # every SNS account
    assert (await client.get(f"/engagements/{ids['engagement_id']}")).status_code == 404  # not every engagement
