"""``library_at``: the one cached loader of the clause library (reused while its files are unchanged)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from governance.contracts import library_cache as library_module
from governance.contracts.library import LibraryError
from governance.contracts.library_cache import library_at
from tests.unit.test_clause_library import clause, write


@pytest.fixture(name="root")
def fx_root(tmp_path: Path) -> Path:
    return write(tmp_path / "lib", {"a.yaml": clause("ANX-A"), "b.yaml": clause("MAIN-B", section="main")})


def bump(path: Path) -> None:
    """Move a file's modification time on by a second (an edit within the same clock tick would not show)."""
    s = path.stat()
    os.utime(path, ns=(s.st_atime_ns, s.st_mtime_ns + 1_000_000_000))


def test_the_same_files_give_the_same_library_object(root):
    first = library_at(root)
    assert library_at(root) is first
    assert library_at(root / "." / "") is first  # the same folder named another way


def test_an_edited_file_is_loaded_again(root):
    first = library_at(root)
    path = root / "clauses" / "a.yaml"
    path.write_text(clause("ANX-A", body="改めた本文"), encoding="utf-8")
    bump(path)
    second = library_at(root)
    assert second is not first and "改めた本文" in next(c.body for c in second.clauses if c.id == "ANX-A")
    bump(root / "library.yaml")  # only the time changed: read again, same content
    third = library_at(root)
    assert third is not second and third.content_hash == second.content_hash


@pytest.mark.parametrize("folder", ["clauses", "forms", "specification"])
def test_an_added_or_removed_file_is_loaded_again(root, folder):
    first = library_at(root)
    (root / folder).mkdir(exist_ok=True)
    extra = root / folder / "zz-extra.yaml"
    extra.write_text(clause("ANX-ZZ") if folder == "clauses" else "{}", encoding="utf-8")
    if folder == "clauses":
        added = library_at(root)
        assert added is not first and "ANX-ZZ" in [c.id for c in added.clauses]
    else:  # a file of another folder is read too: here it is broken, so the change shows as an error
        with pytest.raises(LibraryError):
            library_at(root)
    extra.unlink()
    removed = library_at(root)
    assert removed.content_hash == first.content_hash and "ANX-ZZ" not in [c.id for c in removed.clauses]


def test_a_broken_library_is_not_kept(root, monkeypatch):
    good = library_at(root)
    bad = root / "clauses" / "bad.yaml"
    bad.write_text("id: [unclosed", encoding="utf-8")
    calls = []
    load = library_module.load_library
    monkeypatch.setattr(library_module, "load_library", lambda r: calls.append(r) or load(r))
    for _ in range(2):
        with pytest.raises(LibraryError):
            library_at(root)
    assert len(calls) == 2  # reported again each time, never served from the cache
    bad.unlink()
    assert library_at(root).content_hash == good.content_hash


def test_concurrent_callers_get_one_valid_library(root):
    results, errors = [], []

    def worker():
        try:
            results.append(library_at(root))
        except Exception as exc:  # pragma: no cover - shown by the assertion
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len({r.content_hash for r in results}) == 1
    assert library_at(root) in results
