"""Registers out (issue 14): the five outsourcing lists as .xlsx and CSV, from the same query as the page and the API.

Each register: the filters on screen apply, the department scope applies exactly as on the list, text a spreadsheet
would evaluate comes out inert, the API answers the same file for ``?format=`` or ``Accept``, a bad format is a
clear 4xx, and a long register streams in several chunks.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
from urllib.parse import parse_qsl, urlsplit

import anyio
import openpyxl
import pytest

from governance.accounts.roles import Role
from governance.actor import Actor
from governance.exports import XLSX_MEDIA_TYPE
from tests.helpers import (
    api_token,
    at_tokyo,
    checks_by_key,
    engagement_data,
    items_of,
    login,
    make_contractor,
    make_department,
    make_user,
    sign_contract,
)

EVIL = "=cmd|' /C calc'!A0"
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
FUKU_TITLE = "福祉総合システム保守業務"


def _csv(response) -> list[dict[str, str]]:
    """The rows of a CSV register, by header."""
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())  # BOM, so Excel reads Japanese
    header, *rows = csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
    return [dict(zip(header, row, strict=True)) for row in rows]


def _sheet(response):
    """The worksheet of an .xlsx register."""
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"] == XLSX_MEDIA_TYPE
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


def _xlsx(response) -> list[dict[str, object]]:
    """The rows of an .xlsx register, by header."""
    sheet = _sheet(response)
    header, *rows = [[c.value for c in row] for row in sheet.iter_rows()]
    return [dict(zip(header, row, strict=True)) for row in rows]


async def _outsourcing() -> dict:
    """情報政策課 (JOHO) with a signed contract, its checks and a finding; 福祉課 (FUKU) with an engagement, a draft
    selection, an overdue check and a finding with a measure. People: ``tantou`` (JOHO staff), ``fuku`` (FUKU staff),
    ``kansa`` (auditor)."""
    from governance.engagements.schemas import SelectionCreate
    from governance.engagements.services import EngagementService, SelectionService
    from governance.verification.services import CheckService, ResultInput
    from governance.verification.tables import Check, Finding, Measure

    sc = await sign_contract()  # JOHO; the contractor 株式会社みどり情報, the contract signed 2026-03-25
    check = (await checks_by_key(sc.engagement_id))["before_start"]
    item = (await items_of(check["id"]))[0]
    [joho_finding] = await CheckService().record_results(
        check["id"], [ResultInput(item["id"], "nonconforming", note="未提出", severity="major")],
        actor=sc.staff, now=at_tokyo(dt.date(2026, 3, 27)),
    )  # fmt: skip
    fuku = await make_department("FUKU", "健康福祉部 福祉課")
    fuku_staff = await make_user("fuku", Role.department_staff, dept="FUKU")
    await make_user("kansa", Role.auditor)
    fuku_eid = await EngagementService().create(
        engagement_data(title=FUKU_TITLE, department_id=fuku, personal_info=False, specific_personal_info=False,
                        segments=[], confidentiality="2", subcontracting=False, subcontractors="",
                        start_date=dt.date(2026, 7, 1), end_date=dt.date(2027, 6, 30)),
        actor=sc.procurement,
    )  # fmt: skip
    fuku_selection = await SelectionService().create(
        fuku_eid, SelectionCreate(method="general_competitive"), actor=sc.procurement
    )
    fuku_check = (
        await Check.insert(
            Check(
                engagement=fuku_eid, department=fuku, kind="yearly", title="福祉の年次確認", due_on=dt.date(2020, 1, 31)
            )
        ).returning(Check.id)
    )[0]["id"]
    fuku_finding = (
        await Finding.insert(
            Finding(engagement=fuku_eid, department=fuku, check=fuku_check, title="福祉の指摘", severity="serious")
        ).returning(Finding.id)
    )[0]["id"]
    await Measure.insert(
        Measure(finding=fuku_finding, kind="improvement_order", description="改善を指示する", owner=fuku_staff,
                due_on=dt.date(2027, 1, 29)),
    )  # fmt: skip
    return {
        "sc": sc, "fuku": fuku, "fuku_eid": fuku_eid, "fuku_selection": fuku_selection, "fuku_check": fuku_check,
        "fuku_finding": fuku_finding, "joho_finding": joho_finding, "joho_check": check["id"],
    }  # fmt: skip


# --- 委託事業者 --------------------


async def test_contractor_register_applies_the_filter_in_both_formats(client):
    """Only the contractors the filter matches, each with contacts, certifications (joined) and dates as dates."""
    from governance.contractors.schemas import ContactCreate
    from governance.contractors.services import ContractorService

    kept = await make_contractor(
        "株式会社みどり情報", number="", status="active", name_kana="ミドリジョウホウ", address="みどり市中央1-1",
        representative="代表取締役 緑川", certs=(("isms", "IS 123456", dt.date(2025, 4, 1), dt.date(2028, 3, 31)),
                                              ("privacy_mark", "17000001", None, None)),
    )  # fmt: skip
    await ContractorService().add_contact(
        kept,
        ContactCreate(name="山田 花子", role="営業部長", email="yamada@example.jp", phone="03-1234-5678"),
        actor=Actor.system("test"),
    )
    await make_contractor("あおば商事株式会社", status="candidate")
    await make_user("tantou", Role.department_staff)  # contractors belong to no department: everyone reads them all
    await login(client, "tantou")

    rows = _csv(await client.get("/contractors", params={"status": "active", "format": "csv"}))
    assert [r["名称"] for r in rows] == ["株式会社みどり情報"]
    [row] = rows
    assert row["フリガナ"] == "ミドリジョウホウ" and row["所在地"] == "みどり市中央1-1" and row["状態"] == "取引中"
    assert row["認証（種類・番号・有効期限）"] == (
        "ISMS（ISO/IEC 27001） IS 123456（有効期限 2028-03-31）、プライバシーマーク 17000001（有効期限なし）"
    )
    assert row["連絡先"] == "山田 花子（営業部長） yamada@example.jp 03-1234-5678"
    assert row["指名停止"] == "" and dt.date.fromisoformat(row["登録日"])

    x = await client.get("/contractors", params={"q": "みどり", "format": "xlsx"})
    assert "%E5%A7%94%E8%A8%97%E4%BA%8B%E6%A5%AD%E8%80%85%E4%B8%80%E8%A6%A7_" in x.headers["content-disposition"]
    sheet = _sheet(x)
    assert sheet.freeze_panes == "A2" and sheet.cell(row=1, column=1).font.b
    [xrow] = _xlsx(x)
    assert xrow["名称"] == "株式会社みどり情報" and xrow["状態"] == "取引中"
    registered = sheet.cell(row=2, column=12)
    assert registered.is_date and "ggge" in registered.number_format  # 和暦 display, a real date underneath

    everyone = _csv(await client.get("/contractors", params={"format": "csv"}))
    assert {r["名称"] for r in everyone} == {"株式会社みどり情報", "あおば商事株式会社"}


async def test_contractor_name_that_looks_like_a_formula_is_inert_in_both_formats(client):
    await make_contractor(EVIL, representative="+81-3-0000", address="@SUM(A1)")
    await make_user("keiyaku", Role.procurement)
    await login(client, "keiyaku")
    [row] = _csv(await client.get("/contractors", params={"format": "csv"}))
    assert row["名称"] == "'" + EVIL and row["代表者"] == "'+81-3-0000" and row["所在地"] == "'@SUM(A1)"
    sheet = _sheet(await client.get("/contractors", params={"format": "xlsx"}))
    cells = [c for r in sheet.iter_rows(min_row=2) for c in r]
    assert "'" + EVIL in [c.value for c in cells]
    assert all(c.data_type != "f" for c in cells)
    assert not any(isinstance(c.value, str) and c.value.startswith(FORMULA_LEADS) for c in cells)


async def test_contractor_list_page_offers_both_files_with_the_filters_on_screen(client):
    await make_contractor("株式会社みどり情報", status="active")
    await make_user("keiyaku", Role.procurement)
    await login(client, "keiyaku")
    page = await client.get("/contractors", params={"q": "みどり", "status": "active", "page": "1"})
    assert page.status_code == 200 and "Excel形式で出力" in page.text and "CSV形式で出力" in page.text
    links = {
        label: urlsplit(html.unescape(href))
        for href, label in re.findall(
            r'<a class="button" href="([^"]+)">(Excel形式で出力|CSV形式で出力)</a>', page.text
        )
    }
    for label, fmt in (("Excel形式で出力", "xlsx"), ("CSV形式で出力", "csv")):
        assert links[label].path == "/contractors"  # the list route itself, the page number left out
        assert sorted(parse_qsl(links[label].query)) == [("format", fmt), ("q", "みどり"), ("status", "active")]
        [row] = (_csv if fmt == "csv" else _xlsx)(await client.get(links[label].geturl()))
        assert row["名称"] == "株式会社みどり情報"
    bad = await client.get("/contractors", params={"format": "pdf"})
    assert bad.status_code == 422 and "出力形式" in bad.text


# --- 委託業務・契約 --------------------


async def test_engagement_register_holds_the_contract_state_and_only_the_departments_rows(client):
    data = await _outsourcing()
    await login(client, "tantou")  # JOHO staff
    rows = _csv(await client.get("/engagements", params={"format": "csv"}))
    assert [r["業務名"] for r in rows] == ["住民情報システム運用保守業務"]  # 福祉課's engagement is not theirs
    [row] = rows
    assert row["所管課"] == "総務部 情報政策課" and row["委託事業者"] == "株式会社みどり情報"
    assert row["重要度"] == "高" and row["機密性"] == "自治体機密性3B"
    assert row["個人情報"] == "はい" and row["特定個人情報"] == "はい" and row["再委託"] == "はい"
    assert row["再委託先"] == "株式会社下請システム" and row["更新"] == "自動更新"
    assert row["契約書の版"] == "契約書 第1版" and row["契約の状態"] == "締結済み" and row["締結日"] == "2026-03-25"
    assert row["条項ライブラリの版"] and row["状態"]
    assert row["履行期間（開始）"] == "2026-04-01" and row["履行期間（終了）"] == "2027-03-31"
    # a filter naming another department finds nothing for them
    other = await client.get("/engagements", params={"department_id": data["fuku"], "format": "xlsx"})
    assert _xlsx(other) == []

    await login(client, "kansa")  # auditors read every department
    everything = _csv(await client.get("/engagements", params={"format": "csv"}))
    assert {r["業務名"] for r in everything} == {"住民情報システム運用保守業務", FUKU_TITLE}
    x = await client.get("/engagements", params={"q": "福祉", "format": "xlsx"})
    [xrow] = _xlsx(x)
    assert xrow["業務名"] == FUKU_TITLE and xrow["個人情報"] == "いいえ" and xrow["委託事業者"] is None
    sheet = _sheet(x)
    start = sheet.cell(row=2, column=[c.value for c in sheet[1]].index("履行期間（開始）") + 1)
    assert start.value == dt.datetime(2026, 7, 1) and start.is_date


# --- 選定 --------------------


async def test_selection_register_lists_versions_of_the_engagements_the_user_sees(client):
    data = await _outsourcing()
    await login(client, "tantou")
    page = await client.get("/selections")
    assert page.status_code == 200 and "住民情報システム運用保守業務" in page.text and FUKU_TITLE not in page.text
    assert "Excel形式で出力" in page.text
    [row] = _csv(await client.get("/selections", params={"format": "csv"}))
    assert row["委託業務"] == "住民情報システム運用保守業務" and row["選定方法"] == "随意契約"
    assert row["状態"] == "承認済み" and row["選定された事業者"] == "株式会社みどり情報" and row["選定の理由"] == "適合"
    assert row["候補者"] == "株式会社みどり情報" and row["作成者"] == "keiyaku 氏" and row["承認者"] == "ciso 氏"
    assert dt.date.fromisoformat(row["評価日"]) and row["提出日時"] and row["承認日時"]

    await login(client, "kansa")
    rows = _xlsx(await client.get("/selections", params={"method": "general_competitive", "format": "xlsx"}))
    assert [(r["番号"], r["委託業務"], r["状態"], r["承認者"]) for r in rows] == [
        (data["fuku_selection"], FUKU_TITLE, "作成中", None)
    ]
    approved = _csv(await client.get("/selections", params={"status": "approved", "format": "csv"}))
    assert [r["委託業務"] for r in approved] == ["住民情報システム運用保守業務"]


# --- 確認 --------------------


async def test_check_register_derives_overdue_as_the_page_does_and_keeps_to_the_department(client):
    data = await _outsourcing()
    await login(client, "tantou")
    rows = _csv(await client.get("/checks", params={"status": "", "format": "csv"}))
    assert rows and {r["所管課"] for r in rows} == {"総務部 情報政策課"}
    assert "福祉の年次確認" not in {r["件名"] for r in rows}
    before = next(r for r in rows if r["番号"] == str(data["joho_check"]))
    assert before["種類"] == "業務の開始前の確認" and before["委託業務"] == "住民情報システム運用保守業務"
    assert dt.date.fromisoformat(before["期限"])
    assert _csv(await client.get("/checks", params={"department_id": data["fuku"], "format": "csv"})) == []

    await login(client, "kansa")
    x = await client.get("/checks", params={"status": "overdue", "department_id": data["fuku"], "format": "xlsx"})
    [row] = _xlsx(x)
    assert row["件名"] == "福祉の年次確認" and row["状態"] == "期限超過" and row["種類"] == "年次の確認・実地検査"
    assert row["期限"] == dt.datetime(2020, 1, 31) and row["担当者"] is None
    assert _sheet(x).cell(row=2, column=7).is_date
    # the page's default (未完了) applies to the file too when no status is chosen
    open_rows = _csv(await client.get("/checks", params={"format": "csv"}))
    assert open_rows and all(r["状態"] in ("予定", "実施中", "確認待ち", "期限超過") for r in open_rows)


# --- 指摘事項・措置 --------------------


async def test_finding_register_summarises_measures_one_row_per_finding(client):
    data = await _outsourcing()
    await login(client, "tantou")
    rows = _csv(await client.get("/findings", params={"format": "csv"}))
    assert [r["番号"] for r in rows] == [str(data["joho_finding"])]
    assert rows[0]["重要度"] == "重要" and rows[0]["状態"] == "対応中" and rows[0]["措置の件数"] == "0"

    await login(client, "kansa")
    x = await client.get("/findings", params={"department_id": data["fuku"], "format": "xlsx"})
    [row] = _xlsx(x)
    assert row["指摘事項"] == "福祉の指摘" and row["重要度"] == "重大" and row["確認"] == "福祉の年次確認"
    assert row["措置（種類・期限・状態・担当者）"] == "改善指示（期限 令和9年1月29日・対応中・fuku 氏）"
    assert row["措置の件数"] == 1 and row["対応中の措置"] == 1
    assert row["措置の期限（未完了のうち最も早いもの）"] == dt.datetime(2027, 1, 29)
    closed = _csv(await client.get("/findings", params={"status": "closed", "format": "csv"}))
    assert closed == []


# --- the API --------------------

API_LISTS = {
    "/api/v1/contractors": ("名称", None),  # contractors belong to no department: no scope to apply
    "/api/v1/engagements": ("業務名", {"q": "福祉"}),
    "/api/v1/selections": ("委託業務", {"department_id": "FUKU"}),
    "/api/v1/checks": ("件名", {"department_id": "FUKU"}),
    "/api/v1/findings": ("指摘事項", {"department_id": "FUKU"}),
}
"""Each API list: a column its file holds, and the filter that picks 福祉課's rows for an auditor."""


