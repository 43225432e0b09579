"""The audit log: entries in the same transaction, the page, filters, CSV export, chain verification."""

from __future__ import annotations

import asyncio
import csv
import io
import re

import pytest

from governance.accounts import schemas
from governance.accounts.services import UserService
from governance.actor import Actor
from governance.audit.services import AuditFilter, AuditService
from governance.audit.tables import AuditEntry
from governance.db import write_transaction
from governance.errors import ValidationError
from tests.helpers import login, make_department, make_user, post_form


async def test_entry_commits_and_rolls_back_with_the_change():
    dept = await make_department()
    before = await AuditEntry.count()
    with pytest.raises(ValidationError):
        await UserService().create_user(
            schemas.UserCreate(username="bad", full_name="x", department_id=dept, roles=["nope"], password="x" * 12),
            actor=Actor.system("test"),
        )
    assert await AuditEntry.count() == before


async def test_audit_outside_transaction_is_a_programming_error():
    with pytest.raises(RuntimeError):
        await AuditService().record("x.done", actor=Actor.system("t"), target_type="x")


async def test_entry_records_actor_target_before_and_after():
    uid = await make_user("kato", "procurement")
    row = await AuditEntry.select().where(AuditEntry.action == "user.created").first()
    assert row["target_type"] == "user" and row["target_id"] == str(uid) and row["target_label"] == "kato"
    assert row["actor_label"] == "システム（test）"
    assert '"roles":["procurement"]' in row["after_json"] and "password" not in row["after_json"]


async def test_concurrent_writes_keep_one_linear_chain():
    dept = await make_department()

    async def create(i: int) -> None:
        await UserService().create_user(
            schemas.UserCreate(
                username=f"user{i}",
                full_name=f"利用者{i}",
                department_id=dept,
                roles=["auditor"],
                password="abcdefghij1",
            ),
            actor=Actor.system("test"),
        )

    await asyncio.gather(*(create(i) for i in range(12)))
    report = await AuditService().verify()
    assert report.ok and report.checked == await AuditEntry.count()


async def test_verify_names_the_first_edited_entry():
    for name in ("a-user", "b-user", "c-user"):
        await make_user(name, "auditor")
    rows = await AuditEntry.select(AuditEntry.id).order_by(AuditEntry.id)
    target = rows[2]["id"]
    # An edit "by hand in the database", bypassing the application.
    await AuditEntry.update({AuditEntry.actor_label: "改ざん者"}).where(AuditEntry.id == target)
    report = await AuditService().verify()
    assert not report.ok and report.broken_id == target and report.checked == 2


async def test_verify_detects_a_deleted_entry():
    for name in ("a-user", "b-user"):
        await make_user(name, "auditor")
    rows = await AuditEntry.select(AuditEntry.id).order_by(AuditEntry.id)
    await AuditEntry.delete().where(AuditEntry.id == rows[1]["id"])
    report = await AuditService().verify()
    assert not report.ok and report.broken_id == rows[2]["id"]


async def test_verify_in_chunks_matches_whole_chain():
    for i in range(7):
        await make_user(f"u{i}-x", "auditor")
    whole = await AuditService().verify()
    chunked = await AuditService().verify(chunk=2)
    assert whole == chunked and whole.ok


async def test_filters():
    await make_user("kato", "procurement")
    await make_user("sato", "auditor")
    service = AuditService()
    rows, total = await service.list(AuditFilter(action="user.created"))
    assert total == 2 and {r["target_label"] for r in rows} == {"kato", "sato"}
    _, total = await service.list(AuditFilter(action="user."))
    assert total == 2
    _, total = await service.list(AuditFilter(action="department."))
    assert total == 1
    _, total = await service.list(AuditFilter(actor="ＸＹＺ"))
    assert total == 0
    _, total = await service.list(AuditFilter(actor="%"))  # a wildcard typed by the user matches literally
    assert total == 0
    _, total = await service.list(AuditFilter(actor="システム"))
    assert total == 3
    rows, _ = await service.list(AuditFilter(target_type="user", target_id=str(rows[0]["target_id"])))
    assert len(rows) == 1


async def test_audit_page_filters_and_csv_export(client):
    await make_user("admin1", "admin")
    await make_user("kato", "procurement")
    await login(client, "admin1")
    page = await client.get("/audit")
    assert page.status_code == 200 and "ユーザー作成" in page.text and "ログイン" in page.text
    page = await client.get("/audit", params={"action": "user.signed_in"})
    assert "admin1" in page.text and "<code>user.created</code>" not in page.text
    bad = await client.get("/audit", params={"from": "2026-02-31"})
    assert bad.status_code == 422 and "2026-04-01" in bad.text and "令和8年4月1日" in bad.text
    r = await client.get("/audit/export.csv", params={"action": "user.created"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(r.text.lstrip("\ufeff"))))
    assert rows[0][:5] == ["番号", "日時", "操作者ID", "操作者", "操作"]
    assert [row[8] for row in rows[1:]] == ["admin1", "kato"]
    # the code columns stay; the labels of the action and of the target's kind are beside them
    assert rows[0][5] == "操作名" and rows[0][-1] == "対象種別名"
    assert {row[5] for row in rows[1:]} == {"ユーザー作成"} and {row[-1] for row in rows[1:]} == {"利用者"}


