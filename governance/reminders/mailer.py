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


def send_batch(
    config: SmtpConfig, mails: list[Mail], now: dt.datetime, results: list[str | None] | None = None
) -> list[str | None]:
    """Send the mails over one connection; returns, per mail, None when accepted or the error text.

    Each mail is isolated: one that cannot be built (a line break in a header, say) or that the relay refuses fails
    alone. A failure of the connection itself (cannot connect, dropped, timed out) fails the mails not yet sent
    without trying them. ``results`` (when given) is filled as the mails go, so a caller still knows which mails
    the relay accepted if this function is interrupted.

    Args:
        config: where and how to send.
        mails: the messages.
        now: the Date header.
        results: a list to append each outcome to as it is known.

    Returns:
        The outcomes, one per mail, in order.
    """
    results = [] if results is None else results
    if not mails:
        return results
    try:
        smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
    except (OSError, smtplib.SMTPException) as exc:
        results.extend([f"SMTPサーバーに接続できません: {exc}"] * len(mails))
        return results
    try:
        try:
            if config.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if config.username:
                smtp.login(config.username, config.password)
        except (OSError, smtplib.SMTPException) as exc:
            results.extend([f"SMTPの認証または暗号化に失敗しました: {exc}"] * len(mails))
            return results
        for n, mail in enumerate(mails):
            try:
                message = build_message(mail, config.sender, now)
            except Exception as exc:  # whatever stops one message must not stop the others
                results.append(f"メールを作成できませんでした: {type(exc).__name__}: {exc}")
                continue
            try:
                smtp.send_message(message)
            except smtplib.SMTPServerDisconnected as exc:
                gone = exc
            except smtplib.SMTPException as exc:  # refused sender, recipient or message: this mail only
                results.append(f"送信できませんでした: {type(exc).__name__}: {exc}")
                continue
            except OSError as exc:  # SMTPException is an OSError too; any other one is the socket (reset, timeout)
                gone = exc
            except Exception as exc:  # anything else (an address that cannot be encoded …) fails this mail only
                results.append(f"送信できませんでした: {type(exc).__name__}: {exc}")
                continue
            else:
                results.append(None)
                continue
            # The connection is gone (dropped or timed out): what remains is retried by a later run.
            results.append(f"送信中にSMTPサーバーとの接続が切れました: {gone}")
            results.extend(["SMTPサーバーとの接続が切れたため送信していません。"] * (len(mails) - n - 1))
            return results
    finally:
        try:
            smtp.quit()
        except Exception:  # the mails' outcomes are known; a failing goodbye changes none of them
            smtp.close()
    return results
