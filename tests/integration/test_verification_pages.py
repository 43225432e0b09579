"""Verification through the pages: the check list and a check's checklist, results with evidence, sign-off by a second
person, findings and measures, an engagement's plan with event checks, the contractor's report link, the calendar
feed, the notification log, and what auditors may (only) read."""

from __future__ import annotations

import datetime as dt
import re

import httpx

from governance.accounts.roles import Role
from governance.calendar import today_tokyo
from governance.verification.tables import Check, Finding, Measure, ReportLink
from tests.helpers import (
    PDF_BYTES as PDF,
)
from tests.helpers import (
    checklist_of,
    checks_of,
    login,
    make_department,
    make_person,
    multi_item_check,
    post_form,
    post_multipart,
    sign_contract_now,
)

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"


def item_form(result: str, note: str = "", severity: str = "minor") -> dict[str, str]:
    """The fields of an item's result form as the browser sends them."""
    return {"result": result, "note": note, "severity": severity}


def pdf(name: str = "evidence.pdf") -> tuple[str, bytes, str]:
    return (name, PDF, "application/pdf")


def listed(page: httpx.Response) -> int:
    """The count a list page states."""
    assert page.status_code == 200, page.text[:2000]
    return int(re.search(r'<p class="count">(\d+)件', page.text).group(1))


def notice_target(r: httpx.Response) -> str:
    """The path a form redirected to (303 with ?notice=...)."""
    assert r.status_code == 303, (r.status_code, re.findall(r"<li>.*?</li>|field-error\">[^<]*", r.text))
    return r.headers["location"]


# -- the check list --------------------------------------------------------------------------------------------------


async def test_check_list_by_due_date_with_status_department_and_mine_filters(client):
    sc = await sign_contract_now()
    checks = await checks_of(sc.engagement_id)
    today = today_tokyo()
    overdue = [c for c in checks if c["due_on"] < today]
    assert overdue and len(overdue) < len(checks)
    await login(client, "tantou")

    page = await client.get("/checks")
    assert page.status_code == 200 and listed(page) == len(checks)
    positions = [page.text.index(f'href="/checks/{c["id"]}"') for c in checks[:40]]
    assert positions == sorted(positions)  # by due date
    assert page.text.count("期限超過</span>") == len(overdue)

    page = await client.get("/checks", params={"status": "overdue"})
    assert page.status_code == 200 and listed(page) == len(overdue)
    assert all(f'href="/checks/{c["id"]}"' in page.text for c in overdue)
    assert f'href="/checks/{checks[-1]["id"]}"' not in page.text

    # one check belongs to another department: department staff do not see it (need-to-know, issue 12), the
    # security office does, and its department filter tells them apart
    other = await make_department("KIKAKU", "企画課")
    await Check.update({Check.department: other}).where(Check.id == checks[-1]["id"])
    page = await client.get("/checks", params={"department_id": other})
    assert listed(page) == 0
    page = await client.get("/checks", params={"department_id": sc.department_id})
    assert listed(page) == len(checks) - 1 and f'href="/checks/{checks[-1]["id"]}"' not in page.text
    await login(client, "ciso")
    page = await client.get("/checks", params={"department_id": other})
    assert listed(page) == 1 and f'href="/checks/{checks[-1]["id"]}"' in page.text
    await Check.update({Check.department: sc.department_id}).where(Check.id == checks[-1]["id"])
    await login(client, "tantou")

    # a check handed to kakunin through the page leaves tantou's "mine" and enters kakunin's
    r = await post_form(client, f"/checks/{checks[-1]['id']}/assign", {"assignee_id": str(sc.second.id)})
    assert notice_target(r) == f"/checks/{checks[-1]['id']}?notice=saved"
    page = await client.get("/checks", params={"mine": "1"})
    assert listed(page) == len(checks) - 1 and f'href="/checks/{checks[-1]["id"]}"' not in page.text
    await login(client, "kakunin")
    page = await client.get("/checks", params={"mine": "1", "status": ""})
    assert listed(page) == 1 and f'href="/checks/{checks[-1]["id"]}"' in page.text

    # nonsense in the query is ignored, never a 500
    for params in (
        {"status": "bogus", "department_id": "abc", "page": "x"},
        {"due_from": "2026-13-40", "due_to": "yesterday", "page": "99999999999"},
        {"department_id": "9" * 30, "mine": "yes", "page": "0"},
    ):
        r = await client.get("/checks", params=params)
        assert r.status_code == 200, params
    r = await client.get("/checks", params={"due_from": today.isoformat(), "status": ""})
    assert r.status_code == 200 and listed(r) == len([c for c in checks if c["due_on"] >= today])