async def test_audit_page_denied_to_procurement(client):
    await make_user("kato", "procurement")
    await login(client, "kato")
    assert (await client.get("/audit")).status_code == 403
    assert (await client.get("/audit/export.csv")).status_code == 403


async def test_audit_api_lists_and_verifies(client, anon):
    import re

    await make_user("kansa", "auditor")
    await login(client, "kansa")
    token = re.search(
        r'id="new-token">([^<]+)<', (await post_form(client, "/account/tokens", {"name": "a"})).text
    ).group(1)
    auth = {"Authorization": f"Bearer {token}"}
    r = await anon.get("/api/v1/audit-entries", params={"limit": 2}, headers=auth)
    assert r.status_code == 200
    body = r.json()
    assert body["total"] >= 3 and len(body["items"]) == 2 and body["items"][0]["id"] > body["items"][1]["id"]
    assert (await anon.get("/api/v1/audit-entries", params={"limit": 0}, headers=auth)).status_code == 400
    assert (await anon.get("/api/v1/audit-entries", params={"date_from": "x"}, headers=auth)).status_code == 400
    v = (await anon.get("/api/v1/audit-entries/verify", headers=auth)).json()
    assert v["ok"] is True and v["broken_id"] is None


async def test_write_transaction_rolls_back_all_on_error():
    dept = await make_department()
    with pytest.raises(RuntimeError):
        async with write_transaction():
            await UserService().create_user(
                schemas.UserCreate(
                    username="inner", full_name="x", department_id=dept, roles=["auditor"], password="abcdefghij1"
                ),
                actor=Actor.system("t"),
            )
            raise RuntimeError("boom")
    assert not await UserService().list_users() or all(u.username != "inner" for u in await UserService().list_users())


async def test_extreme_filter_values_do_not_fail():
    import datetime as dt

    await make_user("kato", "procurement")
    service = AuditService()
    rows, total = await service.list(AuditFilter(date_from=dt.date.min, date_to=dt.date.max))
    assert total == 2 and len(rows) == 2
    rows, _ = await service.list(AuditFilter(), offset=2_147_483_647)
    assert rows == []


async def test_audit_exports_neutralise_formulas_in_csv_and_xlsx(client, anon):
    """A sign-in name like =HYPERLINK(...) is written as text in both formats, never as a live formula."""
    import openpyxl

    await make_user("admin1", "admin")
    evil = '=HYPERLINK("http://attacker.example/","x")'
    await login(anon, evil, "wrong")
    await login(client, "admin1")
    r = await client.get("/audit/export.csv")
    assert r.status_code == 200 and r.headers["x-content-type-options"] == "nosniff"
    cells = [c for row in csv.reader(io.StringIO(r.text.lstrip("\ufeff"))) for c in row]
    assert any(c.startswith("'=") and "attacker.example" in c for c in cells)  # the name, as inert text
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)
    x = await client.get("/audit/export.xlsx")
    assert x.status_code == 200 and x.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "%E7%9B%A3%E6%9F%BB%E3%83%AD%E3%82%B0_" in x.headers["content-disposition"]  # 監査ログ_日時.xlsx
    sheet = openpyxl.load_workbook(io.BytesIO(x.content)).active
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["番号", "日時", "操作者ID", "操作者", "操作"] and sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:N{sheet.max_row}"
    values = [c.value for row in sheet.iter_rows(min_row=2) for c in row]
    assert all(not (isinstance(v, str) and v.startswith("=")) for v in values)
    when = sheet.cell(row=2, column=2)
    assert when.is_date and when.number_format == "yyyy/mm/dd hh:mm"


async def test_audit_page_shows_labels_and_the_persons_name_not_codes(client):
    await make_user("admin1", "admin")
    kato = await make_user("kato", "procurement")
    await login(client, "admin1")
    page = await client.get("/audit", params={"target_type": "user", "target_id": str(kato)})
    assert page.status_code == 200
    row = re.search(r"<tbody>(.*?)</tbody>", page.text, re.S).group(1)
    assert "ユーザー作成" in row and "利用者" in row and "kato 氏" in row  # the name, not only the login
    assert ">user.created<" not in row and ">user " not in row  # no bare code as text
    assert re.search(r"令和\d+年\d+月\d+日 \d\d:\d\d:\d\d", row)
    assert '<option value="user" selected>利用者</option>' in page.text
    # the period filter takes 和暦 as typed, and refuses a day that does not exist in Japanese
    assert (await client.get("/audit", params={"from": "R1.5.1"})).status_code == 200
    bad = await client.get("/audit", params={"from": "令和8年2月30日"})
    assert bad.status_code == 422 and "実在する日付を入力してください" in bad.text
