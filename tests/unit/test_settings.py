"""Unit tests for Settings.from_env, the secret key and the public base URL."""

from __future__ import annotations

import dataclasses
import os
import stat
from pathlib import Path

import pytest

import governance.settings as settings_module
from governance.settings import REPO_ROOT, Settings, SettingsError

VARIABLES = [
    "DATABASE_URL",
    "GOVERNANCE_DB_POOL",
    "GOVERNANCE_DATA_DIR",
    "GOVERNANCE_SECRET_KEY",
    "GOVERNANCE_HOST",
    "GOVERNANCE_PORT",
    "GOVERNANCE_WORKERS",
    "GOVERNANCE_BASE_URL",
    "GOVERNANCE_COOKIE_SECURE",
    "GOVERNANCE_SESSION_IDLE_MINUTES",
    "GOVERNANCE_SESSION_MAX_HOURS",
    "GOVERNANCE_LOGIN_MAX_FAILURES",
    "GOVERNANCE_LOGIN_LOCK_MINUTES",
    "GOVERNANCE_SMTP_HOST",
    "GOVERNANCE_SMTP_PORT",
    "GOVERNANCE_SMTP_USERNAME",
    "GOVERNANCE_SMTP_PASSWORD",
    "GOVERNANCE_SMTP_STARTTLS",
    "GOVERNANCE_MAIL_FROM",
    "GOVERNANCE_LOG_LEVEL",
    "GOVERNANCE_CLASSIFICATION_SCHEME",
    "GOVERNANCE_CONTRACT_TEMPLATES_DIR",
]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start every test from an environment with none of the application's variables set."""
    for name in {*VARIABLES, *(n for n in os.environ if n.startswith("GOVERNANCE_"))}:
        monkeypatch.delenv(name, raising=False)


# --- from_env: defaults and values ---------------------------------------------------------------------------------


def test_unset_environment_gives_the_defaults() -> None:
    s = Settings.from_env()
    assert s == Settings()
    assert s.database_url == "sqlite:///governance.sqlite3"
    assert s.db_pool is True
    assert s.data_dir == Path("governance-data")
    assert s.secret_key == ""
    assert (s.host, s.port, s.workers) == ("127.0.0.1", 8000, 1)
    assert s.base_url == ""
    assert s.cookie_secure == "auto"
    assert (s.session_idle_minutes, s.session_max_hours) == (120, 12)
    assert (s.login_max_failures, s.login_lock_minutes) == (5, 15)
    assert (s.smtp_host, s.smtp_port, s.smtp_starttls) == ("", 25, False)
    assert s.mail_from == "governance@localhost"
    assert s.log_level == "INFO"
    assert s.classification_scheme == "R6"
    assert s.contract_templates_dir == REPO_ROOT / "contract_templates"


