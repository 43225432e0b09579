"""Verification over /api/v1 with bearer tokens: checks (filters, detail, results, submit, sign-off, cancel, report
links, event checks), findings and measures, the notification log; bad bodies are 4xx problem+json, never 500."""

from __future__ import annotations

import datetime as dt
import re

import httpx
import pytest

from governance.accounts.roles import Role
from governance.calendar import today_tokyo
from governance.files.services import FileService
from governance.settings import get_settings
from governance.verification.tables import Check, Finding, ReportLink
from tests.helpers import PDF_BYTES as PDF
from tests.helpers import (
    api_token,
    checklist_of,
    checks_of,
    make_department,
    make_person,
    multi_item_check,
    sign_contract_now,
)

PROBLEM = "application/problem+json"


def problem(r: httpx.Response, status: int, text: str = "") -> dict:
    """Assert a problem+json answer with the status (and a Japanese detail containing ``text``)."""
    assert r.status_code == status, (r.status_code, r.text[:2000])
    assert r.headers["content-type"].startswith(PROBLEM), r.headers["content-type"]
    body = r.json()
    assert body["status"] == status and text in body["detail"] + " ".join(e["message"] for e in body.get("errors", []))
    return body


@pytest.fixture(name="api")
async def fx_api(client, anon):
    """A signed contract and API clients: tantou (assignee), kakunin (second person), kansa (auditor)."""
    sc = await sign_contract_now()
    await make_person("kansa", Role.auditor)
    tokens = {name: await api_token(client, name) for name in ("tantou", "kakunin", "kansa", "ciso")}

    class Api:
        def __init__(self) -> None:
            self.sc = sc

        async def get(self, url: str, who: str = "tantou", **params) -> httpx.Response:
            return await anon.get("/api/v1" + url, params=params, headers=tokens[who])

        async def post(self, url: str, body=None, who: str = "tantou") -> httpx.Response:
            return await anon.post("/api/v1" + url, json=body, headers=tokens[who])

    return Api()


async def test_list_checks_by_due_date_with_filters(api):
    sc = api.sc
    checks = await checks_of(sc.engagement_id)
    today = today_tokyo()
    r = await api.get("/checks", limit=500)
    assert r.status_code == 200 and r.json()["total"] == len(checks)
    items = r.json()["items"]
    assert [c["id"] for c in items] == [c["id"] for c in checks]
    assert items[0]["engagement_title"] == "住民情報システム運用保守業務" and items[0]["assignee_name"] == "tantou 氏"

    overdue = (await api.get("/checks", status="overdue", limit=500)).json()
    assert overdue["total"] == len([c for c in checks if c["due_on"] < today]) > 0
    assert all(c["status"] == "overdue" and c["status_label"] == "期限超過" for c in overdue["items"])
    assert all(dt.date.fromisoformat(c["due_on"]) < today for c in overdue["items"])

    page = (await api.get("/checks", limit=2, offset=2)).json()
    assert [c["id"] for c in page["items"]] == [c["id"] for c in checks[2:4]] and page["total"] == len(checks)
    window = (await api.get("/checks", due_from=today.isoformat(), due_to=checks[-1]["due_on"].isoformat())).json()
    assert window["total"] == len([c for c in checks if c["due_on"] >= today])
    other = await make_department("KIKAKU", "企画課")
    assert (await api.get("/checks", department_id=other)).json()["total"] == 0
    assert (await api.get("/checks", department_id=sc.department_id)).json()["total"] == len(checks)
    assert (await api.get("/checks", assignee_id=sc.second.id)).json()["total"] == 0
    assert (await api.get("/checks", engagement_id=sc.engagement_id, status="done")).json()["total"] == 0
    assert (await api.get("/checks", who="kansa")).status_code == 200
    problem(await api.get("/checks", status="overdu"), 422, "overdue")

    for params in ({"limit": 0}, {"limit": 501}, {"offset": -1}, {"department_id": "abc"}, {"due_from": "2026-02-30"},
                   {"engagement_id": 0}, {"assignee_id": "9" * 30}):  # fmt: skip
        problem(await api.get("/checks", **params), 400)


