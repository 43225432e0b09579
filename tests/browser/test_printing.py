"""In a real Chromium: the check, finding, selection and contract pages have a 印刷 button (app.js, no inline
script) that opens the print dialog, and the print stylesheet prints what the page shows: no header, menu, buttons,
forms or edit controls, and no section left with only its heading."""

from __future__ import annotations

import pytest

from tests.browser.test_accessibility import demo_city, links, login

pytestmark = pytest.mark.browser

VISIBLE = "els => els.filter(e => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden').length"
EMPTY_CARDS = """els => els.filter(e => e.getClientRects().length > 0).filter(e =>
  [...e.children].every(c => c.matches('h2, h3, .hint, .empty') || c.getClientRects().length === 0)).length"""


def test_print_button_and_print_stylesheet(live_server, page):
    server = live_server
    passwords = demo_city(server)
    login(page, server, "demo-ciso", passwords["demo-ciso"])
    pages = []
    for listing, pattern in (("/checks", r"/checks/\d+"), ("/findings", r"/findings/\d+"),
                             ("/selections", r"/selections/\d+"), ("/engagements", r"/engagements/\d+")):  # fmt: skip
        page.goto(server["url"] + listing)
        [first, *_] = links(page, pattern)
        if listing != "/engagements":
            pages.append(first)
            continue
        for engagement in links(page, pattern):  # a contract with versions (the demo's signed-ready draft)
            page.goto(server["url"] + engagement + "/contract")
            if page.locator("main table").count():
                pages.append(engagement + "/contract")
                break
    assert len(pages) == 4, pages
    page.goto(server["url"] + "/contractors")
    assert page.locator("[data-print]").count() == 0  # lists have no 印刷 button

    for path in pages:
        page.emulate_media(media="screen")
        page.goto(server["url"] + path)
        button = page.locator("button[data-print]")
        assert button.inner_text() == "印刷", path
        page.evaluate("() => { window.__printed = 0; window.print = () => { window.__printed += 1; }; }")
        button.click()
        assert page.evaluate("() => window.__printed") == 1, path
        on_screen = page.eval_on_selector_all("main button, main form, main input, main select", VISIBLE)
        heading = page.locator("main h1").inner_text()

        page.emulate_media(media="print")
        for hidden in (".site-header", ".main-nav", ".site-footer", "main button", "main form", "main input",
                       "main select", "main textarea", "[data-print]"):  # fmt: skip
            assert page.eval_on_selector_all(hidden, VISIBLE) == 0, (path, hidden)
        assert page.locator("main h1").is_visible() and page.locator("main h1").inner_text() == heading
        assert page.eval_on_selector_all("main .card", EMPTY_CARDS) == 0, path
        assert page.eval_on_selector_all("main dl.props, main table, main .clause", VISIBLE) > 0, path
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1"), path
        assert on_screen > 0, path  # the controls were there on screen and went away in print
