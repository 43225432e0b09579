"""``governance templates promote`` refuses folders that overlap the live library (nothing is read, copied or deleted).

A candidate inside the live folder would be deleted with the replaced library; a backup folder inside it would copy
the library into itself; the live folder inside the candidate or the backup folder would be copied into them.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from governance.contracts.library import load_library
from governance.contracts.promotion import FolderError, check_folders, prepare
from governance.templates_cli import templates_promote
from tests.helpers import revised_library

SHIPPED = Path(__file__).resolve().parents[2] / "contract_templates"
NOW = dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC)


def tree(root: Path) -> list[str]:
    """Every path under ``root`` (hidden staging and partial copies included)."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


@pytest.fixture(name="live")
def fx_live(tmp_path: Path) -> Path:
    live = tmp_path / "site" / "contract_templates"
    shutil.copytree(SHIPPED, live)
    return live


def layouts(live: Path) -> dict[str, tuple[Path, Path]]:
    """(candidate, backup folder) for each overlap; the candidate is made where it lies outside the live folder."""
    site = live.parent
    return {
        "candidate inside live": (live / "next", site / "backups"),
        "backups inside live": (site / "next", live / "backups"),
        "backups are live": (site / "next", live),
        "live inside candidate": (site, site.parent / "backups"),
        "live inside backups": (site.parent / "next", site),
        "backups inside candidate": (site / "next", site / "next" / "backups"),
        "candidate is live by another name": (live / "clauses" / "..", site / "backups"),
    }


@pytest.mark.parametrize("layout", list(layouts(Path("x"))))
def test_overlapping_folders_are_refused_with_exit_2_and_nothing_changes(live, layout):
    candidate, backups = layouts(live)[layout]
    if not candidate.exists():
        revised_library(candidate)
    before, files = load_library(live).content_hash, tree(live.parent.parent)
    args = ["--path", str(live), "--candidate", str(candidate), "--backup-dir", str(backups)]
    result = CliRunner().invoke(templates_promote, args)
    assert result.exit_code == 2, result.output
    assert "施行しませんでした" in result.output
    assert "の中にあります" in result.output or "同じです" in result.output
    assert load_library(live).content_hash == before
    assert tree(live.parent.parent) == files  # no backup, staged copy or partial tree; the candidate is kept


def test_a_candidate_linked_into_the_live_folder_is_refused(live, tmp_path):
    inner = revised_library(live / "next")
    link = tmp_path / "candidate-link"
    link.symlink_to(inner, target_is_directory=True)
    with pytest.raises(FolderError, match="改訂案のフォルダ"):
        prepare(live, link, tmp_path / "backups", now=NOW)
    assert inner.is_dir() and not (tmp_path / "backups").exists()


def test_separate_folders_are_accepted(live, tmp_path):
    promotion = prepare(live, revised_library(tmp_path / "next"), tmp_path / "backups", now=NOW)
    try:
        assert promotion.backup is not None and promotion.backup.parent == tmp_path / "backups"
    finally:
        promotion.undo()


def test_a_backup_can_be_promoted_back_from_the_backup_folder(live, tmp_path):
    """Going back (``--candidate <backup>``): the candidate lies inside the backup folder, which is allowed."""
    backups = tmp_path / "backups"
    shutil.copytree(live, backups / "contract_templates_2026.3_20260401-090000")
    check_folders(live, backups / "contract_templates_2026.3_20260401-090000", backups)
