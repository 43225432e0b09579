"""Bad values through both doors (issue 12): the form and the API refuse the same values, store nothing, and the
form page shows the message beside every value the user typed.

Covers contractors, engagements, SNS accounts and external services: line breaks and control characters in names,
names made only of spaces, unknown codes, dates out of bounds and a contract term longer than the limit.
"""

from __future__ import annotations

import pytest

from governance.accounts.roles import Role
from governance.accounts.schemas import ApiTokenCreate
from governance.accounts.services import TokenService
from governance.actor import Actor
from governance.contractors.tables import Contractor
from governance.engagements.tables import Engagement
from governance.external.tables import ExternalService
from governance.social.tables import SocialAccount
from tests.helpers import login, make_department, make_user, post_form
from tests.integration.test_social_accounts import make_platform, registration


async def signed_in(client, username: str, role: str, dept: str = "JOHO") -> dict[str, str]:
    """Sign the browser in and return the same user's API token header."""
    uid = await make_user(username, role, dept=dept)
    await login(client, username)
    actor = Actor(id=uid, label=username, roles=frozenset({role}))
    token = (await TokenService().create(ApiTokenCreate(name="t"), actor=actor)).token
    return {"Authorization": f"Bearer {token}"}


def refused(response) -> bool:
    return 400 <= response.status_code < 500 and response.status_code not in (401, 403, 404)


# --- contractors ---------------------------------------------------------------------------------------------------

BAD_NAMES = ["株式会社\nみどり", "株式会社みどり\r\n", "株式会社\x01みどり", "株式会社みどり\x7f",
             "株式会社\u2028みどり", "株式会社\x85みどり", "\u3000\u3000", "  "]  # fmt: skip


@pytest.mark.parametrize("name", BAD_NAMES)
async def test_api_refuses_a_contractor_name_with_a_line_break_or_control(client, anon, name):
    auth = await signed_in(client, "keiyaku", Role.procurement)
    r = await anon.post("/api/v1/contractors", json={"name": name}, headers=auth)
    assert refused(r), (r.status_code, r.text)
    assert await Contractor.count() == 0
    r = await anon.post("/api/v1/contractors", json={"name": "株式会社みどり", "status": "bogus"}, headers=auth)
    assert refused(r), (r.status_code, r.text)
    assert await Contractor.count() == 0
    ok = await anon.post("/api/v1/contractors", json={"name": "株式会社みどり"}, headers=auth)
    assert ok.status_code == 201, ok.text  # the same client with a good name gets through


async def test_contractor_form_refuses_and_keeps_every_typed_value(client):
    await signed_in(client, "keiyaku", Role.procurement)
    r = await post_form(client, "/contractors", {
        "name": "株式会社\x01みどり", "name_kana": "カブシキガイシャミドリ\x1f", "address": "みどり市中央1-1",
        "representative": "代表取締役 緑川", "status": "bogus", "notes": "一行目\r\n二行目",
    })  # fmt: skip
    assert r.status_code == 422, r.status_code
    assert "名称に改行や制御文字は使えません。" in r.text
    assert "名称（カナ）に改行や制御文字は使えません。" in r.text
    assert "状態は選択肢から選んでください。" in r.text
    for typed in ("株式会社\x01みどり", "みどり市中央1-1", "代表取締役 緑川", "一行目"):
        assert typed in r.text, typed
    assert await Contractor.count() == 0


async def test_certification_and_suspension_dates_are_bounded(client, anon):
    auth = await signed_in(client, "keiyaku", Role.procurement)
    cid = (await anon.post("/api/v1/contractors", json={"name": "株式会社みどり"}, headers=auth)).json()["id"]
    r = await anon.post(f"/api/v1/contractors/{cid}/suspensions", headers=auth,
                        json={"start_date": "1899-12-31", "reason": "入札談合"})  # fmt: skip
    assert refused(r), r.text
    r = await anon.post(f"/api/v1/contractors/{cid}/suspensions", headers=auth,
                        json={"start_date": "2026-04-01", "reason": "\u3000"})  # fmt: skip
    assert refused(r), r.text
    r = await post_form(client, f"/contractors/{cid}/suspensions", {"start_date": "2201-01-01", "reason": "入札談合"})
    assert r.status_code == 422 and "開始日は1900-01-01から2200-12-31までの日付を入力してください。" in r.text
    assert "入札談合" in r.text
    detail = (await anon.get(f"/api/v1/contractors/{cid}", headers=auth)).json()
    assert detail["suspensions"] == []


# --- engagements ---------------------------------------------------------------------------------------------------


def engagement_json(dept: int, **overrides) -> dict:
    return {
        "title": "窓口受付業務", "department_id": dept, "start_date": "2026-04-01", "end_date": "2027-03-31",
        "work_kinds": ["clerical"], "work_locations": ["onsite"], "confidentiality": "2", **overrides,
    }  # fmt: skip