def test_every_variable_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env = {
        "DATABASE_URL": "postgresql://gov@db:5432/gov",
        "GOVERNANCE_DB_POOL": "false",
        "GOVERNANCE_DATA_DIR": str(tmp_path / "data"),
        "GOVERNANCE_SECRET_KEY": "s3cret",
        "GOVERNANCE_HOST": "0.0.0.0",
        "GOVERNANCE_PORT": "9000",
        "GOVERNANCE_WORKERS": "4",
        "GOVERNANCE_BASE_URL": "https://gov.example.lg.jp",
        "GOVERNANCE_COOKIE_SECURE": "true",
        "GOVERNANCE_SESSION_IDLE_MINUTES": "30",
        "GOVERNANCE_SESSION_MAX_HOURS": "8",
        "GOVERNANCE_LOGIN_MAX_FAILURES": "3",
        "GOVERNANCE_LOGIN_LOCK_MINUTES": "60",
        "GOVERNANCE_SMTP_HOST": "smtp.example.lg.jp",
        "GOVERNANCE_SMTP_PORT": "587",
        "GOVERNANCE_SMTP_USERNAME": "mailer",
        "GOVERNANCE_SMTP_PASSWORD": "mailpass",
        "GOVERNANCE_SMTP_STARTTLS": "true",
        "GOVERNANCE_MAIL_FROM": "noreply@example.lg.jp",
        "GOVERNANCE_LOG_LEVEL": "DEBUG",
        "GOVERNANCE_CLASSIFICATION_SCHEME": "R5",
        "GOVERNANCE_CONTRACT_TEMPLATES_DIR": str(tmp_path / "templates"),
        "GOVERNANCE_CONTRACT_TEMPLATES_CANDIDATE_DIR": str(tmp_path / "next"),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert Settings.from_env() == Settings(
        database_url="postgresql://gov@db:5432/gov",
        db_pool=False,
        data_dir=tmp_path / "data",
        secret_key="s3cret",
        host="0.0.0.0",
        port=9000,
        workers=4,
        base_url="https://gov.example.lg.jp",
        cookie_secure="true",
        session_idle_minutes=30,
        session_max_hours=8,
        login_max_failures=3,
        login_lock_minutes=60,
        smtp_host="smtp.example.lg.jp",
        smtp_port=587,
        smtp_username="mailer",
        smtp_password="mailpass",
        smtp_starttls=True,
        mail_from="noreply@example.lg.jp",
        log_level="DEBUG",
        classification_scheme="R5",
        contract_templates_dir=tmp_path / "templates",
        contract_templates_candidate_dir=tmp_path / "next",
    )


def test_settings_are_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Settings().port = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("true", True),
        ("TRUE", True),
        (" yes ", True),
        ("On", True),
        ("0", False),
        ("false", False),
        ("False", False),
        ("no", False),
        ("OFF", False),
    ],
)
@pytest.mark.parametrize(
    ("name", "attr"), [("GOVERNANCE_DB_POOL", "db_pool"), ("GOVERNANCE_SMTP_STARTTLS", "smtp_starttls")]
)
def test_boolean_variables_accept_common_spellings(
    monkeypatch: pytest.MonkeyPatch, name: str, attr: str, raw: str, expected: bool
) -> None:
    monkeypatch.setenv(name, raw)
    assert getattr(Settings.from_env(), attr) is expected


@pytest.mark.parametrize(
    ("name", "attr", "default"),
    [("GOVERNANCE_DB_POOL", "db_pool", True), ("GOVERNANCE_SMTP_STARTTLS", "smtp_starttls", False)],
)
@pytest.mark.parametrize("raw", ["", "   "])
def test_blank_boolean_means_default(
    monkeypatch: pytest.MonkeyPatch, name: str, attr: str, default: bool, raw: str
) -> None:
    monkeypatch.setenv(name, raw)
    assert getattr(Settings.from_env(), attr) is default


@pytest.mark.parametrize("raw", ["", "  "])
def test_blank_integer_means_default(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("GOVERNANCE_PORT", raw)
    monkeypatch.setenv("GOVERNANCE_SMTP_PORT", raw)
    s = Settings.from_env()
    assert (s.port, s.smtp_port) == (8000, 25)


def test_integer_may_have_surrounding_spaces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVERNANCE_WORKERS", " 3 ")
    assert Settings.from_env().workers == 3


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("auto", "auto"),
        ("AUTO", "auto"),
        (" Auto ", "auto"),
        ("true", "true"),
        ("yes", "true"),
        ("1", "true"),
        ("on", "true"),
        ("false", "false"),
        ("no", "false"),
        ("0", "false"),
        ("OFF", "false"),
    ],
)
def test_cookie_secure_is_normalized_to_auto_true_or_false(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: str
) -> None:
    monkeypatch.setenv("GOVERNANCE_COOKIE_SECURE", raw)
    assert Settings.from_env().cookie_secure == expected