@pytest.mark.parametrize("path", list(API_LISTS))
async def test_api_lists_answer_files_for_format_or_accept_within_the_department(client, anon, path):
    data = await _outsourcing()
    column, fuku_filter = API_LISTS[path]
    staff = await api_token(client, "tantou")  # 情報政策課's staff
    as_json = await anon.get(path, headers=staff)
    assert as_json.status_code == 200 and as_json.headers["content-type"].startswith("application/json")
    listed = as_json.json()
    listed_count = listed["total"] if isinstance(listed, dict) else len(listed)

    rows = _csv(await anon.get(path, params={"format": "csv"}, headers=staff))
    by_accept = _xlsx(await anon.get(path, headers={**staff, "Accept": XLSX_MEDIA_TYPE}))
    also_csv = _csv(await anon.get(path, headers={**staff, "Accept": "text/csv"}))
    assert len(rows) == len(by_accept) == len(also_csv) == listed_count > 0  # the list's query, every row
    assert [r[column] for r in rows] == [r[column] for r in also_csv] == [r[column] for r in by_accept]
    shown = {r[column] for r in rows} | {r.get("委託業務", "") for r in rows}
    assert not shown & {FUKU_TITLE, "福祉の年次確認", "福祉の指摘"}  # another department's rows are absent

    if fuku_filter:
        auditor = await api_token(client, "kansa")
        params = {k: data["fuku"] if v == "FUKU" else v for k, v in fuku_filter.items()}
        fuku_rows = _csv(await anon.get(path, params={**params, "format": "csv"}, headers=auditor))
        assert fuku_rows and all(FUKU_TITLE in (r.get("委託業務") or r.get("業務名")) for r in fuku_rows)
        mine = _csv(await anon.get(path, params={**params, "format": "csv"}, headers=staff))
        assert mine == []  # a filter naming another department finds nothing for its staff

    bad = await anon.get(path, params={"format": "pdf"}, headers=staff)
    assert bad.status_code == 400 and bad.headers["content-type"].startswith("application/problem+json")
    assert "format" in bad.text