ENGAGEMENT_FORM = [("start_date", "2026-04-01"), ("end_date", "2027-03-31"), ("renewal", "none"),
                   ("renewal_months", "12"), ("notice_days", "0"), ("integrity", "1"), ("availability", "1"),
                   ("bond", "exempt"), ("payment_terms", "lump_sum"), ("status", "planning"),
                   ("confidentiality", "2"), ("work_kinds", "clerical"), ("work_locations", "onsite")]  # fmt: skip


@pytest.mark.parametrize(
    "overrides",
    [
        {"title": "窓口受付\n業務"},
        {"title": "窓口受付業務\t"},
        {"title": "\u3000"},
        {"work_kinds": ["clerical", "bogus"]},
        {"work_locations": ["moon"]},
        {"segments": ["darknet"]},
        {"status": "bogus"},
        {"renewal": "forever"},
        {"confidentiality": "9"},
        {"start_date": "1800-04-01"},
        {"end_date": "2300-03-31"},
        {"end_date": "2046-03-31"},  # a 20-year term: longer than the limit
        {"work_place": "庁舎\n3階"},
        {"purpose": "目的\x00"},
    ],
    ids=lambda o: next(iter(o)),
)
async def test_api_refuses_bad_engagement_values(client, anon, overrides):
    auth = await signed_in(client, "keiyaku", Role.procurement)
    dept = await make_department()
    r = await anon.post("/api/v1/engagements", json=engagement_json(dept, **overrides), headers=auth)
    assert refused(r), (r.status_code, r.text)
    assert await Engagement.count() == 0
    ok = await anon.post("/api/v1/engagements", json=engagement_json(dept, purpose="一行目\n二行目"), headers=auth)
    assert ok.status_code == 201, ok.text


async def test_engagement_form_refuses_and_keeps_every_typed_value(client):
    await signed_in(client, "keiyaku", Role.procurement)
    dept = await make_department()
    form = [("title", "窓口受付\r\n業務"), ("department_id", str(dept)), ("purpose", "市民課の窓口で受け付ける"),
            *[(k, v) for k, v in ENGAGEMENT_FORM if k not in ("start_date", "work_kinds")],
            ("start_date", "1800-04-01"), ("work_kinds", "clerical"), ("work_kinds", "bogus"),
            ("work_place", "本庁舎1階\x0b")]  # fmt: skip
    r = await post_form(client, "/engagements", form)
    assert r.status_code == 422, r.status_code
    for message in ("業務名に改行や制御文字は使えません。", "業務の種類は選択肢から選んでください。",
                    "契約期間（開始）は1900-01-01から2200-12-31までの日付を入力してください。",
                    "履行場所に改行や制御文字は使えません。"):  # fmt: skip
        assert message in r.text, message
    assert "市民課の窓口で受け付ける" in r.text and "1800-04-01" in r.text
    assert await Engagement.count() == 0


async def test_engagement_form_refuses_a_term_longer_than_the_limit(client):
    await signed_in(client, "keiyaku", Role.procurement)
    dept = await make_department()
    form = [("title", "窓口受付業務"), ("department_id", str(dept)),
            *[(k, v) for k, v in ENGAGEMENT_FORM if k != "end_date"], ("end_date", "2036-04-01")]  # fmt: skip
    r = await post_form(client, "/engagements", form)
    assert r.status_code == 422 and "契約期間は10年以内にしてください" in r.text
    assert "2036-04-01" in r.text
    assert await Engagement.count() == 0


# --- SNS accounts --------------------------------------------------------------------------------------------------


def account_json(service: int, dept: int, **overrides) -> dict:
    return {
        "service_id": service, "url": "https://x.com/Midori_City", "display_name": "みどり市役所",
        "department_id": dept, "purpose": "市政情報をお知らせするため", "responsible_name": "広報 課長",
        "content_categories": ["市政・行政のお知らせ"], **overrides,
    }  # fmt: skip


@pytest.mark.parametrize(
    "overrides",
    [
        {"responsible_name": "\u3000\u3000"},
        {"responsible_name": " "},
        {"responsible_name": "広報\n課長"},
        {"display_name": "みどり市役所\x01"},
        {"purpose": "\n\u3000"},
        {"content_categories": []},
        {"content_categories": ["市政\nお知らせ"]},
        {"approval": "anyone"},
        {"follow_policy": "everyone"},
        {"responsible_from": "2201-04-01"},
    ],
    ids=lambda o: f"{next(iter(o))}={next(iter(o.values()))!r}",
)
async def test_api_refuses_bad_sns_account_values(client, anon, overrides):
    auth = await signed_in(client, "koho", Role.pr_staff, dept="KOHO")
    dept = await make_department("KOHO", "企画部 秘書広報課")
    service = await make_platform()
    r = await anon.post("/api/v1/social-accounts", json=account_json(service, dept, **overrides), headers=auth)
    assert refused(r), (r.status_code, r.text)
    assert await SocialAccount.count() == 0


