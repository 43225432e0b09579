"""Private iCalendar feeds of due dates, per user or per department (Outlook and Thunderbird subscribe to them)."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from icalendar import Calendar, Event

from governance.accounts.passwords import new_token, token_digest
from governance.actor import Actor
from governance.audit.services import AuditService
from governance.calendar import today_tokyo
from governance.db import write_transaction
from governance.engagements.tables import Engagement, EngagementStatus
from governance.engagements.term import Term
from governance.errors import NotFoundError
from governance.reminders.tables import CalendarFeed
from governance.verification.tables import (
    MEASURE_KIND_LABELS,
    OPEN_CHECK_STATUSES,
    Check,
    Measure,
    MeasureStatus,
)

PAST_DAYS = 90
"""Open items overdue by more than this many days are left out of the feed; closed ones are never listed."""
AHEAD_DAYS = 5 * 366
"""Due dates later than this many days ahead (about five years) are left out: a feed is for planning, and a very long
contract term (hundreds of years of periodic checks) must not make a huge feed."""
MAX_EVENTS = 1000
"""At most this many events per feed, the soonest first (each query is limited too, so the database stops early)."""


@dataclass(frozen=True)
class DueEvent:
    """One all-day event: a due date."""

    uid: str
    day: dt.date
    summary: str
    description: str
    path: str


def build_ics(events: list[DueEvent], *, name: str, base_url: str, now: dt.datetime) -> bytes:
    """The feed as RFC 5545 bytes: one all-day VEVENT per due date, with a stable UID and a link.

    CPU-bound (about a millisecond per event): the web handler runs it on a worker thread (``build_ics_in_thread``).
    """
    cal = Calendar()
    cal.add("prodid", "-//governance//due dates//JA")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Asia/Tokyo")
    cal.add("refresh-interval", dt.timedelta(hours=6), parameters={"VALUE": "DURATION"})
    for e in events:
        ev = Event()
        ev.add("uid", e.uid)
        ev.add("dtstamp", now)
        ev.add("dtstart", e.day)
        ev.add("dtend", e.day + dt.timedelta(days=1))
        ev.add("summary", e.summary)
        ev.add("description", f"{e.description}\n{base_url}{e.path}".strip())
        ev.add("url", base_url + e.path)
        ev.add("transp", "TRANSPARENT")
        cal.add_component(ev)
    return cal.to_ical()


async def build_ics_in_thread(events: list[DueEvent], *, name: str, base_url: str, now: dt.datetime) -> bytes:
    """``build_ics`` on a worker thread, so that the event loop keeps serving other requests meanwhile."""
    return await anyio.to_thread.run_sync(functools.partial(build_ics, events, name=name, base_url=base_url, now=now))


class CalendarFeedService:
    """Feed tokens and the events behind them."""

    def __init__(self, audit: AuditService | None = None) -> None:
        self.audit = audit or AuditService()

    async def create(
        self, *, actor: Actor, user_id: int | None = None, department_id: int | None = None,
        now: dt.datetime | None = None,
    ) -> str:  # fmt: skip
        """Issue a feed URL token for a user or a department; returns the token (shown once)."""
        if (user_id is None) == (department_id is None):
            raise ValueError("a feed is for one user or one department")
        now = now or dt.datetime.now(dt.UTC)
        token = new_token()
        async with write_transaction():
            feed_id = (
                await CalendarFeed.insert(
                    CalendarFeed(user=user_id, department=department_id, token_hash=token_digest(token),
                                 token_prefix=token[:8], created_by=actor.id, created_at=now)
                ).returning(CalendarFeed.id)
            )[0]["id"]  # fmt: skip
            await self.audit.record(
                "calendar_feed.created", actor=actor, target_type="calendar_feed", target_id=feed_id,
                target_label="部署の予定表" if department_id else "個人の予定表",
                after={"user": user_id, "department": department_id, "prefix": token[:8]}, now=now,
            )  # fmt: skip
        return token

    async def feeds(self, *, user_id: int, department_id: int) -> list[dict[str, Any]]:
        """The live feeds of a user and of their department."""
        return await CalendarFeed.select(
            CalendarFeed.id, CalendarFeed.user, CalendarFeed.department, CalendarFeed.token_prefix,
            CalendarFeed.created_at,
        ).where(
            ((CalendarFeed.user == user_id) | (CalendarFeed.department == department_id)),
            CalendarFeed.revoked_at.is_null(),
        ).order_by(CalendarFeed.id)  # fmt: skip

    async def revoke(self, feed_id: int, *, actor: Actor, user_id: int, department_id: int,
                     now: dt.datetime | None = None) -> None:  # fmt: skip
        """Revoke one of the actor's feeds (or their department's).

        Raises:
            NotFoundError: no such live feed of theirs.
        """
        now = now or dt.datetime.now(dt.UTC)
        async with write_transaction():
            row = await CalendarFeed.select().where(CalendarFeed.id == feed_id).first()
            if row is None or row["revoked_at"] or (row["user"] != user_id and row["department"] != department_id):
                raise NotFoundError("予定表のURL", feed_id)
            await CalendarFeed.update({CalendarFeed.revoked_at: now}).where(CalendarFeed.id == feed_id)
            await self.audit.record(
                "calendar_feed.revoked", actor=actor, target_type="calendar_feed", target_id=feed_id,
                target_label=f"{row['token_prefix']}…", now=now,
            )  # fmt: skip

    async def resolve(self, token: str) -> dict[str, Any]:
        """The live feed of a token.

        Raises:
            NotFoundError: unknown or revoked.
        """
        row = await CalendarFeed.select(
            CalendarFeed.all_columns(), CalendarFeed.user.full_name.as_alias("user_name"),
            CalendarFeed.user.active.as_alias("user_active"),
            CalendarFeed.department.name.as_alias("department_name"),
        ).where(CalendarFeed.token_hash == token_digest(token)).first()  # fmt: skip
        if row is None or row["revoked_at"] is not None or row["user_active"] is False:
            raise NotFoundError("予定表", "指定のURL")  # a deactivated user's feeds stop with the account
        return row

    async def events(self, feed: dict[str, Any], *, today: dt.date | None = None) -> list[DueEvent]:
        """The open due dates the feed shows: checks, measures, contract ends and notice deadlines."""
        today = today or today_tokyo()
        since, until = today - dt.timedelta(days=PAST_DAYS), today + dt.timedelta(days=AHEAD_DAYS)
        user, dept = feed["user"], feed["department"]
        checks = Check.select(
            Check.id, Check.title, Check.due_on, Check.engagement.title.as_alias("engagement_title")
        ).where(Check.status.is_in(list(OPEN_CHECK_STATUSES)), Check.due_on >= since, Check.due_on <= until)
        measures = Measure.select(
            Measure.id, Measure.kind, Measure.due_on, Measure.finding, Measure.finding.title.as_alias("finding_title")
        ).where(Measure.status == MeasureStatus.open, Measure.due_on >= since, Measure.due_on <= until)
        engagements = Engagement.select(
            Engagement.id, Engagement.title, Engagement.start_date, Engagement.end_date, Engagement.renewal,
            Engagement.renewal_months, Engagement.notice_days,
        ).where(Engagement.status == EngagementStatus.contracted)  # fmt: skip
        if user is not None:
            checks = checks.where(Check.assignee == user)
            measures = measures.where(Measure.owner == user)
            engagements = engagements.where(Engagement.supervisor == user)
        else:
            checks = checks.where(Check.department == dept)
            measures = measures.where(Measure.finding.department == dept)
            engagements = engagements.where(Engagement.department == dept)
        out = [
            DueEvent(f"check-{r['id']}@governance", r["due_on"], f"【確認期限】{r['title']}", r["engagement_title"],
                     f"/checks/{r['id']}")
            for r in await checks.order_by(Check.due_on, Check.id).limit(MAX_EVENTS)
        ]  # fmt: skip
        out += [
            DueEvent(f"measure-{r['id']}@governance", r["due_on"],
                     f"【措置期限】{MEASURE_KIND_LABELS.get(r['kind'], r['kind'])}", r["finding_title"],
                     f"/findings/{r['finding']}")
            for r in await measures.order_by(Measure.due_on, Measure.id).limit(MAX_EVENTS)
        ]  # fmt: skip
        for r in await engagements:
            term = Term(r["start_date"], r["end_date"], r["renewal"], r["renewal_months"], r["notice_days"])
            link = f"/engagements/{r['id']}"
            end = term.current_end(today)
            if end <= until:
                out.append(DueEvent(f"contract-end-{r['id']}@governance", end, f"【契約満了】{r['title']}",
                                    "契約期間の満了日です。", link))  # fmt: skip
            cancel_by = term.cancel_by(today)
            if cancel_by is not None and cancel_by <= until:
                out.append(DueEvent(f"notice-{r['id']}@governance", cancel_by, f"【解約申出期限】{r['title']}",
                                    "自動更新を止める場合の申出期限です。", f"/engagements/{r['id']}"))  # fmt: skip
        out += [e for e in await _incident_events(user, dept) if e.day <= until]
        return sorted(out, key=lambda e: (e.day, e.uid))[:MAX_EVENTS]


async def _incident_events(user: int | None, dept: int | None) -> list[DueEvent]:
    """Open statutory deadlines of incidents: a department's, or those of the incidents a user opened."""
    from governance.incidents.reminders import open_incident_deadlines

    return [
        DueEvent(f"incident-{r['id']}-{d['key']}@governance", dt.date.fromisoformat(d["due"]),
                 f"【{d['label']}】{r['title']}", d.get("citation", ""), f"/incidents/{r['id']}")
        for r, d in await open_incident_deadlines()
        if (r["reported_by"] == user if user is not None else r["department"] == dept)
    ]  # fmt: skip