async def test_check_detail_has_the_checklist_with_traceability(api):
    check = await multi_item_check(api.sc.engagement_id)
    r = await api.get(f"/checks/{check['id']}")
    assert r.status_code == 200
    body = r.json()
    assert body["title"] == check["title"] and body["finding_ids"] == [] and body["report_count"] == 0
    expected = await checklist_of(check["id"])
    assert [i["id"] for i in body["checklist"]] == [i["id"] for i in expected]
    for got, item in zip(body["checklist"], expected, strict=True):
        assert got["item_id"] == item["item_id"] and got["clause_id"] == item["clause_id"]
        assert got["requirements"] == item["requirements"] and all(re.fullmatch(r"[A-Z]+-[A-Z]+-\d+|[A-Z]+-\d+", x)
                                                                   for x in got["requirements"])  # fmt: skip
        assert got["result"] is None
    problem(await api.get("/checks/99999999"), 404, "見つかりません")
    problem(await api.get("/checks/0"), 400)


async def test_results_open_findings_and_bad_bodies_are_4xx(api):
    check = await multi_item_check(api.sc.engagement_id)
    first, second, *rest = await checklist_of(check["id"])
    url = f"/checks/{check['id']}/results"
    other = next(c for c in await checks_of(api.sc.engagement_id) if c["id"] != check["id"])
    foreign = (await checklist_of(other["id"]))[0]
    for body, status, text in (
        ({"results": [{"item_id": 99999999, "result": "conforming"}]}, 422, "この確認の項目ではありません"),
        ({"results": [{"item_id": foreign["id"], "result": "conforming"}]}, 422, "この確認の項目ではありません"),
        ({"results": [{"item_id": first["id"], "result": "ok"}]}, 422, "結果"),  # an enum in the schema (issue 12)
        ({"results": [{"item_id": first["id"], "result": "nonconforming"}]}, 422, "所見に記入してください"),
        ({"results": [{"item_id": first["id"], "result": "conforming", "severity": "huge"}]}, 422, "重要度"),
        ({"results": [{"item_id": first["id"], "result": "conforming", "evidence_file_id": 99999999}]}, 422,
         "証跡ファイルが見つかりません"),
        ({"results": []}, 422, "記録する結果がありません"),
        ({"results": [{"item_id": first["id"], "result": "nonconforming", "note": "x"},
                      {"item_id": first["id"], "result": "conforming"}]}, 422, "同じ項目の結果が複数指定されています"),
        ({"results": [{"item_id": 0, "result": "conforming"}]}, 422, ""),
        ({"results": [{"item_id": first["id"], "result": "conforming", "evidence_file_id": 0}]}, 422, ""),
        ({"results": [{"item_id": first["id"], "result": "conforming", "extra": 1}]}, 422, ""),
        ({"results": [{"item_id": first["id"], "result": "conforming", "note": "x" * 4221}]}, 422, ""),
        ({"results": [{"item_id": first["id"], "result": "conforming\u0000"}]}, 422, ""),
        ({"results": "all"}, 422, ""),
        ([], 422, ""),
        (None, 422, ""),
    ):  # fmt: skip
        problem(await api.post(url, body), status, text)
    assert all(i["result"] is None for i in await checklist_of(check["id"]))  # nothing was recorded
    problem(await api.post("/checks/99999999/results", {"results": [{"item_id": 1, "result": "conforming"}]}), 404)

    settings = get_settings()
    from governance.actor import Actor
    from governance.db import write_transaction

    async with write_transaction():
        evidence = await FileService(settings.data_dir).save(PDF, "e.pdf", actor=Actor.system("test"))
    body = {"results": [
        {"item_id": first["id"], "result": "conforming", "note": "確認済み", "evidence_file_id": evidence},
        {"item_id": second["id"], "result": "nonconforming", "note": "名簿が古い", "severity": "major"},
        *({"item_id": i["id"], "result": "not_applicable"} for i in rest),
    ]}  # fmt: skip
    r = await api.post(url, body)
    assert r.status_code == 201, r.text
    got = r.json()
    assert got["status"] in ("in_progress", "overdue") and len(got["finding_ids"]) == 1
    assert [i["result"] for i in got["checklist"][:2]] == ["conforming", "nonconforming"]
    assert got["checklist"][0]["evidence_file_id"] == evidence
    finding = (await api.get(f"/findings/{got['finding_ids'][0]}")).json()
    assert (
        finding["check_id"] == check["id"] and finding["severity"] == "major" and finding["description"] == "名簿が古い"
    )
    assert finding["requirements"] == second["requirements"] and finding["status"] == "open"
    # recording again keeps the one finding; changing the 不適合 away is refused
    r = await api.post(url, {"results": [{"item_id": second["id"], "result": "nonconforming", "note": "再確認"}]})
    assert r.status_code == 201 and r.json()["finding_ids"] == got["finding_ids"]
    problem(await api.post(url, {"results": [{"item_id": second["id"], "result": "conforming"}]}), 409, "指摘事項")
    problem(await api.post(url, body, who="kansa"), 403)


