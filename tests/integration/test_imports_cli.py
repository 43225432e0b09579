"""``governance import contractors|engagements FILE [--dry-run]``: the same checks and import as the page."""

from __future__ import annotations

from click.testing import CliRunner

from governance.audit.tables import AuditEntry
from governance.contractors.tables import Certification, Contractor
from governance.engagements.tables import Engagement
from governance.imports.cli import import_group
from tests.helpers import make_department
from tests.helpers import run_sync as _run
from tests.import_files import CONTRACTOR_HEADERS, ENGAGEMENT_HEADERS, as_csv, as_xlsx, engagement_rows, ledger_rows


def _invoke(*args: str):
    return CliRunner().invoke(import_group, list(args))


def test_dry_run_checks_only_and_the_real_run_imports_every_row(tmp_path):
    path = tmp_path / "業者台帳.xlsx"
    path.write_bytes(as_xlsx(CONTRACTOR_HEADERS, ledger_rows(250)))  # large enough for the progress bar
    dry = _invoke("contractors", str(path), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "250行すべてに誤りはありません" in dry.output
    assert _run(Contractor.count()) == 0
    real = _invoke("contractors", str(path))
    assert real.exit_code == 0, real.output
    assert "委託事業者を250件取り込みました" in real.output
    assert _run(Contractor.count()) == 250
    assert _run(Certification.count()) == 250 + 84
    entries = _run(AuditEntry.select(AuditEntry.action, AuditEntry.actor_label).where(
        AuditEntry.action == "contractor.imported"
    ))  # fmt: skip
    assert entries == [{"action": "contractor.imported", "actor_label": "システム（CLI）"}]


def test_an_invalid_file_exits_non_zero_and_prints_row_and_column(tmp_path):
    path = tmp_path / "業者台帳.csv"
    path.write_bytes(as_csv(CONTRACTOR_HEADERS, ledger_rows(30, bad_row=17), encoding="cp932"))
    result = _invoke("contractors", str(path))
    assert result.exit_code == 1
    assert "17行目「法人番号」: 法人番号の検査用数字" in result.output
    assert "1行に誤りがあります（1件）。1行も取り込んでいません。" in result.output
    assert _run(Contractor.count()) == 0
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    refused = _invoke("contractors", str(empty), "--dry-run")
    assert refused.exit_code == 1 and "ファイルが空です" in refused.output


def test_engagements_from_the_command_line(tmp_path):
    _run(make_department("FUKU", "福祉課"))
    path = tmp_path / "委託一覧.csv"
    path.write_bytes(as_csv(ENGAGEMENT_HEADERS, engagement_rows("福祉課")))
    result = _invoke("engagements", str(path))
    assert result.exit_code == 0, result.output
    assert _run(Engagement.count()) == 3
