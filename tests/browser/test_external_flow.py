"""In a real browser: a department user registers a file-sharing SaaS, applies to use it for 機密性2 data with the
full-regime checklist (ISMAP included) and applies; a security officer reviews it, approves it and appoints the
administrator; the registry shows the service as approved with its next review date."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from governance.calendar import today_tokyo, wareki
from governance.external.regime import add_months
from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser
PASSWORD = "correct-horse-battery"


def _create_user(server, username: str, role: str, dept: str) -> None:
    command = [
        sys.executable, "-m", "governance", "users", "create", "--username", username,
        "--full-name", f"{username} 職員", "--department-code", dept, "--department-name", f"{dept}課",
        "--role", role, "--password-stdin",
    ]  # fmt: skip
    result = subprocess.run(
        command, env=server["env"], input=PASSWORD + "\n", capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _login(page, server, username: str) -> None:
    page.goto(server["url"] + "/login")
    page.fill("#f-username", username)
    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server["url"] + "/")


def test_department_applies_and_security_officer_approves(live_server, page):
    server = live_server
    _create_user(server, "shimin", "department_staff", "SHIMIN")
    _create_user(server, "ciso", "security_officer", "JOHO")
    _login(page, server, "shimin")

    # The department registers the service in the registry.
    page.click(".main-nav a:text-is('外部サービス')")
    page.click("text=外部サービスを登録する")
    page.fill("#f-name", "くもストレージ（ファイル共有）")
    page.fill("#f-provider_name", "くもクラウド合同会社")
    page.select_option("#f-max_confidentiality", "2")
    page.select_option("#f-data_location", "domestic")
    page.fill("#f-governing_law", "日本法")
    page.fill("#f-jurisdiction", "岐阜地方裁判所")
    page.select_option("#f-ismap", "ismap")
    page.fill("#f-ismap_number", "C23-0999-1")
    page.fill("#f-ismap_valid_until", (dt.date.today() + dt.timedelta(days=400)).isoformat())
    page.fill("#f-terms_version", "2026年4月版")
    page.click("button:has-text('登録する')")
    page.wait_for_url("**/external-services/*?notice=created")
    assert "機密性2以上を取り扱う外部サービス" in page.content()

    # It applies to use it for 機密性2 data; the checklist follows the classification (htmx swaps it).
    page.click("text=このサービスの利用を申請する")
    page.fill("#f-purpose", "委託事業者との打合せ資料の受け渡し")
    page.fill("#f-information", "打合せ資料・仕様書（非公開）")
    page.select_option("#f-confidentiality", "1")
    page.wait_for_selector("input[name=checklist][value='EXT-LOW-02']")
    page.select_option("#f-confidentiality", "2")
    page.wait_for_selector("input[name=checklist][value='EXT-SEL-10']")
    assert "ISMAP" in page.inner_text("#checklist") and "C23-0999-1" in page.inner_text("#checklist")
    page.fill("#f-account_count", "8")
    page.check("input[name=terms_reviewed]")
    page.fill("#f-measures", "多要素認証、共有リンクの有効期限30日")
    for box in page.locator("input[name=checklist]").all():
        box.check()
    page.click("button:has-text('下書きを保存する')")
    page.wait_for_url("**/external-services/applications/*?notice=created")
    assert page.locator("#check-EXT-SEL-10").count() == 1
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('申請する')")
    page.wait_for_url("**/external-services/applications/*?notice=saved")
    application_url = page.url.split("?")[0]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "external-application.png"), full_page=True)
    page.click("button:has-text('ログアウト')")
    page.wait_for_url("**/login?notice=signed_out")

    # The security officer reviews, approves and appoints the administrator.
    _login(page, server, "ciso")
    page.click("text=外部サービス利用申請の審査：くもストレージ（ファイル共有）")
    assert page.url.startswith(application_url)
    page.click("button:has-text('審査を開始する')")
    page.wait_for_url("**/external-services/applications/*?notice=saved")
    page.select_option("#f-administrator_id", label="shimin 職員（SHIMIN課）")
    page.fill("#f-comment", "ISMAP登録と対策を確認しました。")
    page.click("button:has-text('承認する')")
    page.wait_for_url("**/external-services/applications/*?notice=saved")
    assert "承認" in page.inner_text("h1") and "shimin 職員" in page.content()

    # The registry lists it as approved with its next review date.
    page.click(".main-nav a:text-is('外部サービス')")
    page.select_option("#f-status", "active")
    page.click("button:has-text('絞り込む')")
    row = page.locator("table.list tbody tr", has_text="くもストレージ（ファイル共有）")
    assert "承認済み" in row.inner_text() and wareki(add_months(today_tokyo(), 12)) in row.inner_text()
    assert "shimin 職員" in row.inner_text() and "SHIMIN課（8）" in row.inner_text()
    page.screenshot(path=str(ARTIFACTS / "external-registry.png"), full_page=True)