# -- one check: checklist, results, findings ---------------------------------------------------------------------


async def test_check_page_shows_the_checklist_with_clause_and_requirement_ids(client):
    sc = await sign_contract_now()
    check = await multi_item_check(sc.engagement_id)
    await login(client, "tantou")
    page = await client.get(f"/checks/{check['id']}")
    assert page.status_code == 200 and check["title"] in page.text and "住民情報システム運用保守業務" in page.text
    for item in await checklist_of(check["id"]):
        row = page.text[page.text.index(f'id="item-{item["id"]}"') :].split("</tr>")[0]
        assert item["what"] in row and item["item_id"] in row and item["clause_id"] in row
        assert item["requirements"] and all(f'<span class="tag">{req}</span>' in row for req in item["requirements"])
        assert f'name="result_{item["id"]}"' in row and "未記録" in row  # one form for every item
    assert page.text.count(f'action="/checks/{check["id"]}/items"') == 1
    missing = await client.get("/checks/99999999")
    assert missing.status_code == 404 and "見つかりません" in missing.text
    assert (await client.get("/checks/0")).status_code in (400, 404)


async def test_recording_results_with_evidence_and_a_nonconformity_opens_a_finding(client):
    sc = await sign_contract_now()
    check = await multi_item_check(sc.engagement_id)
    first, second, *_ = await checklist_of(check["id"])
    await login(client, "tantou")
    url = f"/checks/{check['id']}/items"

    r = await post_multipart(client, f"{url}/{first['id']}", item_form("conforming", "体制届を確認しました。"),
                     {"evidence": pdf("体制届.pdf")})  # fmt: skip
    assert notice_target(r) == f"/checks/{check['id']}?notice=saved"
    page = await client.get(f"/checks/{check['id']}")
    row = page.text[page.text.index(f'id="item-{first["id"]}"') :].split("</tr>")[0]
    assert "result-conforming" in row and "体制届を確認しました。" in row and "tantou 氏" in row
    file_id = int(re.search(r'href="/files/(\d+)">証跡ファイル', row).group(1))
    download = await client.get(f"/files/{file_id}")
    assert download.status_code == 200 and download.content == PDF
    assert (await Check.select(Check.status).where(Check.id == check["id"]).first())["status"] == "in_progress"

    # 不適合 without a note: 422 with the reason next to the item, the page stays, nothing is recorded
    r = await post_multipart(client, f"{url}/{second['id']}", item_form("nonconforming", "  ", "major"))
    assert r.status_code == 422 and "不適合の場合は、その内容を所見に記入してください。" in r.text
    assert check["title"] in r.text and f'id="item-{second["id"]}"' in r.text
    row = r.text[r.text.index(f'id="item-{second["id"]}"') :].split("</tr>")[0]  # the choices made are kept
    assert '<option value="nonconforming" selected>' in row and '<option value="major" selected>' in row
    assert f'href="#f-note_{second["id"]}"' in r.text and f'id="f-note_{second["id"]}"' in row
    assert (await checklist_of(check["id"]))[1]["result"] is None
    # other bad input: an unknown result code, a file that is not allowed, an item of another check
    r = await post_multipart(client, f"{url}/{second['id']}", item_form("maybe"))
    assert r.status_code == 422 and "結果は選択肢から選んでください" in r.text
    r = await post_multipart(
        client, f"{url}/{second['id']}", item_form("conforming"), {"evidence": ("a.exe", EXE, "x")}
    )
    assert r.status_code == 422 and "このファイルの形式は登録できません" in r.text
    assert (await checklist_of(check["id"]))[1]["result"] is None
    other = next(c for c in await checks_of(sc.engagement_id) if c["id"] != check["id"])
    foreign = (await checklist_of(other["id"]))[0]
    r = await post_multipart(client, f"{url}/{foreign['id']}", item_form("conforming"))
    assert r.status_code == 422 and "この確認の項目ではありません" in r.text
    assert (await checklist_of(other["id"]))[0]["result"] is None
    r = await post_multipart(client, f"{url}/{second['id']}", item_form("conforming", severity="huge"))
    assert r.status_code == 422 and "重要度は選択肢から選んでください" in r.text

    # 不適合 with a note opens a finding, linked from the check page
    note = "従事者名簿に記載のない者が作業に従事していました。"
    r = await post_multipart(client, f"{url}/{second['id']}", item_form("nonconforming", note, "major"))
    assert notice_target(r) == f"/checks/{check['id']}?notice=saved"
    [finding] = await Finding.select().where(Finding.check == check["id"])
    assert finding["item"] == second["id"] and finding["severity"] == "major" and finding["description"] == note
    page = await client.get(f"/checks/{check['id']}")
    assert f'<a href="/findings/{finding["id"]}">{second["what"]}</a>' in page.text
    fpage = await client.get(f"/findings/{finding['id']}")
    assert fpage.status_code == 200 and note in fpage.text and second["clause_id"] in fpage.text
    assert all(req in fpage.text for req in second["requirements"]) and "重要" in fpage.text
    # the result of an item with a finding cannot be changed away from 不適合
    r = await post_multipart(client, f"{url}/{second['id']}", item_form("conforming"))
    assert r.status_code == 409 and "指摘事項が作成済みのため" in r.text


