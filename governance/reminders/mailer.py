"""Sending mail through the configured SMTP server (standard library; one connection per batch)."""

from __future__ import annotations

import datetime as dt
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to send."""

    host: str
    port: int = 25
    username: str = ""
    password: str = ""
    starttls: bool = False
    sender: str = "governance@localhost"
    timeout: float = 30.0

    @property
    def enabled(self) -> bool:
        """Mail is configured (GOVERNANCE_SMTP_HOST is set)."""
        return bool(self.host)

    @classmethod
    def from_settings(cls, settings: object) -> SmtpConfig:
        """Read GOVERNANCE_SMTP_* and GOVERNANCE_MAIL_FROM."""
        return cls(
            host=settings.smtp_host, port=settings.smtp_port, username=settings.smtp_username,
            password=settings.smtp_password, starttls=settings.smtp_starttls, sender=settings.mail_from,
        )  # fmt: skip


@dataclass(frozen=True)
class Mail:
    """One message: Japanese subject and body, plain text, UTF-8."""

    to: str
    subject: str
    body: str


def build_message(mail: Mail, sender: str, now: dt.datetime) -> EmailMessage:
    """The MIME message (UTF-8 subject and body)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = mail.to
    msg["Subject"] = mail.subject
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    msg.set_content(mail.body, charset="utf-8")
    return msg


def send_batch(config: SmtpConfig, mails: list[Mail], now: dt.datetime) -> list[str | None]:
    """Send the mails over one connection; returns, per mail, None when accepted or the error text.

    A failure to connect fails every mail of the batch (they are retried later).
    """
    if not mails:
        return []
    try:
        smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
    except (OSError, smtplib.SMTPException) as exc:
        return [f"SMTPサーバーに接続できません: {exc}"] * len(mails)
    results: list[str | None] = []
    try:
        if config.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if config.username:
            smtp.login(config.username, config.password)
        for mail in mails:
            try:
                smtp.send_message(build_message(mail, config.sender, now))
                results.append(None)
            except (OSError, smtplib.SMTPException) as exc:
                results.append(f"送信できませんでした: {exc}")
    except (OSError, smtplib.SMTPException) as exc:
        results.extend([f"SMTPの認証または暗号化に失敗しました: {exc}"] * (len(mails) - len(results)))
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
    return results
