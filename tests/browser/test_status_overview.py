"""In a real browser (issue 14, "Done when"): the security officer opens 状況一覧 from the menu, clicks 福祉課's
overdue-check count, sees the list named 「健康福祉部 福祉課・期限超過の確認（2件）」, exports it to Excel, and the
downloaded file holds those two checks with their due dates shown as 和暦 and the Japanese intact."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from tests.browser.conftest import ARTIFACTS
from tests.status_data import FUKU_EXPECTED, FUKU_NAME, OVERDUE_TITLES

pytestmark = pytest.mark.browser
PASSWORD = "correct-horse-battery"
ROOT = Path(__file__).resolve().parents[2]

SETUP = """
import asyncio, json
from governance.db import close_connections
from tests.status_data import seed_status

async def main():
    try:
        print(json.dumps(await seed_status()))
    finally:
        await close_connections()

asyncio.run(main())
"""


def test_security_officer_exports_fuku_overdue_checks_from_the_overview(live_server, page, tmp_path):
    server = live_server
    env = {**server["env"], "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", SETUP], env=env, cwd=ROOT, capture_output=True, text=True, timeout=180, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    ids = json.loads(result.stdout.strip().splitlines()[-1])

    page.goto(server["url"] + "/login")
    page.fill("#f-username", "ciso")
    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server["url"] + "/")
    page.click(".main-nav a:text-is('状況一覧')")
    page.wait_for_url(server["url"] + "/status")
    assert page.locator("h1").inner_text() == "状況一覧"
    fuku_row = page.locator(f"#status-overview tr[data-department='{ids['fuku']}']")
    assert fuku_row.locator("th").inner_text() == FUKU_NAME
    for key, expected in FUKU_EXPECTED.items():
        assert fuku_row.locator(f"td[data-key='{key}'] a").inner_text() == str(expected), key
    charts = page.locator("svg.chart[role='img']")
    assert charts.count() >= 3 and charts.first.locator("title").count() == 1
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "status-overview.png"), full_page=True)

    fuku_row.locator("td[data-key='checks_overdue'] a").click()
    page.wait_for_url("**/checks?status=overdue&department_id=*")
    assert page.locator(".filter-caption strong").inner_text() == f"{FUKU_NAME}・期限超過の確認（2件）"
    assert set(page.locator("table.checks tbody td:nth-child(2) a").all_inner_texts()) == OVERDUE_TITLES

    with page.expect_download() as info:
        page.click("a:text-is('Excel形式で出力')")
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    sheet = openpyxl.load_workbook(saved).active
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)]
    assert {r["件名"].value for r in rows} == OVERDUE_TITLES  # the Japanese survives the round trip
    assert {r["所管課"].value for r in rows} == {FUKU_NAME} and {r["状態"].value for r in rows} == {"期限超過"}
    for r in rows:
        assert r["期限"].is_date and r["期限"].number_format.startswith("[$-411]ggge")  # shown as 令和…年…月…日
    assert dt.datetime(2020, 1, 31) in {r["期限"].value for r in rows}

    page.click("a:text-is('絞り込みを解除する')")
    page.wait_for_url(server["url"] + "/checks")
    assert page.locator(".filter-caption").count() == 0