async def _perform_all(client: httpx.AsyncClient, check_id: int) -> None:
    for item in await checklist_of(check_id):
        r = await post_multipart(client, f"/checks/{check_id}/items/{item['id']}", item_form("conforming", "確認済み"))
        assert r.status_code == 303, r.text[:2000]


async def test_submit_then_sign_off_only_by_another_person(client, anon):
    sc = await sign_contract_now()
    check = await multi_item_check(sc.engagement_id, future=True)
    await login(client, "tantou")
    first = (await checklist_of(check["id"]))[0]
    await post_multipart(client, f"/checks/{check['id']}/items/{first['id']}", item_form("not_applicable"))
    r = await post_form(client, f"/checks/{check['id']}/submit")
    assert r.status_code == 409 and "結果が記録されていない項目が" in r.text
    await _perform_all(client, check["id"])
    assert (
        notice_target(await post_form(client, f"/checks/{check['id']}/submit")) == f"/checks/{check['id']}?notice=saved"
    )
    page = await client.get(f"/checks/{check['id']}")
    assert "確認待ち" in page.text and "確認結果を承認する" not in page.text  # the performer is offered no sign-off
    assert f'action="/checks/{check["id"]}/items/' not in page.text  # nor more results
    r = await post_form(client, f"/checks/{check['id']}/review", {"decision": "approve", "note": ""})
    assert r.status_code == 403 and "ご自身が作成した確認結果を承認することはできません" in r.text
    assert check["title"] in r.text
    assert (await Check.select(Check.status).where(Check.id == check["id"]).first())["status"] == "reviewing"

    await login(anon, "kakunin")
    page = await anon.get(f"/checks/{check['id']}")
    assert "確認結果を承認する" in page.text
    r = await post_form(anon, f"/checks/{check['id']}/review", {"decision": "return", "note": ""})
    assert r.status_code == 422 and "差し戻す理由を入力してください。" in r.text
    r = await post_form(anon, f"/checks/{check['id']}/review", {"decision": "approve", "note": "名簿と照合しました。"})
    assert notice_target(r) == f"/checks/{check['id']}?notice=saved"
    page = await anon.get(f"/checks/{check['id']}")
    assert "完了" in page.text and "kakunin 氏" in page.text and "名簿と照合しました。" in page.text
    assert "中止する" not in page.text and "報告用リンクを発行する" not in page.text
    r = await post_form(anon, f"/checks/{check['id']}/review", {"decision": "approve"})
    assert r.status_code == 409 and "確認待ちの確認だけ" in r.text


async def test_cancel_needs_a_reason(client):
    sc = await sign_contract_now()
    check = (await checks_of(sc.engagement_id))[-1]
    await login(client, "tantou")
    r = await post_form(client, f"/checks/{check['id']}/cancel", {"reason": "  "})
    assert r.status_code == 422 and "中止する理由を入力してください。" in r.text and check["title"] in r.text
    r = await post_form(client, f"/checks/{check['id']}/cancel", {"reason": "契約を解除したため"})
    assert notice_target(r) == f"/checks/{check['id']}?notice=saved"
    page = await client.get(f"/checks/{check['id']}")
    assert "中止の理由：契約を解除したため" in page.text
    r = await post_form(client, f"/checks/{check['id']}/cancel", {"reason": "もう一度"})
    assert r.status_code == 409 and "「中止」のため変更できません" in r.text
    r = await post_form(client, "/checks/99999999/cancel", {"reason": "なし"})
    assert r.status_code == 404


