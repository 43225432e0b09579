"""External services through the pages and the API: the issue's “done when” walk, filters, to-dos, audit."""

from __future__ import annotations

import datetime as dt
import re

import httpx
import pytest

from governance.accounts.roles import Role
from governance.actor import Actor
from governance.audit.tables import AuditEntry
from governance.calendar import today_tokyo
from governance.external import schemas
from governance.external.checklist import applicant_items
from governance.external.regime import BUILD_ITEMS, add_months
from governance.external.services import LifecycleService
from governance.external.tables import ExternalService
from tests.helpers import login, make_department, make_user, post_form

FULL = [c.id for c in applicant_items("full")]
SERVICE_FORM = {
    "name": "ファイル共有サービス（架空）",
    "kind": "saas",
    "contract_type": "terms_of_use",
    "provider_name": "くもクラウド合同会社",
    "max_confidentiality": "2",
    "review_cycle_months": "12",
    "data_location": "domestic",
    "governing_law": "日本法",
    "jurisdiction": "東京地方裁判所",
    "ismap": "ismap",
    "ismap_number": "C23-0123-1",
    "ismap_valid_until": "2030-03-31",
    "terms_version": "2026年4月版",
}


def _application_form(**kw) -> list[tuple[str, str]]:
    values = {
        "purpose": "委託事業者との資料の受け渡し",
        "information": "打合せ資料（非公開）",
        "confidentiality": "2",
        "account_count": "5",
        "terms_reviewed": "on",
        "terms_version": "2026年4月版",
        "measures": "多要素認証",
    }
    values.update(kw)
    return list(values.items()) + [("checklist", c) for c in FULL]


@pytest.fixture(name="other")
async def fx_other(app):
    """A third browser."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        yield c


def _id(response: httpx.Response) -> int:
    return int(re.search(r"/(\d+)(\?|$)", response.headers["location"]).group(1))


async def test_department_user_applies_and_security_officer_approves(client, anon, other):
    """The issue's “done when”, end to end through the pages."""
    await make_user("shimin", Role.department_staff, dept="SHIMIN")
    await make_user("ciso", Role.security_officer)
    await make_user("ciso-shimin", Role.security_officer, dept="SHIMIN")
    await login(client, "shimin")
    r = await post_form(client, "/external-services", SERVICE_FORM)
    assert r.status_code == 303
    sid = _id(r)
    page = await client.get(f"/external-services/{sid}")
    assert "機密性2以上を取り扱う外部サービス" in page.text and "EXT-SEL-10" in page.text and "C23-0123-1" in page.text
    form = await client.get(f"/external-services/{sid}/apply")
    assert form.status_code == 200 and "EXT-SEL-10" in form.text and "EXT-LOW-02" not in form.text
    swapped = await client.get(f"/external-services/{sid}/apply", params={"confidentiality": "1"})
    assert "EXT-LOW-02" in swapped.text and "EXT-SEL-10" not in swapped.text
    r = await post_form(client, f"/external-services/{sid}/applications", _application_form())
    assert r.status_code == 303, r.text
    aid = _id(r)
    page = await client.get(f"/external-services/applications/{aid}")
    assert "下書き" in page.text and 'id="check-EXT-SEL-10"' in page.text and "ISMAP" in page.text
    assert (await post_form(client, f"/external-services/applications/{aid}/submit")).status_code == 303
    assert "申請済み" in (await client.get(f"/external-services/applications/{aid}")).text
    # the applicant cannot review; a security officer sees it on the home page
    assert (await post_form(client, f"/external-services/applications/{aid}/review")).status_code == 403
    await login(anon, "ciso")
    assert "外部サービス利用申請の審査：ファイル共有サービス（架空）" in (await anon.get("/")).text
    assert (await post_form(anon, f"/external-services/applications/{aid}/review")).status_code == 303
    review = await anon.get(f"/external-services/applications/{aid}")
    assert "審査中" in review.text and "外部サービス管理者" in review.text and "shimin 氏（SHIMIN課）" in review.text
    admin_id = (await ExternalService.select(ExternalService.created_by).first())["created_by"]
    r = await post_form(anon, f"/external-services/applications/{aid}/approve", {"administrator_id": str(admin_id)})
    assert r.status_code == 303
    page = await anon.get(f"/external-services/{sid}")
    next_review = add_months(today_tokyo(), 12)
    assert "承認済み" in page.text and "shimin 氏" in page.text
    from governance.calendar import wareki

    assert wareki(next_review) in page.text
    assert "ファイル共有サービス（架空）" in (await anon.get("/external-services", params={"status": "active"})).text
    listed = await anon.get("/external-services", params={"status": "approved"})
    assert "ファイル共有サービス（架空）" in listed.text and wareki(next_review) in listed.text
    # a security officer cannot approve their own application
    await login(other, "ciso-shimin")
    r = await post_form(other, f"/external-services/{sid}/applications", _application_form(account_count="2"))
    own = _id(r)
    assert (await post_form(other, f"/external-services/applications/{own}/submit")).status_code == 303
    r = await post_form(other, f"/external-services/applications/{own}/review")
    assert r.status_code == 403
    assert "ご自身が作成した利用申請を承認することはできません。別の承認者に依頼してください。" in r.text
    api = await other.post(f"/api/v1/external-applications/{own}/start-review")
    assert api.status_code in (401, 403)  # the API takes tokens only
    # the audit log shows each step
    actions = [r["action"] for r in await AuditEntry.select(AuditEntry.action).order_by(AuditEntry.id)]
    steps = [
        "external_service.created",
        "external_application.created",
        "external_application.submitted",
        "external_application.review_started",
        "external_application.approved",
        "external_service.approved",
    ]
    assert [a for a in actions if a in steps][:6] == steps
    audit = await anon.get("/audit", params={"target_type": "external_application", "target_id": str(aid)})
    assert "外部サービス利用申請の承認" in audit.text and "外部サービス利用申請の審査開始" in audit.text


