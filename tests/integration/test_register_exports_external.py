"""Registers out, part B: 外部サービス, 利用申請, SNSアカウント, 通知の記録 and the audit log API as .xlsx and CSV.

Each export is served by its list route (page and API) with ``?format=`` or ``Accept``, holds every row the list's
filters and department scope let through (not one page), and makes text a spreadsheet would evaluate inert.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import openpyxl
import pytest

from governance.accounts.roles import Role
from governance.accounts.schemas import ApiTokenCreate
from governance.accounts.services import TokenService
from governance.actor import Actor
from governance.calendar import today_tokyo
from governance.exports import XLSX_MEDIA_TYPE
from governance.external import schemas
from governance.external.checklist import applicant_items
from governance.external.services import ApplicationService, RegistryService, ServiceQuery
from governance.reminders.services import NotificationLog
from governance.reminders.tables import Notification
from governance.social.lifecycle import AccountStatus
from governance.social.schemas import AccountCreate
from governance.social.services import AccountFilter, AccountQueries, AccountService
from governance.social.tables import PersonRole, SocialAccount, SocialAssignment
from tests.helpers import approve_platform_use, login, make_department, make_user

EVIL = "=cmd|' /C calc'!A0"
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
FULL = [c.id for c in applicant_items("full")]
LOW = [c.id for c in applicant_items("low")]


async def _actor(username: str, *roles: str, dept: str) -> Actor:
    uid = await make_user(username, *roles, dept=dept)
    return Actor(id=uid, label=username, roles=frozenset(roles), department_id=await make_department(dept))


def _service(**kw) -> schemas.ServiceCreate:
    values = {
        "name": "ファイル共有サービス（架空）", "provider_name": "くもクラウド合同会社", "kind": "saas",
        "data_location": "domestic", "governing_law": "日本法", "jurisdiction": "東京地方裁判所", "ismap": "ismap",
        "ismap_number": "C23-0123-1", "ismap_valid_until": dt.date(2030, 3, 31), "terms_version": "2026年4月版",
        "max_confidentiality": "2",
    }  # fmt: skip
    values.update(kw)
    return schemas.ServiceCreate(**values)


def _application(**kw) -> schemas.ApplicationCreate:
    values = {
        "purpose": "委託事業者との資料の受け渡し", "information": "打合せ資料（非公開）", "confidentiality": "2",
        "users": "担当職員", "account_count": 5, "terms_reviewed": True, "terms_version": "2026年4月版",
        "checklist": FULL,
    }  # fmt: skip
    values.update(kw)
    return schemas.ApplicationCreate(**values)


def _account(service_id: int, department_id: int, handle: str, name: str) -> AccountCreate:
    return AccountCreate(
        service_id=service_id, url=f"https://x.com/{handle}", display_name=name, department_id=department_id,
        purpose="市政のお知らせ", responsible_name=f"{handle} 課長", content_categories=["市政・行政のお知らせ"],
    )  # fmt: skip


@pytest.fixture(name="world")
async def fx_world():
    """Two departments (情報政策課 JOHO, 市民課 SHIMIN) with services, applications, SNS accounts and notifications.

    A text that a spreadsheet would run as a command is the name of a service, the purpose of an application, the
    name of an SNS account, the subject and error of a notification, and (through the service) an audit entry.
    """
    p = {
        "joho": await _actor("joho", Role.department_staff, dept="JOHO"),
        "shimin": await _actor("shimin", Role.department_staff, dept="SHIMIN"),
        "ciso": await _actor("ciso", Role.security_officer, dept="JOHO"),
        "kanri": await _actor("kanri", Role.department_staff, dept="SHIMIN"),
        "koho": await _actor("koho", Role.pr_staff, dept="KOHO"),
        "kansa": await _actor("kansa", Role.auditor, dept="KANSA"),
    }
    joho, shimin = p["joho"].department_id, p["shimin"].department_id
    registry, apps = RegistryService(), ApplicationService()
    files = await registry.create(_service(), scheme="R6", actor=p["shimin"])
    evil = await registry.create(
        _service(name=EVIL, kind="paas", ismap="none", ismap_number="", ismap_valid_until=None,
                 max_confidentiality="1"), scheme="R6", actor=p["joho"],
    )  # fmt: skip
    x = await registry.create(
        schemas.ServiceCreate(name="X", kind="social_media", platform="x", provider_name="X Corp."), scheme="R6",
        actor=p["koho"],
    )  # fmt: skip
    approved = await apps.create(files, _application(), scheme="R6", actor=p["shimin"])
    await apps.submit(approved, actor=p["shimin"])
    await apps.start_review(approved, actor=p["ciso"])
    await apps.approve(approved, schemas.ApproveIn(administrator_id=p["kanri"].id), actor=p["ciso"])
    draft = await apps.create(files, _application(purpose=EVIL), scheme="R6", actor=p["joho"])
    for department in (joho, shimin):
        await approve_platform_use(x, department)
    evil_account = await AccountService().create(_account(x, joho, "joho_midori", EVIL), actor=p["koho"])
    shimin_account = await AccountService().create(
        _account(x, shimin, "shimin_midori", "市民課のお知らせ"), actor=p["koho"]
    )
    today = today_tokyo()
    await SocialAccount.update({SocialAccount.status: AccountStatus.active, SocialAccount.opened_on: today}).where(
        SocialAccount.id == shimin_account
    )
    for name in ("発信 一郎", "発信 二郎"):
        await SocialAssignment.insert(
            SocialAssignment(account=shimin_account, role=PersonRole.operator, person_name=name, start_date=today)
        )
    await SocialAssignment.insert(
        SocialAssignment(account=shimin_account, role=PersonRole.operator, person_name="退任 三郎",
                         start_date=today - dt.timedelta(days=30), end_date=today - dt.timedelta(days=1))
    )  # fmt: skip
    sent_at = dt.datetime(2026, 4, 1, 1, 0, tzinfo=dt.UTC)  # 10:00 in Tokyo
    await Notification.insert(
        Notification(key="sent-1", subject_type="check", subject_id=1, rule="check", occurrence="30",
                     recipient=p["joho"].id, email="joho@city.example.jp", title="【確認の期限のお知らせ】定期報告",
                     status="sent", attempts=1, sent_at=sent_at),
        Notification(key="failed-1", subject_type="external_service", subject_id=evil, rule="ext_review",
                     occurrence="7", recipient=p["shimin"].id, email="shimin@city.example.jp", title=EVIL,
                     status="failed", attempts=3, last_error="-1 relay refused"),
    )  # fmt: skip
    return {
        **p, "files": files, "evil": evil, "x": x, "approved": approved, "draft": draft,
        "evil_account": evil_account, "shimin_account": shimin_account,
    }  # fmt: skip


async def _bearer(actor: Actor) -> dict[str, str]:
    token = (await TokenService().create(ApiTokenCreate(name="export"), actor=actor)).token
    return {"Authorization": f"Bearer {token}"}


def _csv(r) -> list[list[str]]:
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.content.startswith("\ufeff".encode()) and "attachment" in r.headers["content-disposition"]
    return list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))


def _xlsx(r) -> openpyxl.worksheet.worksheet.Worksheet:
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-type"] == XLSX_MEDIA_TYPE
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    assert sheet.freeze_panes == "A2" and all(c.font.b for c in sheet[1])
    return sheet


def _records(rows: list[list]) -> list[dict[str, object]]:
    """Data rows keyed by header (CSV rows or a sheet's values)."""
    header, *data = rows
    return [dict(zip(header, row, strict=True)) for row in data]


def _sheet_records(sheet) -> list[dict[str, object]]:
    return _records([[c.value for c in row] for row in sheet.iter_rows()])


def _sheet_cell(sheet, header: str, row: int = 2):
    column = [c.value for c in sheet[1]].index(header) + 1
    return sheet.cell(row=row, column=column)


# -- 外部サービス --------------------------------------------------------------------------------------------------


async def test_service_register_exports_the_filters_on_screen_with_labels_and_dates(client, world):
    await login(client, "joho")
    page = await client.get("/external-services", params={"kind": "saas", "page": "2"})
    assert page.status_code == 200
    assert 'href="/external-services?kind=saas&amp;format=xlsx">Excel形式で出力' in page.text
    assert 'href="/external-services?kind=saas&amp;format=csv">CSV形式で出力' in page.text

    rows = _records(_csv(await client.get("/external-services", params={"kind": "saas", "format": "csv"})))
    assert [r["サービス名"] for r in rows] == ["ファイル共有サービス（架空）"]  # the PaaS and the SNS are filtered out
    [files] = rows
    assert files["種類"] == "SaaS" and files["ISMAP・ISMAP-LIU"] == "ISMAP" and files["データの保存場所"] == "国内"
    assert files["準拠法"] == "日本法" and files["状態"] == "承認済み（構築確認前）"
    assert files["利用している課"] == "SHIMIN課"
    assert files["外部サービス管理者"] == "kanri 氏" and files["取り扱える情報の最高の分類"] == "機密性2"
    assert files["ISMAPの有効期限"] == "2030-03-31"

    sheet = _xlsx(await client.get("/external-services", params={"kind": "saas", "format": "xlsx"}))
    assert sheet.max_row == 2 and sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}2"
    valid = _sheet_cell(sheet, "ISMAPの有効期限")
    assert valid.is_date and valid.value.date() == dt.date(2030, 3, 31) and "ggge" in valid.number_format
    review = _sheet_cell(sheet, "次回の定期確認（見直し日）")
    assert review.is_date  # approved: the next review is set

    # the department filter of the list (services used or applied for by 市民課): the PaaS of 情報政策課 is absent
    shimin = world["shimin"].department_id
    rows = _records(_csv(await client.get("/external-services", params={"department_id": shimin, "format": "csv"})))
    assert sorted(r["サービス名"] for r in rows) == ["X", "ファイル共有サービス（架空）"]


