"""In a real browser: procurement registers a contractor with ISMS, a マイナンバー engagement with 再委託, evaluates two
candidates against criteria including OUT-SEL-13 and submits; a security officer approves; the record downloads."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser
PASSWORD = "correct-horse-battery"


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


def _login(page, server, username: str) -> None:
    page.goto(server["url"] + "/login")
    page.fill("#f-username", username)
    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server["url"] + "/")


def test_contractor_engagement_selection_and_approval(live_server, page, tmp_path):
    server = live_server
    _create_user(server, "keiyaku", "procurement")
    _create_user(server, "ciso", "security_officer", dept="JOHO")
    _login(page, server, "keiyaku")

    # A contractor with an ISMS certificate, and a second one.
    page.click(".main-nav a:text-is('委託事業者')")
    page.click("text=委託事業者を登録する")
    page.fill("#f-name", "株式会社みどり情報システム")
    page.fill("#f-name_kana", "ミドリジョウホウシステム")
    page.fill("#f-corporate_number", "7000012050002")
    page.click("button:has-text('登録する')")
    page.wait_for_url("**/contractors/*?notice=created")
    until = (dt.date.today() + dt.timedelta(days=365)).isoformat()
    page.select_option("#certifications #f-kind", "isms")
    page.fill("#certifications #f-number", "IS 654321")
    page.fill("#certifications #f-valid_until", until)
    page.click("#certifications button:has-text('登録する')")
    page.wait_for_url("**/contractors/*?notice=saved#certifications")
    assert "IS 654321" in page.content()
    page.goto(server["url"] + "/contractors/new")
    page.fill("#f-name", "あおば電算株式会社")
    page.click("button:has-text('登録する')")
    page.wait_for_url("**/contractors/*?notice=created")

    # An engagement that handles マイナンバー with 再委託 at the contractor's premises.
    page.click(".main-nav a:text-is('委託業務・契約')")
    page.click("text=委託業務を登録する")
    page.fill("#f-title", "住民情報システム運用保守業務")
    page.fill("#f-start_date", "2026-04-01")
    page.fill("#f-end_date", "2027-03-31")
    page.select_option("#f-confidentiality", "3B")
    page.check("input[name=personal_info]")
    page.check("input[name=specific_personal_info]")
    page.check("input[name=segments][value=mynumber]")
    page.check("input[name=work_kinds][value=system_operation]")
    page.check("input[name=work_locations][value=contractor_site]")
    page.check("input[name=subcontracting]")
    page.fill("#f-subcontractors", "株式会社みどりサポート")
    page.click("button:has-text('登録する')")
    page.wait_for_url("**/engagements/*?notice=created")
    assert "特定個人情報（マイナンバー）に関わる業務" in page.content()

    # Selection: the criteria include OUT-SEL-13; two candidates are evaluated.
    page.select_option("#f-method", "open_proposal")
    page.click("button:has-text('選定を開始する')")
    page.wait_for_url("**/selections/*?notice=created")
    for name in ("株式会社みどり情報システム", "あおば電算株式会社"):
        page.select_option("#f-contractor_id", label=name)
        page.click("button:has-text('候補者に追加する')")
        page.wait_for_url("**/selections/*?notice=saved")
    assert page.locator("#crit-OUT-SEL-13").count() == 1
    # 「すべて適合」 answers the criteria left unanswered; the decision and the submission share the one form
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('すべて適合')")
    page.wait_for_url("**/selections/*?notice=filled")
    selects = page.locator("table.matrix select")
    assert all(selects.nth(i).input_value() for i in range(selects.count()))
    page.select_option("#f-decision", label="株式会社みどり情報システム")
    page.fill("#f-rationale", "提案内容と情報セキュリティ体制の評価が最も高かったため。")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('保存して承認を依頼する')")
    page.wait_for_url("**/selections/*?notice=submitted")
    assert "承認待ち" in page.content()
    selection_url = page.url.split("?")[0]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "selection-submitted.png"), full_page=True)
    page.click("button:has-text('ログアウト')")
    page.wait_for_url("**/login?notice=signed_out")

    # The security officer approves and downloads the record.
    _login(page, server, "ciso")
    assert "選定の承認：住民情報システム運用保守業務" in page.content()
    page.goto(selection_url)
    page.fill("#f-comment", "選定基準への適合を確認しました。")
    page.click("button:has-text('承認する')")
    page.wait_for_url("**/selections/*?notice=saved")
    assert "承認済み" in page.content()
    with page.expect_download() as download_info:
        page.click("text=選定記録（Word）をダウンロード")
    target = tmp_path / "record.docx"
    download_info.value.save_as(target)
    assert target.stat().st_size > 5000
    page.screenshot(path=str(ARTIFACTS / "selection-approved.png"), full_page=True)
    page.click("button:has-text('ログアウト')")
    page.wait_for_url("**/login?notice=signed_out")

    # Procurement makes the contract draft: the preview names each clause's reasons.
    _login(page, server, "keiyaku")
    engagement_url = page.goto(selection_url).url
    page.click("text=← 住民情報システム運用保守業務")
    page.click("text=契約書の画面へ")
    content = page.content()
    assert "特定個人情報を取り扱う事務の再委託" in content and "LAW-02" in content and "理由" in content
    page.click("button:has-text('現在の内容で契約書案を作成する')")
    page.wait_for_url("**/contract?notice=draft_created")
    assert "第1版" in page.content() and "承認されていない再委託先があります" in page.content()
    with page.expect_download() as contract_download:
        page.click("table.list >> text=Word")
    contract_download.value.save_as(tmp_path / "contract.docx")
    assert (tmp_path / "contract.docx").stat().st_size > 10000
    page.screenshot(path=str(ARTIFACTS / "contract.png"), full_page=True)
    page.locator("h3").first.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "contract-clauses.png"))
    assert engagement_url
