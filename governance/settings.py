"""Settings read from environment variables (see docs/operator-guide.md for each one)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _env(name: str, default: str) -> str:
    """Return the variable, or the default when it is unset or blank (``VAR=`` means "not configured")."""
    raw = os.environ.get(name)
    return default if raw is None or raw.strip() == "" else raw


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingsError(f"{name} must be true or false, not {raw!r}")


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None


def _optional_path(name: str) -> Path | None:
    """A folder the operator may name; None when unset or blank."""
    raw = _env(name, "").strip()
    return Path(raw) if raw else None


class SettingsError(ValueError):
    """An environment variable has a value the application cannot use."""


@dataclass(frozen=True)
class Settings:
    """Runtime configuration of the application."""

    database_url: str = "sqlite:///governance.sqlite3"
    """DATABASE_URL: ``sqlite:///path`` (default, a file in the working directory) or ``postgresql://…``."""
    db_pool: bool = True
    """GOVERNANCE_DB_POOL: keep a connection pool (PostgreSQL) or reuse connections (SQLite)."""
    data_dir: Path = Path("governance-data")
    """GOVERNANCE_DATA_DIR: where the generated secret key and uploaded files are kept."""
    secret_key: str = ""
    """GOVERNANCE_SECRET_KEY: signs CSRF tokens; generated into DATA_DIR/secret_key when unset."""
    host: str = "127.0.0.1"
    """GOVERNANCE_HOST: address ``governance serve`` listens on."""
    port: int = 8000
    """GOVERNANCE_PORT: port ``governance serve`` listens on."""
    workers: int = 1
    """GOVERNANCE_WORKERS: uvicorn worker processes (use PostgreSQL when more than one)."""
    base_url: str = ""
    """GOVERNANCE_BASE_URL: public address used in links sent by mail or printed by the CLI."""
    cookie_secure: str = "auto"
    """GOVERNANCE_COOKIE_SECURE: ``auto`` (Secure when the request came over HTTPS), ``true`` or ``false``."""
    session_idle_minutes: int = 120
    """GOVERNANCE_SESSION_IDLE_MINUTES: a session ends after this long without a request."""
    session_max_hours: int = 12
    """GOVERNANCE_SESSION_MAX_HOURS: a session ends this long after sign-in, whatever happens."""
    login_max_failures: int = 5
    """GOVERNANCE_LOGIN_MAX_FAILURES: failed sign-ins before the user name is locked."""
    login_lock_minutes: int = 15
    """GOVERNANCE_LOGIN_LOCK_MINUTES: how long a locked user name stays locked."""
    smtp_host: str = ""
    """GOVERNANCE_SMTP_HOST: mail relay for reminders (empty: mail is not sent)."""
    smtp_port: int = 25
    """GOVERNANCE_SMTP_PORT: port of the mail relay."""
    smtp_username: str = ""
    """GOVERNANCE_SMTP_USERNAME: login for the mail relay, if it needs one."""
    smtp_password: str = ""
    """GOVERNANCE_SMTP_PASSWORD: password for the mail relay."""
    smtp_starttls: bool = False
    """GOVERNANCE_SMTP_STARTTLS: upgrade the SMTP connection with STARTTLS."""
    mail_from: str = "governance@localhost"
    """GOVERNANCE_MAIL_FROM: sender address of reminder mails."""
    log_level: str = "INFO"
    """GOVERNANCE_LOG_LEVEL: DEBUG, INFO, WARNING or ERROR."""
    classification_scheme: str = "R6"
    """GOVERNANCE_CLASSIFICATION_SCHEME: ``R6`` (自治体機密性3A/3B/3C/2/1) or ``R5`` (機密性3/2/1)."""
    municipality_name: str = ""
    """GOVERNANCE_MUNICIPALITY_NAME: the municipality (委託者) printed on documents, e.g. みどり市."""
    municipality_head: str = ""
    """GOVERNANCE_MUNICIPALITY_HEAD: its representative on contracts, e.g. みどり市長 緑川 一郎."""
    municipality_address: str = ""
    """GOVERNANCE_MUNICIPALITY_ADDRESS: its address in the signature block of contracts."""
    cert_warn_days: int = 60
    """GOVERNANCE_CERT_WARN_DAYS: a certificate within this many days of expiry shows as 期限間近."""
    contract_templates_dir: Path = field(default=REPO_ROOT / "contract_templates")
    """GOVERNANCE_CONTRACT_TEMPLATES_DIR: the clause library."""
    contract_templates_candidate_dir: Path | None = None
    """GOVERNANCE_CONTRACT_TEMPLATES_CANDIDATE_DIR: the next clause library, placed here to see its impact before it
    is put in force (``governance templates promote``); empty: none."""
    reminder_rules: str = ""
    """GOVERNANCE_REMINDER_RULES: lead times per subject over the defaults, e.g. ``check=30,7,1/7; measure=7,1/3``."""
    reminders_autorun: bool = False
    """GOVERNANCE_REMINDERS_AUTORUN: the app runs the reminders itself every interval (instead of cron)."""
    reminders_interval_minutes: int = 60
    """GOVERNANCE_REMINDERS_INTERVAL_MINUTES: how often the app runs them when autorun is on."""
    report_link_days: int = 30
    """GOVERNANCE_REPORT_LINK_DAYS: how long a contractor's report link stays valid."""
    # -- the organisation (issue 12: need-to-know) --
    department_read_scope: str = "own"
    """GOVERNANCE_DEPARTMENT_READ_SCOPE: ``own`` (department staff read only their department's records) or ``all``
    (they read every department's, and still change only their own)."""
    external_service_approvers: tuple[str, ...] = ("security_officer",)
    """GOVERNANCE_EXTERNAL_SERVICE_APPROVERS: who acts as 許可権限者 for external-service use, comma-separated, among
    ``security_officer`` (the security office, default), ``chief_security`` and ``ciso``."""

    @classmethod
    def from_env(cls) -> Settings:
        """Build settings from the process environment.

        Returns:
            The settings, with defaults for every unset variable.

        Raises:
            SettingsError: when a variable holds a value of the wrong kind.
        """
        d = cls()
        cookie_secure = _env("GOVERNANCE_COOKIE_SECURE", d.cookie_secure).strip().lower()
        if cookie_secure not in {"auto", *_TRUE, *_FALSE}:
            raise SettingsError("GOVERNANCE_COOKIE_SECURE must be auto, true or false")
        scheme = _env("GOVERNANCE_CLASSIFICATION_SCHEME", d.classification_scheme).strip().upper()
        if scheme not in {"R5", "R6"}:
            raise SettingsError("GOVERNANCE_CLASSIFICATION_SCHEME must be R5 or R6")
        if _env_int("GOVERNANCE_CERT_WARN_DAYS", d.cert_warn_days) < 0:
            raise SettingsError("GOVERNANCE_CERT_WARN_DAYS must be 0 or more")
        from governance.reminders.rules import RuleError, parse_rules

        try:
            parse_rules(_env("GOVERNANCE_REMINDER_RULES", ""))
        except RuleError as exc:
            raise SettingsError(f"GOVERNANCE_REMINDER_RULES: {exc}") from None
        if not 1 <= _env_int("GOVERNANCE_REMINDERS_INTERVAL_MINUTES", d.reminders_interval_minutes) <= 1440:
            raise SettingsError("GOVERNANCE_REMINDERS_INTERVAL_MINUTES must be between 1 and 1440")
        if not 1 <= _env_int("GOVERNANCE_REPORT_LINK_DAYS", d.report_link_days) <= 365:
            raise SettingsError("GOVERNANCE_REPORT_LINK_DAYS must be between 1 and 365")
        read_scope = _env("GOVERNANCE_DEPARTMENT_READ_SCOPE", d.department_read_scope).strip().lower()
        if read_scope not in {"own", "all"}:
            raise SettingsError("GOVERNANCE_DEPARTMENT_READ_SCOPE must be own or all")
        from governance.accounts.roles import Role

        approvers = tuple(
            r.strip() for r in _env("GOVERNANCE_EXTERNAL_SERVICE_APPROVERS", ",".join(d.external_service_approvers))
            .split(",") if r.strip()
        )  # fmt: skip
        if not approvers or set(approvers) - {Role.security_officer, Role.chief_security, Role.ciso}:
            raise SettingsError(
                "GOVERNANCE_EXTERNAL_SERVICE_APPROVERS must name security_officer, chief_security and/or ciso"
            )
        log_level = _env("GOVERNANCE_LOG_LEVEL", d.log_level).strip().upper()
        if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise SettingsError("GOVERNANCE_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")
        return cls(
            database_url=_env("DATABASE_URL", d.database_url),
            db_pool=_env_bool("GOVERNANCE_DB_POOL", d.db_pool),
            data_dir=Path(_env("GOVERNANCE_DATA_DIR", str(d.data_dir))),
            secret_key=_env("GOVERNANCE_SECRET_KEY", ""),
            host=_env("GOVERNANCE_HOST", d.host),
            port=_env_int("GOVERNANCE_PORT", d.port),
            workers=_env_int("GOVERNANCE_WORKERS", d.workers),
            base_url=_env("GOVERNANCE_BASE_URL", "").rstrip("/"),
            cookie_secure="true" if cookie_secure in _TRUE else "false" if cookie_secure in _FALSE else "auto",
            session_idle_minutes=_env_int("GOVERNANCE_SESSION_IDLE_MINUTES", d.session_idle_minutes),
            session_max_hours=_env_int("GOVERNANCE_SESSION_MAX_HOURS", d.session_max_hours),
            login_max_failures=_env_int("GOVERNANCE_LOGIN_MAX_FAILURES", d.login_max_failures),
            login_lock_minutes=_env_int("GOVERNANCE_LOGIN_LOCK_MINUTES", d.login_lock_minutes),
            smtp_host=_env("GOVERNANCE_SMTP_HOST", d.smtp_host),
            smtp_port=_env_int("GOVERNANCE_SMTP_PORT", d.smtp_port),
            smtp_username=_env("GOVERNANCE_SMTP_USERNAME", d.smtp_username),
            smtp_password=_env("GOVERNANCE_SMTP_PASSWORD", d.smtp_password),
            smtp_starttls=_env_bool("GOVERNANCE_SMTP_STARTTLS", d.smtp_starttls),
            mail_from=_env("GOVERNANCE_MAIL_FROM", d.mail_from),
            log_level=log_level,
            classification_scheme=scheme,
            municipality_name=_env("GOVERNANCE_MUNICIPALITY_NAME", d.municipality_name).strip(),
            municipality_head=_env("GOVERNANCE_MUNICIPALITY_HEAD", d.municipality_head).strip(),
            municipality_address=_env("GOVERNANCE_MUNICIPALITY_ADDRESS", d.municipality_address).strip(),
            cert_warn_days=_env_int("GOVERNANCE_CERT_WARN_DAYS", d.cert_warn_days),
            contract_templates_dir=Path(_env("GOVERNANCE_CONTRACT_TEMPLATES_DIR", str(d.contract_templates_dir))),
            contract_templates_candidate_dir=_optional_path("GOVERNANCE_CONTRACT_TEMPLATES_CANDIDATE_DIR"),
            reminder_rules=_env("GOVERNANCE_REMINDER_RULES", ""),
            reminders_autorun=_env_bool("GOVERNANCE_REMINDERS_AUTORUN", d.reminders_autorun),
            reminders_interval_minutes=_env_int("GOVERNANCE_REMINDERS_INTERVAL_MINUTES", d.reminders_interval_minutes),
            report_link_days=_env_int("GOVERNANCE_REPORT_LINK_DAYS", d.report_link_days),
            department_read_scope=read_scope,
            external_service_approvers=approvers,
        )

    @property
    def public_base_url(self) -> str:
        """The address people reach the service at, for links printed or mailed."""
        return self.base_url or f"http://{self.host}:{self.port}"

    def resolved_secret_key(self) -> str:
        """Return the secret key, generating and storing one in the data directory on first use.

        Returns:
            The configured key, or the key kept in ``DATA_DIR/secret_key``.
        """
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text(encoding="ascii").strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        # Write a private temporary file, then link it into place: os.link fails when another worker
        # started at the same moment already published its key, and a reader never sees a half-written file.
        tmp = self.data_dir / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(key)
        try:
            os.link(tmp, path)
        except FileExistsError:
            key = path.read_text(encoding="ascii").strip()
        finally:
            tmp.unlink()
        return key

    # -- Sign-in attempts per client address (issue 12). Read here, not in from_env, to keep this one block. --
    login_ip_burst: int = field(default_factory=lambda: _env_int("GOVERNANCE_LOGIN_IP_BURST", 10))
    """GOVERNANCE_LOGIN_IP_BURST: sign-in attempts one client address may make at once (0: no limit per address)."""
    login_ip_refill_seconds: int = field(default_factory=lambda: _env_int("GOVERNANCE_LOGIN_IP_REFILL_SECONDS", 600))
    """GOVERNANCE_LOGIN_IP_REFILL_SECONDS: a client address regains one attempt this often; successes are given back."""

    # -- Input bounds (issue 12: one bad value must not stop the service). Read here, like the block above. --
    max_contract_term_years: int = field(default_factory=lambda: Settings._max_contract_term_years_from_env())
    """GOVERNANCE_MAX_CONTRACT_TERM_YEARS: the longest planned term of an engagement's contract, from its start to its
    end date before any renewal, in years (1–100, default 10); a longer term is refused with a message."""

    @staticmethod
    def _max_contract_term_years_from_env() -> int:
        from governance.engagements.term import MAX_TERM_YEARS

        years = _env_int("GOVERNANCE_MAX_CONTRACT_TERM_YEARS", MAX_TERM_YEARS)
        if not 1 <= years <= 100:
            raise SettingsError("GOVERNANCE_MAX_CONTRACT_TERM_YEARS must be between 1 and 100")
        return years

    # -- Where stored files' bytes are kept (issue 16: several hosts). Read here, like the blocks above. --
    file_storage: str = field(default_factory=lambda: Settings._file_storage_from_env())
    """GOVERNANCE_FILE_STORAGE: ``local`` (under DATA_DIR/files, default) or ``database`` (in the database, so that
    several app hosts on one PostgreSQL share them); files are read from either, the configured one first."""

    @staticmethod
    def _file_storage_from_env() -> str:
        kind = _env("GOVERNANCE_FILE_STORAGE", "local").strip().lower()
        if kind not in {"local", "database"}:
            raise SettingsError("GOVERNANCE_FILE_STORAGE must be local or database")
        return kind


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings (read once from the environment)."""
    return Settings.from_env()
