"""SNS accounts over /api/v1, the public verify API (cache, CORS, rate limit), dormant flag, incidents, to-dos."""

from __future__ import annotations

import datetime as dt

from governance.accounts.roles import Role
from governance.accounts.schemas import ApiTokenCreate
from governance.accounts.services import TokenService
from governance.actor import Actor
from governance.calendar import today_tokyo
from governance.ratelimit import TokenBucketLimiter
from governance.social.controllers._public import LIMITER_KEY
from governance.social.services import AccountQueries
from governance.social.tables import SocialAccount, SocialPostCheck
from governance.social.todos import accounts_needing_action, applications_to_decide
from governance.system.todos import items_of
from tests.helpers import approve_platform_use, make_department, make_user
from tests.integration.test_social_accounts import VALID_MYNUMBER, make_platform

VERIFY = "/api/public/v1/official-accounts/verify"


async def token_for(username: str, *roles: str, dept: str = "KOHO") -> tuple[dict[str, str], Actor]:
    uid = await make_user(username, *roles, dept=dept)
    actor = Actor(id=uid, label=username, roles=frozenset(roles))
    token = (await TokenService().create(ApiTokenCreate(name="t"), actor=actor)).token
    return {"Authorization": f"Bearer {token}"}, actor


def body(service_id: int, department_id: int, **overrides) -> dict:
    values = {
        "service_id": service_id,
        "url": "https://instagram.com/Midori.Kanko/",
        "display_name": "みどり市観光",
        "department_id": department_id,
        "purpose": "観光の魅力を発信するため",
        "responsible_name": "観光 課長",
        "content_categories": ["観光・魅力発信"],
    }
    values.update(overrides)
    return values


async def setup_api():
    dept = await make_department("KOHO", "企画部 秘書広報課")
    koho, koho_actor = await token_for("koho", Role.pr_staff)
    ciso, _ = await token_for("ciso", Role.security_officer)
    service = await make_platform("instagram", "Instagram")
    await approve_platform_use(service, dept)  # an account opens only on a platform approved for its department
    return dept, koho, koho_actor, ciso, service


