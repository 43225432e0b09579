"""In a real browser, the documents around a contract (issue 13's "done when"):

1. procurement opens an engagement with no contractor and no selection, reads on its 調達用書類 page the 特記事項
   clauses and the 仕様書 sections, creates the 調達用一式 and downloads the recorded zip;
2. department staff open a due check of a signed contract and download a 様式 pre-filled with the engagement and
   the contractor;
3. with a candidate clause library that adds a clause for every contract, a security officer sees the signed
   contract listed as lacking it; once the operator promotes the candidate (``governance templates promote``),
   procurement drafts the 変更契約書（覚書） with one button and downloads it with its 新旧対照表.

Every page is checked for console errors, requests to any host but the test server, and basic accessibility.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from docx import Document

from tests.browser.conftest import ARTIFACTS
from tests.helpers import NEW_CLAUSE, REVISED_VERSION, revised_library

pytestmark = pytest.mark.browser
PASSWORD = "correct-horse-battery"
ROOT = Path(__file__).resolve().parents[2]
CONTRACTOR = "株式会社みどり情報"  # the contractor of tests.helpers.sign_contract
BID_TITLE = "戸籍情報システム更改業務"
NEW_CLAUSE_TITLE = "生成AIの利用"  # the clause tests.helpers.revised_library adds

SETUP = """
import asyncio, json, sys
from governance.calendar import today_tokyo
from governance.contracts.context import Municipality
from governance.db import close_connections
from governance.engagements.services import EngagementService
from governance.settings import get_settings
from governance.verification.services import CheckFormService
from tests.helpers import checks_of, engagement_data, sign_contract_now

async def main():
    try:
        sc = await sign_contract_now()
        bid = await EngagementService().create(
            engagement_data(title=sys.argv[1], department_id=sc.department_id), actor=sc.procurement
        )
        forms = CheckFormService(templates_dir=get_settings().contract_templates_dir, municipality=Municipality("", ""))
        for check in await checks_of(sc.engagement_id):
            if check["status"] == "planned" and check["due_on"] >= today_tokyo():
                offered = await forms.offered(check["id"])
                if offered:
                    break
        else:
            raise AssertionError("no due check offers a form")
        print(json.dumps({
            "engagement": sc.engagement_id, "bid_engagement": bid, "check": check["id"],
            "check_title": check["title"], "forms": [f.id for f in offered],
        }))
    finally:
        await close_connections()

