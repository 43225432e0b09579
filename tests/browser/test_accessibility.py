"""In a real Chromium: axe-core (bundled by axe-playwright-python, no network) finds no serious or critical
violation on the public pages and the main staff pages of the demo city; the public list fits a 390 px phone."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

pytestmark = pytest.mark.browser


def demo_city(server) -> dict[str, str]:
    """Load the demo city into the live server's database; return each demo user's password."""
    result = subprocess.run(
        [sys.executable, "-m", "governance", "demo-data"],
        env=server["env"], capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return dict(re.findall(r"^\s+(demo-\w+)\s+\S+\s+(\S+)$", result.stdout, flags=re.MULTILINE))


def login(page, server, username: str, password: str) -> None:
    page.goto(server["url"] + "/login")
    page.fill("#f-username", username)
    page.fill("#f-password", password)
    page.click("button[type=submit]")
    page.wait_for_url(server["url"] + "/")


def logout(page) -> None:
    page.click(".user-menu button[type=submit]")
    page.wait_for_url("**/login**")


def links(page, pattern: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    return [h for h in hrefs if re.fullmatch(pattern, h)]


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    response = Axe().run(page).response
    assert response["testEngine"]["name"] == "axe-core" and response["passes"], "axe-core did not run"
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]} {v['help']}"
        for v in response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def audit(page, server, path: str, found: dict[str, list[str]]) -> None:
    response = page.goto(server["url"] + path)
    assert response is not None and response.status < 500, path
    assert page.get_attribute("html", "lang") == "ja"
    if problems := serious_violations(page):
        found[path] = problems


def test_axe_finds_no_serious_violation_on_public_and_staff_pages(live_server, page):
    server = live_server
    passwords = demo_city(server)
    found: dict[str, list[str]] = {}
    audited: list[str] = []

    def check(path: str) -> None:
        audit(page, server, path, found)
        audited.append(path)

    for path in ("/official-accounts", "/login"):
        check(path)
    # A 404 logs a console error, which the page fixture counts as a failure: audit it in a page of its own.
    other = page.context.browser.new_context(locale="ja-JP")
    try:
        missing = other.new_page()
        audit(missing, server, "/official-accounts/999999", found)
        assert missing.locator(".site-header a[href='/official-accounts']").count() == 1
    finally:
        other.close()
    page.goto(server["url"] + "/official-accounts")
    [policy, *_] = links(page, r"/official-accounts/\d+")
    check(policy)

    # The security office sees every department: home, the lists, and one of each record.
    login(page, server, "demo-ciso", passwords["demo-ciso"])
    for path in ("/", "/contractors", "/engagements", "/selections", "/checks", "/findings", "/external-services",
                 "/social-accounts", "/audit", "/help"):  # fmt: skip
        check(path)
    for listing, pattern in (
        ("/contractors", r"/contractors/\d+"),
        ("/engagements", r"/engagements/\d+"),
        ("/selections", r"/selections/\d+"),
        ("/checks", r"/checks/\d+"),
        ("/findings", r"/findings/\d+"),
    ):
        page.goto(server["url"] + listing)
        [first, *_] = links(page, pattern)
        check(first)
        if listing == "/engagements":
            check(first + "/contract")
    logout(page)

    # A department's own staff see their engagement's forms; procurement sees the selections it fills.
    login(page, server, "demo-shimin", passwords["demo-shimin"])
    page.goto(server["url"] + "/engagements")
    [own, *_] = links(page, r"/engagements/\d+")
    check(own)
    check(own + "/checks")
    logout(page)
    login(page, server, "demo-keiyaku", passwords["demo-keiyaku"])
    page.goto(server["url"] + "/selections")
    for selection in links(page, r"/selections/\d+")[:2]:
        check(selection)

    assert len(audited) >= 20
    assert found == {}, found


def test_the_public_list_fits_a_390px_phone_as_cards(live_server, page):
    server = live_server
    demo_city(server)
    phone = page.context.browser.new_context(locale="ja-JP", viewport={"width": 390, "height": 844})
    try:
        small = phone.new_page()
        small.goto(server["url"] + "/official-accounts")
        assert small.locator("#official-accounts tbody tr").count() >= 2
        width = small.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert width[0] <= width[1] == 390, width
        # each row is a card: cells stack, each labelled with its column
        cell = small.locator("#official-accounts tbody tr:first-child td").first
        assert cell.evaluate("e => getComputedStyle(e).display") == "block"
        label = cell.evaluate("e => getComputedStyle(e, '::before').content")
        assert label == '"サービス"', label
        assert small.locator("#official-accounts thead").bounding_box()["width"] <= 1
        # the same page on a desktop stays a table
        page.goto(server["url"] + "/official-accounts")
        assert page.locator("#official-accounts td").first.evaluate("e => getComputedStyle(e).display") == "table-cell"
    finally:
        phone.close()


def test_focus_ring_and_green_badge_meet_the_contrast_ratios(live_server, page):
    server = live_server
    passwords = demo_city(server)
    login(page, server, "demo-ciso", passwords["demo-ciso"])
    page.goto(server["url"] + "/checks")
    ratio = """([fg, bg]) => {
      const lum = c => { const [r, g, b] = c.match(/\\d+/g).slice(0, 3).map(v => { v = v / 255;
        return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
      const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
      return (a + 0.05) / (b + 0.05);
    }"""
    page_bg = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")
    ring = page.evaluate("() => getComputedStyle(document.activeElement).outlineColor")
    page.focus("main a")
    main_ring = page.evaluate("() => getComputedStyle(document.activeElement).outlineColor")
    assert page.evaluate(ratio, [main_ring, page_bg]) >= 3, (main_ring, page_bg)
    assert page.evaluate(ratio, [main_ring, "rgb(255, 255, 255)"]) >= 3
    header_bg = page.evaluate("() => getComputedStyle(document.querySelector('.site-header')).backgroundColor")
    assert page.evaluate(ratio, [ring, header_bg]) >= 3, (ring, header_bg)
    badge = page.evaluate(
        """() => { const e = document.createElement('span'); e.className = 'status ok'; e.textContent = '有効';
        document.querySelector('main').append(e); const s = getComputedStyle(e);
        return [s.color, s.backgroundColor]; }"""
    )
    assert page.evaluate(ratio, badge) >= 4.5, badge