async def test_service_register_export_holds_what_the_list_shows_a_department_user(client, world):
    """The registry is organisation-wide (applications and accounts are what department scope limits)."""
    await login(client, "shimin")
    page = await client.get("/external-services")
    assert "3件" in page.text
    rows = _records(_csv(await client.get("/external-services", params={"format": "csv"})))
    assert sorted(r["サービス名"] for r in rows) == sorted(["X", "ファイル共有サービス（架空）", f"'{EVIL}"])


# -- 利用申請 ------------------------------------------------------------------------------------------------------


async def test_application_exports_apply_the_status_filter_and_show_the_decision(client, world):
    await login(client, "ciso")
    page = await client.get("/external-services/applications", params={"status": "approved"})
    assert 'href="/external-services/applications?status=approved&amp;format=csv"' in page.text
    rows = _records(_csv(await client.get("/external-services/applications", params={"format": "csv"})))
    assert [int(r["申請番号"]) for r in rows] == [world["draft"], world["approved"]]  # newest first, as listed

    url = "/external-services/applications"
    rows = _records(_csv(await client.get(url, params={"status": "approved", "format": "csv"})))
    [approved] = rows  # the draft is filtered out
    assert approved["状態"] == "承認"
    assert approved["申請する課"] == "SHIMIN課" and approved["申請者"] == "shimin 氏"
    assert approved["承認者"] == "ciso 氏" and approved["外部サービス管理者"] == "kanri 氏"
    assert approved["情報の分類"] == "機密性2" and approved["利用目的"] == "委託事業者との資料の受け渡し"
    sheet = _xlsx(await client.get(url, params={"status": "approved", "format": "xlsx"}))
    assert sheet.max_row == 2
    approved_on = _sheet_cell(sheet, "承認日")
    assert approved_on.is_date and approved_on.value.date() == today_tokyo() and "ggge" in approved_on.number_format
    assert _sheet_cell(sheet, "申請日時").number_format == "yyyy/mm/dd hh:mm"


