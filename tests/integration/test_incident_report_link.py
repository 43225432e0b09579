"""The contractor's 第一報 through an engagement's 事故報告用リンク: issued on the engagement page (URL shown once),
the public form, an incident opened with the facts and the report kept, the department and security officers told,
refusals in Japanese that lose nothing, revocation, expiry and the rate limit."""

from __future__ import annotations

import datetime as dt
import re

import httpx

from governance.calendar import today_tokyo
from governance.incidents.report_links import IncidentReportLinkService
from governance.incidents.tables import Incident, IncidentReport, IncidentReportLink
from governance.ratelimit import TokenBucketLimiter
from governance.reminders.tables import Notification
from tests.helpers import PDF_BYTES as PDF
from tests.helpers import csrf_headers, login, make_department, make_person, post_form, sign_contract_now

NO_FILE = {"files": ("", b"", "application/octet-stream")}


async def issue(client: httpx.AsyncClient, engagement_id: int) -> str:
    """Issue the link on the engagement page; return its token (its URL is on the answer page only)."""
    r = await post_form(client, f"/engagements/{engagement_id}/incident-links")
    assert r.status_code == 200 and "事故報告用リンクを発行しました。" in r.text, r.text[:2000]
    url = re.search(r'id="incident-link-url"', r.text) and re.search(r'value="([^"]+/incident-report/[^"]+)"', r.text)
    assert url, r.text[:2000]
    assert re.fullmatch(r"https?://[^/]+/incident-report/[A-Za-z0-9_-]{40,}", url.group(1)), url.group(1)
    return url.group(1).rsplit("/", 1)[1]


def first_report(**overrides) -> dict[str, str]:
    today = today_tokyo()
    values = {
        "occurred_on": (today - dt.timedelta(days=2)).isoformat(),
        "occurred_time": "16:00",
        "discovered_on": today.isoformat(),
        "discovered_time": "00:00",
        "summary": "市民税の納税通知書を封入した箱（120人分）を、別の配送先に誤って発送しました。",
        "data_description": "納税通知書（氏名・住所・税額）",
        "personal_info": "on",
        "people_min": "120",
        "containment": "配送業者に連絡し、箱の回収を依頼しました。",
        "reporter_name": "みどり 太郎",
        "reporter_org": "株式会社みどり情報 運用部",
        "reporter_phone": "03-0000-0000",
        "reporter_email": "taro@midori.example.jp",
    }
    values.update(overrides)
    return values


async def send(anon: httpx.AsyncClient, token: str, data: dict, files=None) -> httpx.Response:
    if "gov_csrf" not in anon.cookies:
        await anon.get(f"/incident-report/{token}")
    return await anon.post(f"/incident-report/{token}", data=data, files=files or NO_FILE, headers=csrf_headers(anon))


async def test_done_when_120_notices_to_the_wrong_address_open_an_incident_that_must_be_reported(client, anon):
    sc = await sign_contract_now()
    await login(client, "tantou")
    page = await client.get(f"/engagements/{sc.engagement_id}")
    assert 'id="incident-links"' in page.text and "事故報告用リンクはまだ発行していません。" in page.text
    token = await issue(client, sc.engagement_id)
    page = await client.get(f"/engagements/{sc.engagement_id}")
    assert token not in page.text and f"{token[:8]}…" in page.text and "有効" in page.text

    form = await anon.get(f"/incident-report/{token}")
    assert form.status_code == 200 and "事故報告書（第一報）の提出" in form.text
    assert "住民情報システム運用保守業務" in form.text and "みどり市" in form.text and "tantou" not in form.text

    r = await send(anon, token, first_report(), files=[("files", ("写真.pdf", PDF, "application/pdf"))])
    assert r.status_code == 200 and "第一報を受け付けました" in r.text, r.text[:3000]

    [incident] = await Incident.select()
    assert incident["engagement"] == sc.engagement_id and incident["department"] == sc.department_id
    assert incident["source"] == "contractor_link" and incident["kind"] == "data_breach"
    assert incident["personal_info"] and incident["people_min"] == 120
    assert "納税通知書（氏名・住所・税額）" in incident["summary"] and incident["containment"].startswith("配送業者")
    assert (
        incident["reported_by"] is None and "みどり 太郎（株式会社みどり情報 運用部）" in incident["reported_by_label"]
    )
    assert incident["report_required"] is True
    assessment = incident["assessment"]
    assessment = assessment if isinstance(assessment, dict) else __import__("json").loads(assessment)
    due = {d["key"]: d for d in assessment["deadlines"]}
    assert {"preliminary", "final"} <= set(due) and due["final"]["due"]
    assert assessment["reasons"] and all(r["citation"] for r in assessment["reasons"])

    [report] = await IncidentReport.select()
    assert report["incident"] == incident["id"] and report["reporter_name"] == "みどり 太郎"
    body = report["body"] if isinstance(report["body"], dict) else __import__("json").loads(report["body"])
    assert body["people_min"] == 120 and body["reporter_phone"] == "03-0000-0000"
    files = report["files"] if isinstance(report["files"], list) else __import__("json").loads(report["files"])
    assert len(files) == 1 and (await client.get(f"/files/{files[0]}")).content == PDF

    told = await Notification.select(Notification.recipient.username.as_alias("who"), Notification.link).where(
        Notification.rule == "incident.reported"
    )
    assert {t["who"] for t in told} >= {"tantou", "kakunin", "ciso", "ciso2"}
    assert {t["link"] for t in told} == {f"/incidents/{incident['id']}"}
    detail = await client.get(f"/incidents/{incident['id']}")
    assert detail.status_code == 200 and "住民情報システム運用保守業務" in detail.text
    page = await client.get(f"/engagements/{sc.engagement_id}")
    assert f'href="/incidents/{incident["id"]}"' in page.text

    # the link is a standing one: a second incident may be reported through it
    r = await send(anon, token, first_report(personal_info="", people_min="", summary="サーバの障害が発生しました。"))
    assert r.status_code == 200 and await Incident.count() == 2
    second = await Incident.select().where(Incident.id != incident["id"]).first()
    assert second["kind"] == "security_event" and second["report_required"] is False