async def test_api_list_schema_declares_the_format_and_the_file_types(anon):
    spec = (await anon.get("/schema/openapi.json")).json()
    for path in API_LISTS:
        op = spec["paths"][path]["get"]
        [param] = [p for p in op["parameters"] if p["name"] == "format"]
        assert param["in"] == "query" and not param["required"]
        [ref] = [s["$ref"] for s in param["schema"]["oneOf"] if "$ref" in s]  # the enum, or null
        assert spec["components"]["schemas"][ref.rsplit("/", 1)[1]]["enum"] == ["csv", "xlsx"]
        assert {"application/json", "text/csv", XLSX_MEDIA_TYPE} <= set(op["responses"]["200"]["content"])


# --- streaming --------------------


async def _body_messages(app, path: str, query: str, headers: dict[str, str]) -> list[dict]:
    """The ASGI messages of one GET, as the server sends them.

    httpx's ASGITransport joins the body parts before ``client.stream`` sees them (``ASGIResponseStream`` yields
    one ``b"".join``), so chunks are counted here, on the messages the app sends.
    """
    messages: list[dict] = []
    done = anyio.Event()
    asked = False

    async def receive() -> dict:
        nonlocal asked
        if not asked:
            asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await done.wait()  # the client stays connected until the whole body has been sent
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        messages.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            done.set()

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": query.encode(), "root_path": "",
        "headers": [(b"host", b"testserver")] + [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "server": ("testserver", 80), "client": ("127.0.0.1", 50000),
    }  # fmt: skip
    await app(scope, receive, send)
    return messages