async def test_application_exports_hold_only_the_department_s_own(client, world):
    await login(client, "joho")  # 情報政策課: its draft only, never 市民課's approved application
    for fmt in ("csv", "xlsx"):
        r = await client.get("/external-services/applications", params={"format": fmt})
        rows = _records(_csv(r)) if fmt == "csv" else _sheet_records(_xlsx(r))
        assert [int(r["申請番号"]) for r in rows] == [world["draft"]]
        assert {r["申請する課"] for r in rows} == {"JOHO課"}
    api = "/api/v1/external-applications"
    headers = await _bearer(world["joho"])
    other = world["shimin"].department_id
    rows = _records(_csv(await client.get(api, params={"format": "csv", "department_id": other}, headers=headers)))
    assert rows == []  # asking for another department finds nothing, as the list does
    # a security officer reads every department; 自課 (mine=1) is the filter on screen
    await login(client, "ciso")
    rows = _records(_csv(await client.get("/external-services/applications", params={"mine": "1", "format": "csv"})))
    assert [int(r["申請番号"]) for r in rows] == [world["draft"]]


# -- SNSアカウント -------------------------------------------------------------------------------------------------


async def test_sns_account_exports_apply_the_filters_and_show_operators_and_missing_settings(client, world):
    await login(client, "koho")
    page = await client.get("/social-accounts", params={"status": "active"})
    assert 'href="/social-accounts?status=active&amp;format=xlsx">Excel形式で出力' in page.text
    rows = _records(_csv(await client.get("/social-accounts", params={"status": "active", "format": "csv"})))
    [account] = rows  # the one still being applied for is filtered out
    assert account["アカウント名"] == "市民課のお知らせ" and account["プラットフォーム"] == "X（旧Twitter）"
    assert account["URL"] == "https://x.com/shimin_midori" and account["所管課（運用する所属）"] == "SHIMIN課"
    assert account["責任者"] == "shimin_midori 課長" and account["発信者（運用担当）の人数"] == "2"  # not the one gone
    assert account["状態"] == "運用中"
    assert "多要素認証" in account["セキュリティ設定の不足項目"]
    sheet = _xlsx(await client.get("/social-accounts", params={"status": "active", "format": "xlsx"}))
    due = _sheet_cell(sheet, "再確認の期限")
    assert sheet.max_row == 2 and due.is_date and "ggge" in due.number_format

    rows = _records(_csv(await client.get("/social-accounts", params={"flag": "noncompliant", "format": "csv"})))
    assert len(rows) == 2  # neither has its security settings recorded yet