async def test_submit_review_and_cancel(api):
    check = await multi_item_check(api.sc.engagement_id, future=True)
    base = f"/checks/{check['id']}"
    problem(await api.post(f"{base}/submit"), 409, "結果が記録されていない項目が")
    results = [{"item_id": i["id"], "result": "conforming"} for i in await checklist_of(check["id"])]
    assert (await api.post(f"{base}/results", {"results": results})).status_code == 201
    r = await api.post(f"{base}/submit")
    assert r.status_code == 201 and r.json()["status"] == "reviewing" and r.json()["performed_by"] == api.sc.staff.id
    problem(
        await api.post(f"{base}/review", {"approve": True}), 403, "ご自身が作成した確認結果を承認することはできません"
    )
    problem(await api.post(f"{base}/review", {"approve": False, "note": " "}, who="kakunin"), 422, "差し戻す理由")
    problem(await api.post(f"{base}/review", {"approve": "yes"}, who="kakunin"), 422)
    problem(await api.post(f"{base}/review", {}, who="kakunin"), 422)
    problem(await api.post(f"{base}/review", {"approve": True}, who="kansa"), 403)
    r = await api.post(f"{base}/review", {"approve": False, "note": "証跡を添付してください。"}, who="kakunin")
    assert r.status_code == 201 and r.json()["status"] == "in_progress" and r.json()["review_note"]
    assert (await api.post(f"{base}/submit")).status_code == 201
    r = await api.post(f"{base}/review", {"approve": True, "note": "確認しました。"}, who="kakunin")
    assert r.status_code == 201 and r.json()["status"] == "done" and r.json()["reviewed_by"] == api.sc.second.id
    problem(await api.post(f"{base}/review", {"approve": True}, who="kakunin"), 409)
    problem(await api.post(f"{base}/results", {"results": results}), 409, "「完了」のため変更できません")
    problem(await api.post(f"{base}/cancel", {"reason": "x"}), 409)

    last = (await checks_of(api.sc.engagement_id))[-1]
    problem(await api.post(f"/checks/{last['id']}/cancel", {"reason": ""}), 422)
    problem(await api.post(f"/checks/{last['id']}/cancel", {"reason": "   "}), 422, "中止の理由")  # blank: the schema
    problem(await api.post(f"/checks/{last['id']}/cancel", {}), 422)
    r = await api.post(f"/checks/{last['id']}/cancel", {"reason": "契約を解除したため"})
    assert (
        r.status_code == 201 and r.json()["status"] == "cancelled" and r.json()["cancel_reason"] == "契約を解除したため"
    )
    problem(await api.post("/checks/99999999/cancel", {"reason": "x"}), 404)
    problem(await api.post(f"/checks/{last['id']}/assign", {"assignee_id": api.sc.second.id}), 409)
    mid = (await checks_of(api.sc.engagement_id))[-2]
    problem(await api.post(f"/checks/{mid['id']}/assign", {"assignee_id": 99999999}), 422, "担当者")
    r = await api.post(f"/checks/{mid['id']}/assign", {"assignee_id": api.sc.second.id})
    assert r.status_code == 201 and r.json()["assignee_name"] == "kakunin 氏"


