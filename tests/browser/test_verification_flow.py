"""In a real browser: department staff open a signed contract's check, record one item 不適合 with a note and the
others 適合, follow the finding, decide a measure, record it as carried out with evidence and close the finding; a
second person signs the check off. No page logs a console error."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser
PASSWORD = "correct-horse-battery"
ROOT = Path(__file__).resolve().parents[2]
PDF = b"%PDF-1.4\n% evidence\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"

SETUP = """
import asyncio, json
from governance.db import close_connections
from tests.helpers import multi_item_check, sign_contract_now

async def main():
    try:
        sc = await sign_contract_now()
        check = await multi_item_check(sc.engagement_id, future=True)
        print(json.dumps({"engagement": sc.engagement_id, "check": check["id"], "title": check["title"]}))
    finally:
        await close_connections()

asyncio.run(main())
"""


def _signed_contract(server) -> dict:
    """Sign a マイナンバー contract in the live server's database (people: tantou, kakunin, keiyaku, ciso, ciso2)."""
    env = {**server["env"], "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", SETUP], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def _login(page, server, username: str) -> None:
    page.goto(server["url"] + "/login")
    page.fill("#f-username", username)
    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server["url"] + "/")


def _refused_with_links_to_the_fields(page) -> None:
    """A 422 page whose error summary links each point at a field on the page (so a click moves to it)."""
    assert page.problems == [  # the browser logs the expected 422 as a failed resource; nothing else
        "console error: Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"
    ], page.problems
    page.problems.clear()
    links = page.locator(".error-summary a[href^='#']")
    assert links.count() > 0
    for i in range(links.count()):
        target = links.nth(i).get_attribute("href")
        assert page.locator(target).count() == 1, target
    links.first.click()
    assert page.evaluate("document.activeElement.id") == links.first.get_attribute("href")[1:] or page.url.endswith(
        links.first.get_attribute("href")
    )


def test_record_a_nonconformity_and_close_its_finding(live_server, page, tmp_path):
    server = live_server
    data = _signed_contract(server)
    check_url = f"{server['url']}/checks/{data['check']}"
    _login(page, server, "tantou")

    page.click(".main-nav a:text-is('確認・措置')")
    page.wait_for_url("**/checks")
    page.check("input[name=mine]")
    page.click("button:has-text('絞り込む')")
    page.wait_for_url("**/checks?*mine=1*")
    page.click(f"a[href='/checks/{data['check']}']")
    page.wait_for_url(check_url)
    assert page.locator("h1").inner_text() == data["title"]
    rows = page.locator("table.checklist tbody tr")
    item_ids = [rows.nth(i).get_attribute("id").removeprefix("item-") for i in range(rows.count())]
    assert len(item_ids) > 1
    for item_id in item_ids:  # each line names its clause and requirements
        assert page.locator(f"#item-{item_id} .tag").count() >= 2

    # 不適合 without a note is refused next to the item, with the choices kept; the summary leads to the field
    first = item_ids[0]
    page.select_option(f"#f-result_{first}", "nonconforming")
    page.select_option(f"#f-severity_{first}", "major")
    page.click("button:has-text('記録を保存する')")
    page.wait_for_load_state()
    assert "不適合の場合は、その内容を所見に記入してください。" in page.locator(f"#item-{first}").inner_text()
    _refused_with_links_to_the_fields(page)
    assert page.input_value(f"#f-result_{first}") == "nonconforming"
    assert page.input_value(f"#f-severity_{first}") == "major"

    # every item in one form, saved with one button
    page.fill(f"#f-note_{first}", "従事者名簿に記載のない者が作業に従事していました。")
    evidence = tmp_path / "報告書.pdf"
    evidence.write_bytes(PDF)
    for n, item_id in enumerate(item_ids[1:]):
        page.select_option(f"#f-result_{item_id}", "conforming")
        page.fill(f"#f-note_{item_id}", "報告書で確認しました。")
        if n == 0:
            page.set_input_files(f"#f-evidence_{item_id}", str(evidence))
    page.click("button:has-text('記録を保存する')")
    page.wait_for_url(check_url + "?notice=saved")
    assert page.locator(f"#item-{first} .result-nonconforming").count() == 1
    assert page.locator("table.checklist .result-conforming").count() == len(item_ids) - 1
    assert page.locator(f"#item-{item_ids[1]} a:has-text('証跡ファイル')").count() == 1
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "check-recorded.png"), full_page=True)

    # the finding, its measure, and closing both
    page.click("section:has(h2:text-is('指摘事項')) a")
    page.wait_for_url("**/findings/*")
    finding_url = page.url
    assert "従事者名簿に記載のない者が作業に従事していました。" in page.content() and "重要" in page.content()
    page.select_option("#f-kind", "improvement_order")
    page.fill("#f-description", "従事者名簿の更新と、従事者への周知の実施報告を求める。")
    page.select_option("#f-owner_id", label="tantou 氏（総務部 情報政策課）")
    page.fill("#f-due_on", (dt.date.today() + dt.timedelta(days=14)).isoformat())
    page.click("button:has-text('措置を追加する')")
    page.wait_for_url(finding_url + "?notice=saved")
    assert "改善指示" in page.locator("#measures table").inner_text()

    page.fill("#measures textarea[name=note]", "更新後の従事者名簿と周知の実施報告書の提出を受けました。")
    page.set_input_files("#measures input[type=file]", str(evidence))
    page.click("button:has-text('完了を記録する')")
    page.wait_for_url(finding_url + "?notice=saved")
    measures = page.locator("#measures table").inner_text()
    assert "完了" in measures and "更新後の従事者名簿" in measures and "証跡ファイル" in measures

    page.click("button:has-text('指摘事項を完了する')")  # without a verification note: refused
    page.wait_for_load_state()
    assert "是正を確認した方法と結果を入力してください。" in page.content()
    _refused_with_links_to_the_fields(page)
    page.fill("#f-verification_note", "提出された名簿の原本と周知記録を照合しました。")
    page.click("button:has-text('指摘事項を完了する')")
    page.wait_for_url(finding_url + "?notice=saved")
    assert "提出された名簿の原本と周知記録を照合しました。" in page.content()
    assert page.locator("button:has-text('措置を追加する')").count() == 0
    page.screenshot(path=str(ARTIFACTS / "finding-closed.png"), full_page=True)

    # the check goes to a second person, who signs it off
    page.goto(check_url)
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('実施済みとして承認を依頼する')")
    page.wait_for_url(check_url + "?notice=saved")
    assert page.locator("button:has-text('確認結果を承認する')").count() == 0
    page.click("button:has-text('ログアウト')")
    page.wait_for_url("**/login?notice=signed_out")
    _login(page, server, "kakunin")
    page.goto(check_url)
    page.fill("#f-note", "名簿と周知記録を確認しました。")
    page.click("button:has-text('確認結果を承認する')")
    page.wait_for_url(check_url + "?notice=saved")
    assert "完了" in page.locator("dl.props").inner_text()
    page.goto(server["url"] + "/findings?status=closed")
    assert page.locator(f"a[href='{finding_url.removeprefix(server['url'])}']").count() == 1
