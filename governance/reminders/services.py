"""A reminder run: compute what is due, record it in the notification log once, send what is waiting.

Exactly once: the log's unique key makes a second run (or a second app instance) record nothing new, and a
notification is claimed (``pending``/``failed`` → ``sending``) by one run before it is sent, so two runs never send
the same one. A failed send is retried with exponential backoff and shown in the log.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import anyio

from governance.actor import Actor
from governance.audit.services import AuditService
from governance.calendar import today_tokyo, wareki
from governance.db import for_update, keyset_chunks, write_transaction
from governance.errors import ConflictError, NotFoundError
from governance.reminders.mailer import Mail, SmtpConfig, send_batch
from governance.reminders.notify import Notice, Recipient, enqueue
from governance.reminders.rules import SUBJECT_LABELS, Rule, parse_rules
from governance.reminders.sources import register_builtin_sources, sources
from governance.reminders.tables import Notification, NotificationStatus

log = logging.getLogger("governance.reminders")

CLAIM_ADDRESSES = 50
"""A run claims the waiting notifications of this many addresses at a time (each address gets one mail)."""
MAX_ATTEMPTS = 8
CLAIM_TIMEOUT = dt.timedelta(hours=1)
STALE_AFTER = dt.timedelta(days=3)
"""A reminder still unsent after this long (e.g. mail was configured only now) is not sent: the next one will be."""
"""A notification claimed by a run that died is taken up again after this long."""


def backoff(attempts: int) -> dt.timedelta:
    """The wait before the next attempt after ``attempts`` failures: 5, 10, 20 … minutes, at most a day."""
    return min(dt.timedelta(minutes=5 * 2 ** min(max(attempts - 1, 0), 9)), dt.timedelta(days=1))


def reminder_text(subject: str, title: str, due: dt.date, today: dt.date, name: str, url: str) -> tuple[str, str]:
    """The Japanese subject line and body of a reminder."""
    days = (due - today).days
    label = SUBJECT_LABELS.get(subject, "期限")
    if days > 0:
        state, tag = f"期限まであと{days}日です。", f"【{label}のお知らせ】"
    elif days == 0:
        state, tag = "本日が期限です。", f"【{label}のお知らせ（本日）】"
    else:
        state, tag = f"期限を{-days}日過ぎています。対応を確認してください。", f"【{label}の超過】"
    subject_line = f"{tag}{title}（期限：{wareki(due)}）"
    body = (
        f"{name} 様\n\n{label}についてお知らせします。\n\n"
        f"件名：{title}\n期限：{wareki(due, weekday=True)}\n状況：{state}\n\n"
        f"詳しくは次のページでご確認ください。\n{url}\n\n"
        "※このメールは情報セキュリティ管理システム（governance）から自動で送信しています。\n"
    )
    return subject_line, body


def digest(rows: list[dict[str, Any]], base_url: str) -> list[tuple[Mail, list[int]]]:
    """One mail per address: a single notification as it is, several as one list (with each link).

    Returns the mails with the ids of the notifications each carries.
    """
    by_address: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_address.setdefault(row["email"], []).append(row)
    out = []
    for address, group in by_address.items():
        bodies = [r["body"].replace("{url}", base_url + r["link"]) for r in group]
        if len(group) == 1:
            mail = Mail(address, group[0]["title"], bodies[0])
        else:
            lines = "\n".join(f"{n}. {r['title']}\n   {base_url}{r['link']}" for n, r in enumerate(group, 1))
            mail = Mail(
                address, f"【期限等のお知らせ】{len(group)}件",
                f"期限が近い、または過ぎている事項が{len(group)}件あります。\n\n{lines}\n\n"
                "※このメールは情報セキュリティ管理システム（governance）から自動で送信しています。\n",
            )  # fmt: skip
        out.append((mail, [r["id"] for r in group]))
    return out


class NotificationLog:
    """通知の記録 as the page, the API list and the export read it: newest first, optionally of one state."""

    @staticmethod
    def _select() -> Any:
        return Notification.select(
            Notification.all_columns(), Notification.recipient.full_name.as_alias("recipient_name")
        )

    @staticmethod
    def _where(status: str | None) -> list[Any]:
        return [Notification.status == status] if status else []

    async def page(self, status: str | None, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        """One page of notifications, newest first, and how many there are."""
        where = self._where(status)
        query, count = self._select(), Notification.count()
        if where:
            query, count = query.where(*where), count.where(*where)
        rows = await query.order_by(Notification.id, ascending=False).limit(limit).offset(offset)
        return rows, await count

    async def export_rows(self, status: str | None, *, chunk: int = 500) -> AsyncIterator[dict[str, Any]]:
        """Every notification of the list (not one page), newest first, a chunk at a time."""
        async for rows in keyset_chunks(self._select, Notification, self._where(status), chunk=chunk,
                                        newest_first=True):  # fmt: skip
            for row in rows:
                yield row


@dataclass
class RunReport:
    """What a run found and did."""

    today: dt.date
    due: list[tuple[Notice, Recipient]] = field(default_factory=list)
    recorded: int = 0
    sent: int = 0
    failed: int = 0
    smtp_enabled: bool = True


class ReminderService:
    """Reminder runs and the notification log."""

    def __init__(self, settings: Any) -> None:
        register_builtin_sources()
        self.rules: dict[str, Rule] = parse_rules(settings.reminder_rules)
        self.smtp = SmtpConfig.from_settings(settings)
        self.base_url = settings.public_base_url
        self.audit = AuditService()

    async def collect(self, today: dt.date) -> list[tuple[Notice, Recipient]]:
        """Every reminder due today, per recipient (nothing is written)."""
        out: list[tuple[Notice, Recipient]] = []
        for subject, source in sources().items():
            rule = self.rules.get(subject)
            if rule is None or not rule.leads:
                continue
            for item in await source(rule, today):
                occurrence = rule.occurrence(item.due, today)
                if occurrence is None:
                    continue
                for person in item.recipients:
                    # The link is filled in when the mail is sent, with the base URL in force then.
                    title, body = reminder_text(subject, item.title, item.due, today, person.name, "{url}")
                    notice = Notice(item.subject_type, item.subject_id, subject, occurrence, title, body, item.link)
                    out.append((notice, person))
        return out

    async def run(
        self, today: dt.date | None = None, *, dry_run: bool = False, now: dt.datetime | None = None
    ) -> RunReport:
        """Record the reminders due ``today`` (default: today in Tokyo) and send every waiting notification."""
        now = now or dt.datetime.now(dt.UTC)
        report = RunReport(today=today or today_tokyo(now), smtp_enabled=self.smtp.enabled)
        if not dry_run:
            from governance.verification.services import extend_renewed_plans

            # A contract renewed by itself gets its new period's checks before they are looked at.
            await extend_renewed_plans(report.today, now=now, audit=self.audit)
            from governance.social.services import close_scheduled_accounts

            # An SNS account whose approved closing date has come is closed (the public answers already say so).
            await close_scheduled_accounts(report.today, now=now, audit=self.audit)
        report.due = await self.collect(report.today)
        if dry_run:
            return report
        report.recorded = await enqueue(report.due, now=now)
        report.sent, report.failed = await self.deliver(now=now)
        return report

    async def _claim(self, run_id: str, now: dt.datetime) -> list[dict[str, Any]]:
        """Claim every waiting notification of the next few addresses (all of an address's, so it gets one mail)."""
        async with write_transaction():
            waiting = (
                (Notification.status.is_in([NotificationStatus.pending, NotificationStatus.failed]))
                | (Notification.status == NotificationStatus.sending)
            ) & (Notification.next_attempt_at <= now)
            addresses = [
                r["email"]
                for r in await Notification.select(Notification.email)
                .where(waiting)
                .distinct()
                .order_by(Notification.email)
                .limit(CLAIM_ADDRESSES)
            ]
            if not addresses:
                return []
            # The claim lasts from the real time of claiming: a run slowed by the mail server keeps what it holds.
            until = max(now, dt.datetime.now(dt.UTC)) + CLAIM_TIMEOUT
            # Re-checking the condition in the UPDATE makes the claim atomic: a concurrent run that read the same
            # rows finds them already claimed (PostgreSQL re-evaluates the WHERE after the row lock is released).
            return await (
                Notification.update(
                    {Notification.status: NotificationStatus.sending, Notification.claimed_by: run_id,
                     Notification.next_attempt_at: until}
                )
                .where(Notification.email.is_in(addresses), waiting)
                .returning(*Notification.all_columns())
            )  # fmt: skip

    async def _expire_stale(self, now: dt.datetime) -> None:
        """Reminders that waited too long unsent (no mail server until now) are marked, not mailed out of date."""
        await Notification.update({Notification.status: NotificationStatus.expired}).where(
            Notification.status == NotificationStatus.pending,
            Notification.created_at < now - STALE_AFTER,
            Notification.rule.is_in(list(SUBJECT_LABELS)),
        )

    async def deliver(self, *, now: dt.datetime | None = None) -> tuple[int, int]:
        """Send every waiting notification (when SMTP is configured). Returns (sent, failed).

        Each delivery is isolated: a mail that cannot be built or sent marks its notifications failed with the
        reason, and the run goes on. Whatever happens while sending (even a crash or a cancellation), the claimed
        rows are settled before the run moves on or ends: those the relay accepted as sent, the rest as failed, so
        none stays claimed and none the relay accepted is sent again.
        """
        if not self.smtp.enabled:
            return 0, 0
        now = now or dt.datetime.now(dt.UTC)
        run_id = uuid.uuid4().hex
        sent = failed = 0
        await self._expire_stale(now)
        while claimed := await self._claim(run_id, now):
            outcome: dict[int, str | None] = {}
            try:
                groups = self._build(claimed, outcome)
                results: list[str | None] = []
                mails = [m for m, _ in groups]
                try:
                    await anyio.to_thread.run_sync(functools.partial(send_batch, self.smtp, mails, now, results))
                except Exception as exc:  # an unexpected failure while sending: settle what is known, go on
                    log.exception("reminder delivery failed while sending")
                    results.extend([f"送信処理が中断されました: {type(exc).__name__}: {exc}"] * len(mails))
                for (_, ids), error in zip(groups, results, strict=False):
                    outcome.update(dict.fromkeys(ids, error))
            finally:
                # Shielded: a cancelled run still records what the relay accepted and releases the rest.
                with anyio.CancelScope(shield=True):
                    s, f = await self._settle(claimed, outcome, run_id, now)
                sent, failed = sent + s, failed + f
        return sent, failed

    def _build(self, claimed: list[dict[str, Any]], outcome: dict[int, str | None]) -> list[tuple[Mail, list[int]]]:
        """The mails of the claimed rows, one per address; an address whose mail cannot be made fails alone."""
        by_address: dict[str, list[dict[str, Any]]] = {}
        for row in claimed:
            by_address.setdefault(row["email"], []).append(row)
        groups: list[tuple[Mail, list[int]]] = []
        for rows in by_address.values():
            try:
                groups += digest(rows, self.base_url)
            except Exception as exc:  # a broken row (no link, no body …) must not hold up the others' mail
                outcome.update(dict.fromkeys((r["id"] for r in rows), f"メールを作成できませんでした: {exc}"))
        return groups

    async def _settle(
        self, claimed: list[dict[str, Any]], outcome: dict[int, str | None], run_id: str, now: dt.datetime
    ) -> tuple[int, int]:
        """Record each claimed row's outcome; a row without one (the run was interrupted) fails and is retried."""
        sent = failed = 0
        async with write_transaction():
            for row in claimed:
                error = outcome.get(row["id"], "送信処理が中断されたため、送信できたか確認できていません。")
                if error is None:
                    sent += 1
                    values = {Notification.status: NotificationStatus.sent, Notification.sent_at: now,
                              Notification.attempts: row["attempts"] + 1, Notification.last_error: ""}  # fmt: skip
                else:
                    failed += 1
                    attempts = row["attempts"] + 1
                    # After the last attempt it waits for a person to press 再送 (``retry``).
                    retry_at = now + (backoff(attempts) if attempts < MAX_ATTEMPTS else dt.timedelta(days=3650))
                    values = {
                        Notification.status: NotificationStatus.failed, Notification.attempts: attempts,
                        Notification.last_error: error[:1000], Notification.next_attempt_at: retry_at,
                    }  # fmt: skip
                # A run whose claim was taken over (claim timeout) writes nothing.
                await Notification.update(values).where(Notification.id == row["id"], Notification.claimed_by == run_id)
        return sent, failed

    async def retry(self, notification_id: int, *, actor: Actor, now: dt.datetime | None = None) -> None:
        """Send a failed notification again at the next run.

        Raises:
            NotFoundError: no such notification.
            ConflictError: it is not a failed one.
        """
        now = now or dt.datetime.now(dt.UTC)
        async with write_transaction():
            row = await for_update(Notification.select().where(Notification.id == notification_id)).first()
            if row is None:
                raise NotFoundError("通知", notification_id)
            if row["status"] != NotificationStatus.failed:
                raise ConflictError("再送できるのは送信に失敗した通知だけです。")
            await Notification.update({Notification.next_attempt_at: now, Notification.attempts: 0}).where(
                Notification.id == notification_id
            )
            await self.audit.record(
                "notification.retried", actor=actor, target_type="notification", target_id=notification_id,
                target_label=row["title"][:100], now=now,
            )  # fmt: skip