async def test_api_requires_content_categories(client, anon):
    auth = await signed_in(client, "koho", Role.pr_staff, dept="KOHO")
    dept = await make_department("KOHO", "企画部 秘書広報課")
    service = await make_platform()
    body = account_json(service, dept)
    del body["content_categories"]
    r = await anon.post("/api/v1/social-accounts", json=body, headers=auth)
    assert refused(r) and "content_categories" in r.text, r.text
    assert await SocialAccount.count() == 0
    ok = await anon.post("/api/v1/social-accounts", json=account_json(service, dept), headers=auth)
    assert ok.status_code == 201, ok.text


async def test_sns_form_refuses_a_responsible_person_of_spaces_and_keeps_values(client):
    await signed_in(client, "koho", Role.pr_staff, dept="KOHO")
    dept = await make_department("KOHO", "企画部 秘書広報課")
    service = await make_platform()
    form = registration(service, dept, responsible_name="\u3000\u3000", responsible_title="秘書広報課長",
                        display_name="みどり市役所\u2028公式", approval="anyone")  # fmt: skip
    r = await post_form(client, "/social-accounts", form)
    assert r.status_code == 422, r.status_code
    assert "責任者の氏名を入力してください。" in r.text
    assert "表示名に改行や制御文字は使えません。" in r.text
    assert "投稿前の承認は選択肢から選んでください。" in r.text
    assert "秘書広報課長" in r.text and "市政情報や防災情報をお知らせするため" in r.text
    assert await SocialAccount.count() == 0


# --- external services ---------------------------------------------------------------------------------------------

SERVICE = {"name": "ファイル共有サービス（架空）", "kind": "saas", "contract_type": "terms_of_use",
           "provider_name": "くもクラウド合同会社", "max_confidentiality": "2",
           "data_location": "domestic"}  # fmt: skip


@pytest.mark.parametrize(
    "overrides",
    [
        {"name": "ファイル共有\r\nサービス"},
        {"name": "\u3000"},
        {"provider_name": "くもクラウド\x1b合同会社"},
        {"kind": "mainframe"},
        {"platform": "myspace"},
        {"data_location": "moon"},
        {"ismap": "maybe"},
        {"max_confidentiality": "9"},
        {"url": "https://example.jp/\x01"},
        {"ismap_valid_until": "2201-01-01"},
        {"terms_reviewed_on": "1899-12-31"},
    ],
    ids=lambda o: next(iter(o)),
)
async def test_api_refuses_bad_external_service_values(client, anon, overrides):
    auth = await signed_in(client, "shimin", Role.department_staff, dept="SHIMIN")
    r = await anon.post("/api/v1/external-services", json={**SERVICE, **overrides}, headers=auth)
    assert refused(r), (r.status_code, r.text)
    assert await ExternalService.count() == 0
    assert (await anon.post("/api/v1/external-services", json=SERVICE, headers=auth)).status_code == 201


async def test_external_service_form_refuses_and_keeps_every_typed_value(client):
    await signed_in(client, "shimin", Role.department_staff, dept="SHIMIN")
    form = {**SERVICE, "name": "ファイル共有\x7fサービス", "kind": "mainframe", "governing_law": "日本法",
            "ismap_valid_until": "2201-01-01", "notes": "一行目\r\n二行目"}  # fmt: skip
    r = await post_form(client, "/external-services", form)
    assert r.status_code == 422, r.status_code
    for message in ("サービス名に改行や制御文字は使えません。", "種類は選択肢から選んでください。",
                    "ISMAP登録の有効期限は1900-01-01から2200-12-31までの日付を入力してください。"):  # fmt: skip
        assert message in r.text, message
    assert "くもクラウド合同会社" in r.text and "日本法" in r.text and "2201-01-01" in r.text
    assert await ExternalService.count() == 0


# --- the API tells clients what it accepts --------------------------------------------------------------------------


async def test_openapi_lists_codes_as_enums_and_text_rules_as_patterns(anon):
    doc = (await anon.get("/schema/openapi.json")).json()
    schemas = doc["components"]["schemas"]

    def props(suffix: str) -> dict:
        name = next(n for n in schemas if n.endswith(suffix))
        return schemas[name]["properties"]

    contractor = props("ContractorCreate")
    assert set(contractor["status"]["enum"]) == {"candidate", "active", "stopped"}
    assert "pattern" in contractor["name"] and contractor["name"]["minLength"] == 1
    engagement = props("EngagementCreate")
    assert "clerical" in engagement["work_kinds"]["items"]["enum"]
    account = props("AccountCreate")
    assert "content_categories" in schemas[next(n for n in schemas if n.endswith("AccountCreate"))]["required"]
    assert set(account["approval"]["enum"]) == {"none", "responsible"}
    service = props("ServiceCreate")
    assert "saas" in service["kind"]["enum"]