asyncio.run(main())
"""

A11Y = """() => {
  const problems = [];
  const root = document.documentElement;
  if (root.lang !== "ja") problems.push("html lang is " + JSON.stringify(root.lang));
  if (!document.title.trim()) problems.push("no <title>");
  if (!document.querySelector("main")) problems.push("no <main>");
  const h1 = document.querySelectorAll("h1").length;
  if (h1 !== 1) problems.push(h1 + " <h1>");
  let previous = 0;
  for (const h of document.querySelectorAll("h1, h2, h3, h4, h5, h6")) {
    const level = Number(h.tagName[1]);
    if (previous && level > previous + 1) problems.push(`heading h${previous} -> h${level}: ${h.textContent.trim()}`);
    previous = level;
  }
  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (["hidden", "submit", "button", "reset", "image"].includes(el.type)) continue;
    const labelled = (el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`)) || el.closest("label")
      || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby") || el.getAttribute("title");
    if (!labelled) problems.push("control without a label: " + el.outerHTML.slice(0, 120));
  }
  for (const el of document.querySelectorAll("a[href], button")) {
    const name = (el.textContent || "").trim() || el.getAttribute("aria-label") || el.getAttribute("title");
    if (!name) problems.push("link or button without a name: " + el.outerHTML.slice(0, 120));
  }
  for (const img of document.querySelectorAll("img:not([alt])")) problems.push("image without alt: " + img.src);
  const seen = new Set();
  for (const el of document.querySelectorAll("[id]")) {
    if (seen.has(el.id)) problems.push("duplicate id " + el.id);
    seen.add(el.id);
  }
  return problems;
}"""


def _setup(server) -> dict:
    """In the live server's database: a signed マイナンバー contract (people keiyaku, ciso, ciso2, tantou, kakunin),
    one due check of it that offers a 様式, and an engagement with no selection and no contractor."""
    env = {**server["env"], "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", SETUP, BID_TITLE],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def _watch_hosts(page, server) -> None:
    """Record every request the page makes to anything but the test server (the app runs in closed networks)."""
    allowed = (server["url"] + "/", "data:", "blob:", "about:")
    page.on(
        "request", lambda r: None if r.url.startswith(allowed) else page.problems.append(f"foreign request: {r.url}")
    )


def _page_ok(page) -> None:
    """The page now shown logged no error, asked no other host, and passes the basic accessibility checks."""
    page.wait_for_load_state()
    assert page.problems == [], (page.url, page.problems)
    assert page.evaluate(A11Y) == [], page.url


def _login(page, server, username: str) -> None:
    page.goto(server["url"] + "/login")
    _page_ok(page)
    page.fill("#f-username", username)
    page.fill("#f-password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server["url"] + "/")
    _page_ok(page)


def _logout(page) -> None:
    page.click("button:has-text('ログアウト')")
    page.wait_for_url("**/login?notice=signed_out")


def _download(page, target: Path, click) -> tuple[bytes, str]:
    """Click, wait for the download, save it; return its bytes and the file name the server suggested."""
    with page.expect_download() as info:
        click()
    info.value.save_as(target)
    return target.read_bytes(), info.value.suggested_filename


def _docx_text(data: bytes) -> str:
    """A Word document's text: paragraphs, then table cells."""
    doc = Document(io.BytesIO(data))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_bid_package_before_selection_and_prefilled_form_of_a_check(live_server, page, tmp_path):
    server = live_server
    _watch_hosts(page, server)
    data = _setup(server)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    # 1. Procurement: the engagement (no contractor, no selection) → 調達用書類
    _login(page, server, "keiyaku")
    page.click(".main-nav a:text-is('委託業務・契約')")
    page.wait_for_url("**/engagements")
    _page_ok(page)
    page.click(f"a[href='/engagements/{data['bid_engagement']}']")
    page.wait_for_url(f"**/engagements/{data['bid_engagement']}")
    _page_ok(page)
    assert page.locator("h1").inner_text() == BID_TITLE
    page.click("a.button:text-is('調達用書類の画面へ')")
    bid_url = f"{server['url']}/engagements/{data['bid_engagement']}/bid-documents"
    page.wait_for_url(bid_url)
    _page_ok(page)
    assert "調達用一式はまだ作成されていません。" in page.content()
    clauses = page.locator("section:has(h2:text-is('特記事項に入る条項')) tbody tr td:nth-child(2)")
    titles = [clauses.nth(i).inner_text().splitlines()[0].strip() for i in range(clauses.count())]
    assert len(titles) > 5 and "再委託の制限" in titles, titles
    sections = page.locator("section:has(h2:text-is('仕様書（情報セキュリティに関する事項）')) .clause")
    assert sections.count() > 3
    spec_headings = [sections.nth(i).locator("strong").first.inner_text() for i in range(sections.count())]
    assert spec_headings[0].startswith("第１　"), spec_headings

    page.click("button:has-text('現在の内容で調達用一式を作成する')")
    page.wait_for_url(bid_url + "?notice=bid_package_created")
    _page_ok(page)
    assert page.locator("p.notice").inner_text() == "調達用一式を作成しました。一覧からダウンロードできます。"
    packages = page.locator("table:has(caption:text-is('作成した調達用一式')) tbody tr")
    assert packages.count() == 1 and packages.first.locator("td").first.inner_text() == "第1版"
    zipped, name = _download(page, tmp_path / "package.zip", packages.first.locator("a:text-is('ZIP')").click)
    assert name == f"調達用一式_{data['bid_engagement']}_第1版.zip", name
    archive = zipfile.ZipFile(io.BytesIO(zipped))
    names = archive.namelist()
    assert names[:3] == [
        "00_目次.docx",
        "01_仕様書（情報セキュリティに関する事項）.docx",
        "02_情報セキュリティに関する特記事項.docx",
    ], names
    forms = [n for n in names if re.match(r"^0[45]_様式", n)]
    assert forms and all(n.endswith(".docx") for n in forms), names
    annex = _docx_text(archive.read("02_情報セキュリティに関する特記事項.docx"))
    assert "受注者" in annex and CONTRACTOR not in annex
    for title in titles:
        assert f"（{title}）" in annex, title
    spec = _docx_text(archive.read("01_仕様書（情報セキュリティに関する事項）.docx"))
    assert all(heading in spec for heading in spec_headings), spec_headings
    assert BID_TITLE in _docx_text(archive.read("00_目次.docx"))
    page.screenshot(path=str(ARTIFACTS / "bid-documents.png"), full_page=True)
    _logout(page)

    # 2. Department staff: a due check of the signed contract → its 様式, pre-filled
    _login(page, server, "tantou")
    page.goto(f"{server['url']}/engagements/{data['engagement']}")
    _page_ok(page)
    engagement_title = page.locator("h1").inner_text()
    page.click("a.button:text-is('確認計画の画面へ')")
    page.wait_for_url(f"**/engagements/{data['engagement']}/checks")
    _page_ok(page)
    page.click(f"a[href='/checks/{data['check']}']")
    page.wait_for_url(f"{server['url']}/checks/{data['check']}")
    _page_ok(page)
    assert page.locator("h1").inner_text() == data["check_title"]
    links = page.locator("#forms h2:text-is('様式') ~ table a")
    assert links.count() == len(data["forms"]) and links.count() > 0
    assert all(f"/forms/{form_id}" in links.nth(i).get_attribute("href") for i, form_id in enumerate(data["forms"]))
    form_title = links.first.inner_text().removesuffix("（Word）")
    form_bytes, name = _download(page, tmp_path / "form.docx", links.first.click)
    assert name.endswith(".docx"), name
    form = _docx_text(form_bytes)
    assert engagement_title in form and CONTRACTOR in form and form_title in form
    _page_ok(page)


@pytest.fixture(name="revision_server")
def fx_revision_server(tmp_path, monkeypatch, request):
    """The live server on a copy of the shipped clause library, with the next library as its candidate
    (``tests.helpers.revised_library``: adds ``NEW_CLAUSE`` for every contract, rewords the personal-information
    clause). The copy is what ``governance templates promote`` swaps, so the shipped folder is never touched."""
    from governance.settings import get_settings

    in_force = tmp_path / "library" / "contract_templates"
    shutil.copytree(get_settings().contract_templates_dir, in_force)  # what revised_library starts from, too
    candidate = revised_library(tmp_path / "candidate")
    monkeypatch.setenv("GOVERNANCE_CONTRACT_TEMPLATES_DIR", str(in_force))
    monkeypatch.setenv("GOVERNANCE_CONTRACT_TEMPLATES_CANDIDATE_DIR", str(candidate))
    return request.getfixturevalue("live_server")  # conftest's server, started with the environment above


def test_library_revision_lists_the_contract_and_the_amendment_holds_the_comparison(revision_server, page, tmp_path):
    server = revision_server
    _watch_hosts(page, server)
    data = _setup(server)
    contract_url = f"{server['url']}/engagements/{data['engagement']}/contract"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    # The security officer sees the candidate and the signed contract that lacks the added clause.
    _login(page, server, "ciso")
    page.click(".main-nav a:text-is('委託業務・契約')")
    page.wait_for_url("**/engagements")
    _page_ok(page)
    page.click("a:text-is('条項ライブラリと改訂の影響')")
    page.wait_for_url("**/contracts/library")
    _page_ok(page)
    assert f"第{REVISED_VERSION}版" in page.locator("section:has(h2:text-is('改訂案'))").inner_text()
    changes = page.locator("section:has(h2:has-text('条項の変更')) tbody tr")
    added = changes.filter(has=page.locator(f"code:text-is('{NEW_CLAUSE}')"))
    assert added.count() == 1 and "追加" in added.inner_text() and NEW_CLAUSE_TITLE in added.inner_text()
    affected = page.locator("section:has(h2:text-is('対応が必要な契約'))")
    assert "<strong>1件</strong>" in affected.inner_html()
    row = affected.locator("tbody tr").filter(has=page.locator(f"a[href='/engagements/{data['engagement']}/contract']"))
    assert row.count() == 1
    assert NEW_CLAUSE_TITLE in row.locator("td").nth(5).inner_text()  # 不足する条項
    assert CONTRACTOR in row.inner_text()
    page.screenshot(path=str(ARTIFACTS / "library-impact.png"), full_page=True)
    _logout(page)

    # Until the candidate is in force, the contract needs no 覚書.
    _login(page, server, "keiyaku")
    page.goto(contract_url)
    _page_ok(page)
    assert "変更契約書（覚書）は必要ありません。" in page.locator("#amendment").inner_text()
    assert page.locator("button:has-text('変更契約書（覚書）案を作成する')").count() == 0

    # The operator puts the candidate in force.
    promoted = subprocess.run(
        [sys.executable, "-m", "governance", "templates", "promote"],
        env=server["env"], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert promoted.returncode == 0, promoted.stdout + promoted.stderr
    assert f"第{REVISED_VERSION}版を施行しました" in promoted.stdout

    # Procurement drafts the 覚書 with one button; the versions list shows it and its Word document downloads.
    page.goto(server["url"] + "/contracts/library")
    _page_ok(page)
    page.click(f"a[href='/engagements/{data['engagement']}/contract']")
    page.wait_for_url(contract_url)
    _page_ok(page)
    assert "新設 1件" in page.locator("#amendment").inner_text()
    page.click("button:has-text('変更契約書（覚書）案を作成する')")
    page.wait_for_url(contract_url + "?notice=amendment_created")
    assert "変更契約書（覚書）案を作成しました" in page.content()
    _page_ok(page)
    versions = page.locator("section:has(h2:text-is('版の一覧')) tbody tr")
    assert versions.count() == 2
    memo = versions.first
    assert "第2版" in memo.inner_text() and "変更契約書（覚書）（第1版を変更）" in memo.inner_text()
    assert f"第{REVISED_VERSION}版" in memo.inner_text()
    assert "第2版として覚書案を作成済みです" in page.locator("#amendment").inner_text()
    page.screenshot(path=str(ARTIFACTS / "contract-amendment.png"))
    memo_bytes, name = _download(page, tmp_path / "memo.docx", memo.locator("a:text-is('Word')").click)
    assert name.startswith("覚書_") and name.endswith(".docx"), name
    document = _docx_text(memo_bytes)
    for text in ("業務委託契約の一部を変更する覚書", "新旧対照表", "改正後", "改正前", NEW_CLAUSE_TITLE):
        assert text in document, text
    _page_ok(page)
