"""ヘルプ (/help, the user guide rendered in the app) and the public pages' own 404 layout."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote

from governance.accounts.roles import Role
from governance.help.guide import REPO_ROOT, guide_path, load_guide, render_guide, slug
from tests.helpers import login, make_user


async def test_help_shows_the_user_guide_with_a_toc_and_anchored_headings(client, anon):
    await make_user("tantou", Role.department_staff)
    await login(client, "tantou")
    home = await client.get("/")
    assert '<a href="/help">ヘルプ</a>' in home.text
    page = await client.get("/help")
    assert page.status_code == 200
    html = page.text
    source = (REPO_ROOT / "docs" / "user-guide.md").read_text(encoding="utf-8")
    h2 = re.findall(r"^## (.+)$", source, flags=re.MULTILINE)
    assert h2 and all(heading in html for heading in h2)
    assert 'aria-label="ヘルプの目次"' in html and 'aria-current="page">ヘルプ</a>' in html
    headings = set(re.findall(r'<h[1-6] id="([^"]+)"', html))
    ids = set(re.findall(r' id="([^"]+)"', html))
    # every heading links to itself, every table-of-contents entry and every link inside the guide lands on one
    for anchor in headings:
        assert f'href="#{anchor}"' in html
    toc = re.findall(r'<li class="toc-[23]"><a href="#([^"]+)"', html)
    assert len(toc) >= len(h2) and set(toc) <= headings
    inner = {unquote(a) for a in re.findall(r'href="#([^"]+)"', html)}
    assert inner <= ids, sorted(inner - ids)[:5]
    assert (await anon.get("/help", follow_redirects=False)).status_code in (302, 303)


def test_the_guide_renders_no_raw_html_and_no_script_links():
    guide = render_guide(
        "# 題\n\n## 1. 節・その一\n\n<script>alert(1)</script>\n\n<b onclick=x>太字</b>\n\n"
        "[危険](javascript:alert(1)) [運用](operator-guide.md) [節](#1-節その一)\n\n## 1. 節・その一\n"
    )
    assert "<script" not in guide.html and "<b onclick" not in guide.html
    assert "&lt;script&gt;" in guide.html
    assert 'href="javascript:' not in guide.html and 'href="operator-guide.md"' not in guide.html
    assert [h.anchor for h in guide.toc] == ["1-節その一", "1-節その一-1"]
    assert guide.title == "題" and slug("13.4 Excel・CSV出力") == "134-excelcsv出力"


def test_the_guide_ships_in_the_package_and_is_read_from_there_without_the_repository(tmp_path: Path):
    built = tmp_path / "build"
    result = subprocess.run(
        [sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(built)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    packaged = built / "governance" / "help" / "user-guide.md"
    assert packaged.read_bytes() == (REPO_ROOT / "docs" / "user-guide.md").read_bytes()
    # an installed wheel: no repository beside the package, so the packaged copy is served
    assert guide_path(repo_root=tmp_path / "site-packages", packaged=packaged) == packaged
    assert guide_path(repo_root=REPO_ROOT, packaged=packaged) == REPO_ROOT / "docs" / "user-guide.md"
    assert guide_path(repo_root=tmp_path, packaged=tmp_path / "missing.md") is None
    assert load_guide(packaged).title.startswith("情報セキュリティ委託等管理システム")


async def test_a_missing_public_page_keeps_the_public_layout(anon):
    for path in ("/official-accounts/999999", "/official-accounts/no-such-page"):
        response = await anon.get(path)
        assert response.status_code == 404, path
        assert '<header class="site-header"><div class="brand"><a href="/official-accounts">' in response.text
        assert "公式ソーシャルメディアアカウント一覧へ戻る" in response.text
        assert "ログイン" not in response.text and "情報セキュリティ委託等管理システム" not in response.text
    staff = await anon.get("/no-such-page")
    assert staff.status_code == 404 and "情報セキュリティ委託等管理システム" in staff.text
