"""Delivery details: links built when sent, stale reminders not mailed late, one mail per address per run."""

from __future__ import annotations

import dataclasses
import datetime as dt

from governance.accounts.roles import Role
from governance.reminders.notify import Notice, Recipient, enqueue
from governance.reminders.services import CLAIM_ADDRESSES, ReminderService
from governance.reminders.tables import Notification
from governance.settings import get_settings
from tests.helpers import at_tokyo, checks_by_key, make_person, sign_contract
from tests.integration.test_reminders import BASE, TODAY, Inbox, fx_inbox, reminders  # noqa: F401

NOW = at_tokyo(TODAY, 7)


async def test_the_link_uses_the_base_url_in_force_when_the_mail_is_sent(inbox):
    sc = await sign_contract()
    check = (await checks_by_key(sc.engagement_id))["at_signing:v1"]
    old = dataclasses.replace(get_settings(), base_url="http://127.0.0.1:8000", smtp_host="")
    await ReminderService(old).run(TODAY, now=NOW)  # recorded before the base URL and mail were set
    # two notices for tantou: the 締結時 check due in 7 days and the 開始前 check, overdue since 3/31
    before_start = (await checks_by_key(sc.engagement_id))["before_start"]
    rows = await Notification.select().order_by(Notification.id)
    assert len(rows) == 2 and all("127.0.0.1" not in row["body"] for row in rows)
    report = await reminders(inbox.port).run(TODAY, now=NOW + dt.timedelta(hours=1))
    assert report.sent == 2
    [message] = inbox.messages()  # one mail listing both
    body = message.get_content()
    assert f"{BASE}/checks/{check['id']}" in body and f"{BASE}/checks/{before_start['id']}" in body
    assert "127.0.0.1" not in body


async def test_reminders_left_unsent_for_days_are_not_mailed_once_mail_works(inbox):
    await sign_contract()
    await reminders(None).run(TODAY, now=NOW)
    await enqueue(
        [(Notice("finding", 1, "escalation", "1", "【重大な指摘事項の報告】x", "{url}", "/findings/1"),
          Recipient(1, "ciso@city.example.jp"))],
        now=NOW,
    )  # fmt: skip
    later = NOW + dt.timedelta(days=4)
    report = await reminders(inbox.port).run(TODAY + dt.timedelta(days=4), now=later)
    rows = {r["rule"]: r["status"] for r in await Notification.select()}
    assert rows == {"check": "expired", "escalation": "sent"}  # notices of events are never dropped
    assert report.sent == 1 and [rcpt for rcpt, _ in inbox.pairs()] == ["ciso@city.example.jp"]


async def test_one_mail_per_address_however_many_addresses_wait(inbox):
    people = [await make_person(f"user{n:03d}", Role.department_staff) for n in range(CLAIM_ADDRESSES + 5)]
    pairs = [
        (Notice("check", k, "check", f"2026-04-08:before-{k}", f"確認{k}", "{url}", f"/checks/{k}"),
         Recipient(uid, f"user{n:03d}@city.example.jp"))
        for n, uid in enumerate(people)
        for k in (1, 2)
    ]  # fmt: skip
    await enqueue(pairs, now=NOW)
    sent, failed = await reminders(inbox.port).deliver(now=NOW)
    assert (sent, failed) == (2 * len(people), 0)
    rcpts = [rcpt for rcpt, _ in inbox.pairs()]
    assert sorted(rcpts) == sorted(f"user{n:03d}@city.example.jp" for n in range(len(people)))
    assert all(subject == "【期限等のお知らせ】2件" for _, subject in inbox.pairs())


async def test_a_deactivated_users_calendar_feed_stops():
    from governance.accounts.tables import User
    from governance.actor import Actor
    from governance.errors import NotFoundError
    from governance.reminders.ical import CalendarFeedService

    uid = await make_person("leaver", Role.department_staff)
    svc = CalendarFeedService()
    token = await svc.create(actor=Actor(id=uid, label="leaver"), user_id=uid)
    assert (await svc.resolve(token))["user"] == uid
    await User.update({User.active: False}).where(User.id == uid)
    try:
        await svc.resolve(token)
    except NotFoundError:
        pass
    else:
        raise AssertionError("a deactivated user's feed still answers")