# -- findings and measures ---------------------------------------------------------------------------------------


async def open_finding(client: httpx.AsyncClient, engagement_id: int, *, severity: str = "major") -> tuple[int, int]:
    """Record a 不適合 on the first item of the first check through the page; return (check id, finding id)."""
    check = (await checks_of(engagement_id))[0]
    item = (await checklist_of(check["id"]))[0]
    r = await post_multipart(client, f"/checks/{check['id']}/items/{item['id']}",
                     item_form("nonconforming", "誓約書が提出されていません。", severity))  # fmt: skip
    assert r.status_code == 303, r.text[:2000]
    [finding] = await Finding.select(Finding.id).where(Finding.check == check["id"])
    return check["id"], finding["id"]


async def test_finding_gets_measures_which_close_and_then_it_closes_with_a_verification_note(client):
    sc = await sign_contract_now()
    await login(client, "tantou")
    _, fid = await open_finding(client, sc.engagement_id)
    listing = await client.get("/findings")
    assert listing.status_code == 200 and f'href="/findings/{fid}"' in listing.text and "対応中" in listing.text
    page = await client.get(f"/findings/{fid}")
    assert page.status_code == 200 and "まだ措置はありません。" in page.text and "措置を追加する" in page.text
    today = today_tokyo()
    good = {"kind": "improvement_order", "description": "誓約書を提出させる。", "owner_id": str(sc.staff.id),
            "due_on": (today + dt.timedelta(days=14)).isoformat()}  # fmt: skip

    for bad, field, message in (
        ({"due_on": (today - dt.timedelta(days=1)).isoformat()}, "due_on", "期限に過去の日付は指定できません。"),
        ({"due_on": "2026-02-30"}, "due_on", "実在する日付を入力してください"),
        ({"due_on": ""}, "due_on", "期限を入力してください"),
        ({"kind": "apology"}, "kind", "措置の種類は選択肢から選んでください。"),
        ({"owner_id": "99999999"}, "owner_id", "担当者を一覧から選んでください。"),
        ({"owner_id": "abc"}, "owner_id", "担当者は数字で入力してください"),
        ({"description": " "}, "description", "措置の内容を入力してください。"),
    ):
        r = await post_form(client, f"/findings/{fid}/measures", {**good, **bad})
        assert r.status_code == 422 and re.search(rf'href="#f-{field}">[^<]*{message}', r.text), (bad, r.text[:3000])
        assert "誓約書が提出されていません。" in r.text  # the finding page stays, with the values typed
        assert "誓約書を提出させる。" in r.text or field == "description"
        assert await Measure.count().where(Measure.finding == fid) == 0
    r = await post_form(client, f"/findings/{fid}/measures", good)
    assert notice_target(r) == f"/findings/{fid}?notice=saved"
    [measure] = await Measure.select().where(Measure.finding == fid)
    page = await client.get(f"/findings/{fid}")
    assert "改善指示" in page.text and "誓約書を提出させる。" in page.text and "tantou 氏" in page.text

    # the finding cannot close while a measure is open, nor without a verification note
    r = await post_form(client, f"/findings/{fid}/close", {"verification_note": "確認しました。"})
    assert r.status_code == 409 and "対応中の措置があります" in r.text
    assert "確認しました。</textarea>" in r.text  # the note typed is kept
    close = f"/findings/{fid}/measures/{measure['id']}/close"
    r = await post_multipart(client, close, {"note": " ", "outcome": "done"})
    assert r.status_code == 422 and "完了の内容を入力してください" in r.text
    r = await post_multipart(
        client, close, {"note": "提出を確認", "outcome": "done"}, {"evidence": ("x.exe", EXE, "x")}
    )
    assert r.status_code == 422 and "このファイルの形式は登録できません" in r.text
    assert 'name="note" rows="2" maxlength="4000">提出を確認</textarea>' in r.text  # what was typed stays
    r = await post_multipart(client, f"/findings/{fid}/measures/999999/close", {"note": "x", "outcome": "done"})
    assert r.status_code == 404
    r = await post_multipart(client, close, {"note": "誓約書の提出を受けました。", "outcome": "done"},
                     {"evidence": pdf("誓約書.pdf")})  # fmt: skip
    assert notice_target(r) == f"/findings/{fid}?notice=saved"
    page = await client.get(f"/findings/{fid}")
    assert "誓約書の提出を受けました。" in page.text and re.search(r'href="/files/\d+">証跡ファイル', page.text)
    r = await post_multipart(client, close, {"note": "もう一度", "outcome": "done"})
    assert r.status_code == 409 and "すでに完了しています" in r.text

    r = await post_form(client, f"/findings/{fid}/close", {"verification_note": ""})
    assert r.status_code == 422 and "是正を確認した方法と結果を入力してください。" in r.text
    r = await post_form(
        client, f"/findings/{fid}/close", {"verification_note": "提出された誓約書の原本を確認しました。"}
    )
    assert notice_target(r) == f"/findings/{fid}?notice=saved"
    page = await client.get(f"/findings/{fid}")
    assert "提出された誓約書の原本を確認しました。" in page.text and "措置を追加する" not in page.text
    assert (await Finding.select(Finding.status).where(Finding.id == fid).first())["status"] == "closed"
    r = await post_form(client, f"/findings/{fid}/measures", good)
    assert r.status_code == 409 and "完了した指摘事項には措置を追加できません。" in r.text
    listing = await client.get("/findings", params={"status": "closed"})
    assert f'href="/findings/{fid}"' in listing.text
    assert f'href="/findings/{fid}"' not in (await client.get("/findings")).text  # open ones by default
    assert (await client.get("/findings/99999999")).status_code == 404
    for params in ({"status": "x", "department_id": "y", "page": "z"}, {"page": "9" * 12}):
        assert (await client.get("/findings", params=params)).status_code == 200