async def test_sns_account_exports_hold_only_the_department_s_own(client, world):
    await login(client, "shimin")
    for fmt in ("csv", "xlsx"):
        r = await client.get("/social-accounts", params={"format": fmt})
        rows = _records(_csv(r)) if fmt == "csv" else _sheet_records(_xlsx(r))
        assert [int(r["番号"]) for r in rows] == [world["shimin_account"]]
    headers = await _bearer(world["joho"])
    rows = _records(_csv(await client.get("/api/v1/social-accounts", params={"format": "csv"}, headers=headers)))
    assert [int(r["番号"]) for r in rows] == [world["evil_account"]]


# -- 通知の記録 ----------------------------------------------------------------------------------------------------


async def test_notification_log_exports_its_filter_for_log_readers_only(client, world):
    await login(client, "ciso")
    page = await client.get("/notifications", params={"status": "failed"})
    assert 'href="/notifications?status=failed&amp;format=csv">CSV形式で出力' in page.text
    rows = _records(_csv(await client.get("/notifications", params={"status": "failed", "format": "csv"})))
    [failed] = rows  # the sent one is filtered out
    assert failed["状態"] == "送信失敗（再送予定）" and failed["種類"] == "外部サービスの定期点検"
    assert failed["試行回数"] == "3" and failed["エラー"] == "'-1 relay refused" and failed["宛先"] == "shimin 氏"
    sheet = _xlsx(await client.get("/notifications", params={"status": "sent", "format": "xlsx"}))
    assert sheet.max_row == 2 and _sheet_cell(sheet, "件名").value == "【確認の期限のお知らせ】定期報告"
    sent = _sheet_cell(sheet, "送信日時")
    assert sent.is_date and sent.value == dt.datetime(2026, 4, 1, 10, 0) and sent.number_format == "yyyy/mm/dd hh:mm"

    await login(client, "joho")  # the log is for administrators, security officers and auditors
    assert (await client.get("/notifications", params={"format": "csv"})).status_code == 403
    headers = await _bearer(world["joho"])
    assert (await client.get("/api/v1/notifications", params={"format": "csv"}, headers=headers)).status_code == 403


# -- every register: formulas inert, API by format and Accept, bad formats refused -------------------------------

PAGES = [
    ("/external-services", "ciso", "サービス名"),
    ("/external-services/applications", "ciso", "利用目的"),
    ("/social-accounts", "koho", "アカウント名"),
    ("/notifications", "kansa", "件名"),
]


@pytest.mark.parametrize(("url", "username", "header"), PAGES)
async def test_formulas_come_out_inert_in_both_formats(client, world, url, username, header):
    await login(client, username)
    rows = _csv(await client.get(url, params={"format": "csv"}))
    assert f"'{EVIL}" in [r[rows[0].index(header)] for r in rows[1:]]
    assert not any(cell.startswith(FORMULA_LEADS) for row in rows for cell in row)
    sheet = _xlsx(await client.get(url, params={"format": "xlsx"}))
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert f"'{EVIL}" in values
    assert not any(isinstance(v, str) and v.startswith(FORMULA_LEADS) for v in values)
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


API = [
    ("/api/v1/external-services", "ciso", "items"),
    ("/api/v1/external-applications", "ciso", None),
    ("/api/v1/social-accounts", "koho", None),
    ("/api/v1/notifications", "kansa", None),
    ("/api/v1/audit-entries", "kansa", "items"),
]