@pytest.mark.parametrize(("raw", "expected"), [("r5", "R5"), (" R6 ", "R6"), ("R5", "R5")])
def test_classification_scheme_is_upper_cased(monkeypatch: pytest.MonkeyPatch, raw: str, expected: str) -> None:
    monkeypatch.setenv("GOVERNANCE_CLASSIFICATION_SCHEME", raw)
    assert Settings.from_env().classification_scheme == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("debug", "DEBUG"), ("Info", "INFO"), (" warning ", "WARNING"), ("ERROR", "ERROR")],
)
def test_log_level_is_upper_cased(monkeypatch: pytest.MonkeyPatch, raw: str, expected: str) -> None:
    monkeypatch.setenv("GOVERNANCE_LOG_LEVEL", raw)
    assert Settings.from_env().log_level == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://gov.example.lg.jp/", "https://gov.example.lg.jp"),
        ("https://gov.example.lg.jp///", "https://gov.example.lg.jp"),
        ("https://example.lg.jp/governance/", "https://example.lg.jp/governance"),
        ("https://gov.example.lg.jp", "https://gov.example.lg.jp"),
    ],
)
def test_base_url_loses_trailing_slashes(monkeypatch: pytest.MonkeyPatch, raw: str, expected: str) -> None:
    monkeypatch.setenv("GOVERNANCE_BASE_URL", raw)
    assert Settings.from_env().base_url == expected


# --- from_env: invalid values --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("GOVERNANCE_DB_POOL", "maybe"),
        ("GOVERNANCE_DB_POOL", "2"),
        ("GOVERNANCE_SMTP_STARTTLS", "enabled"),
        ("GOVERNANCE_PORT", "http"),
        ("GOVERNANCE_PORT", "80.5"),
        ("GOVERNANCE_WORKERS", "four"),
        ("GOVERNANCE_SESSION_IDLE_MINUTES", "2h"),
        ("GOVERNANCE_SESSION_MAX_HOURS", "12 hours"),
        ("GOVERNANCE_LOGIN_MAX_FAILURES", "five"),
        ("GOVERNANCE_LOGIN_LOCK_MINUTES", "1e3"),
        ("GOVERNANCE_SMTP_PORT", "smtp"),
        ("GOVERNANCE_COOKIE_SECURE", "sometimes"),
        ("GOVERNANCE_COOKIE_SECURE", "secure"),
        ("GOVERNANCE_CLASSIFICATION_SCHEME", "R7"),
        ("GOVERNANCE_CLASSIFICATION_SCHEME", "3A"),
        ("GOVERNANCE_LOG_LEVEL", "TRACE"),
        ("GOVERNANCE_LOG_LEVEL", "CRITICAL"),
    ],
)
def test_invalid_value_raises_settings_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, raw: str
) -> None:
    monkeypatch.setenv(name, raw)
    with pytest.raises(SettingsError, match=name):
        Settings.from_env()


@pytest.mark.parametrize(("name", "raw"), [("GOVERNANCE_PORT", "http"), ("GOVERNANCE_DB_POOL", "maybe")])
def test_invalid_int_or_bool_message_quotes_the_value(monkeypatch: pytest.MonkeyPatch, name: str, raw: str) -> None:
    monkeypatch.setenv(name, raw)
    with pytest.raises(SettingsError, match=repr(raw)):
        Settings.from_env()


def test_settings_error_is_a_value_error() -> None:
    assert issubclass(SettingsError, ValueError)


def test_blank_database_url_means_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "")
    assert Settings.from_env().database_url == Settings().database_url


def test_blank_data_dir_means_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVERNANCE_DATA_DIR", "")
    assert Settings.from_env().data_dir == Settings().data_dir


# --- public_base_url -----------------------------------------------------------------------------------------------


def test_public_base_url_prefers_the_configured_base_url() -> None:
    assert Settings(base_url="https://gov.example.lg.jp", host="0.0.0.0", port=80).public_base_url == (
        "https://gov.example.lg.jp"
    )


