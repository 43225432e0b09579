"""The notification log: each notice to each recipient is recorded once, under a unique key."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from governance.accounts.roles import Role, holders_of
from governance.accounts.tables import User, UserRole
from governance.reminders.tables import Notification, NotificationStatus

BATCH = 200


@dataclass(frozen=True)
class Recipient:
    """Who receives a notice (a user; the address is the one on record when it is queued)."""

    user_id: int
    email: str
    name: str = ""


@dataclass(frozen=True)
class Notice:
    """What to say about one subject: a reminder occurrence or an event (escalation, report received …)."""

    subject_type: str
    subject_id: int
    rule: str
    occurrence: str
    title: str
    body: str
    link: str


def notification_key(notice: Notice, recipient: Recipient) -> str:
    """The uniqueness key: (subject, rule, occurrence, recipient)."""
    return f"{notice.subject_type}:{notice.subject_id}:{notice.rule}:{notice.occurrence}:u{recipient.user_id}"


async def enqueue(pairs: Iterable[tuple[Notice, Recipient]], *, now: dt.datetime) -> int:
    """Record notices in the log; one already there (same key) is left alone. Returns how many are new.

    Safe under concurrency: the unique key makes a second run's insert a no-op (``ON CONFLICT DO NOTHING``).
    """
    rows = [
        Notification(
            key=notification_key(n, r), subject_type=n.subject_type, subject_id=n.subject_id, rule=n.rule,
            occurrence=n.occurrence, recipient=r.user_id, email=r.email, title=n.title[:300], body=n.body,
            link=n.link[:300],
            status=NotificationStatus.pending if r.email else NotificationStatus.no_address,
            next_attempt_at=now, created_at=now,
        )
        for n, r in pairs
    ]  # fmt: skip
    inserted = 0
    for start in range(0, len(rows), BATCH):
        result = await (
            Notification.insert(*rows[start : start + BATCH])
            .on_conflict(target=Notification.key, action="DO NOTHING")
            .returning(Notification.id)
        )
        inserted += len(result)
    return inserted


async def users_with_role(role: Role | str, *, department_id: int | None = None) -> list[Recipient]:
    """Active users holding a role (optionally of one department), as recipients."""
    holders = sorted(holders_of(str(role)))  # those whose roles imply it too (a CISO for the security office)
    query = User.select(User.id, User.email, User.full_name).where(
        User.active.eq(True), User.id.is_in(UserRole.select(UserRole.user).where(UserRole.role.is_in(holders)))
    )
    if department_id is not None:
        query = query.where(User.department == department_id)
    return [Recipient(r["id"], r["email"], r["full_name"]) for r in await query.order_by(User.id)]


async def recipients_by_id(user_ids: Iterable[int]) -> dict[int, Recipient]:
    """Active users by id, as recipients."""
    ids = sorted({i for i in user_ids if i is not None})
    if not ids:
        return {}
    rows = await User.select(User.id, User.email, User.full_name).where(User.id.is_in(ids), User.active.eq(True))
    return {r["id"]: Recipient(r["id"], r["email"], r["full_name"]) for r in rows}