async def test_a_serious_finding_is_escalated_and_security_officers_see_the_notification_log(client, anon):
    sc = await sign_contract_now()
    await login(client, "tantou")
    _, fid = await open_finding(client, sc.engagement_id, severity="serious")
    page = await client.get(f"/findings/{fid}")
    assert "統括情報セキュリティ責任者・CISOへ報告済み" in page.text
    r = await client.get("/notifications")
    assert r.status_code == 403 and "権限がありません" in r.text
    await login(anon, "ciso")
    log = await anon.get("/notifications")
    assert log.status_code == 200 and "【重大な指摘事項の報告】" in log.text and "ciso 氏" in log.text
    assert "ciso2 氏" in log.text and f'href="/findings/{fid}"' in log.text
    assert (await anon.get("/notifications", params={"status": "bogus", "page": "x"})).status_code == 200


async def test_engagement_plan_page_opens_an_event_check(client):
    sc = await sign_contract_now()
    checks = await checks_of(sc.engagement_id)
    await login(client, "tantou")
    page = await client.get(f"/engagements/{sc.engagement_id}/checks")
    assert page.status_code == 200 and all(f'href="/checks/{c["id"]}"' in page.text for c in checks)
    template_id = re.search(r'<select id="f-template_id"[^>]*>.*?<option value="([^"]+)"', page.text, re.S)
    assert template_id, "the signed plan offers event checks"
    url = f"/engagements/{sc.engagement_id}/checks/events"
    today = today_tokyo()
    for bad, message in (
        ({"template_id": "", "note": "事故"}, "確認の種類を入力してください"),
        ({"template_id": "NOPE", "note": "事故"}, "確認の種類を一覧から選んでください"),
        ({"template_id": template_id.group(1), "note": ""}, "発生した事象を入力してください"),
        ({"template_id": template_id.group(1), "note": "事故", "due_on": (today - dt.timedelta(days=3)).isoformat()},
         "期限に過去の日付は指定できません。"),
        ({"template_id": template_id.group(1), "note": "事故", "due_on": "tomorrow"}, "実在する日付を入力してください"),
    ):  # fmt: skip
        r = await post_form(client, url, bad)
        assert r.status_code == 422 and message in r.text, (bad, re.findall(r'field-error">[^<]*', r.text))
        assert "確認計画" in r.text
    assert len(await checks_of(sc.engagement_id)) == len(checks)
    r = await post_form(
        client, url, {"template_id": template_id.group(1), "note": "委託先でUSBメモリの紛失が発生した。"}
    )
    target = notice_target(r)
    check_id = int(re.fullmatch(r"/checks/(\d+)\?notice=created", target).group(1))
    page = await client.get(f"/checks/{check_id}")
    assert "事象発生時の確認" in page.text and "委託先でUSBメモリの紛失が発生した。" in page.text
    assert "tantou 氏" in page.text and 'class="status result-none"' in page.text
    assert (await client.get("/engagements/99999999/checks")).status_code == 404
    r = await post_form(client, "/engagements/99999999/checks/events", {"template_id": "x", "note": "y"})
    assert r.status_code == 404


