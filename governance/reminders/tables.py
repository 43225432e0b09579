"""Tables for the notification log (exactly once, by a unique key) and private calendar feeds."""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from governance.accounts.tables import Department, User


class NotificationStatus(StrEnum):
    """Where a notification stands."""

    pending = "pending"
    sending = "sending"
    sent = "sent"
    failed = "failed"
    no_address = "no_address"
    expired = "expired"


NOTIFICATION_STATUS_LABELS: dict[str, str] = {
    NotificationStatus.pending: "送信待ち",
    NotificationStatus.sending: "送信中",
    NotificationStatus.sent: "送信済み",
    NotificationStatus.failed: "送信失敗（再送予定）",
    NotificationStatus.no_address: "宛先なし",
    NotificationStatus.expired: "未送信のまま期限切れ",
}


class Notification(Table, tablename="notification"):
    """One reminder or notice to one recipient; ``key`` (subject, rule, occurrence, recipient) is unique."""

    key = Varchar(length=255, unique=True, required=True)
    subject_type = Varchar(length=40, required=True)
    subject_id = Integer(required=True)
    rule = Varchar(length=40, required=True)
    occurrence = Varchar(length=60, required=True)
    recipient = ForeignKey(User, on_delete=OnDelete.set_null, null=True, default=None)
    email = Varchar(length=254, default="")
    title = Varchar(length=300, required=True)
    body = Text(default="")
    link = Varchar(length=300, default="")
    status = Varchar(length=20, choices=NotificationStatus, default=NotificationStatus.pending)
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(default=TimestamptzNow())
    claimed_by = Varchar(length=40, default="")
    last_error = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    sent_at = Timestamptz(null=True, default=None)


class CalendarFeed(Table, tablename="calendar_feed"):
    """A private feed URL of due dates, for one user or one department (the token is stored hashed)."""

    user = ForeignKey(User, on_delete=OnDelete.cascade, null=True, default=None)
    department = ForeignKey(Department, on_delete=OnDelete.cascade, null=True, default=None)
    token_hash = Varchar(length=64, unique=True, required=True)
    token_prefix = Varchar(length=12, default="")
    created_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    revoked_at = Timestamptz(null=True, default=None)