async def test_report_links_return_the_url_once_and_revoke(api, anon):
    check = (await checks_of(api.sc.engagement_id))[-1]
    base = f"/checks/{check['id']}/report-links"
    r = await api.post(base, {"days": 14})
    assert r.status_code == 201, r.text
    link = r.json()
    token = re.fullmatch(r"https?://[^/]+/report/([A-Za-z0-9_-]{40,})", link["url"]).group(1)
    expires = dt.datetime.fromisoformat(link["expires_at"])
    assert dt.timedelta(days=13) < expires - dt.datetime.now(dt.UTC) <= dt.timedelta(days=14)
    assert token not in (await api.get(f"/checks/{check['id']}")).text
    assert (await anon.get(f"/report/{token}")).status_code == 200
    assert (await api.post(base, {})).status_code == 201  # default validity
    for body in ({"days": 0}, {"days": 366}, {"days": "a week"}, {"url": "x"}):
        problem(await api.post(base, body), 422)
    problem(await api.post("/checks/99999999/report-links", {}), 404)

    r = await api.post(f"{base}/{link['id']}/revoke")
    assert r.status_code == 204 and r.content == b""
    assert (await anon.get(f"/report/{token}")).status_code == 410
    problem(await api.post(f"{base}/{link['id']}/revoke"), 409, "すでに無効です")
    other = (await checks_of(api.sc.engagement_id))[0]
    problem(await api.post(f"/checks/{other['id']}/report-links/{link['id']}/revoke"), 404)
    problem(await api.post(f"{base}/99999999/revoke"), 404)
    problem(await api.post(base, {}, who="kansa"), 403)
    await api.post(f"/checks/{check['id']}/cancel", {"reason": "不要になったため"})
    problem(await api.post(base, {}), 409, "報告用リンクを発行できません")
    assert await ReportLink.count() == 2


async def test_event_checks_over_the_api(api):
    eid = api.sc.engagement_id
    url = f"/engagements/{eid}/checks/events"
    from governance.verification.services import CheckService

    template = (await CheckService().event_templates(eid))[0]["check_id"]
    today = today_tokyo()
    for body, status, text in (
        ({"template_id": "NOPE", "note": "事故"}, 422, "確認の種類を一覧から選んでください"),
        ({"template_id": template, "note": " "}, 422, "「発生した事象」"),  # blank: refused by the schema
        ({"template_id": template, "note": "事故", "due_on": (today - dt.timedelta(days=1)).isoformat()}, 422,
         "期限に過去の日付は指定できません"),
        ({"template_id": template, "note": "事故", "due_on": "2026-02-30"}, 422, ""),
        ({"template_id": template}, 422, ""),
        ({"template_id": "", "note": "x"}, 422, ""),
    ):  # fmt: skip
        problem(await api.post(url, body), status, text)
    problem(await api.post("/engagements/99999999/checks/events", {"template_id": template, "note": "x"}), 404)
    due = today + dt.timedelta(days=30)
    r = await api.post(url, {"template_id": template, "note": "再委託先が変更された。", "due_on": due.isoformat()})
    assert r.status_code == 201, r.text
    body = r.json()
    assert (
        body["kind"] == "on_event"
        and body["event_note"] == "再委託先が変更された。"
        and body["due_on"] == due.isoformat()
    )
    assert body["checklist"] and body["assignee_id"] == api.sc.staff.id


