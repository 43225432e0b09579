"""Official social media accounts end to end: register, checklist, approval, public list, verify, close, post check."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from governance.accounts.roles import Role
from governance.actor import Actor
from governance.audit.tables import AuditEntry
from governance.calendar import today_tokyo
from governance.external.schemas import ServiceCreate
from governance.external.services import RegistryService
from governance.social.tables import SocialAccount, SocialAssignment, SocialPostCheck
from tests.helpers import approve_platform_use, login, make_department, make_user, post_form

VALID_MYNUMBER = "123456789018"
INVALID_MYNUMBER = "123456789012"


async def make_platform(platform: str = "x", name: str = "X") -> int:
    """Register a social media platform as an external service."""
    return await RegistryService().create(
        ServiceCreate(name=name, kind="social_media", platform=platform, provider_name="X Corp."),
        scheme="R6",
        actor=Actor.system("test"),
    )


async def people() -> dict[str, int]:
    """PR staff, two security officers, department staff of two departments, an auditor."""
    koho = await make_department("KOHO", "企画部 秘書広報課")
    await make_department("SHIMIN", "市民部 市民課")
    return {
        "koho": await make_user("koho", Role.pr_staff, dept="KOHO"),
        "ciso": await make_user("ciso", Role.security_officer),
        "ciso2": await make_user("ciso2", Role.security_officer),
        "tantou": await make_user("tantou", Role.department_staff, dept="KOHO"),
        "shimin": await make_user("shimin", Role.department_staff, dept="SHIMIN"),
        "kansa": await make_user("kansa", Role.auditor),
        "koho_dept": koho,
    }


def registration(service_id: int, department_id: int, **overrides) -> list[tuple[str, str]]:
    values = {
        "service_id": str(service_id),
        "url": "https://x.com/Midori_City",
        "display_name": "みどり市役所",
        "department_id": str(department_id),
        "purpose": "市政情報や防災情報をお知らせするため",
        "audience": "市民の皆さま",
        "public_contact": "秘書広報課 0574-00-0000",
        "responsible_name": "広報 課長",
        "responsible_title": "秘書広報課長",
        "hours_start": "08:30",
        "hours_end": "17:15",
        "approval": "responsible",
        "reply_policy": "none",
        "follow_policy": "public_bodies",
        "availability2_on_website": "on",
        "allowed_contacts": "0574-00-0000",
    }
    values.update(overrides)
    pairs = list(values.items())
    pairs += [("content_categories", "市政・行政のお知らせ"), ("content_categories", "防災・災害・緊急情報")]
    return pairs


COMPLETE_CHECKLIST = {
    "mfa_enabled": "on",
    "recovery_email": "koho@city.midori.lg.jp",
    "login_alerts": "on",
    "third_party_apps_reviewed_on": "",
    "listed_on_website": "on",
    "badge": "obtained",
    "password_changed_on": "",
}


async def register(client, service_id: int, department_id: int, **overrides) -> int:
    await approve_platform_use(service_id, department_id)  # an account opens only on an approved platform
    r = await post_form(client, "/social-accounts", registration(service_id, department_id, **overrides))
    assert r.status_code == 303, r.text
    return int(re.search(r"/social-accounts/(\d+)", r.headers["location"]).group(1))


async def test_done_when_register_comply_approve_verify_close_and_post_check(client, anon, app):
    ids = await people()
    service = await make_platform()
    today = today_tokyo().isoformat()
    await login(client, "koho")
    account_id = await register(client, service, ids["koho_dept"])
    page = await client.get(f"/social-accounts/{account_id}")
    assert page.status_code == 200 and "開設申請中" in page.text
    assert "安全対策：不足あり" in page.text and "多要素認証が有効になっていません" in page.text
    row = await SocialAccount.select().where(SocialAccount.id == account_id).first()
    assert row["handle"] == "@Midori_City" and row["lookup_key"] == "x:midori_city"

    # not public before approval
    assert "みどり市役所" not in (await anon.get("/official-accounts")).text
    unknown = await anon.get("/api/public/v1/official-accounts/verify", params={"q": "https://x.com/midori_city"})
    assert unknown.json()["result"] == "unknown"

    # every item but MFA: still non-compliant, naming MFA alone
    checklist = {**COMPLETE_CHECKLIST, "mfa_enabled": "", "third_party_apps_reviewed_on": today,
                 "password_changed_on": today}  # fmt: skip
    r = await post_form(client, f"/social-accounts/{account_id}/checklist", checklist)
    assert r.status_code == 303
    listed = (await client.get("/social-accounts")).text
    assert "不足あり" in listed and "多要素認証（二段階認証）を有効にしている" in listed
    r = await post_form(client, f"/social-accounts/{account_id}/checklist", {**checklist, "mfa_enabled": "on"})
    page = await client.get(f"/social-accounts/{account_id}")
    assert "安全対策：適合" in page.text

    # the applicant cannot approve; a security officer can
    app_id = int(re.search(r"/applications/(\d+)/approve", (await _as(client, "ciso", account_id)).text).group(1))
    await login(client, "koho")
    assert (
        await post_form(client, f"/social-accounts/{account_id}/applications/{app_id}/approve", {})
    ).status_code == 403
    await login(client, "ciso")
    r = await post_form(
        client, f"/social-accounts/{account_id}/applications/{app_id}/approve", {"comment": "確認しました"}
    )
    assert r.status_code == 303
    assert "運用中" in (await client.get(f"/social-accounts/{account_id}")).text

    # public list and policy, no sign-in
    public = await anon.get("/official-accounts")
    assert public.status_code == 200 and "みどり市役所" in public.text and "https://x.com/Midori_City" in public.text
    policy = await anon.get(f"/official-accounts/{account_id}")
    assert policy.status_code == 200 and "運用ポリシー" in policy.text and "08:30から17:15まで" in policy.text
    assert "企画部 秘書広報課" in policy.text and "免責事項" in policy.text

    # verify: the ways people write the URL
    for q in ("https://twitter.com/Midori_City/", "https://x.com/midori_city", "https://x.com/MIDORI_CITY?s=20",
              "mobile.twitter.com/midori_city", "@midori_city"):  # fmt: skip
        answer = (await anon.get("/api/public/v1/official-accounts/verify", params={"q": q})).json()
        assert answer["result"] == "official", q
        assert answer["accounts"][0]["department"] == "企画部 秘書広報課"
    assert (
        await anon.get("/api/public/v1/official-accounts/verify", params={"q": "https://x.com/midori_city_"})
    ).json()["result"] == "unknown"

    # post check: a valid マイナンバー is flagged, an invalid check digit is not (as マイナンバー)
    await login(client, "koho")
    r = await post_form(client, "/social-accounts/post-check",
                        {"account_id": str(account_id), "text": f"個人番号 {VALID_MYNUMBER} の方へ"})  # fmt: skip
    assert r.status_code == 200 and 'data-rule="mynumber"' in r.text and "このままでは投稿できません" in r.text
    r = await post_form(client, "/social-accounts/post-check",
                        {"account_id": str(account_id), "text": f"受付番号 {INVALID_MYNUMBER} の方へ"})  # fmt: skip
    assert r.status_code == 200 and 'data-rule="mynumber"' not in r.text

    # closing: applied by PR staff, approved by a security officer; verify answers closed with the date
    r = await post_form(client, f"/social-accounts/{account_id}/applications",
                        {"kind": "close", "reason": "運用終了", "effective_on": "2026-03-31"})  # fmt: skip
    assert r.status_code == 303
    page = await _as(client, "ciso2", account_id)
    close_id = int(re.findall(r"/applications/(\d+)/approve", page.text)[0])
    r = await post_form(client, f"/social-accounts/{account_id}/applications/{close_id}/approve", {})
    assert r.status_code == 303
    answer = (
        await anon.get("/api/public/v1/official-accounts/verify", params={"q": "https://x.com/Midori_City"})
    ).json()
    assert answer["result"] == "closed" and answer["accounts"][0]["closed_on"] == "2026-03-31"
    assert "令和8年3月31日に運用を終了" in answer["message"]  # 和暦, as every date a person reads
    assert "みどり市役所" not in (await anon.get("/official-accounts")).text
    assert (await anon.get(f"/official-accounts/{account_id}")).status_code == 404

    actions = [r["action"] for r in await AuditEntry.select(AuditEntry.action).order_by(AuditEntry.id)]
    for action in ("social_account.created", "social_account.checklist_updated", "social_application.approved",
                   "social_application.submitted"):  # fmt: skip
        assert action in actions


async def _as(client, username: str, account_id: int):
    await login(client, username)
    return await client.get(f"/social-accounts/{account_id}")


async def test_registration_errors_are_clear(client):
    ids = await people()
    service = await make_platform()
    await login(client, "koho")
    r = await post_form(client, "/social-accounts", registration(service, ids["koho_dept"], url="https://x.com/"))
    assert r.status_code == 422 and "プロフィール" in r.text
    r = await post_form(client, "/social-accounts",
                        registration(service, ids["koho_dept"], url="https://www.instagram.com/midori/"))  # fmt: skip
    assert r.status_code == 422 and "X（旧Twitter）のアカウントのURLではありません" in r.text
    r = await post_form(client, "/social-accounts", registration(service, ids["koho_dept"], responsible_name=""))
    assert r.status_code == 422 and "責任者の氏名を入力してください" in r.text
    r = await post_form(client, "/social-accounts",
                        registration(service, ids["koho_dept"], hours_start="07:00", hours_end="25:00"))  # fmt: skip
    assert r.status_code == 422
    await register(client, service, ids["koho_dept"])
    r = await post_form(client, "/social-accounts", registration(service, ids["koho_dept"], url="@MIDORI_CITY"))
    assert r.status_code == 422 and "既に登録されています" in r.text


async def test_rules_cannot_loosen_the_municipal_template(client):
    ids = await people()
    service = await make_platform()
    await login(client, "koho")
    r = await post_form(client, "/social-accounts",
                        registration(service, ids["koho_dept"], allowed_link_domains="example.com"))  # fmt: skip
    assert r.status_code == 422 and "市の雛形で認められていないドメイン" in r.text
    account_id = await register(client, service, ids["koho_dept"])
    await login(client, "ciso")
    template = await client.get("/social-accounts/template")
    assert template.status_code == 200
    form = {
        "content_categories": "市政・行政のお知らせ\n防災・災害・緊急情報",
        "prohibited_content": "個人情報",
        "classified_markers": "庁内限り\n機密性2",
        "allowed_link_domains": "lg.jp",
        "shortener_hosts": "bit.ly",
        "allowed_contacts": "",
        "municipal_mail_domains": "city.midori.lg.jp",
        "hours_start": "",
        "hours_end": "",
        "approval": "responsible",
        "reply_policy": "none",
        "follow_policy": "public_bodies",
        "availability2_on_website": "on",
        "cycle_months": "3",
        "inactive_months": "6",
        "password_max_days": "90",
        "app_review_days": "183",
    }
    assert (await post_form(client, "/social-accounts/template", form)).status_code == 303
    await login(client, "koho")
    assert (await post_form(client, "/social-accounts/template", form)).status_code == 403
    r = await post_form(client, f"/social-accounts/{account_id}/rules",
                        dict(registration(service, 0, approval="none", reply_policy="as_needed")))  # fmt: skip
    assert r.status_code == 422 and "承認を不要にはできません" in r.text and "市の雛形より広い方針" in r.text


async def test_exactly_one_responsible_person_with_history(client):
    ids = await people()
    service = await make_platform()
    await login(client, "koho")
    account_id = await register(client, service, ids["koho_dept"], responsible_from="2025-04-01")
    r = await post_form(client, f"/social-accounts/{account_id}/responsible",
                        {"person_name": "新任 課長", "title": "秘書広報課長", "start_date": "2026-04-01"})  # fmt: skip
    assert r.status_code == 303
    rows = await SocialAssignment.select().where(SocialAssignment.account == account_id).order_by(SocialAssignment.id)
    assert [(p["person_name"], p["start_date"], p["end_date"]) for p in rows] == [
        ("広報 課長", dt.date(2025, 4, 1), dt.date(2026, 3, 31)),
        ("新任 課長", dt.date(2026, 4, 1), None),
    ]
    r = await post_form(client, f"/social-accounts/{account_id}/responsible",
                        {"person_name": "早すぎ", "start_date": "2026-04-01"})  # fmt: skip
    assert r.status_code == 422 and "就任日は" in r.text
    r = await post_form(client, f"/social-accounts/{account_id}/people/{rows[1]['id']}/end", {"end_date": "2026-05-01"})
    assert r.status_code == 409  # the responsible person is replaced, never removed
    # operators and credential holders: granted and removed dates (April personnel changes)
    r = await post_form(client, f"/social-accounts/{account_id}/people",
                        {"role": "operator", "person_name": "発信 太郎", "start_date": "2025-04-01"})  # fmt: skip
    assert r.status_code == 303
    op = await SocialAssignment.select().where(SocialAssignment.person_name == "発信 太郎").first()
    r = await post_form(client, f"/social-accounts/{account_id}/people/{op['id']}/end", {"end_date": "2026-03-31"})
    assert r.status_code == 303
    page = (await client.get(f"/social-accounts/{account_id}")).text
    assert "発信 太郎" in page and "令和8年3月31日" in page


async def test_department_staff_edit_only_their_departments_accounts(client):
    ids = await people()
    service = await make_platform()
    await login(client, "shimin")
    r = await post_form(client, "/social-accounts", registration(service, ids["koho_dept"]))
    assert r.status_code == 403
    await login(client, "tantou")
    account_id = await register(client, service, ids["koho_dept"])
    await login(client, "shimin")
    r = await post_form(client, f"/social-accounts/{account_id}/checklist", COMPLETE_CHECKLIST)
    assert r.status_code == 403
    await login(client, "kansa")
    assert (await client.get(f"/social-accounts/{account_id}")).status_code == 200
    assert (await post_form(client, f"/social-accounts/{account_id}/checklist", COMPLETE_CHECKLIST)).status_code == 403


async def test_post_check_records_nothing_unless_asked(client):
    ids = await people()
    service = await make_platform()
    await login(client, "koho")
    account_id = await register(client, service, ids["koho_dept"])
    before = await AuditEntry.count()
    draft = f"【庁内限り】{VALID_MYNUMBER} 詳細は https://bit.ly/xyz"
    r = await post_form(client, "/social-accounts/post-check", {"account_id": str(account_id), "text": draft})
    assert r.status_code == 200
    for rule in ("mynumber", "classified", "shortener"):
        assert f'data-rule="{rule}"' in r.text
    assert VALID_MYNUMBER not in r.text.split("postcheck-findings")[1]  # the finding masks the number
    assert await SocialPostCheck.count() == 0 and await AuditEntry.count() == before
    r = await post_form(client, "/social-accounts/post-check",
                        {"account_id": str(account_id), "text": draft, "keep": "on"})  # fmt: skip
    assert r.status_code == 200 and "確認結果を記録しました" in r.text
    assert await SocialPostCheck.count() == 1 and await AuditEntry.count() == before + 1
    entry = await AuditEntry.select().order_by(AuditEntry.id, ascending=False).first()
    assert entry["action"] == "social_post_check.kept" and VALID_MYNUMBER not in str(entry)


async def test_post_check_partial_for_htmx_and_length_counted_the_x_way(client):
    ids = await people()
    service = await make_platform()
    await login(client, "koho")
    account_id = await register(client, service, ids["koho_dept"])
    r = await client.post(
        "/social-accounts/post-check",
        data={"account_id": str(account_id), "text": "あ" * 141},
        headers={"x-csrftoken": client.cookies["gov_csrf"], "HX-Request": "true"},
    )
    assert r.status_code == 200 and "<html" not in r.text
    assert 'data-rule="length"' in r.text and "文字数：282" in r.text


@pytest.mark.parametrize("bad", ["", "x" * 501])
async def test_verify_refuses_bad_queries_with_problem_json(anon, bad):
    r = await anon.get("/api/public/v1/official-accounts/verify", params={"q": bad})
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json")


async def test_verify_answers_unknown_for_text_that_names_no_account(anon):
    r = await anon.get("/api/public/v1/official-accounts/verify", params={"q": "https://x.com/home"})
    assert r.status_code == 200 and r.json()["result"] == "unknown" and r.json()["accounts"] == []


async def test_verify_answers_control_characters_without_echoing_them(anon):
    r = await anon.get("/api/public/v1/official-accounts/verify", params={"q": "https://x.com/a\u0000b"})
    assert r.status_code == 200 and r.json()["result"] == "unknown" and "\u0000" not in r.json()["query"]


async def test_verify_by_handle_names_the_platform_and_may_be_narrowed(client, anon):
    ids = await people()
    service = await make_platform()
    await login(client, "koho")
    account_id = await register(client, service, ids["koho_dept"])
    await login(client, "ciso")
    page = await client.get(f"/social-accounts/{account_id}")
    app_id = int(re.search(r"/applications/(\d+)/approve", page.text).group(1))
    await post_form(client, f"/social-accounts/{account_id}/applications/{app_id}/approve", {})
    url = "/api/public/v1/official-accounts/verify"
    answer = (await anon.get(url, params={"q": "@midori_city"})).json()
    assert answer["result"] == "official" and "URLでも確認してください" in answer["message"]
    assert answer["accounts"][0]["platform"] == "x"
    narrowed = (await anon.get(url, params={"q": "@midori_city", "platform": "x"})).json()
    assert narrowed["result"] == "official" and "URLでも" not in narrowed["message"]
    assert (await anon.get(url, params={"q": "@midori_city", "platform": "instagram"})).json()["result"] == "unknown"
    bad = (await anon.get(url, params={"q": "@midori_city", "platform": "myspace"})).json()
    assert bad["result"] == "unknown" and "プラットフォームの指定" in bad["message"]
