"""改訂の影響: the difference between the clause library in force and a new one, clause by clause (pure)."""

from __future__ import annotations

from pathlib import Path

import pytest

from governance.contracts.library import load_library
from governance.contracts.revision import ADDED, CHANGED, REMOVED, diff_libraries
from governance.settings import get_settings
from tests.helpers import NEW_CLAUSE, REVISED_VERSION, REWORDED_CLAUSE, revised_library


@pytest.fixture(name="current", scope="module")
def fx_current():
    """The shipped library."""
    return load_library(get_settings().contract_templates_dir)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_the_same_library_has_no_changes(current):
    diff = diff_libraries(current, current)
    assert diff.changes == () and diff.counts() == {ADDED: 0, REMOVED: 0, CHANGED: 0}


def test_an_added_clause_and_a_reworded_one(current, tmp_path):
    new = load_library(revised_library(tmp_path / "next"))
    diff = diff_libraries(current, new)
    assert (diff.old_version, diff.new_version) == (current.version, REVISED_VERSION)
    assert [(c.id, c.kind, c.aspects) for c in diff.changes] == [
        (REWORDED_CLAUSE, CHANGED, ("本文",)),
        (NEW_CLAUSE, ADDED, ()),
    ]
    assert diff.changes[1].kind_label == "追加" and diff.changes[1].title == "生成AIの利用"
    assert diff.counts() == {ADDED: 1, REMOVED: 0, CHANGED: 1}


def test_each_part_of_a_clause_is_named_when_it_changes(current, tmp_path):
    root = revised_library(tmp_path / "next")
    clauses = root / "clauses"
    _edit(clauses / "annex-040-confidentiality.yaml", "title: 秘密の保持", "title: 秘密の保持等")
    _edit(clauses / "annex-040-confidentiality.yaml", "requirements: [TK-02, OUT-CON-07]", "requirements: [TK-02]")
    _edit(clauses / "annex-020-personal-info.yaml", "  flag: PI", "  flag: MN")
    _edit(clauses / "annex-140-education.yaml", "    when: yearly\n", "    when: quarterly\n")
    (clauses / "annex-950-sanctions.yaml").unlink()
    diff = diff_libraries(current, load_library(root))
    by_id = {c.id: c for c in diff.changes}
    assert by_id["ANX-TK02-CONFIDENTIALITY"].aspects == ("見出し", "要件")
    assert "要件：TK-02・OUT-CON-07 → TK-02" in by_id["ANX-TK02-CONFIDENTIALITY"].notes
    personal = by_id[REWORDED_CLAUSE]
    assert personal.aspects == ("本文", "条件")
    condition = [n for n in personal.notes if n.startswith("条件：")]
    assert condition and condition[0].endswith("特定個人情報（マイナンバー）を取り扱う"), personal
    education = by_id["ANX-TK16-EDUCATION"]
    assert education.aspects == ("確認事項",) and education.notes == ("確認事項の変更：CHK-EDUCATION-RECORD",)
    removed = [c for c in diff.changes if c.kind == REMOVED]
    assert [c.kind_label for c in removed] == ["削除"] and removed[0].part_label == "条項"
    assert diff.counts() == {ADDED: 1, REMOVED: 1, CHANGED: 3}


def test_a_new_check_item_is_named(current, tmp_path):
    root = revised_library(tmp_path / "next")
    path = root / "clauses" / "annex-040-confidentiality.yaml"
    path.write_text(
        path.read_text(encoding="utf-8")
        + "checks:\n  - id: CHK-SECRECY\n    what: 秘密保持の誓約書の確認\n    when: at_signing\n"
        "    requirements: [OUT-CHK-01]\n",
        encoding="utf-8",
    )
    change = next(c for c in diff_libraries(current, load_library(root)).changes if c.id == "ANX-TK02-CONFIDENTIALITY")
    assert change.aspects == ("確認事項",)
    assert change.notes == ("確認事項の追加：CHK-SECRECY（秘密保持の誓約書の確認）",)


def test_library_versions_are_listed_newest_first_by_their_numbers():
    from governance.contracts.impact import usage, version_key

    rows = [
        {"library_version": v, "library_hash": v, "department_name": "総務部"}
        for v in ("2026.9", "2026.10", "2025.12", "2026.10", "2026.3a")
    ]
    assert [u.library_version for u in usage(rows)] == ["2026.10", "2026.9", "2026.3a", "2025.12"]
    assert usage(rows)[0].contracts == 2
    assert version_key("2026.10") > version_key("2026.9") > version_key("2026.3a") > version_key("2026.3")