async def test_findings_measures_and_closing(api):
    check = (await checks_of(api.sc.engagement_id))[0]
    item = (await checklist_of(check["id"]))[0]
    result = {"item_id": item["id"], "result": "nonconforming", "note": "誓約書なし"}
    r = await api.post(f"/checks/{check['id']}/results", {"results": [result]})
    [fid] = r.json()["finding_ids"]
    listing = await api.get("/findings/")
    assert listing.status_code == 200 and [f["id"] for f in listing.json()] == [fid]
    assert (await api.get("/findings/", status="closed")).json() == []
    assert (await api.get("/findings/", who="kansa")).status_code == 200
    problem(await api.get("/findings/", limit=0), 400)
    problem(await api.get("/findings/", status="planned"), 422, "open / closed")
    problem(await api.get("/findings/99999999"), 404)

    today = today_tokyo()
    good = {"kind": "improvement_order", "description": "誓約書を提出させる。", "owner_id": api.sc.staff.id,
            "due_on": (today + dt.timedelta(days=10)).isoformat()}  # fmt: skip
    for bad, status, text in (
        ({"due_on": (today - dt.timedelta(days=1)).isoformat()}, 422, "期限に過去の日付は指定できません"),
        ({"due_on": "tomorrow"}, 422, ""),
        ({"kind": "apology"}, 422, "「措置の種類」"),  # a code: refused by the schema
        ({"owner_id": 99999999}, 422, "担当者を一覧から選んでください"),
        ({"owner_id": 0}, 422, ""),
        ({"description": ""}, 422, ""),
        ({"description": "  "}, 422, "「措置の内容」"),  # blank: refused by the schema
        ({"status": "done"}, 422, ""),
    ):  # fmt: skip
        problem(await api.post(f"/findings/{fid}/measures", {**good, **bad}), status, text)
    problem(await api.post("/findings/99999999/measures", good), 404)
    problem(await api.post(f"/findings/{fid}/measures", good, who="kansa"), 403)
    r = await api.post(f"/findings/{fid}/measures", good)
    assert r.status_code == 201, r.text
    [measure] = r.json()["measures"]
    assert measure["kind_label"] == "改善指示" and measure["status"] == "open" and measure["requirements"]

    problem(await api.post(f"/findings/{fid}/close", {"verification_note": "確認"}), 409, "対応中の措置があります")
    close = f"/findings/{fid}/measures/{measure['id']}/close"
    for body, status, text in (
        ({"note": "提出を受けた", "evidence_file_id": 99999999}, 422, "証跡ファイルが見つかりません"),
        ({"note": " "}, 422, "「完了の内容」"),  # blank: refused by the schema
        ({"note": ""}, 422, ""),
        ({"note": "x", "done": "yes"}, 422, ""),
    ):
        problem(await api.post(close, body), status, text)
    problem(await api.post(f"/findings/{fid}/measures/99999999/close", {"note": "x"}), 404)
    problem(await api.post(f"/findings/99999999/measures/{measure['id']}/close", {"note": "x"}), 404)
    r = await api.post(close, {"note": "誓約書の提出を受けました。"})
    assert r.status_code == 201 and r.json()["measures"][0]["status"] == "done"
    problem(await api.post(close, {"note": "again"}), 409, "すでに完了しています")

    problem(await api.post(f"/findings/{fid}/close", {"verification_note": ""}), 422)
    problem(await api.post(f"/findings/{fid}/close", {"verification_note": "   "}), 422, "「是正の確認」")
    problem(await api.post(f"/findings/{fid}/close", {}), 422)
    r = await api.post(f"/findings/{fid}/close", {"verification_note": "原本を確認しました。"})
    assert (
        r.status_code == 201
        and r.json()["status"] == "closed"
        and r.json()["verification_note"] == "原本を確認しました。"
    )
    problem(await api.post(f"/findings/{fid}/close", {"verification_note": "x"}), 409)
    problem(await api.post(f"/findings/{fid}/measures", good), 409, "完了した指摘事項には措置を追加できません")
    assert [f["id"] for f in (await api.get("/findings/", status="closed")).json()] == [fid]
    assert (await Finding.select(Finding.status).first())["status"] == "closed"


async def test_notification_log_is_for_security_officers_and_auditors(api):
    check = (await checks_of(api.sc.engagement_id))[0]
    item = (await checklist_of(check["id"]))[0]
    result = {"item_id": item["id"], "result": "nonconforming", "note": "重大な漏えい", "severity": "serious"}
    await api.post(f"/checks/{check['id']}/results", {"results": [result]})
    r = await api.get("/notifications/", who="ciso")
    assert r.status_code == 200
    notices = r.json()
    assert len(notices) == 2 and {n["rule"] for n in notices} == {"escalation"}
    assert set(api.sc.officer_ids) == {n["recipient_id"] for n in notices}
    assert all(n["title"].startswith("【重大な指摘事項の報告】") and n["status"] for n in notices)
    assert (await api.get("/notifications/", who="kansa")).status_code == 200
    problem(await api.get("/notifications/", who="tantou"), 403)
    problem(await api.get("/notifications/", who="ciso", limit=0), 400)
    assert (await api.get("/notifications/", who="ciso", status="bogus")).status_code == 200


async def test_without_a_token_the_api_answers_401(anon):
    sc = await sign_contract_now()
    check = (await checks_of(sc.engagement_id))[0]
    r = await anon.get(f"/api/v1/checks/{check['id']}")
    assert r.status_code == 401 and r.headers["content-type"].startswith(PROBLEM)
    r = await anon.post(f"/api/v1/checks/{check['id']}/submit")
    assert r.status_code == 401
    assert (await Check.select(Check.status).where(Check.id == check["id"]).first())["status"] == "planned"