def test_public_base_url_falls_back_to_host_and_port() -> None:
    assert Settings().public_base_url == "http://127.0.0.1:8000"
    assert Settings(host="gov.local", port=8443).public_base_url == "http://gov.local:8443"


def test_public_base_url_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVERNANCE_HOST", "10.0.0.5")
    monkeypatch.setenv("GOVERNANCE_PORT", "8080")
    assert Settings.from_env().public_base_url == "http://10.0.0.5:8080"
    monkeypatch.setenv("GOVERNANCE_BASE_URL", "https://gov.example.lg.jp/")
    assert Settings.from_env().public_base_url == "https://gov.example.lg.jp"


# --- resolved_secret_key -------------------------------------------------------------------------------------------


def test_secret_key_is_generated_into_a_private_file(tmp_path: Path) -> None:
    data_dir = tmp_path / "nested" / "data"
    key = Settings(data_dir=data_dir).resolved_secret_key()
    path = data_dir / "secret_key"
    assert path.read_text(encoding="ascii") == key
    assert len(key) >= 64  # 48 random bytes, URL-safe base64
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in data_dir.iterdir()] == ["secret_key"]  # no temporary file left behind


def test_secret_key_is_stable_across_calls_and_instances(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    first = settings.resolved_secret_key()
    assert settings.resolved_secret_key() == first
    assert Settings(data_dir=tmp_path).resolved_secret_key() == first


def test_secret_key_from_env_via_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GOVERNANCE_DATA_DIR", str(tmp_path))
    generated = Settings.from_env().resolved_secret_key()
    assert Settings.from_env().resolved_secret_key() == generated
    monkeypatch.setenv("GOVERNANCE_SECRET_KEY", "configured-key")
    assert Settings.from_env().resolved_secret_key() == "configured-key"


def test_configured_secret_key_wins_and_no_file_is_written(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    assert Settings(data_dir=data_dir, secret_key="configured-key").resolved_secret_key() == "configured-key"
    assert not data_dir.exists()


def test_configured_secret_key_wins_over_an_existing_file(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("from-file", encoding="ascii")
    assert Settings(data_dir=tmp_path, secret_key="configured-key").resolved_secret_key() == "configured-key"


def test_existing_key_file_is_read_and_stripped(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("  kept-key\n", encoding="ascii")
    assert Settings(data_dir=tmp_path).resolved_secret_key() == "kept-key"


def test_generated_keys_differ_between_data_dirs(tmp_path: Path) -> None:
    a = Settings(data_dir=tmp_path / "a").resolved_secret_key()
    b = Settings(data_dir=tmp_path / "b").resolved_secret_key()
    assert a != b


def test_when_another_worker_publishes_first_its_key_is_used(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    real_link = os.link

    def racing_link(src: os.PathLike[str], dst: os.PathLike[str]) -> None:
        Path(dst).write_text("winner-key", encoding="ascii")  # the other worker got there first
        real_link(src, dst)  # raises FileExistsError

    data_dir = tmp_path / "data"
    monkeypatch.setattr(settings_module.os, "link", racing_link)
    assert Settings(data_dir=data_dir).resolved_secret_key() == "winner-key"
    assert [p.name for p in data_dir.iterdir()] == ["secret_key"]  # its own temporary file is removed


def test_the_candidate_clause_library_is_none_unless_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("GOVERNANCE_CONTRACT_TEMPLATES_CANDIDATE_DIR", raising=False)
    assert Settings.from_env().contract_templates_candidate_dir is None
    monkeypatch.setenv("GOVERNANCE_CONTRACT_TEMPLATES_CANDIDATE_DIR", "  ")
    assert Settings.from_env().contract_templates_candidate_dir is None
    monkeypatch.setenv("GOVERNANCE_CONTRACT_TEMPLATES_CANDIDATE_DIR", str(tmp_path / "next"))
    assert Settings.from_env().contract_templates_candidate_dir == tmp_path / "next"
