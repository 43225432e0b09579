"""In a real browser: PR staff register an X account with its responsible person and rules, tick the security
checklist, run post checks (a valid マイナンバー is flagged, a wrong check digit is not); a security officer approves;
the account appears on the public list and the verify API answers "official"."""

from __future__ import annotations

import subprocess
import sys

import pytest

from governance.calendar import today_tokyo
from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser
PASSWORD = "correct-horse-battery"

SEED_PLATFORM = """
import anyio
from governance.actor import Actor
from governance.external.schemas import ServiceCreate
from governance.external.services import RegistryService

async def main():
    from governance.accounts.tables import Department
    from governance.external.tables import ExternalService, ServiceUsage

    sid = await RegistryService().create(
        ServiceCreate(name="X", kind="social_media", platform="x", provider_name="X Corp."),
        scheme="R6", actor=Actor.system("test"),
    )
    # an account opens only on a platform whose use is approved for its department (秘書広報課 here)
    koho = await Department.select(Department.id).where(Department.code == "KOHO").first()
    await ExternalService.update({ExternalService.status: "operating"}).where(ExternalService.id == sid)
    await ServiceUsage.insert(ServiceUsage(service=sid, department=koho["id"]))

anyio.run(main)
"""


def _run(server, command: list[str], stdin: str = "") -> None:
    result = subprocess.run(
        command, env=server["env"], input=stdin, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _create_user(server, username: str, role: str, dept: str) -> None:
    _run(server, [
        sys.executable, "-m", "governance", "users", "create", "--username", username,
        "--full-name", f"{username} 職員", "--department-code", dept, "--department-name", f"{dept}課",
        "--role", role, "--password-stdin",
    ], PASSWORD + "\n")  # fmt: skip


def _login(page, server, username: str) -> None:
    page.goto(server["url"] + "/login")
    page.fill("#f-username", username)
    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server["url"] + "/")


def _post_check(page, text: str) -> str:
    page.fill("#f-text", text)
    with page.expect_response("**/social-accounts/post-check"):
        page.click("#postcheck-form button[type=submit]")
    page.wait_for_selector("#postcheck-findings")
    return page.inner_html("#postcheck-result")


def test_register_account_check_posts_approve_and_verify(live_server, page):
    server = live_server
    _create_user(server, "koho", "pr_staff", "KOHO")
    _create_user(server, "ciso", "security_officer", "JOHO")
    _run(server, [sys.executable, "-c", SEED_PLATFORM])
    today = today_tokyo().isoformat()

    _login(page, server, "koho")
    page.click(".main-nav a:text-is('SNSアカウント')")
    page.click("text=アカウントを登録する（開設申請）")
    page.select_option("#f-service_id", label="X（旧Twitter）（X）")
    page.fill("#f-url", "https://twitter.com/Midori_Koho/")
    page.fill("#f-display_name", "みどり市広報")
    page.fill("#f-purpose", "市政情報や防災情報をお知らせするため")
    page.fill("#f-responsible_name", "広報 課長")
    page.fill("#f-responsible_title", "秘書広報課長")
    page.check("input[name=content_categories][value='市政・行政のお知らせ']")
    page.check("input[name=content_categories][value='防災・災害・緊急情報']")
    page.fill("#f-hours_start", "08:30")
    page.fill("#f-hours_end", "17:15")
    page.select_option("#f-approval", "responsible")
    page.click("button:has-text('登録して開設を申請する')")
    page.wait_for_url("**/social-accounts/*?notice=created")
    assert "開設申請中" in page.inner_text("#account-status")
    assert "不足あり" in page.inner_text("#compliance")
    assert "@Midori_Koho" in page.content() and "https://x.com/Midori_Koho" in page.content()

    # every item except MFA: still non-compliant; then MFA ticked: compliant
    form = "#checklist-form"
    page.fill(f"{form} #f-recovery_email", "koho@city.midori.lg.jp")
    page.check(f"{form} input[name=login_alerts]")
    page.fill(f"{form} #f-third_party_apps_reviewed_on", today)
    page.check(f"{form} input[name=listed_on_website]")
    page.select_option(f"{form} #f-badge", "obtained")
    page.fill(f"{form} #f-password_changed_on", today)
    page.click(f"{form} button[type=submit]")
    page.wait_for_url("**/social-accounts/*?notice=saved#security")
    assert "不足あり" in page.inner_text("#compliance")
    assert "多要素認証が有効になっていません" in page.inner_text("#security")
    page.check(f"{form} input[name=mfa_enabled]")
    page.click(f"{form} button[type=submit]")
    page.wait_for_url("**/social-accounts/*?notice=saved#security")
    assert "適合" in page.inner_text("#compliance")
    account_url = page.url.split("?")[0]

    # post checks (htmx): a valid マイナンバー written with full-width digits and spaces, then a wrong check digit
    page.click("text=このアカウントで投稿チェック")
    result = _post_check(page, "申請者（個人番号 １２３４ ５６７８ ９０１８）の件")
    assert 'data-rule="mynumber"' in result and "このままでは投稿できません" in result
    result = _post_check(page, "受付番号 1234 5678 9012 の件は https://www.city.midori.lg.jp/ をご覧ください")
    assert 'data-rule="mynumber"' not in result and "見つかりませんでした" in result
    if ARTIFACTS.exists():
        page.screenshot(path=str(ARTIFACTS / "social-post-check.png"), full_page=True)

    # a security officer approves; the public list shows the account and the verify API answers official
    page.click("button:has-text('ログアウト')")
    _login(page, server, "ciso")
    page.goto(account_url)
    page.click("#applications button:has-text('承認する')")
    page.wait_for_url("**/social-accounts/*?notice=saved#applications")
    assert "運用中" in page.inner_text("#account-status")
    page.goto(server["url"] + "/official-accounts")
    assert "みどり市広報" in page.inner_text("#official-accounts")
    for q in ("https://twitter.com/midori_koho/", "https://x.com/MIDORI_KOHO"):
        answer = page.request.get(server["url"] + "/api/public/v1/official-accounts/verify", params={"q": q}).json()
        assert answer["result"] == "official", answer
