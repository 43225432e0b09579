"""The governance command line."""

from __future__ import annotations

from click.testing import CliRunner

from governance.audit.tables import AuditEntry
from governance.cli import (
    audit_verify,
    demo_data_command,
    migrate_command,
    setup_link_command,
    users_create,
    users_list,
)
from tests.helpers import run_sync as _run

PASSWORD = "correct-horse-battery"


def _create_admin():
    result = CliRunner().invoke(
        users_create,
        ["--username", "admin", "--full-name", "管理", "--department-code", "J", "--department-name", "情報政策課",
         "--role", "admin", "--password-stdin"],
        input=PASSWORD + "\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output


def test_users_create_makes_the_first_admin_and_department():
    result = CliRunner().invoke(
        users_create,
        [
            "--username",
            "Admin",
            "--full-name",
            "管理 太郎",
            "--department-code",
            "joho",
            "--department-name",
            "情報政策課",
            "--role",
            "admin",
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "ユーザー admin" in result.output
    listed = CliRunner().invoke(users_list)
    assert "admin\t管理 太郎\t情報政策課\tadmin" in listed.output


def test_users_create_reports_errors_clearly():
    result = CliRunner().invoke(
        users_create,
        ["--username", "x", "--full-name", "X", "--department-code", "NEW", "--role", "admin", "--password-stdin"],
        input="short\n",
    )
    assert result.exit_code == 1
    assert "--department-name" in result.output
    result = CliRunner().invoke(
        users_create,
        [
            "--username",
            "kato",
            "--full-name",
            "X",
            "--department-code",
            "NEW",
            "--department-name",
            "新課",
            "--role",
            "admin",
            "--password-stdin",
        ],
        input="short\n",
    )
    assert result.exit_code == 1 and "10文字以上" in result.output


def test_audit_verify_passes_then_fails_after_a_hand_edit():
    _create_admin()
    ok = CliRunner().invoke(audit_verify)
    assert ok.exit_code == 0 and "検証に成功しました：2件" in ok.output

    async def tamper():
        first = await AuditEntry.select(AuditEntry.id).order_by(AuditEntry.id).first()
        await AuditEntry.update({AuditEntry.after_json: '{"name":"書き換え"}'}).where(AuditEntry.id == first["id"])
        return first["id"]

    broken_id = _run(tamper())
    bad = CliRunner().invoke(audit_verify)
    assert bad.exit_code == 1 and f"記録番号 {broken_id}" in bad.output


def test_setup_link_only_while_no_user_exists():
    first = CliRunner().invoke(setup_link_command)
    assert first.exit_code == 0 and "/setup/" in first.output
    _create_admin()
    second = CliRunner().invoke(setup_link_command)
    assert second.exit_code == 1 and "発行できません" in second.output


def test_migrate_is_idempotent():
    result = CliRunner().invoke(migrate_command)
    assert result.exit_code == 0 and "ありません" in result.output


def test_demo_data_prints_passwords_once():
    first = CliRunner().invoke(demo_data_command)
    assert first.exit_code == 0 and "demo-admin" in first.output and "demo-kansa" in first.output
    second = CliRunner().invoke(demo_data_command)
    assert second.exit_code == 0 and "既に登録されています" in second.output


def _governance(args: list[str], tmp_path, *, database_url: str | None = None):
    """Run the installed entry point (``python -m governance``) in a subprocess with its own settings."""
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "GOVERNANCE_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": database_url or f"sqlite:///{tmp_path / 'cli.sqlite3'}",
    }
    return subprocess.run(
        [sys.executable, "-m", "governance", *args],
        env=env, capture_output=True, text=True, timeout=300, check=False, cwd=tmp_path,
    )  # fmt: skip


def test_help_lists_only_this_projects_commands_in_japanese(tmp_path):
    result = _governance(["--help"], tmp_path)
    assert result.returncode == 0, result.stderr
    commands = result.stdout.split("Commands:")[1].split()
    names = {w for w in commands if w.isascii() and w.replace("-", "").isalpha()}
    assert {"serve", "migrate", "users", "demo-data", "templates", "reminders"} <= names
    assert not names & {"run", "routes", "info", "schema", "sessions", "version"}, names
    assert "マイグレーション" in result.stdout and "この説明を表示して終了します。" in result.stdout
    assert "Litestar" not in result.stdout and "Show this message" not in result.stdout
    sub = _governance(["users", "create", "--help"], tmp_path)
    assert "利用者" in sub.stdout and "ログイン名" in sub.stdout and "Show this message" not in sub.stdout


def test_demo_data_on_an_unmigrated_database_migrates_first(tmp_path):
    refused = _governance(["demo-data", "--no-migrate"], tmp_path)
    assert refused.returncode == 1
    assert "governance migrate を実行してください" in refused.stderr and "Traceback" not in refused.stderr
    loaded = _governance(["demo-data"], tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    assert "マイグレーションを適用しました" in loaded.stdout and "デモ用ユーザー" in loaded.stdout
    again = _governance(["demo-data"], tmp_path)
    assert again.returncode == 0 and "既に登録されています" in again.stdout