async def test_a_register_of_5000_rows_streams_in_several_chunks(app, client):
    from governance.contractors.tables import Contractor

    total = 5_001
    for start in range(0, total, 500):
        await Contractor.insert(
            *[Contractor(name=f"事業者{n:05d}", name_kana=f"ジギョウシャ{n:05d}", status="active")
              for n in range(start, min(start + 500, total))]
        )  # fmt: skip
    await make_user("keiyaku", Role.procurement)
    headers = await api_token(client, "keiyaku")

    messages = await _body_messages(app, "/api/v1/contractors", "status=active&format=csv", headers)
    assert messages[0]["type"] == "http.response.start" and messages[0]["status"] == 200
    parts = [m["body"] for m in messages[1:] if m.get("body")]
    assert len(parts) > 5  # a batch of rows at a time, not one body
    rows = list(csv.reader(io.StringIO(b"".join(parts).decode("utf-8-sig"))))
    assert len(rows) == total + 1 and len({r[0] for r in rows[1:]}) == total  # every contractor once

    await login(client, "keiyaku")  # the page route streams the same way
    async with client.stream("GET", "/contractors", params={"format": "csv"}) as r:
        assert r.status_code == 200
        body = b"".join([part async for part in r.aiter_raw()])
    assert body.decode("utf-8-sig").count("\r\n") == total + 1
    x = await client.get("/contractors", params={"format": "xlsx"})
    assert _sheet(x).max_row == total + 1