async def test_refused_reports_lose_nothing_and_say_why_in_japanese(client, anon):
    sc = await sign_contract_now()
    await login(client, "tantou")
    token = await issue(client, sc.engagement_id)
    r = await send(anon, token, first_report(discovered_on="", reporter_name="", people_min="百二十"))
    assert r.status_code == 422
    assert "発覚日" in r.text and "報告者の氏名" in r.text and "本人の数" in r.text
    assert "納税通知書（氏名・住所・税額）" in r.text and "株式会社みどり情報 運用部" in r.text  # typed values kept
    future = (today_tokyo() + dt.timedelta(days=3)).isoformat()
    r = await send(anon, token, first_report(discovered_on=future))
    assert r.status_code == 422 and "未来" in r.text, r.text[:3000]
    r = await send(anon, token, first_report(), files=[("files", ("a.exe", b"MZ\x90\x00" * 10, "x"))])
    assert r.status_code == 422 and "形式" in r.text and "120人分" in r.text
    assert await Incident.count() == 0 and await IncidentReport.count() == 0


async def test_revoked_expired_unknown_and_other_departments(client, anon):
    sc = await sign_contract_now()
    other = await make_department("KYOI", "教育委員会 学校教育課")
    await make_person("tashoku", "department_staff", dept="KYOI")
    assert other
    await login(client, "tashoku")
    r = await post_form(client, f"/engagements/{sc.engagement_id}/incident-links")
    assert r.status_code == 403 and await IncidentReportLink.count() == 0  # another department's engagement
    auditor = httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))
    await make_person("kansa", "auditor")
    await login(auditor, "kansa")
    assert (await post_form(auditor, f"/engagements/{sc.engagement_id}/incident-links")).status_code == 403

    await login(client, "tantou")
    token = await issue(client, sc.engagement_id)
    [link] = await IncidentReportLink.select(IncidentReportLink.id)
    r = await post_form(client, f"/engagements/{sc.engagement_id}/incident-links/{link['id']}/revoke")
    assert r.status_code == 303 and r.headers["location"].endswith("#incident-links")
    page = await client.get(f"/engagements/{sc.engagement_id}")
    assert "取消し（" in page.text
    r = await post_form(client, f"/engagements/{sc.engagement_id}/incident-links/{link['id']}/revoke")
    assert r.status_code == 409 and "すでに取り消されています" in r.text
    gone = await anon.get(f"/incident-report/{token}")
    assert gone.status_code == 410 and "取り消されています" in gone.text
    r = await send(anon, token, first_report())
    assert r.status_code == 410 and await Incident.count() == 0

    assert (await anon.get("/incident-report/" + "x" * 43)).status_code == 404
    assert (await anon.get("/incident-report/" + "x" * 500)).status_code == 404
    old = await IncidentReportLinkService(None).create(
        sc.engagement_id, actor=__import__("governance.actor", fromlist=["Actor"]).Actor.system("test"),
        days=1, now=dt.datetime.now(dt.UTC) - dt.timedelta(days=2),
    )  # fmt: skip
    r = await anon.get(f"/incident-report/{old}")
    assert r.status_code == 410 and "有効期限が切れています" in r.text


async def test_reports_from_one_client_are_rate_limited(client, anon, app):
    sc = await sign_contract_now()
    await login(client, "tantou")
    token = await issue(client, sc.engagement_id)
    app.state["incident_report_limiter"] = TokenBucketLimiter(rate=0.001, burst=1)
    assert (await send(anon, token, first_report())).status_code == 200
    r = await send(anon, token, first_report())
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1 and "担当課に電話" in r.text
    assert await Incident.count() == 1


async def test_links_over_the_api(client, anon):
    from tests.helpers import api_token

    sc = await sign_contract_now()
    headers = await api_token(client, "tantou")
    url = f"/api/v1/engagements/{sc.engagement_id}/incident-links"
    r = await anon.post(url, json={"days": 500}, headers=headers)
    assert r.status_code == 400 or r.status_code == 422, r.text
    r = await anon.post(url, json={"days": 30}, headers=headers)
    assert r.status_code == 201, r.text
    issued = r.json()
    token = issued["url"].rsplit("/", 1)[1]
    assert issued["token_prefix"] == token[:8] and issued["incident_ids"] == []
    assert (await send(anon, token, first_report())).status_code == 200
    [listed] = (await anon.get(url, headers=headers)).json()
    assert listed["url"] is None and listed["incident_ids"] == [(await Incident.select(Incident.id).first())["id"]]
    assert (await anon.post(f"{url}/{listed['id']}/revoke", headers=headers)).status_code == 204
    r = await anon.post(f"{url}/{listed['id']}/revoke", headers=headers)
    assert r.status_code == 409 and "取り消されています" in r.json()["detail"]
    assert (await anon.get(f"/incident-report/{token}")).status_code == 410