# -- roles --------------------------------------------------------------------------------------------------------


async def test_auditors_read_checks_and_findings_but_every_write_is_refused(client, anon):
    sc = await sign_contract_now()
    await login(client, "tantou")
    check_id, fid = await open_finding(client, sc.engagement_id)
    r = await post_form(client, f"/findings/{fid}/measures", {
        "kind": "improvement_order", "description": "是正", "owner_id": str(sc.staff.id),
        "due_on": (today_tokyo() + dt.timedelta(days=7)).isoformat()})  # fmt: skip
    assert r.status_code == 303
    [measure] = await Measure.select(Measure.id)
    r = await post_form(client, f"/checks/{check_id}/links")
    token = re.search(r'id="new-link">[^<]*/report/([A-Za-z0-9_-]+)<', r.text).group(1)
    [link] = await ReportLink.select(ReportLink.id)
    item = (await checklist_of(check_id))[1]

    await make_person("kansa", Role.auditor)
    await login(anon, "kansa")
    for url in ("/checks", f"/checks/{check_id}", "/findings", f"/findings/{fid}",
                f"/engagements/{sc.engagement_id}/checks", "/notifications"):  # fmt: skip
        r = await anon.get(url)
        assert r.status_code == 200, url
        assert '<form method="post" action="/checks/' not in r.text and "措置を追加する" not in r.text, url
    assert "報告用リンクを発行する" not in (await anon.get(f"/checks/{check_id}")).text
    for url, data in (
        (f"/checks/{check_id}/items/{item['id']}", item_form("conforming")),
        (f"/checks/{check_id}/assign", {"assignee_id": ""}),
        (f"/checks/{check_id}/submit", {}),
        (f"/checks/{check_id}/review", {"decision": "approve"}),
        (f"/checks/{check_id}/cancel", {"reason": "監査"}),
        (f"/checks/{check_id}/links", {}),
        (f"/checks/{check_id}/links/{link['id']}/revoke", {}),
        (f"/engagements/{sc.engagement_id}/checks/events", {"template_id": "x", "note": "y"}),
        (f"/findings/{fid}/measures", {"kind": "improvement_order"}),
        (f"/findings/{fid}/measures/{measure['id']}/close", {"note": "x"}),
        (f"/findings/{fid}/close", {"verification_note": "x"}),
        (f"/findings/{fid}/escalate", {}),
        ("/notifications/1/retry", {}),
    ):
        r = await post_form(anon, url, data)
        assert r.status_code == 403 and "権限がありません" in r.text, url
    assert (await checklist_of(check_id))[1]["result"] is None
    assert (await anon.get(f"/report/{token}")).status_code == 200  # the link still works: nothing was revoked


async def test_whoever_recorded_a_result_is_not_offered_the_sign_off(client, anon):
    sc = await sign_contract_now()
    check = await multi_item_check(sc.engagement_id, future=True)
    first, *rest = await checklist_of(check["id"])
    await login(anon, "kakunin")
    url = f"/checks/{check['id']}/items"
    assert (await post_multipart(anon, f"{url}/{first['id']}", item_form("conforming"))).status_code == 303
    await login(client, "tantou")
    for item in rest:
        assert (await post_multipart(client, f"{url}/{item['id']}", item_form("conforming"))).status_code == 303
    assert (await post_form(client, f"/checks/{check['id']}/submit")).status_code == 303
    page = await anon.get(f"/checks/{check['id']}")
    assert "確認結果を承認する" not in page.text
    r = await post_form(anon, f"/checks/{check['id']}/review", {"decision": "approve"})
    assert r.status_code == 403 and "ご自身が作成した確認結果を承認することはできません" in r.text
    await login(anon, "ciso")
    assert "確認結果を承認する" in (await anon.get(f"/checks/{check['id']}")).text
    assert (await post_form(anon, f"/checks/{check['id']}/review", {"decision": "approve"})).status_code == 303
