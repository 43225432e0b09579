"""The contractor's report link through the pages (issued on the check page, shown once, used once by the public
form, revoked, expired) and the private calendar feed (issued once, parsed as iCalendar, revoked)."""

from __future__ import annotations

import datetime as dt
import re

import httpx
from icalendar import Calendar

from governance.calendar import today_tokyo
from governance.verification.tables import Check, ReportLink
from tests.helpers import PDF_BYTES as PDF
from tests.helpers import checks_of, csrf_headers, login, post_form, sign_contract_now
from tests.integration.test_verification_pages import EXE, notice_target

# -- the contractor's report link ----------------------------------------------------------------------------------


async def issue_link(client: httpx.AsyncClient, check_id: int) -> str:
    """Issue a report link on the check page; return its token (the URL is on that page only)."""
    r = await post_form(client, f"/checks/{check_id}/links")
    assert r.status_code == 200 and "報告用リンクを発行しました。" in r.text, r.text[:2000]
    url = re.search(r'id="new-link">([^<]+)<', r.text).group(1)
    assert re.fullmatch(r"https?://[^/]+/report/[A-Za-z0-9_-]{40,}", url), url
    return url.rsplit("/", 1)[1]


async def test_report_link_is_shown_once_and_the_contractor_submits_once(client, anon):
    sc = await sign_contract_now()
    check = (await checks_of(sc.engagement_id))[-1]
    await login(client, "tantou")
    token = await issue_link(client, check["id"])
    page = await client.get(f"/checks/{check['id']}")
    assert token not in page.text and f"<code>{token[:8]}…</code>" in page.text and "有効" in page.text

    form = await anon.get(f"/report/{token}")
    assert form.status_code == 200 and "報告書の提出" in form.text and check["title"] in form.text
    assert "住民情報システム運用保守業務" in form.text and "tantou" not in form.text
    r = await anon.post(f"/report/{token}", data={"reporter_name": "", "body": "報告"}, headers=csrf_headers(anon),
                        files={"files": ("", b"", "application/octet-stream")})  # fmt: skip
    assert r.status_code == 422 and "報告者の氏名を入力してください。" in r.text and 'value=""' in r.text
    r = await anon.post(f"/report/{token}", data={"reporter_name": "みどり 太郎", "body": ""},
                        headers=csrf_headers(anon), files={"files": ("", b"", "application/octet-stream")})  # fmt: skip
    assert r.status_code == 422 and "報告書のファイルを添付してください" in r.text
    r = await anon.post(f"/report/{token}", data={"reporter_name": "みどり 太郎", "body": "報告"},
                        headers=csrf_headers(anon), files={"files": ("a.exe", EXE, "x")})  # fmt: skip
    assert r.status_code == 422 and '<p class="field-error">このファイルの形式は登録できません' in r.text
    assert (await ReportLink.select(ReportLink.used_at).first())["used_at"] is None  # a refused form uses nothing

    body = "11月分の作業報告です。従事者の変更はありません。"
    r = await anon.post(
        f"/report/{token}",
        data={"reporter_name": "みどり 太郎", "reporter_email": "taro@midori.example.jp", "body": body},
        files=[("files", ("作業報告書.pdf", PDF, "application/pdf"))], headers=csrf_headers(anon),
    )  # fmt: skip
    assert r.status_code == 200 and "報告書を受け付けました" in r.text

    page = await client.get(f"/checks/{check['id']}")
    reports = page.text[page.text.index('id="reports"') :]
    assert "みどり 太郎" in reports and "taro@midori.example.jp" in reports and body in reports
    file_id = int(re.search(r'href="/files/(\d+)">添付ファイル1', reports).group(1))
    assert (await client.get(f"/files/{file_id}")).content == PDF
    assert "使用済み" in reports
    assert (await Check.select(Check.status).where(Check.id == check["id"]).first())["status"] == "in_progress"

    again = await anon.get(f"/report/{token}")
    assert again.status_code == 410 and "このリンクからはすでに報告が提出されています。" in again.text
    again = await anon.post(f"/report/{token}", data={"reporter_name": "x", "body": "y"}, headers=csrf_headers(anon))
    assert again.status_code == 410 and "すでに報告が提出されています" in again.text