async def test_reading_in_chunks_of_one_gives_the_same_rows_as_one_read():
    """The keyset bound neither skips nor repeats a row, with the filters applied (every register)."""
    from governance.contractors.services import ContractorQuery, ContractorService
    from governance.engagements.services import EngagementQuery, EngagementService, SelectionQuery, SelectionService
    from governance.verification.services import CheckFilter, export_checks, export_findings

    data = await _outsourcing()
    await make_contractor("あおば商事株式会社", status="candidate")
    today = dt.date(2026, 12, 5)

    async def ids(rows) -> list[int]:
        return [r["id"] async for r in rows]

    q = ContractorQuery(status="active")
    assert await ids(ContractorService().export_rows(q, chunk=1)) == await ids(ContractorService().export_rows(q))
    assert len(await ids(ContractorService().export_rows(ContractorQuery(), chunk=1))) == 2
    e = EngagementQuery()
    assert await ids(EngagementService().export_rows(e, chunk=1)) == await ids(EngagementService().export_rows(e))
    assert len(await ids(EngagementService().export_rows(e, chunk=1))) == 2
    sel = SelectionQuery(department_id=data["fuku"])
    assert await ids(SelectionService().export_rows(sel, chunk=1)) == [data["fuku_selection"]]
    every = CheckFilter()
    assert await ids(export_checks(every, today=today, chunk=1)) == await ids(export_checks(every, today=today))
    assert len(await ids(export_checks(every, today=today, chunk=3))) > 3
    findings = await ids(export_findings(chunk=1))
    assert findings == sorted([data["joho_finding"], data["fuku_finding"]], reverse=True)  # newest first
