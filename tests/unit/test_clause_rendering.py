"""Clause text rendering: a text without placeholders skips Jinja yet prints exactly as Jinja would; base.docx cache."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from governance.contracts.library_cache import base_document, library_at
from governance.contracts.templating import compiled, render, sample_context

ROOT = Path(__file__).resolve().parents[2] / "contract_templates"


def _texts(items):
    for item in items:
        yield item.text
        yield from _texts(item.items)


def test_every_shipped_clause_text_renders_as_jinja_renders_it():
    library = library_at(ROOT)
    context = sample_context()
    texts = set()
    for c in (*library.clauses, *library.specification):
        texts.update((c.title, *(p.text for p in c.parts), *(t for p in c.parts for t in _texts(p.items))))
    assert any("{{" in t for t in texts) and any("{" not in t for t in texts)  # both paths are exercised
    for text in texts:
        assert render(text, context) == compiled(text).render(context), text


@given(st.text(alphabet="ab 　第条\n\r\t{}%#-", max_size=20))
def test_any_text_renders_as_jinja_renders_it(text):
    context = sample_context()
    try:
        expected = compiled(text).render(context)
    except Exception:  # not a valid template: the fast path must not hide that either
        with pytest.raises(Exception):  # noqa: B017
            render(text, context)
        return
    assert render(text, context) == expected


def test_a_placeholder_still_raises_when_the_context_lacks_it():
    from jinja2 import UndefinedError

    with pytest.raises(UndefinedError):
        render("{{ contractor.name }}", {})


def test_base_document_is_read_again_only_when_it_changed(tmp_path):
    assert base_document(tmp_path) is None
    path = tmp_path / "base.docx"
    path.write_bytes(b"first")
    first = base_document(tmp_path)
    assert first == b"first" and base_document(tmp_path) is first  # kept, not read again
    path.write_bytes(b"second!")
    s = path.stat()
    os.utime(path, ns=(s.st_atime_ns, s.st_mtime_ns + 1_000_000_000))
    assert base_document(tmp_path) == b"second!"
    path.unlink()
    assert base_document(tmp_path) is None
