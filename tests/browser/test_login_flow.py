"""In a real browser: first-run setup link, sign-in, home page, admin creates a user, the user is refused admin."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser


def _setup_link(server) -> str:
    text = server["log"].read_text()
    match = re.search(r"(http://127\.0\.0\.1:\d+/setup/\S+)", text)
    assert match, text
    return match.group(1)


def test_first_admin_setup_login_and_home(live_server, page):
    page.goto(_setup_link(live_server))
    assert "最初の管理者" in page.content()
    page.fill("#f-department_code", "JOHO")
    page.fill("#f-department_name", "総務部 情報政策課")
    page.fill("#f-username", "admin")
    page.fill("#f-full_name", "管理 太郎")
    page.fill("#f-password", "correct-horse-battery")
    page.fill("#f-password_confirm", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_url("**/login?notice=setup_done")
    assert "初期設定が完了しました" in page.content()

    page.fill("#f-username", "admin")
    page.fill("#f-password", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_url(live_server["url"] + "/")
    assert page.locator("h1").inner_text() == "ホーム"
    assert "対応する必要のある事項はありません" in page.content()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "home.png"), full_page=True)

    # The administrator creates a procurement user through the admin page.
    page.click(".main-nav a:text-is('管理')")
    page.click("text=ユーザーを登録する")
    page.fill("#f-username", "keiyaku")
    page.fill("#f-full_name", "契約 花子")
    page.select_option("#f-department_id", label="総務部 情報政策課")
    page.check("input[name=roles][value=procurement]")
    page.fill("#f-password", "another-long-secret")
    page.click("button:has-text('登録する')")
    assert "登録しました" in page.content()
    page.screenshot(path=str(ARTIFACTS / "admin-user.png"), full_page=True)
    page.click("button:has-text('ログアウト')")
    page.wait_for_url("**/login?notice=signed_out")

    page.fill("#f-username", "keiyaku")
    page.fill("#f-password", "another-long-secret")
    page.click("button[type=submit]")
    page.wait_for_url(live_server["url"] + "/")
    assert "管理" not in [t.strip() for t in page.locator(".main-nav a").all_inner_texts()]
    response = page.goto(live_server["url"] + "/admin/users")
    assert response.status == 403
    assert "アクセスする権限がありません" in page.content()
    page.problems.clear()  # the 403 above is expected, and the browser logs it as a failed resource


def test_audit_verify_after_browser_session(live_server, page):
    """The steps taken through the browser are on the audit page and the chain verifies."""
    page.goto(_setup_link(live_server))
    for field, value in (
        ("department_code", "JOHO"),
        ("department_name", "情報政策課"),
        ("username", "admin"),
        ("full_name", "管理 太郎"),
        ("password", "correct-horse-battery"),
        ("password_confirm", "correct-horse-battery"),
    ):
        page.fill(f"#f-{field}", value)
    page.click("button[type=submit]")
    page.wait_for_url("**/login?notice=setup_done")
    page.fill("#f-username", "admin")
    page.fill("#f-password", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_url(live_server["url"] + "/")  # let the sign-in finish before navigating on
    page.goto(live_server["url"] + "/audit")
    text = page.content()
    assert "初期設定（最初の管理者の作成）" in text and "ログイン" in text
    result = subprocess.run(
        [sys.executable, "-m", "governance", "audit", "verify"],
        env=live_server["env"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