async def test_revoked_unknown_and_overlong_report_links_answer_in_japanese(client, anon):
    sc = await sign_contract_now()
    check = (await checks_of(sc.engagement_id))[-1]
    await login(client, "tantou")
    token = await issue_link(client, check["id"])
    [link] = await ReportLink.select(ReportLink.id)
    r = await post_form(client, f"/checks/{check['id']}/links/{link['id']}/revoke")
    assert notice_target(r) == f"/checks/{check['id']}?notice=saved"
    assert "取消し" in (await client.get(f"/checks/{check['id']}")).text
    gone = await anon.get(f"/report/{token}")
    assert gone.status_code == 410 and "このリンクは取り消されています。" in gone.text
    r = await anon.post(f"/report/{token}", data={"reporter_name": "x", "body": "y"}, headers=csrf_headers(anon))
    assert r.status_code == 410
    r = await post_form(client, f"/checks/{check['id']}/links/{link['id']}/revoke")
    assert r.status_code == 409 and "すでに無効です" in r.text
    other = (await checks_of(sc.engagement_id))[0]
    r = await post_form(client, f"/checks/{other['id']}/links/{link['id']}/revoke")  # not this check's link
    assert r.status_code == 404

    for unknown in ("A" * 43, "x", "A" * 500, "%E3%81%82"):
        r = await anon.get(f"/report/{unknown}")
        assert r.status_code == 404 and "見つかりません" in r.text and "報告書の提出" in r.text, unknown
        r = await anon.post(f"/report/{unknown}", data={"reporter_name": "x", "body": "y"}, headers=csrf_headers(anon))
        assert r.status_code == 404, unknown

    # an expired link, and a link of a check that has since been closed
    token = await issue_link(client, check["id"])
    await ReportLink.update({ReportLink.expires_at: dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)}).where(
        ReportLink.token_prefix == token[:8]
    )
    r = await anon.get(f"/report/{token}")
    assert r.status_code == 410 and "有効期限が切れています" in r.text
    token = await issue_link(client, check["id"])
    await post_form(client, f"/checks/{check['id']}/cancel", {"reason": "契約変更のため"})
    r = await anon.get(f"/report/{token}")
    assert r.status_code == 410 and "この確認はすでに終了しています。" in r.text
    r = await post_form(client, f"/checks/{check['id']}/links")
    assert r.status_code == 409 and "報告用リンクを発行できません" in r.text


# -- calendar feed ------------------------------------------------------------------------------------------------


async def test_calendar_feed_url_is_issued_once_parses_as_icalendar_and_stops_when_revoked(client, anon):
    sc = await sign_contract_now()
    check = next(c for c in await checks_of(sc.engagement_id) if c["due_on"] >= today_tokyo())
    await login(client, "tantou")
    page = await client.get("/account/calendar")
    assert page.status_code == 200 and "発行済みのURLはありません。" in page.text
    r = await post_form(client, "/account/calendar", {"scope": "user"})
    url = re.search(r'id="new-feed">([^<]+)<', r.text).group(1)
    token = re.fullmatch(r"https?://[^/]+/calendar/([A-Za-z0-9_-]{40,})\.ics", url).group(1)
    page = await client.get("/account/calendar")
    assert token not in page.text and f"<code>{token[:8]}…</code>" in page.text and "自分の担当分" in page.text

    feed = await anon.get(f"/calendar/{token}.ics")
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    cal = Calendar.from_ical(feed.content)
    events = {str(e["uid"]): e for e in cal.walk("VEVENT")}
    event = events[f"check-{check['id']}@governance"]
    assert str(event["summary"]) == f"【確認期限】{check['title']}"
    assert event.decoded("dtstart") == check["due_on"] and f"/checks/{check['id']}" in str(event["url"])
    assert any(uid.startswith("contract-end-") for uid in events)  # tantou supervises the engagement

    # the department's feed shows the department's checks, whoever is assigned
    await Check.update({Check.assignee: sc.second.id}).where(Check.id == check["id"])
    mine = Calendar.from_ical((await anon.get(f"/calendar/{token}.ics")).content)
    assert f"check-{check['id']}@governance" not in {str(e["uid"]) for e in mine.walk("VEVENT")}
    r = await post_form(client, "/account/calendar", {"scope": "department"})
    dept_token = re.search(r"/calendar/([A-Za-z0-9_-]+)\.ics<", r.text).group(1)
    dept = Calendar.from_ical((await anon.get(f"/calendar/{dept_token}.ics")).content)
    assert f"check-{check['id']}@governance" in {str(e["uid"]) for e in dept.walk("VEVENT")}

    feed_id = int(re.search(r'action="/account/calendar/(\d+)/revoke"', page.text).group(1))
    assert notice_target(await post_form(client, f"/account/calendar/{feed_id}/revoke")) == (
        "/account/calendar?notice=saved"
    )
    assert (await anon.get(f"/calendar/{token}.ics")).status_code == 404
    assert (await anon.get(f"/calendar/{dept_token}.ics")).status_code == 200
    assert (await post_form(client, f"/account/calendar/{feed_id}/revoke")).status_code == 404
    for unknown in ("A" * 43 + ".ics", "x", "A" * 300 + ".ics"):
        assert (await anon.get(f"/calendar/{unknown}")).status_code == 404
    await login(anon, "kakunin")  # another user cannot revoke tantou's own feed (only the department's)
    r = await post_form(client, "/account/calendar", {"scope": "user"})
    own_id = max(int(i) for i in re.findall(r'action="/account/calendar/(\d+)/revoke"', r.text))
    assert (await post_form(anon, f"/account/calendar/{own_id}/revoke")).status_code == 404