@pytest.mark.parametrize(("url", "username", "key"), API)
async def test_api_lists_export_by_format_or_accept_and_refuse_a_bad_format(client, world, url, username, key):
    headers = await _bearer(world[username])
    r = await client.get(url, headers=headers)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")  # JSON by default
    listed = r.json()[key] if key else r.json()
    as_csv = _records(_csv(await client.get(url, params={"format": "csv"}, headers=headers)))
    assert len(as_csv) >= len(listed) > 0
    accept = {**headers, "Accept": XLSX_MEDIA_TYPE}
    sheet = _xlsx(await client.get(url, headers=accept))
    assert sheet.max_row - 1 == len(as_csv)
    assert _records(_csv(await client.get(url, headers={**headers, "Accept": "text/csv"}))) == as_csv
    # the formula is inert over the API too (the audit log holds the service's creation)
    assert any(isinstance(v, str) and v.startswith(f"'{EVIL}") for r in as_csv for v in r.values())

    bad = await client.get(url, params={"format": "pdf"}, headers=headers)
    assert bad.status_code == 400 and bad.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in bad.json()["errors"]] == ["format"]


@pytest.mark.parametrize(("url", "username", "header"), PAGES)
async def test_pages_refuse_a_bad_format_with_a_clear_page(client, world, url, username, header):
    await login(client, username)
    r = await client.get(url, params={"format": "pdf"})
    assert r.status_code == 422 and "出力形式は csv 又は xlsx" in r.text


async def test_audit_api_export_applies_the_filter(client, world):
    headers = await _bearer(world["kansa"])
    params = {"action": "external_application.", "format": "csv"}
    rows = _records(_csv(await client.get("/api/v1/audit-entries", params=params, headers=headers)))
    assert rows and all(r["操作"].startswith("external_application.") for r in rows)
    assert not any(r["操作"].startswith("external_service.") for r in rows)
    sheet = _xlsx(await client.get("/api/v1/audit-entries", params={"format": "xlsx", "target_type": "social_account"},
                                   headers=headers))  # fmt: skip
    assert sheet.max_row > 1 and {c.value for c in sheet["G"][1:]} == {"social_account"}


# -- streaming in chunks, and the OpenAPI description ---------------------------------------------------------------


async def test_exports_read_in_chunks_and_miss_no_row(world):
    """Keyset chunks of one row give exactly the rows of one read, in the list's order, filters applied."""
    services = [r["id"] async for r in RegistryService().export_rows(ServiceQuery(), chunk=1)]
    assert services == sorted([world["files"], world["evil"], world["x"]])
    saas = [r["id"] async for r in RegistryService().export_rows(ServiceQuery(kind="saas", page=9), chunk=1)]
    assert saas == [world["files"]]  # the page number of the screen does not limit a file
    applications = [r["id"] async for r in RegistryService().export_applications(chunk=1)]
    assert applications == [world["draft"], world["approved"]]
    accounts = [r["id"] async for r in AccountQueries().export_rows(AccountFilter(), chunk=1)]
    assert accounts == [world["evil_account"], world["shimin_account"]]
    joho = world["joho"].department_id
    own = [r["id"] async for r in AccountQueries().export_rows(AccountFilter(department_id=joho), chunk=1)]
    assert own == [world["evil_account"]]
    from governance.reminders.events import EVENTS

    # the workflow's own notices (申請の審査依頼 …) are left aside: this follows the two notices the world recorded
    log = [r["title"] async for r in NotificationLog().export_rows(None, chunk=1) if r["rule"] not in EVENTS]
    assert log == [EVIL, "【確認の期限のお知らせ】定期報告"]  # newest first


async def test_openapi_declares_the_format_parameter_and_the_file_answers(anon):
    spec = (await anon.get("/schema/openapi.json")).json()
    assert spec["components"]["schemas"]["ExportFormat"]["enum"] == ["csv", "xlsx"]
    for url, _, _ in API:
        operation = spec["paths"][url]["get"]
        [param] = [p for p in operation["parameters"] if p["name"] == "format"]
        assert param["in"] == "query" and param["required"] is False
        assert re.search(r"ExportFormat", str(param["schema"]))
        content = operation["responses"]["200"]["content"]
        assert set(content) == {"application/json", "text/csv", XLSX_MEDIA_TYPE}
        assert "oneOf" not in content["application/json"]["schema"]  # the JSON answer is the list, as before
