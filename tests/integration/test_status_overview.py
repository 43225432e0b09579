"""状況一覧 (issue 14): per-department figures that match the data, each linking to a list (and its export) holding
exactly that many rows, with the filter named in Japanese; charts as accessible inline SVG; who may see it."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re

import openpyxl
import pytest

from governance.accounts.roles import Role
from governance.exports import XLSX_MEDIA_TYPE
from tests.helpers import login, make_user
from tests.status_data import FUKU_EXPECTED, FUKU_NAME, OVERDUE_TITLES, seed_status

CELL = re.compile(r'<td class="num[^"]*" data-key="(\w+)"><a href="([^"]+)"[^>]*>(\d+)</a></td>')


def _row(page: str, department: str) -> dict[str, tuple[int, str]]:
    """The figures of one row of the overview (``department`` is its id, or ``all``): key → (count, link)."""
    body = page.split(f'data-department="{department}">', 1)[1].split("</tr>", 1)[0]
    return {key: (int(n), html.unescape(href)) for key, href, n in CELL.findall(body)}


def _csv_rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text[:300]
    assert response.content.startswith("\ufeff".encode())
    header, *rows = csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
    return [dict(zip(header, r, strict=True)) for r in rows]


async def test_fuku_row_counts_the_seeded_records_and_the_total_adds_up(client):
    data = await seed_status()
    await login(client, "ciso")
    r = await client.get("/status")
    assert r.status_code == 200
    assert "状況一覧" in r.text and FUKU_NAME in r.text and "学校教育課" in r.text
    fuku = _row(r.text, str(data["fuku"]))
    assert {k: n for k, (n, _) in fuku.items()} == FUKU_EXPECTED
    kyoi = _row(r.text, str(data["kyoi"]))
    assert len(kyoi) == len(FUKU_EXPECTED) and all(n == 0 for n, _ in kyoi.values())
    total = _row(r.text, "all")
    joho = _row(r.text, str(data["joho"]))
    for key in ("checks_overdue", "measures_overdue", "findings_serious", "contracts_expiring", "sns_noncompliant"):
        assert total[key][0] == fuku[key][0] + joho[key][0], key  # one department per record: the total is the sum
    # a contractor with an expiring certificate but no contract counts in the total only
    assert total["certs_expiring"][0] == fuku["certs_expiring"][0] + 1
    assert fuku["checks_overdue"][1] == f"/checks?status=overdue&department_id={data['fuku']}"


async def test_every_figure_links_to_a_list_and_an_export_of_exactly_that_many_rows(client):
    data = await seed_status()
    await login(client, "kansa")
    page = (await client.get("/status")).text
    for department in (str(data["fuku"]), str(data["joho"]), "all"):
        for key, (count, href) in _row(page, department).items():
            listed = await client.get(href)
            assert listed.status_code == 200, (key, href)
            if count and department != "all":
                caption = re.search(r'<p class="filter-caption" role="status"><strong>([^<]+)</strong>', listed.text)
                assert caption and caption.group(1).endswith(f"（{count}件）"), (key, href, caption)
                assert "絞り込みを解除する" in listed.text
            exported = _csv_rows(await client.get(href + "&format=csv"))
            assert len(exported) == count, (department, key, href, len(exported))


async def test_clicked_overdue_list_names_the_filter_and_its_excel_reads_in_wareki(client):
    data = await seed_status()
    await login(client, "ciso")
    href = _row((await client.get("/status")).text, str(data["fuku"]))["checks_overdue"][1]
    listed = await client.get(href)
    assert f"{FUKU_NAME}・期限超過の確認（2件）" in listed.text
    assert 'href="/checks">絞り込みを解除する</a>' in listed.text
    x = await client.get(href + "&format=xlsx")
    assert x.status_code == 200 and x.headers["content-type"] == XLSX_MEDIA_TYPE
    sheet = openpyxl.load_workbook(io.BytesIO(x.content)).active
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, (c for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
    assert {r["件名"].value for r in rows} == OVERDUE_TITLES
    assert {r["所管課"].value for r in rows} == {FUKU_NAME} and {r["状態"].value for r in rows} == {"期限超過"}
    for r in rows:
        assert r["期限"].is_date and "ggge" in r["期限"].number_format  # a real date shown as 令和…年…月…日
    assert dt.datetime(2020, 1, 31) in {r["期限"].value for r in rows}


async def test_finding_contractor_engagement_and_service_lists_name_their_filters(client):
    data = await seed_status()
    await login(client, "ciso")
    fuku = _row((await client.get("/status")).text, str(data["fuku"]))
    expected = {
        "findings_serious": f"{FUKU_NAME}・重大・対応中の指摘事項（1件）",
        "measures_overdue": f"{FUKU_NAME}・措置の期限超過ありの指摘事項（1件）",
        "certs_expiring": f"{FUKU_NAME}と契約中・認証の有効期限が90日以内の委託事業者（1件）",
        "contracts_expiring": f"{FUKU_NAME}・契約期間の終了が90日以内の委託業務（1件）",
        "services_review": f"{FUKU_NAME}が利用又は申請・定期確認の期限が60日以内の外部サービス（1件）",
        "sns_noncompliant": f"{FUKU_NAME}・安全対策に不足ありのSNSアカウント（1件）",
    }
    for key, caption in expected.items():
        text = (await client.get(fuku[key][1])).text
        assert caption in text, (key, re.findall(r"filter-caption[^>]*><strong>([^<]+)<", text))
    serious = (await client.get(fuku["measures_overdue"][1])).text
    assert f'href="/findings/{data["serious"]}"' in serious and "福祉の重要な指摘" not in serious
    assert "株式会社ふくし情報" in (await client.get(fuku["certs_expiring"][1])).text
    assert "福祉総合システム保守業務" in (await client.get(fuku["contracts_expiring"][1])).text


async def test_charts_are_accessible_inline_svg_without_inline_style_and_match_the_table(client):
    await seed_status()
    await login(client, "ciso")
    page = (await client.get("/status")).text
    svgs = re.findall(r"<svg .*?</svg>", page, flags=re.S)
    assert len(svgs) >= 3
    for svg in svgs:
        assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg and "style=" not in svg
    findings = next(s for s in svgs if "重要度別" in s)
    assert f"{FUKU_NAME}：重大 1件・重要 1件・軽微 0件" in html.unescape(findings)
    overdue = next(s for s in svgs if "所属別の期限超過の確認" in s)
    assert f"{FUKU_NAME} 2件" in html.unescape(overdue)
    assert "<script" not in page.split("<main", 1)[-1].split("</main>", 1)[0]


@pytest.mark.parametrize(
    ("role", "allowed"),
    [(Role.security_officer, True), (Role.auditor, True), (Role.ciso, True), (Role.chief_security, True),
     (Role.department_staff, False), (Role.procurement, False), (Role.pr_staff, False), (Role.admin, False),
     (Role.security_manager, False)],
)  # fmt: skip
async def test_only_the_security_office_and_auditors_open_it_and_see_it_in_the_menu(client, role, allowed):
    await make_user("admin-seed", Role.admin)
    await make_user("someone", role)
    await login(client, "someone")
    r = await client.get("/status")
    assert r.status_code == (200 if allowed else 403)
    home = (await client.get("/")).text
    assert ('href="/status"' in home) is allowed


async def test_an_auditor_who_is_also_department_staff_still_sees_every_department(client):
    data = await seed_status()
    await make_user("kenmu", Role.department_staff, Role.auditor, dept="JOHO")
    await login(client, "kenmu")
    page = (await client.get("/status")).text
    assert {k: n for k, (n, _) in _row(page, str(data["fuku"])).items()} == FUKU_EXPECTED


async def test_a_scoped_reader_sees_only_their_own_department(client, app, monkeypatch):
    """Should a department role ever be granted the page, the overview holds only that department's row."""
    from governance.web.access import ACCESS_KEY

    data = await seed_status()
    [handler] = [
        h for route in app.routes if route.path == "/status" for h in route.route_handlers
        if "GET" in getattr(h, "http_methods", ())
    ]  # fmt: skip
    widened = frozenset({Role.department_staff, Role.security_officer, Role.auditor})
    monkeypatch.setitem(handler.opt, ACCESS_KEY, widened)
    await login(client, "fuku")
    page = (await client.get("/status")).text
    assert FUKU_NAME in page and "情報政策課" not in page and "学校教育課" not in page
    assert _row(page, "all")["checks_overdue"][0] == FUKU_EXPECTED["checks_overdue"]
    assert "ご自身の所属の状況です" in page
    assert {k: n for k, (n, _) in _row(page, str(data["fuku"])).items()} == FUKU_EXPECTED
