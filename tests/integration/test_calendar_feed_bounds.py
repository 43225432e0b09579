"""A calendar feed stays bounded: a 2,000-year contract term with periodic checks across it makes a small feed."""

from __future__ import annotations

import datetime as dt

from icalendar import Calendar

from governance.calendar import today_tokyo
from governance.engagements.tables import Engagement
from governance.reminders.ical import AHEAD_DAYS, MAX_EVENTS, CalendarFeedService
from governance.verification.tables import Check
from tests.helpers import checks_by_key, sign_contract

DAILY = MAX_EVENTS + 500  # more open checks due in the coming days than a feed shows
YEARS = 2000


async def _long_term_with_many_checks(today: dt.date):
    """A signed contract stretched to 2,000 years, with a check every day for a while and one a year to the end."""
    sc = await sign_contract()
    end = dt.date(today.year + YEARS, 3, 31)
    await Engagement.update({Engagement.end_date: end}).where(Engagement.id == sc.engagement_id)
    template = dict(next(iter((await checks_by_key(sc.engagement_id)).values())))
    template.pop("id")
    template = {k: v for k, v in template.items() if k in {c._meta.name for c in Check._meta.columns}}
    dues = [today + dt.timedelta(days=i) for i in range(DAILY)]
    dues += [dt.date(today.year + y, 6, 30) for y in range(5, YEARS)]
    rows = [
        Check(**{**template, "plan_key": f"far:{i}", "due_on": due, "status": "planned"}) for i, due in enumerate(dues)
    ]
    for start in range(0, len(rows), 400):
        await Check.insert(*rows[start : start + 400])
    return sc


async def test_a_2000_year_term_gives_at_most_the_capped_events_soonest_first(anon):
    today = today_tokyo()
    sc = await _long_term_with_many_checks(today)
    assert await Check.count().where(Check.engagement == sc.engagement_id) > DAILY + YEARS - 10
    feeds = CalendarFeedService()
    token = await feeds.create(actor=sc.staff, user_id=sc.staff.id)

    events = await feeds.events(await feeds.resolve(token), today=today)
    assert len(events) == MAX_EVENTS
    assert max(e.day for e in events) <= today + dt.timedelta(days=AHEAD_DAYS)
    assert events == sorted(events, key=lambda e: (e.day, e.uid))  # the soonest are kept
    assert all(e.day < today + dt.timedelta(days=DAILY) for e in events)
    assert not any(e.uid.startswith("contract-end-") for e in events)  # its end, 2,000 years ahead, is left out

    r = await anon.get(f"/calendar/{token}.ics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    assert len(r.content) < 600_000  # about 0.5 KB per event; unbounded this was megabytes
    assert len(list(Calendar.from_ical(r.content).walk("VEVENT"))) == MAX_EVENTS


async def test_far_checks_alone_stay_out_of_the_feed(anon):
    today = today_tokyo()
    sc = await sign_contract()
    await Engagement.update({Engagement.end_date: dt.date(today.year + YEARS, 3, 31)}).where(
        Engagement.id == sc.engagement_id
    )
    feeds = CalendarFeedService()
    token = await feeds.create(actor=sc.staff, user_id=sc.staff.id)
    events = await feeds.events(await feeds.resolve(token), today=today)
    assert events and len(events) < MAX_EVENTS
    assert all(e.day <= today + dt.timedelta(days=AHEAD_DAYS) for e in events)
    assert not any(e.uid.startswith("contract-end-") for e in events)