async def approve_open(anon, account_id: int, headers: dict) -> dict:
    account = (await anon.get(f"/api/v1/social-accounts/{account_id}", headers=headers)).json()
    app_id = account["applications"][0]["id"]
    r = await anon.post(f"/api/v1/social-accounts/{account_id}/applications/{app_id}/approve", json={}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def test_api_flow_with_self_approval_refused(anon):
    dept, koho, _, ciso, service = await setup_api()
    r = await anon.post("/api/v1/social-accounts", json=body(service, dept), headers=koho)
    assert r.status_code == 201, r.text
    account = r.json()
    assert account["handle"] == "@Midori.Kanko" and account["status"] == "applying"
    assert account["profile_url"] == "https://www.instagram.com/Midori.Kanko/"
    assert not account["compliant"] and len(account["missing"]) == 7
    assert account["responsible_name"] == "観光 課長" and account["responsible_problem"] is None
    app_id = account["applications"][0]["id"]
    r = await anon.post(f"/api/v1/social-accounts/{account['id']}/applications/{app_id}/approve", json={}, headers=koho)
    assert r.status_code == 403  # PR staff are not approvers
    # a security officer who registered an account cannot approve it either
    ciso_actor_headers, _ = await token_for("ciso-pr", Role.security_officer, Role.pr_staff)
    mine = (await anon.post("/api/v1/social-accounts", json=body(service, dept, url="@own_account"),
                            headers=ciso_actor_headers)).json()  # fmt: skip
    r = await anon.post(
        f"/api/v1/social-accounts/{mine['id']}/applications/{mine['applications'][0]['id']}/approve",
        json={}, headers=ciso_actor_headers,
    )  # fmt: skip
    assert r.status_code == 403 and "ご自身が作成した申請" in r.json()["detail"]
    account = await approve_open(anon, account["id"], ciso)
    assert account["status"] == "active" and account["opened_on"] == today_tokyo().isoformat()
    r = await anon.put(f"/api/v1/social-accounts/{account['id']}/checklist", headers=koho,
                       json={"mfa_enabled": True, "recovery_email": "koho@city.midori.lg.jp", "login_alerts": True,
                             "third_party_apps_reviewed_on": today_tokyo().isoformat(), "listed_on_website": True,
                             "badge": "obtained", "password_changed_on": today_tokyo().isoformat()})  # fmt: skip
    assert r.status_code == 200 and r.json()["compliant"], r.json()["missing"]
    r = await anon.put(f"/api/v1/social-accounts/{account['id']}/checklist", headers=koho,
                       json={"recovery_email": "koho@gmail.com", "badge": "obtained"})  # fmt: skip
    assert "復旧用メールアドレスが市のドメインのアドレスである" in r.json()["missing"]
    listed = (await anon.get("/api/public/v1/official-accounts")).json()
    assert [a["handle"] for a in listed] == ["@Midori.Kanko"]
    assert listed[0]["policy_url"].endswith(f"/official-accounts/{account['id']}")


async def test_post_check_api_keeps_the_draft_only_when_asked(anon):
    dept, koho, _, _, service = await setup_api()
    account = (await anon.post("/api/v1/social-accounts", json=body(service, dept), headers=koho)).json()
    draft = {
        "account_id": account["id"],
        "text": f"番号 {VALID_MYNUMBER[:4]}-{VALID_MYNUMBER[4:8]}-{VALID_MYNUMBER[8:]}",
    }
    r = await anon.post("/api/v1/social-accounts/post-check", json=draft, headers=koho)
    assert r.status_code == 200 and not r.json()["ok"] and r.json()["kept_id"] is None
    finding = r.json()["findings"][0]
    assert finding["rule"] == "mynumber" and finding["requirement_ids"] == ["SNS-06", "SNS-04"]
    assert await SocialPostCheck.count() == 0
    r = await anon.post("/api/v1/social-accounts/post-check", json={**draft, "keep": True}, headers=koho)
    assert r.json()["kept_id"] and await SocialPostCheck.count() == 1
    auditor, _ = await token_for("kansa", Role.auditor)
    assert (await anon.post("/api/v1/social-accounts/post-check", json=draft, headers=auditor)).status_code == 403
    r = await anon.post("/api/v1/social-accounts/post-check", json={**draft, "account_id": 999}, headers=koho)
    assert r.status_code == 404


async def test_verify_api_is_public_cacheable_and_cors_enabled(anon, client):
    r = await anon.get(VERIFY, params={"q": "https://x.com/nobody_here"})
    assert r.status_code == 200 and r.json()["result"] == "unknown"
    assert r.headers["cache-control"] == "public, max-age=300"
    assert r.headers["access-control-allow-origin"] == "*"
    etag = r.headers["etag"]
    again = await anon.get(VERIFY, params={"q": "https://x.com/nobody_here"}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    # a bad or foreign bearer token does not matter on the public API
    r = await anon.get(VERIFY, params={"q": "@x"}, headers={"Authorization": "Bearer nonsense"})
    assert r.status_code == 200
    spec = (await anon.get("/schema/openapi.json")).json()
    operation = spec["paths"][VERIFY]["get"]
    assert operation["security"] == [{}] and "429" in operation["responses"]


async def test_verify_api_is_rate_limited_per_client(app, anon):
    app.state[LIMITER_KEY] = TokenBucketLimiter(rate=0.01, burst=2)
    for _ in range(2):
        assert (await anon.get(VERIFY, params={"q": "@kani"})).status_code == 200
    r = await anon.get(VERIFY, params={"q": "@kani"})
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["status"] == 429 and "秒ほど待って" in r.json()["detail"]
    assert (await anon.get("/api/public/v1/official-accounts")).status_code == 429  # same client, same bucket


async def test_dormant_flag_and_renewal_by_attestation(anon):
    dept, koho, _, ciso, service = await setup_api()
    account = (await anon.post("/api/v1/social-accounts", json=body(service, dept), headers=koho)).json()
    await approve_open(anon, account["id"], ciso)
    opened = today_tokyo()
    queries = AccountQueries()
    assert not (await queries.get(account["id"], today=opened + dt.timedelta(days=150))).dormant
    later = await queries.get(account["id"], today=opened + dt.timedelta(days=200))
    assert later.dormant and "再確認の期限" in later.dormant_reasons[0]
    r = await anon.post(
        f"/api/v1/social-accounts/{account['id']}/attestations", json={"confirmed": False}, headers=koho
    )
    assert r.status_code == 422
    r = await anon.post(f"/api/v1/social-accounts/{account['id']}/attestations", headers=koho,
                        json={"confirmed": True, "last_post_on": opened.isoformat()})  # fmt: skip
    assert r.status_code == 201 and r.json()["last_attested_on"] == opened.isoformat()
    # posting stopped: dormant after the inactive months even though attested
    quiet = await queries.get(account["id"], today=opened + dt.timedelta(days=186))
    assert quiet.dormant and "投稿がありません" in quiet.dormant_reasons[-1]
    flagged = [a.id for a in await queries.list(today=opened + dt.timedelta(days=186)) if a.dormant]
    assert flagged == [account["id"]]
    r = await anon.post(f"/api/v1/social-accounts/{account['id']}/suspend", json={"reason": "休眠のため"}, headers=koho)
    assert r.json()["status"] == "suspended" and not r.json()["dormant"]
    assert (await anon.get(VERIFY, params={"q": "instagram.com/midori.kanko"})).json()["result"] == "official"
    r = await anon.post(f"/api/v1/social-accounts/{account['id']}/suspend", json={"reason": "再度"}, headers=koho)
    assert r.status_code == 409


async def test_only_the_responsible_user_attests_when_they_use_the_system(anon):
    dept, koho, _, ciso, service = await setup_api()
    boss, boss_actor = await token_for("kacho", Role.department_staff)
    account = (await anon.post("/api/v1/social-accounts", headers=koho,
                               json=body(service, dept, responsible_user_id=boss_actor.id))).json()  # fmt: skip
    await approve_open(anon, account["id"], ciso)
    r = await anon.post(f"/api/v1/social-accounts/{account['id']}/attestations", json={"confirmed": True}, headers=koho)
    assert r.status_code == 403 and "責任者" in r.json()["detail"]
    r = await anon.post(f"/api/v1/social-accounts/{account['id']}/attestations", json={"confirmed": True}, headers=boss)
    assert r.status_code == 201 and r.json()["attestations"][0]["responsible_name"] == "観光 課長"


async def test_takeover_incident_walks_its_steps_to_closure(anon):
    dept, koho, _, ciso, service = await setup_api()
    account = (await anon.post("/api/v1/social-accounts", json=body(service, dept), headers=koho)).json()
    yesterday = (today_tokyo() - dt.timedelta(days=1)).isoformat()
    r = await anon.post(f"/api/v1/social-accounts/{account['id']}/incidents", headers=koho,
                        json={"kind": "takeover", "detected_on": yesterday, "detected_time": "07:45",
                              "summary": "身に覚えのない投稿が行われた"})  # fmt: skip
    assert r.status_code == 201
    incident = r.json()[0]
    assert incident["steps"][0]["key"] == "secure_account" and incident["closed_at"] is None
    url = f"/api/v1/social-accounts/{account['id']}/incidents/{incident['id']}/steps"
    assert (await anon.post(url, json={"step": "report_platform"}, headers=koho)).status_code == 422
    for key in ("secure_account", "contact_platform", "delete_posts", "warn_public"):
        assert (await anon.post(url, json={"step": key, "note": "対応"}, headers=koho)).status_code == 201
    assert (await anon.post(url, json={"step": "warn_public"}, headers=koho)).status_code == 409
    r = await anon.post(url, json={"step": "report_ciso", "note": "CISOへ報告"}, headers=ciso)
    done = r.json()[0]
    assert done["closed_at"] and all(s["done"] for s in done["steps"])
    assert done["steps"][-1]["done_by_label"] == "ciso 氏（ciso）"
    r = await anon.post(f"/api/v1/social-accounts/{account['id']}/incidents", headers=koho,
                        json={"kind": "impersonation", "detected_on": "2199-01-01", "summary": "x",
                              "fake_account_url": "https://x.com/this_is_far_too_long_handle"})  # fmt: skip
    assert r.status_code == 422 and {e["field"] for e in r.json()["errors"]} == {"detected_on", "fake_account_url"}


async def test_todos_name_applications_and_accounts_needing_action(anon):
    dept, koho, koho_actor, ciso, service = await setup_api()
    ciso_actor = Actor(id=2, label="ciso", roles=frozenset({Role.security_officer}))
    account = (await anon.post("/api/v1/social-accounts", json=body(service, dept), headers=koho)).json()
    items = items_of(await applications_to_decide(ciso_actor, today_tokyo()))
    assert [i.href for i in items] == [f"/social-accounts/{account['id']}#applications"]
    assert items_of(await applications_to_decide(koho_actor, today_tokyo())) == []
    await approve_open(anon, account["id"], ciso)
    editor = Actor(id=koho_actor.id, label="koho", roles=frozenset({Role.pr_staff}), department_id=dept)
    items = items_of(await accounts_needing_action(editor, today_tokyo() + dt.timedelta(days=170)))
    kinds = {i.kind for i in items}
    assert kinds == {"SNSアカウントの再確認", "SNSアカウントの安全対策"}
    other = Actor(id=99, label="x", roles=frozenset({Role.department_staff}), department_id=dept + 100)
    assert items_of(await accounts_needing_action(other, today_tokyo())) == []


async def test_closed_accounts_cannot_be_changed(anon):
    dept, koho, _, ciso, service = await setup_api()
    account = (await anon.post("/api/v1/social-accounts", json=body(service, dept), headers=koho)).json()
    await approve_open(anon, account["id"], ciso)
    r = await anon.post(f"/api/v1/social-accounts/{account['id']}/applications", json={"kind": "open"}, headers=koho)
    assert r.status_code == 409
    r = await anon.post(f"/api/v1/social-accounts/{account['id']}/applications", json={"kind": "close"}, headers=koho)
    closing = r.json()["applications"][0]
    r = await anon.post(f"/api/v1/social-accounts/{account['id']}/applications/{closing['id']}/return",
                        json={"comment": ""}, headers=ciso)  # fmt: skip
    assert r.status_code == 422
    await anon.post(f"/api/v1/social-accounts/{account['id']}/applications/{closing['id']}/approve", json={},
                    headers=ciso)  # fmt: skip
    row = await SocialAccount.select().where(SocialAccount.id == account["id"]).first()
    assert row["status"] == "closed" and row["closed_on"] == today_tokyo()
    r = await anon.put(f"/api/v1/social-accounts/{account['id']}/checklist", json={"badge": "obtained"}, headers=koho)
    assert r.status_code == 409
    # the handle may be registered again as a new account once the old one is closed
    again = await anon.post("/api/v1/social-accounts", json=body(service, dept), headers=koho)
    assert again.status_code == 201
