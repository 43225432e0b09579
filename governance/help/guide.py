"""Find and render the user guide (pure: no web, no database).

The canonical file is ``docs/user-guide.md`` in the repository. A checkout (and an editable install) reads it there;
a built wheel carries a copy as ``governance/help/user-guide.md`` (setup.py copies it at build time), which is read
when the repository is not there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from markdown_it import MarkdownIt

REPO_ROOT = Path(__file__).resolve().parents[2]
PACKAGED_GUIDE = Path(__file__).resolve().parent / "user-guide.md"


def guide_path(repo_root: Path = REPO_ROOT, packaged: Path = PACKAGED_GUIDE) -> Path | None:
    """The user guide to serve: the repository's docs/user-guide.md, else the copy shipped in the package."""
    in_repo = repo_root / "docs" / "user-guide.md"
    if in_repo.is_file() and (repo_root / "pyproject.toml").is_file():
        return in_repo
    return packaged if packaged.is_file() else None


@dataclass(frozen=True)
class Heading:
    """One entry of the table of contents."""

    level: int
    text: str
    anchor: str


@dataclass(frozen=True)
class Guide:
    """The rendered guide: its title, table of contents (levels 2 and 3) and body HTML."""

    title: str
    toc: tuple[Heading, ...]
    html: str


_NOT_SLUG = re.compile(r"[^\w\- ]", re.UNICODE)
_FILE_LINK = re.compile(r'<a href="(?![#/]|[a-z]+:)[^"]*\.md(?:#[^"]*)?">(.*?)</a>')


def slug(text: str) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped, spaces as hyphens (so the guide's own links work)."""
    return _NOT_SLUG.sub("", text.strip().lower()).replace(" ", "-")


def render_guide(markdown: str) -> Guide:
    """Render Markdown to HTML without any raw HTML from the source; give every heading an anchor and a link to it."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
    tokens = md.parse(markdown)
    toc: list[Heading] = []
    seen: dict[str, int] = {}
    title = ""
    for index, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        inline = tokens[index + 1]
        text = "".join(child.content for child in inline.children or [] if child.type in {"text", "code_inline"})
        base = slug(text) or "section"
        count = seen.get(base, 0)
        seen[base] = count + 1
        anchor = base if count == 0 else f"{base}-{count}"
        token.attrSet("id", anchor)
        level = int(token.tag[1])
        if level == 1 and not title:
            title = text
        if level in (2, 3):
            toc.append(Heading(level=level, text=text, anchor=anchor))
    html = md.renderer.render(tokens, md.options, {})
    # Each heading links to itself, so a clerk can copy the address of a section ("Headings link in").
    html = re.sub(
        r'<h([1-6]) id="([^"]+)">(.*?)</h\1>',
        lambda m: (
            f'<h{m[1]} id="{m[2]}">{m[3]} <a class="heading-anchor" href="#{m[2]}" '
            f'aria-label="この節へのリンク">#</a></h{m[1]}>'
        ),
        html,
    )
    # Links to the repository's other Markdown files (operator-guide.md …) lead nowhere inside the app: keep the text.
    html = _FILE_LINK.sub(lambda m: m[1], html)
    return Guide(title=title or "操作マニュアル", toc=tuple(toc), html=html)


@lru_cache(maxsize=4)
def _cached(path: Path, mtime_ns: int) -> Guide:
    return render_guide(path.read_text(encoding="utf-8"))


def load_guide(path: Path | None = None) -> Guide | None:
    """The rendered guide (re-rendered when the file changes), or None when no guide is installed."""
    path = path or guide_path()
    if path is None:
        return None
    return _cached(path, path.stat().st_mtime_ns)