async def test_incomplete_application_is_refused_with_field_messages(client):
    await make_user("shimin", Role.department_staff, dept="SHIMIN")
    await login(client, "shimin")
    sid = _id(await post_form(client, "/external-services", SERVICE_FORM))
    r = await post_form(client, f"/external-services/{sid}/applications", [("purpose", ""), ("confidentiality", "2")])
    assert r.status_code == 422 and "利用目的を入力してください" in r.text
    r = await post_form(client, f"/external-services/{sid}/applications", _application_form()[:-3])
    aid = _id(r)
    r = await post_form(client, f"/external-services/applications/{aid}/submit")
    assert r.status_code == 422 and "確認していない項目があります" in r.text
    r = await post_form(client, "/external-services", {**SERVICE_FORM, "max_confidentiality": "9"})
    assert r.status_code == 422 and "取り扱える情報の最高の分類は選択肢から選んでください" in r.text  # a code
    r = await post_form(client, "/external-services", {**SERVICE_FORM, "ismap_number": "", "max_confidentiality": "3"})
    assert r.status_code == 422 and "登録番号を入力してください" in r.text and "機密性は" in r.text


async def test_api_round_trip_and_flags(app, client, anon):
    uid = await make_user("shimin", Role.department_staff, dept="SHIMIN")
    await make_user("ciso", Role.security_officer)
    tokens = {}
    for name, c in (("shimin", client), ("ciso", anon)):
        await login(c, name)
        page = await post_form(c, "/account/tokens", {"name": "api"})
        tokens[name] = {"Authorization": "Bearer " + re.search(r'id="new-token">([^<]+)<', page.text).group(1)}
    body = {k: v for k, v in SERVICE_FORM.items() if k != "review_cycle_months"}
    r = await anon.post("/api/v1/external-services", json=body, headers=tokens["shimin"])
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    assert r.json()["regime"] == "full" and any(c["id"] == "EXT-SEL-10" for c in r.json()["checklist"])
    app_body = {"purpose": "資料共有", "information": "打合せ資料", "confidentiality": "2", "terms_reviewed": True,
                "checklist": FULL}  # fmt: skip
    r = await anon.post(f"/api/v1/external-services/{sid}/applications", json=app_body, headers=tokens["shimin"])
    assert r.status_code == 201 and r.json()["status"] == "draft"
    aid = r.json()["id"]
    for path, who, payload in (
        ("submit", "shimin", None), ("start-review", "ciso", None), ("approve", "ciso", {"administrator_id": uid}),
    ):  # fmt: skip
        r = await anon.post(f"/api/v1/external-applications/{aid}/{path}", json=payload, headers=tokens[who])
        assert r.status_code == 201, (path, r.text)
    assert r.json()["status"] == "approved"
    r = await anon.post(f"/api/v1/external-applications/{aid}/approve", json={"administrator_id": uid},
                        headers=tokens["ciso"])  # fmt: skip
    assert r.status_code == 409 and r.headers["content-type"].startswith("application/problem+json")
    service = (await anon.get(f"/api/v1/external-services/{sid}", headers=tokens["ciso"])).json()
    usage = service["usages"][0]
    r = await anon.put(f"/api/v1/external-services/{sid}/usages/{usage['id']}", headers=tokens["shimin"],
                       json={"account_count": 9, "confidentiality_in_use": "3A"})  # fmt: skip
    assert r.status_code == 200 and r.json()["usages"][0]["above_approval"] is True
    assert any("承認された分類" in f for f in r.json()["flags"])
    listed = await anon.get("/api/v1/external-services", params={"review": "soon"}, headers=tokens["ciso"])
    assert listed.json()["total"] == 0  # the first review is a year away
    r = await anon.post(f"/api/v1/external-services/{sid}/end", json={}, headers=tokens["shimin"])
    assert r.status_code == 409 and "終了時の対策" in r.json()["detail"]


