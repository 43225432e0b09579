"""In a real browser: the procurement clerk imports a 30-row 業者台帳 with one bad 法人番号 and fixes it."""

from __future__ import annotations

import io
import subprocess
import sys

import openpyxl
import pytest

from tests.browser.conftest import ARTIFACTS
from tests.import_files import CONTRACTOR_HEADERS, as_xlsx, ledger_rows

pytestmark = pytest.mark.browser
PASSWORD = "correct-horse-battery"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _create_user(server, username: str, role: str, dept: str = "KEIYAKU") -> None:
    command = [
        sys.executable, "-m", "governance", "users", "create", "--username", username,
        "--full-name", f"{username} 職員", "--department-code", dept, "--department-name", f"{dept}課",
        "--role", role, "--password-stdin",
    ]  # fmt: skip
    result = subprocess.run(
        command, env=server["env"], input=PASSWORD + "\n", capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_clerk_imports_a_ledger_fixing_the_bad_corporate_number(live_server, page):
    server = live_server
    _create_user(server, "keiyaku", "procurement")
    page.goto(server["url"] + "/login")
    page.fill("#f-username", "keiyaku")
    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server["url"] + "/")

    page.click(".main-nav a:text-is('委託事業者')")
    page.click("text=一覧を取り込む（Excel・CSV）")
    assert page.locator("h1").inner_text() == "委託事業者の一覧の取込み（Excel・CSV）"
    with page.expect_download() as download:
        page.click("text=Excelテンプレート（.xlsx）")
    template = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes()))
    assert [c.value for c in template["取込データ"][1]][:2] == ["法人番号", "名称"]

    # The ledger as the clerk keeps it, with a typo in row 17's 法人番号.
    page.set_input_files(
        "#import-file",
        {"name": "業者台帳.xlsx", "mimeType": XLSX, "buffer": as_xlsx(CONTRACTOR_HEADERS, ledger_rows(30, bad_row=17))},
    )
    page.click("button:has-text('検査する')")
    errors = page.locator("#import-error-table tbody tr")
    assert errors.count() == 1
    assert errors.first.inner_text().split("\t")[:3] == ["17行目", "株式会社取込テスト16", "法人番号"]
    assert "検査用数字" in errors.first.inner_text()
    assert "1行も登録していません" in page.content()
    assert page.problems == [  # the browser logs the expected 422 as a failed resource; nothing else
        "console error: Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"
    ]
    page.problems.clear()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "import-errors.png"), full_page=True)

    # Fixed in Excel and chosen again: every row is right, and 取り込む registers all thirty.
    page.click("text=ファイルを選び直す")
    page.set_input_files(
        "#import-file",
        {"name": "業者台帳.xlsx", "mimeType": XLSX, "buffer": as_xlsx(CONTRACTOR_HEADERS, ledger_rows(30))},
    )
    page.click("button:has-text('検査する')")
    assert "30行すべてに誤りはありません" in page.locator("#import-ready").inner_text()
    page.click("button:has-text('取り込む')")
    page.wait_for_url("**/contractors?notice=imported")
    assert "一覧を取り込みました" in page.content()
    assert page.locator("p.count").inner_text().startswith("30件")
    page.click("text=株式会社取込テスト01")
    assert "ISMS" in page.content() and "プライバシーマーク" in page.content()
