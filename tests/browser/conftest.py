"""Browser tests: a real server (uvicorn, in a subprocess) driven by Debian's Chromium through Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

CHROMIUM = os.environ.get("GOVERNANCE_CHROMIUM", "/usr/bin/chromium")
REQUIRE = os.environ.get("GOVERNANCE_REQUIRE_BROWSER", "") == "1"
ARTIFACTS = Path(os.environ.get("GOVERNANCE_ARTIFACTS", "artifacts"))
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session", name="chromium_path")
def fx_chromium_path() -> str:
    """The Chromium binary; the test is skipped (or, in CI, failed) when it is missing."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        message = f"Chromium not found at {CHROMIUM} (install Debian's chromium; .ci/run does)"
        if REQUIRE:
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(name="live_server")
def fx_live_server(tmp_path: Path, chromium_path: str):
    """Start `governance serve` on a free port with its own database; yield its base URL."""
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": os.environ["DATABASE_URL"]
        if "postgresql" in os.environ.get("DATABASE_URL", "")
        else f"sqlite:///{tmp_path / 'live.sqlite3'}",
        "GOVERNANCE_DATA_DIR": str(tmp_path / "data"),
        "GOVERNANCE_PORT": str(port),
        "GOVERNANCE_HOST": "127.0.0.1",
        "GOVERNANCE_LOG_LEVEL": "WARNING",
    }
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "governance", "serve"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited:\n" + (tmp_path / "server.log").read_text())
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        proc.kill()
        raise RuntimeError("server did not start:\n" + (tmp_path / "server.log").read_text())
    yield {"url": base, "log": tmp_path / "server.log", "env": env}
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(name="page")
def fx_page(chromium_path: str):
    """A Chromium page that records console errors and failed requests; the test fails on any of them."""
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=LAUNCH_ARGS)
        context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        # A navigation or download cancels requests still in flight (net::ERR_ABORTED); that is not an error.
        page.on(
            "requestfailed",
            lambda r: None if "ERR_ABORTED" in (r.failure or "") else problems.append(f"request failed: {r.url}"),
        )
        page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 500 else None)
        page.problems = problems  # type: ignore[attr-defined]
        yield page
        context.close()
        browser.close()
    assert problems == [], problems
