"""Existing lists in (issue 14): 委託事業者 with certifications and 委託業務 from .xlsx or CSV, checked row by row,
imported all or nothing with one audit entry, through the page (upload → preview → 取り込む) and the API."""

from __future__ import annotations

import io
import re

import openpyxl

from governance.accounts.roles import Role
from governance.audit.tables import AuditEntry
from governance.contractors.tables import Certification, Contractor
from governance.engagements.tables import Engagement, EngagementTierChange
from governance.imports.reading import MAX_ROWS
from tests.helpers import api_token, csrf_headers, login, make_contractor, make_department, make_user, post_form
from tests.import_files import (
    CONTRACTOR_HEADERS,
    ENGAGEMENT_HEADERS,
    as_csv,
    as_xlsx,
    corporate_number,
    engagement_rows,
    ledger_rows,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def _upload(client, url: str, name: str, data: bytes, content_type: str = "text/csv"):
    return await client.post(url, files={"file": (name, data, content_type)}, headers=csrf_headers(client))


def _token(page_text: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', page_text)
    assert match, page_text[:2000]
    return match.group(1)


def _error_rows(page_text: str) -> list[tuple[str, str, str]]:
    table = page_text.split('id="import-error-table"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr><td>(\d+行目)</td><td>[^<]*</td><td>([^<]*)</td><td>([^<]*)</td></tr>", table)


async def _imports_audited(action: str) -> list[dict]:
    return await AuditEntry.select().where(AuditEntry.action == action)


async def test_a_bad_row_imports_nothing_and_names_row_and_column_then_the_fixed_file_imports_30(client):
    await make_user("keiyaku", Role.procurement)
    await login(client, "keiyaku")
    bad = as_xlsx(CONTRACTOR_HEADERS, ledger_rows(30, bad_row=17))
    page = await _upload(client, "/contractors/imports", "業者台帳.xlsx", bad, XLSX)
    assert page.status_code == 422
    assert _error_rows(page.text) == [
        ("17行目", "法人番号", "法人番号の検査用数字（先頭の1桁）が一致しません。番号に誤りがないか確認してください。")
    ]
    assert 'name="token"' not in page.text  # nothing to import from a file with errors
    assert await Contractor.count() == 0

    fixed = as_xlsx(CONTRACTOR_HEADERS, ledger_rows(30))
    page = await _upload(client, "/contractors/imports", "業者台帳.xlsx", fixed, XLSX)
    assert page.status_code == 200, page.text[:2000]
    assert "30行すべてに誤りはありません" in page.text
    assert await Contractor.count() == 0  # the preview imports nothing
    done = await post_form(client, "/contractors/imports/confirm", {"token": _token(page.text)})
    assert done.status_code == 303 and done.headers["location"] == "/contractors?notice=imported"
    assert await Contractor.count() == 30
    assert await Certification.count() == 30 + 10  # ISMS on every row, プライバシーマーク on every third
    first = await Contractor.select().where(Contractor.corporate_number == corporate_number(1)).first()
    assert first["name"] == "株式会社取込テスト01" and first["status"] == "candidate"
    certs = await Certification.select().where(Certification.contractor == first["id"]).order_by(Certification.id)
    assert [(c["kind"], str(c["valid_from"]), str(c["valid_until"])) for c in certs] == [
        ("isms", "2025-04-01", "2028-03-31"),
        ("privacy_mark", "None", "2027-03-31"),
    ]
    entries = await _imports_audited("contractor.imported")
    assert len(entries) == 1
    assert await AuditEntry.count().where(AuditEntry.action == "contractor.created") == 0
    audited = entries[0]["after_json"]
    assert '"count": 30' in audited or '"count":30' in audited
    import hashlib

    assert hashlib.sha256(fixed).hexdigest() in audited and "業者台帳.xlsx" in audited
    # The same file again: every 法人番号 is now registered, so every row is refused, naming the contractor.
    again = await _upload(client, "/contractors/imports", "業者台帳.xlsx", fixed, XLSX)
    rows = _error_rows(again.text)
    assert len(rows) == 30 and rows[0][1] == "法人番号" and "株式会社取込テスト01、登録番号" in rows[0][2]
    # The kept file was used once: confirming it again finds nothing to import.
    stale = await post_form(client, "/contractors/imports/confirm", {"token": _token(page.text)})
    assert stale.status_code == 404 and "既に取り込んだか、検査から24時間が過ぎています" in stale.text
    assert await Contractor.count() == 30


async def test_cp932_csv_over_the_api_dry_run_then_import(client):
    await make_user("keiyaku", Role.procurement)
    auth = await api_token(client, "keiyaku")
    data = as_csv(CONTRACTOR_HEADERS, ledger_rows(5), encoding="cp932")
    files = {"file": ("業者台帳.csv", data, "text/csv")}
    dry = await client.post("/api/v1/contractors/imports", params={"dry_run": "true"}, files=files, headers=auth)
    assert dry.status_code == 200, dry.text
    assert dry.json()["rows"] == 5 and dry.json()["imported"] == 0
    assert await Contractor.count() == 0
    done = await client.post("/api/v1/contractors/imports", files=files, headers=auth)
    assert done.status_code == 201, done.text
    assert done.json()["imported"] == 5
    names = sorted(r["name"] for r in await Contractor.select(Contractor.name))
    assert names[0] == "株式会社取込テスト01"  # decoded from Shift_JIS, not mojibake


async def test_api_names_each_bad_row_and_column_as_json(client):
    await make_user("keiyaku", Role.procurement)
    auth = await api_token(client, "keiyaku")
    rows = ledger_rows(4)
    rows[0][5] = "休業中"  # not a status
    rows[2][1] = ""  # no name
    rows[3][9] = "令和8年2月30日"  # no such day
    rows[3][0] = rows[1][0]  # the same 法人番号 twice in the file
    data = as_csv(CONTRACTOR_HEADERS, rows)
    r = await client.post("/api/v1/contractors/imports", files={"file": ("x.csv", data, "text/csv")}, headers=auth)
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    found = {(e["row"], e["column"]) for e in r.json()["errors"]}
    assert found == {(2, "状態"), (4, "名称"), (5, "認証1の有効期間（開始）"), (5, "法人番号")}
    assert all(e["message"] for e in r.json()["errors"])
    assert await Contractor.count() == 0


async def test_files_that_are_not_lists_are_refused_clearly(client):
    await make_user("keiyaku", Role.procurement)
    await login(client, "keiyaku")
    cases = {
        "空.csv": (b"", "ファイルが空です"),
        "見出しだけ.csv": (as_csv(CONTRACTOR_HEADERS, []), "データの行がありません"),
        "文書.pdf": (b"%PDF-1.7 ...", "Excelブック（.xlsx）かCSVファイル"),
        "古い.xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "古い形式の .xls"),
        "列違い.csv": (
            as_csv(["名称", "電話番号"], [["株式会社A", "03"]]),
            "見出し「電話番号」は委託事業者の取込みでは使えません",
        ),
        "名称なし.csv": (as_csv(["法人番号"], [[corporate_number(1)]]), "必須の列「名称」がありません"),
        "多すぎ.csv": (as_csv(["名称"], [[f"社{i}"] for i in range(MAX_ROWS + 1)]), f"{MAX_ROWS}行まで"),
    }
    for name, (data, message) in cases.items():
        r = await _upload(client, "/contractors/imports", name, data)
        assert r.status_code == 422, name
        assert message in r.text, (name, r.text[:3000])
    nofile = await client.post(
        "/contractors/imports", files={"file": ("", b"", "application/octet-stream")}, headers=csrf_headers(client)
    )
    assert nofile.status_code == 422 and "取り込むファイルを選んでください" in nofile.text
    assert await Contractor.count() == 0


async def test_an_exported_register_comes_back_with_its_certifications(client):
    import datetime as dt

    await make_user("keiyaku", Role.procurement)
    await make_contractor(
        "株式会社みどり情報", number=corporate_number(900),
        certs=(("isms", "IS 1", None, dt.date(2027, 3, 31)), ("privacy_mark", "", None, None)),
    )  # fmt: skip
    await login(client, "keiyaku")
    exported = await client.get("/contractors", params={"format": "csv"})
    assert exported.status_code == 200
    refused = await _upload(client, "/contractors/imports", "委託事業者一覧.csv", exported.content)
    assert [(r, c) for r, c, _ in _error_rows(refused.text)] == [("2行目", "法人番号")]
    assert "既に登録されています（株式会社みどり情報" in refused.text
    assert "登録番号、連絡先" in refused.text or "登録番号" in refused.text  # the derived columns are named as not read
    # A new company typed over the exported row imports, its certifications read back from the export's cell.
    text = exported.content.decode("utf-8-sig").replace(corporate_number(900), corporate_number(901))
    text = text.replace("株式会社みどり情報", "株式会社あおば情報")
    page = await _upload(client, "/contractors/imports", "委託事業者一覧.csv", text.encode("utf-8-sig"))
    assert page.status_code == 200, page.text[:3000]
    await post_form(client, "/contractors/imports/confirm", {"token": _token(page.text)})
    new = await Contractor.select().where(Contractor.name == "株式会社あおば情報").first()
    certs = await Certification.select().where(Certification.contractor == new["id"]).order_by(Certification.id)
    assert [(c["kind"], c["number"], c["valid_until"]) for c in certs] == [
        ("isms", "IS 1", dt.date(2027, 3, 31)),
        ("privacy_mark", "", None),
    ]


async def test_templates_open_in_openpyxl_with_pick_lists_and_explanations(client):
    await make_department("FUKU", "福祉課")
    await make_user("keiyaku", Role.procurement)
    await login(client, "keiyaku")
    r = await client.get("/engagements/imports/template.xlsx")
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    assert "attachment" in r.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == ["取込データ", "選択肢", "説明"]
    data = book["取込データ"]
    assert [c.value for c in data[1]][:4] == ["業務名", "所管課", "監督職員", "履行期間（開始）"]
    assert data.max_row == 1
    lists = {c.value: c.column_letter for c in book["選択肢"][1]}
    departments = [c.value for c in book["選択肢"][lists["所管課"]][1:]]
    assert "福祉課" in departments
    assert any(v.type == "list" for v in data.data_validations.dataValidation)
    explained = {row[0].value: row[2].value for row in book["説明"].iter_rows(min_row=6) if row[0].value}
    assert "システム運用・保守" in explained["業務の種類"]
    csv_template = await client.get("/contractors/imports/template.csv")
    assert csv_template.content.startswith("\ufeff法人番号,名称".encode())
    # The empty template, uploaded as it is, says there is nothing to import.
    page = await _upload(client, "/engagements/imports", "t.xlsx", r.content, XLSX)
    assert page.status_code == 422 and "データの行がありません" in page.text


async def test_engagements_import_with_department_names_and_wareki_dates(client):
    fuku = await make_department("FUKU", "福祉課")
    await make_user("keiyaku", Role.procurement)
    await login(client, "keiyaku")
    rows = engagement_rows("福祉課")
    rows[2][1] = "福祉部 福祉課"  # not a department
    page = await _upload(client, "/engagements/imports", "委託一覧.csv", as_csv(ENGAGEMENT_HEADERS, rows))
    assert page.status_code == 422
    assert [(r, c) for r, c, _ in _error_rows(page.text)] == [("4行目", "所管課")]
    assert "「福祉部 福祉課」という所属は登録されていません" in page.text
    rows[2][1] = "福祉課"
    page = await _upload(client, "/engagements/imports", "委託一覧.csv", as_csv(ENGAGEMENT_HEADERS, rows))
    assert page.status_code == 200, page.text[:3000]
    await post_form(client, "/engagements/imports/confirm", {"token": _token(page.text)})
    stored = {r["title"]: r for r in await Engagement.select()}
    assert len(stored) == 3
    counter = stored["窓口受付業務"]
    assert (str(counter["start_date"]), str(counter["end_date"])) == ("2026-04-01", "2027-03-31")
    assert counter["department"] == fuku and counter["contract_value"] == 1234567
    assert counter["confidentiality"] == "2" and counter["personal_info"] is True
    system = stored["基幹システム運用保守業務"]
    assert system["renewal"] == "automatic" and system["remote_access"] is True and system["tier"] == 3
    assert await EngagementTierChange.count() == 3  # each with its first tier entry
    assert len(await _imports_audited("engagement.imported")) == 1
    # Imported again, each row is already registered.
    again = await _upload(client, "/engagements/imports", "委託一覧.csv", as_csv(ENGAGEMENT_HEADERS, rows))
    assert len(_error_rows(again.text)) == 3 and "既に登録されています" in again.text


async def test_an_exported_engagement_register_comes_back_with_its_facts(client):
    """The 委託業務 register carries every fact the importer needs, so an exported list edited in Excel imports."""
    await make_department("FUKU", "福祉課")
    await make_user("keiyaku", Role.procurement)
    await login(client, "keiyaku")
    first = await _upload(
        client, "/engagements/imports", "委託一覧.csv", as_csv(ENGAGEMENT_HEADERS, engagement_rows("福祉課"))
    )
    await post_form(client, "/engagements/imports/confirm", {"token": _token(first.text)})
    exported = await client.get("/engagements", params={"format": "xlsx"})
    assert exported.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(exported.content))
    sheet = book.active
    headers = [c.value for c in sheet[1]]
    title_col = headers.index("業務名") + 1
    for row in range(2, sheet.max_row + 1):  # the same work, next year's contracts
        sheet.cell(row, title_col).value = f"{sheet.cell(row, title_col).value}（次期）"
    edited = io.BytesIO()
    book.save(edited)
    page = await _upload(client, "/engagements/imports", "委託業務一覧.xlsx", edited.getvalue(), XLSX)
    assert page.status_code == 200, page.text[:3000]
    await post_form(client, "/engagements/imports/confirm", {"token": _token(page.text)})
    facts = ("work_kinds", "work_locations", "segments", "remote_access", "off_premises", "personal_info",
             "confidentiality", "renewal", "renewal_months", "notice_days", "tier")  # fmt: skip
    stored = {r["title"]: r for r in await Engagement.select()}
    assert len(stored) == 6
    for title, original in list(stored.items()):
        if title.endswith("（次期）"):
            continue
        again = stored[f"{title}（次期）"]
        assert {f: again[f] for f in facts} == {f: original[f] for f in facts}, title


async def test_department_staff_import_only_their_own_department(client):
    await make_department("FUKU", "福祉課")
    await make_user("tantou", Role.department_staff, dept="JOHO")
    await login(client, "tantou")
    page = await _upload(
        client, "/engagements/imports", "委託一覧.csv", as_csv(ENGAGEMENT_HEADERS, engagement_rows("福祉課"))
    )
    assert page.status_code == 422
    assert {c for _, c, _ in _error_rows(page.text)} == {"所管課"}
    assert "他の所属の記録は登録・変更できません" in page.text
    assert await Engagement.count() == 0


async def test_the_kept_file_is_only_the_uploaders(client, anon):
    await make_user("keiyaku", Role.procurement)
    await make_user("keiyaku2", Role.procurement)
    await login(client, "keiyaku")
    page = await _upload(client, "/contractors/imports", "a.csv", as_csv(CONTRACTOR_HEADERS, ledger_rows(2)))
    token = _token(page.text)
    await login(anon, "keiyaku2")
    other = await post_form(anon, "/contractors/imports/confirm", {"token": token})
    assert other.status_code == 404
    wrong_kind = await post_form(client, "/engagements/imports/confirm", {"token": token})
    assert wrong_kind.status_code == 404
    assert await Contractor.count() == 0
    auditor_sees = await client.get("/contractors")
    assert 'href="/contractors/imports"' in auditor_sees.text


async def test_readers_get_no_import_link_or_page(client):
    await make_user("kansa", Role.auditor)
    await login(client, "kansa")
    listing = await client.get("/contractors")
    assert 'href="/contractors/imports"' not in listing.text
    assert (await client.get("/contractors/imports")).status_code == 403
