"""In a real browser, nothing typed is lost: the whole selection matrix is filled by hand and submitted without the
rationale (every answer and note comes back, the missing field is named), a 13 MB evidence file is refused by the page
and by the server with the form kept, and leaving a changed form asks first."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_selection_flow import _create_user, _login
from tests.browser.test_verification_flow import _refused_with_links_to_the_fields

pytestmark = pytest.mark.browser
ANSWERS = ("conforms", "fails", "not_applicable")


def _selection_with_two_candidates(page, server) -> str:
    """Two contractors, a マイナンバー engagement and a draft selection with both as candidates; its URL."""
    for name in ("株式会社みどり情報システム", "あおば電算株式会社"):
        page.goto(server["url"] + "/contractors/new")
        page.fill("#f-name", name)
        page.click("button:has-text('登録する')")
        page.wait_for_url("**/contractors/*?notice=created")
    page.goto(server["url"] + "/engagements/new")
    page.fill("#f-title", "住民情報システム運用保守業務")
    page.fill("#f-start_date", "2026-04-01")
    page.fill("#f-end_date", "2027-03-31")
    page.select_option("#f-confidentiality", "3B")
    page.check("input[name=personal_info]")
    page.check("input[name=specific_personal_info]")
    page.check("input[name=segments][value=mynumber]")
    page.check("input[name=work_kinds][value=system_operation]")
    page.check("input[name=work_locations][value=contractor_site]")
    page.click("button:has-text('登録する')")
    page.wait_for_url("**/engagements/*?notice=created")
    page.select_option("#f-method", "open_proposal")
    page.click("button:has-text('選定を開始する')")
    page.wait_for_url("**/selections/*?notice=created")
    for name in ("株式会社みどり情報システム", "あおば電算株式会社"):
        page.select_option("#f-contractor_id", label=name)
        page.click("button:has-text('候補者に追加する')")
        page.wait_for_url("**/selections/*?notice=saved")
    return page.url.split("?")[0]


def test_the_whole_matrix_is_kept_through_a_refused_submission(live_server, page, tmp_path):
    server = live_server
    _create_user(server, "keiyaku", "procurement")
    _login(page, server, "keiyaku")
    url = _selection_with_two_candidates(page, server)

    selects = page.locator("table.matrix select")
    notes = page.locator("table.matrix textarea")
    cells = selects.count()
    assert cells >= 10 and notes.count() == cells
    typed: dict[str, tuple[str, str]] = {}
    for i in range(cells):  # every cell by hand: an answer and a note
        name = selects.nth(i).get_attribute("name")
        answer, note = ANSWERS[i % 3], f"確認メモ{i + 1}"
        selects.nth(i).select_option(answer)
        notes.nth(i).fill(note)
        typed[name] = (answer, note)
    page.select_option("#f-decision", label="あおば電算株式会社")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('保存して承認を依頼する')")  # no rationale: refused after saving
    page.wait_for_load_state()
    summary = page.locator(".error-summary").inner_text()
    assert "提出できません" in summary and "選定理由を入力してください。" in summary
    for i in range(cells):
        name = page.locator("table.matrix select").nth(i).get_attribute("name")
        assert page.locator("table.matrix select").nth(i).input_value() == typed[name][0], name
        assert page.locator("table.matrix textarea").nth(i).input_value() == typed[name][1], name
    assert page.locator("#f-decision option:checked").inner_text() == "あおば電算株式会社"
    _refused_with_links_to_the_fields(page)  # a 422 whose summary leads to each field

    # the values were saved too: a fresh load shows them
    page.goto(url)
    for i in range(cells):
        name = page.locator("table.matrix select").nth(i).get_attribute("name")
        assert page.locator("table.matrix select").nth(i).input_value() == typed[name][0], name
    page.fill("#f-rationale", "提案内容と情報セキュリティ体制の評価が最も高かったため。")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('保存して承認を依頼する')")
    page.wait_for_url("**/selections/*?notice=submitted")
    assert "承認待ち" in page.content() and "保存して、承認を依頼しました。" in page.content()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "selection-one-form-submitted.png"), full_page=True)


def test_a_13_mb_upload_keeps_the_form_and_leaving_a_changed_form_asks_first(live_server, page, tmp_path):
    server = live_server
    _create_user(server, "keiyaku", "procurement")
    _login(page, server, "keiyaku")
    url = _selection_with_two_candidates(page, server)
    big = tmp_path / "体制図.pdf"
    big.write_bytes(b"%PDF-1.4\n" + b"0" * (13 * 1024 * 1024))
    first = page.locator("table.matrix select").first
    key = first.get_attribute("name").removeprefix("answer-")
    first.select_option("fails")
    page.fill(f"textarea[name='note-{key}']", "ISMSの適用範囲に運用拠点が含まれていない")
    page.fill("#f-rationale", "仮の選定理由")
    assert "10 MB まで" in page.locator(f"#evidence-{key}-limit").inner_text()

    # the page refuses the file at once and does not send it
    page.set_input_files(f"#f-evidence-{key}", str(big))
    error = page.locator(f".upload-error[data-for='evidence-{key}']")
    assert "ファイルが大きすぎます（13 MB）" in error.inner_text() and "10 MBまでです" in error.inner_text()
    here = page.url
    page.click("button:has-text('保存する')")
    page.wait_for_timeout(300)
    assert page.url == here and error.is_visible()  # nothing was sent

    # without the page's check (an old browser, JavaScript off), the server refuses it and shows the form again
    page.evaluate("document.querySelectorAll('[data-max-bytes]').forEach(e => e.removeAttribute('data-max-bytes'))")
    page.click("button:has-text('保存する')")
    page.wait_for_load_state()
    assert page.url.endswith("/save")
    _refused_with_links_to_the_fields(page)
    field_error = page.locator(f"td:has(#f-evidence-{key}) .field-error").inner_text()
    assert "ファイルが大きすぎます（13 MB）" in field_error and "他の入力内容は残っています" in field_error
    assert page.locator(f"#f-answer-{key}").input_value() == "fails"
    assert page.input_value(f"textarea[name='note-{key}']") == "ISMSの適用範囲に運用拠点が含まれていない"
    assert page.input_value("#f-rationale") == "仮の選定理由"
    page.screenshot(path=str(ARTIFACTS / "selection-upload-too-large.png"), full_page=True)

    # a changed form asks before the page is left; staying keeps what was typed
    page.goto(url)
    page.fill("#f-rationale", "まだ保存していない理由")
    dialogs: list[str] = []

    def stay(dialog) -> None:
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.once("dialog", stay)
    page.click(".main-nav a:text-is('委託事業者')", no_wait_after=True)
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"] and page.url.split("?")[0] == url
    assert page.input_value("#f-rationale") == "まだ保存していない理由"
    # saving clears the warning: the next page opens without a question
    page.click("button:has-text('保存する')")
    page.wait_for_url("**/selections/*?notice=saved")
    page.click(".main-nav a:text-is('委託事業者')")
    page.wait_for_url("**/contractors")
    assert dialogs == ["beforeunload"]