async def test_home_shows_review_due_dates_overdue_first(client):
    admin = await make_user("es-kanri", Role.department_staff, dept="SHIMIN")
    actor = Actor(id=admin, label="es", roles=frozenset({Role.department_staff}),
                  department_id=await make_department("SHIMIN"))  # fmt: skip
    today = today_tokyo()
    for name, due in (("チャット", today + dt.timedelta(days=20)), ("Web会議", today - dt.timedelta(days=10))):
        await ExternalService.insert(
            ExternalService(name=name, regime="full", status="operating", max_confidentiality="2",
                            approved_confidentiality="2", administrator=admin, next_review_on=due)
        )  # fmt: skip
    await login(client, "es-kanri")
    home = (await client.get("/")).text
    assert home.index("外部サービスの定期確認：Web会議") < home.index("外部サービスの定期確認：チャット")
    assert "期限超過" in home
    sid = (await ExternalService.select(ExternalService.id).where(ExternalService.name == "Web会議").first())["id"]
    await LifecycleService().record_review(sid, schemas.RecordIn(performed_on=today, checked_items=[]), actor=actor)
    assert "外部サービスの定期確認：Web会議" not in (await client.get("/")).text
    page = await client.get("/external-services", params={"review": "soon"})
    assert "チャット" in page.text and "Web会議" not in page.text


async def test_build_and_exit_through_the_page(client):
    await make_user("shimin", Role.department_staff, dept="SHIMIN")
    await login(client, "shimin")
    me = (await ExternalService.count()) + 1
    sid = _id(await post_form(client, "/external-services", SERVICE_FORM))
    assert sid == me
    await ExternalService.update({ExternalService.status: "approved", ExternalService.administrator: 1}).where(
        ExternalService.id == sid
    )
    page = await client.get(f"/external-services/{sid}")
    assert "構築時の確認を記録する" in page.text and "終了時の確認を記録する" in page.text
    r = await post_form(client, f"/external-services/{sid}/build",
                        [("performed_on", today_tokyo().isoformat()), ("checked_items", "encryption")])  # fmt: skip
    assert r.status_code == 422 and "確認されていません" in r.text
    done = [("performed_on", today_tokyo().isoformat())] + [("checked_items", k) for k in BUILD_ITEMS]
    r = await post_form(client, f"/external-services/{sid}/build", done)
    assert r.status_code == 303
    r = await post_form(client, f"/external-services/{sid}/end", {"ended_on": today_tokyo().isoformat()})
    assert r.status_code == 409 and "終了時の対策" in r.text


async def test_every_page_renders_for_readers_and_editors(client, anon):
    await make_user("shimin", Role.department_staff, dept="SHIMIN")
    await make_user("kansa", Role.auditor)
    await login(client, "shimin")
    sid = _id(await post_form(client, "/external-services", {**SERVICE_FORM, "kind": "social_media", "platform": "line",
                                                             "max_confidentiality": "1"}))  # fmt: skip
    aid = _id(await post_form(client, f"/external-services/{sid}/applications",
                              [*_application_form(confidentiality="1")[:-len(FULL)], ("checklist", "EXT-LOW-01"),
                               ("checklist", "EXT-LOW-02"), ("checklist", "EXT-SEL-10")]))  # fmt: skip
    for url in (f"/external-services/{sid}/edit", f"/external-services/applications/{aid}/edit",
                "/external-services/applications?mine=1", "/external-services/new"):  # fmt: skip
        assert (await client.get(url)).status_code == 200, url
    edit = await client.get(f"/external-services/applications/{aid}/edit")
    assert 'value="EXT-LOW-02" checked' in edit.text and "EXT-SEL-10" not in edit.text
    r = await post_form(client, f"/external-services/{sid}", {**SERVICE_FORM, "name": "LINE公式アカウント",
                                                              "kind": "social_media", "platform": "line",
                                                              "max_confidentiality": "1"})  # fmt: skip
    assert r.status_code == 303
    await login(anon, "kansa")
    for url in (
        "/external-services",
        f"/external-services/{sid}",
        f"/external-services/applications/{aid}",
        "/external-services/applications",
        "/external-services?regime=low&kind=social_media&status=registered",
    ):
        page = await anon.get(url)
        assert page.status_code == 200 and "LINE公式アカウント" in page.text, url
        assert "利用を申請する" not in page.text and "申請する</button>" not in page.text
    assert (await post_form(anon, f"/external-services/{sid}/applications", _application_form())).status_code == 403
    assert "条件に合う外部サービスはありません" in (await anon.get("/external-services?review=overdue")).text
