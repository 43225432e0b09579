"""Reminder runs against a real SMTP server in the test process (aiosmtpd): exactly the expected mails, once."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import os
import socket
import subprocess
import sys
from email import policy
from email.header import decode_header, make_header
from email.parser import BytesParser
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from governance.audit.tables import AuditEntry
from governance.db import is_sqlite
from governance.errors import ConflictError, NotFoundError
from governance.reminders.services import MAX_ATTEMPTS, ReminderService
from governance.reminders.tables import Notification
from governance.settings import get_settings
from governance.verification.services import CheckService, FindingService, ResultInput
from governance.verification.tables import Check
from tests.helpers import (
    at_tokyo,
    cancel_before_start,
    checks_by_key,
    items_of,
    make_contractor,
    make_person,
    sign_contract,
)

D = dt.date
BASE = "https://governance.city.example.jp"
SENDER = "governance@city.example.jp"
# 7 days before the 締結時 check (due 4/8) of a contract signed on 3/25 for a term from 4/1; its 開始前 check (体制届 …,
# due 3/31) is then 1 day overdue, so it is reminded too unless a test cancels it (``cancel_before_start``)
TODAY = D(2026, 4, 1)
NOW = at_tokyo(TODAY, 7)
MINUTE = dt.timedelta(minutes=1)


class Inbox:
    """An aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.envelopes: list = []
        self.port = 0

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's hook name
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> list:
        return [BytesParser(policy=policy.default).parsebytes(e.content) for e in self.envelopes]

    def pairs(self) -> list[tuple[str, str]]:
        return [(e.rcpt_tos[0], m["subject"]) for e, m in zip(self.envelopes, self.messages(), strict=True)]

    def delivered(self) -> list[tuple[str, str, str]]:
        """(address, title, link) of every notification carried, one mail each or several in a digest mail."""
        out = []
        for (rcpt, subject), message in zip(self.pairs(), self.messages(), strict=True):
            body = message.get_content()
            if not subject.startswith("【期限等のお知らせ】"):
                out.append((rcpt, subject, next(w for w in body.split() if w.startswith(BASE))))
                continue
            lines = body.split("\n")
            items = [(lines[n].split(". ", 1)[1], lines[n + 1].strip()) for n in range(len(lines) - 1)
                     if lines[n][:1].isdigit() and lines[n + 1].startswith("   " + BASE)]  # fmt: skip
            assert subject == f"【期限等のお知らせ】{len(items)}件", body
            out += [(rcpt, title, link) for title, link in items]
        return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(name="inbox")
def fx_inbox():
    inbox = Inbox()
    inbox.port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


def reminders(port: int | None, **changes) -> ReminderService:
    """A reminder service whose mail goes to 127.0.0.1:port (None: SMTP not configured)."""
    smtp = {"smtp_host": "127.0.0.1", "smtp_port": port} if port else {"smtp_host": ""}
    settings = dataclasses.replace(get_settings(), base_url=BASE, mail_from=SENDER, **smtp, **changes)
    return ReminderService(settings)


async def notifications() -> list[dict]:
    return await Notification.select().order_by(Notification.id)


async def test_a_check_due_in_seven_days_is_mailed_once_to_its_assignee(inbox):
    sc = await sign_contract()
    await cancel_before_start(sc)  # overdue on 4/1: this test follows the one notice of the 締結時 check
    check = (await checks_by_key(sc.engagement_id))["at_signing:v1"]
    service = reminders(inbox.port)
    audited = await AuditEntry.count()

    dry = await service.run(TODAY, dry_run=True, now=NOW)
    assert [(n.subject_id, n.occurrence, p.user_id) for n, p in dry.due] == [(check["id"], "2026-04-08:before-7",
                                                                              sc.staff.id)]  # fmt: skip
    assert (await Notification.count(), inbox.envelopes, await AuditEntry.count()) == (0, [], audited)

    report = await service.run(TODAY, now=NOW)
    assert (report.recorded, report.sent, report.failed) == (1, 1, 0)
    [envelope] = inbox.envelopes
    assert envelope.mail_from == SENDER and envelope.rcpt_tos == ["tantou@city.example.jp"]
    [message] = inbox.messages()
    subject = "【確認の期限のお知らせ】契約締結時の確認（住民情報システム運用保守業務）（期限：令和8年4月8日）"
    assert message["subject"] == subject and message["to"] == "tantou@city.example.jp"
    raw = next(line for line in envelope.content.split(b"\r\n") if line.lower().startswith(b"subject:"))
    assert raw.isascii() and b"=?utf-8?" in raw.lower()  # RFC 2047 on the wire, decoded back exactly
    folded = BytesParser(policy=policy.compat32).parsebytes(envelope.content)["subject"]
    assert str(make_header(decode_header(folded))) == subject
    body = message.get_content()
    assert message.get_content_charset() == "utf-8" and body.startswith("tantou 氏 様\n")
    assert "期限まであと7日です。" in body and "令和8年4月8日（水）" in body and f"{BASE}/checks/{check['id']}" in body
    [row] = await notifications()
    assert row["key"] == f"check:{check['id']}:check:2026-04-08:before-7:u{sc.staff.id}"
    assert (row["status"], row["attempts"], row["sent_at"], row["last_error"]) == ("sent", 1, NOW, "")

    # later the same day, and the next day: the same occurrence, nothing new
    for today, now in ((TODAY, NOW + dt.timedelta(hours=1)), (D(2026, 4, 2), at_tokyo(D(2026, 4, 2)))):
        again = await service.run(today, now=now)
        assert (again.recorded, again.sent, len(again.due)) == (0, 0, 1)
    assert len(inbox.envelopes) == 1
    # the next thresholds: 1 day before, nothing new on the due date, then overdue
    for today, expected in ((D(2026, 4, 7), 1), (D(2026, 4, 8), 0), (D(2026, 4, 9), 1)):
        assert (await service.run(today, now=at_tokyo(today))).sent == expected, today
    tags = [m["subject"].split("】")[0] + "】" for m in inbox.messages()]
    assert tags == ["【確認の期限のお知らせ】", "【確認の期限のお知らせ】", "【確認の期限の超過】"]
    assert "期限を1日過ぎています。" in inbox.messages()[-1].get_content()
    # once the check is signed off, its overdue reminders stop; 4/16 brings only the April report's 30-day notice
    items = await items_of(check["id"])
    checks = CheckService()
    await checks.record_results(check["id"], [ResultInput(i["id"], "conforming") for i in items], actor=sc.staff)
    await checks.submit(check["id"], actor=sc.staff)
    await checks.review(check["id"], approve=True, actor=sc.second)
    assert (await service.run(D(2026, 4, 16), now=at_tokyo(D(2026, 4, 16)))).sent == 1
    assert inbox.messages()[-1]["subject"].startswith("【確認の期限のお知らせ】定期報告（毎月）　令和8年4月分")


async def test_failed_sends_wait_with_backoff_and_go_out_later(inbox):
    await cancel_before_start(await sign_contract())  # one notice (the 締結時 check's), not also the overdue 開始前 one
    broken = reminders(free_port())  # nothing listens there
    report = await broken.run(TODAY, now=NOW)
    assert (report.recorded, report.sent, report.failed) == (1, 0, 1)
    [row] = await notifications()
    assert (row["status"], row["attempts"]) == ("failed", 1) and "SMTPサーバーに接続できません" in row["last_error"]
    assert row["next_attempt_at"] == NOW + 5 * MINUTE
    assert (await broken.run(TODAY, now=NOW + MINUTE)).failed == 0  # not yet: waits for its retry time
    assert (await broken.run(TODAY, now=NOW + 5 * MINUTE)).failed == 1
    [row] = await notifications()
    assert row["attempts"] == 2 and row["next_attempt_at"] == NOW + 15 * MINUTE  # then 10 minutes
    working = reminders(inbox.port)
    assert (await working.run(TODAY, now=NOW + 14 * MINUTE)).sent == 0 and inbox.envelopes == []
    report = await working.run(TODAY, now=NOW + 15 * MINUTE)
    assert (report.recorded, report.sent, report.failed) == (0, 1, 0)
    [row] = await notifications()
    assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 3, "")
    assert len(inbox.envelopes) == 1


async def test_retry_resets_a_notification_that_gave_up(inbox):
    sc = await sign_contract()
    await cancel_before_start(sc)  # one notice (the 締結時 check's), not also the overdue 開始前 one
    broken, working = reminders(free_port()), reminders(inbox.port)
    await broken.run(TODAY, now=NOW)
    [row] = await notifications()
    await Notification.update({Notification.attempts: MAX_ATTEMPTS - 1}).where(Notification.id == row["id"])
    await broken.run(TODAY, now=NOW + dt.timedelta(days=1))
    [row] = await notifications()
    assert row["attempts"] == MAX_ATTEMPTS and row["next_attempt_at"] > NOW + dt.timedelta(days=3000)
    assert (await working.run(TODAY, now=NOW + dt.timedelta(days=2))).sent == 0  # it waits for a person
    later = NOW + dt.timedelta(days=2, hours=1)
    await working.retry(row["id"], actor=sc.staff, now=later)
    [row] = await notifications()
    assert (row["status"], row["attempts"], row["next_attempt_at"]) == ("failed", 0, later)
    assert "notification.retried" in [r["action"] for r in await AuditEntry.select(AuditEntry.action)]
    assert (await working.deliver(now=later)) == (1, 0)
    with pytest.raises(ConflictError):
        await working.retry(row["id"], actor=sc.staff)
    with pytest.raises(NotFoundError):
        await working.retry(999_999, actor=sc.staff)
    assert inbox.pairs()[0][0] == "tantou@city.example.jp"


async def test_without_smtp_reminders_are_recorded_and_sent_once_it_is_configured(inbox):
    await sign_contract()
    report = await reminders(None).run(TODAY, now=NOW)
    # two notices: the overdue 開始前 check (due 3/31) and the 締結時 check due in 7 days
    assert (report.smtp_enabled, report.recorded, report.sent) == (False, 2, 0)
    assert [r["status"] for r in await notifications()] == ["pending", "pending"]
    assert await reminders(inbox.port).deliver(now=NOW) == (2, 0)
    assert [r["status"] for r in await notifications()] == ["sent", "sent"]


async def test_unassigned_checks_measures_and_escalations_reach_the_right_people(inbox):
    sc = await sign_contract()
    await cancel_before_start(sc)  # its overdue reminder to tantou would only add a second line to tantou's mail
    await make_person("noaddr", "department_staff", email="")
    check = (await checks_by_key(sc.engagement_id))["at_signing:v1"]
    checks = CheckService()
    await checks.assign(check["id"], None, actor=sc.staff)
    item = (await items_of(check["id"]))[0]
    now = at_tokyo(D(2026, 3, 30))
    [finding_id] = await checks.record_results(
        check["id"], [ResultInput(item["id"], "nonconforming", note="無断で再委託", severity="serious")],
        actor=sc.staff, now=now,
    )  # fmt: skip
    await FindingService().add_measure(
        finding_id, kind="improvement_order", description="再委託の中止を指示", owner_id=sc.second.id,
        due_on=D(2026, 4, 8), actor=sc.staff, now=now,
    )  # fmt: skip
    report = await reminders(inbox.port).run(TODAY, now=NOW)
    # the unassigned check goes to every department staff member (one has no address); the measure to its owner;
    # the escalation to both security officers
    assert report.sent == 5 and report.failed == 0
    assert {(r["recipient"], r["rule"], r["status"]) for r in await notifications()} == {
        (sc.officer_ids[0], "escalation", "sent"), (sc.officer_ids[1], "escalation", "sent"),
        (sc.staff.id, "check", "sent"), (sc.second.id, "check", "sent"),
        (await _user_id("noaddr"), "check", "no_address"), (sc.second.id, "measure", "sent"),
    }  # fmt: skip
    # one mail per address: the officers get the escalation itself, kakunin one list of both reminders
    assert sorted(r.split("@")[0] for r, _ in inbox.pairs()) == ["ciso", "ciso2", "kakunin", "tantou"]
    delivered = inbox.delivered()
    escalation = f"【重大な指摘事項の報告】{item['what'][:100]}"
    assert ("ciso2@city.example.jp", escalation, f"{BASE}/findings/{finding_id}") in delivered
    assert all("{url}" not in m.get_content() for m in inbox.messages())
    kakunin = {(t.split("】")[0] + "】", link) for r, t, link in delivered if r.startswith("kakunin")}
    assert kakunin == {("【確認の期限のお知らせ】", f"{BASE}/checks/{check['id']}"),
                       ("【措置の期限のお知らせ】", f"{BASE}/findings/{finding_id}")}  # fmt: skip


async def test_certificates_notice_deadlines_contract_ends_and_suspensions_are_reminded():
    from governance.contractors.schemas import CertificationCreate, SuspensionCreate
    from governance.contractors.services import ContractorService

    sc = await sign_contract()  # automatic renewal, 90 days' notice: the deadline for 2027-03-31 is 2026-12-28
    contractors, keiyaku = ContractorService(), sc.procurement
    await contractors.add_certification(
        sc.contractor_id, CertificationCreate(kind="isms", number="IS 1", valid_until=D(2026, 12, 31)), actor=keiyaku
    )
    other = await make_contractor("ほし事務サービス株式会社")
    await contractors.add_suspension(
        other,
        SuspensionCreate(start_date=D(2026, 9, 1), end_date=D(2026, 12, 8), reason="再委託の無断実施"),
        actor=keiyaku,
    )
    due = [(n, p) for n, p in await reminders(None).collect(D(2026, 12, 1)) if n.subject_type != "check"]
    assert {(n.rule, n.occurrence, p.user_id) for n, p in due} == {
        ("certificate", "2026-12-31:before-30", keiyaku.id), ("certificate", "2026-12-31:before-30", sc.staff.id),
        ("notice", "2026-12-28:before-30", sc.staff.id), ("suspension_end", "2026-12-08:before-7", keiyaku.id),
    }  # fmt: skip
    titles = {n.title for n, _ in due}
    assert "【認証の有効期限のお知らせ】株式会社みどり情報のISMS（ISO/IEC 27001）（期限：令和8年12月31日）" in titles
    assert "【解約申出期限のお知らせ】住民情報システム運用保守業務の解約申出期限（期限：令和8年12月28日）" in titles
    # the contract end (90 and 30 days before) is due from 1/1; the notice deadline and the certificate do not repeat
    later = await reminders(None).collect(D(2027, 1, 1))
    assert {(n.rule, n.occurrence) for n, _ in later if n.subject_type != "check"} == {
        ("contract_end", "2027-03-31:before-90")
    }


async def _user_id(username: str) -> int:
    from governance.accounts.tables import User

    return (await User.select(User.id).where(User.username == username).first())["id"]


# -- concurrency -------------------------------------------------------------------------------------------------------


async def _many_due(sc, n: int) -> None:
    """``n`` more checks due 4/8: every other one unassigned (so reminded to both department staff)."""
    await Check.insert(
        *[
            Check(engagement=sc.engagement_id, department=sc.department_id, plan_key=f"extra:{i}", kind="monthly",
                  title=f"追加の確認{i}", due_on=D(2026, 4, 8), assignee=None if i % 2 else sc.staff.id)
            for i in range(n)
        ]
    )  # fmt: skip


async def _race(inbox, monkeypatch, runs: int) -> None:
    sc = await sign_contract()
    await _many_due(sc, 40)
    services = [reminders(inbox.port) for _ in range(runs)]  # separate instances, as two app processes would be
    expected = {(n.subject_id, n.occurrence, p.user_id) for n, p in await services[0].collect(TODAY)}
    assert len(expected) == 2 + 20 + 2 * 20  # the plan's overdue 開始前 and 締結時 checks, then the extra ones
    # Line the runs up before they record and before they send, so that their inserts and claims overlap.
    collect, deliver = ReminderService.collect, ReminderService.deliver
    recording, sending = asyncio.Barrier(runs), asyncio.Barrier(runs)

    async def lined_up_collect(self, today):
        found = await collect(self, today)
        await recording.wait()
        return found

    async def lined_up_deliver(self, *, now=None):
        await sending.wait()
        return await deliver(self, now=now)

    monkeypatch.setattr(ReminderService, "collect", lined_up_collect)
    monkeypatch.setattr(ReminderService, "deliver", lined_up_deliver)
    reports = await asyncio.gather(*(s.run(TODAY, now=NOW) for s in services))
    assert sum(r.recorded for r in reports) == len(expected)
    assert sum(r.sent for r in reports) == len(expected) and sum(r.failed for r in reports) == 0
    rows = await notifications()
    assert {(r["subject_id"], r["occurrence"], r["recipient"]) for r in rows} == expected and len(rows) == len(expected)
    assert {r["status"] for r in rows} == {"sent"} and {r["attempts"] for r in rows} == {1}
    # every notification carried by exactly one mail (a run sends one list per address)
    delivered = inbox.delivered()
    assert sorted(delivered) == sorted((r["email"], r["title"], BASE + r["link"]) for r in rows)
    assert len(set(delivered)) == len(delivered)


@pytest.mark.postgres_only
@pytest.mark.skipif(is_sqlite(), reason="needs PostgreSQL (GOVERNANCE_TEST_DATABASE_URL)")
async def test_two_runs_at_the_same_time_on_postgresql_send_each_reminder_once(inbox, monkeypatch):
    await _race(inbox, monkeypatch, runs=2)


@pytest.mark.skipif(not is_sqlite(), reason="the SQLite variant")
async def test_two_runs_at_the_same_time_on_sqlite_send_each_reminder_once(inbox, monkeypatch):
    await _race(inbox, monkeypatch, runs=2)


@pytest.mark.postgres_only
@pytest.mark.skipif(is_sqlite(), reason="needs PostgreSQL (GOVERNANCE_TEST_DATABASE_URL)")
async def test_two_processes_running_the_command_at_once_send_each_reminder_once(inbox):
    """Two app instances: two ``governance reminders run`` processes on the same PostgreSQL database."""
    sc = await sign_contract()
    await _many_due(sc, 150)  # 2 + 75 + 150 = 227 notices (開始前 and 締結時, then the extra ones): over a batch of 200
    env = {**os.environ, "GOVERNANCE_SMTP_HOST": "127.0.0.1", "GOVERNANCE_SMTP_PORT": str(inbox.port),
           "GOVERNANCE_BASE_URL": BASE, "GOVERNANCE_MAIL_FROM": SENDER}  # fmt: skip
    cmd = [str(Path(sys.executable).with_name("governance")), "reminders", "run", "--today", TODAY.isoformat()]
    procs = [
        await asyncio.create_subprocess_exec(*cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for _ in range(2)
    ]
    outputs = [(await p.communicate())[0].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    recorded = sorted(int(o.split("新たに記録 ")[1].split("件")[0]) for o in outputs)
    assert sum(recorded) == 227, outputs
    rows = await notifications()
    assert len(rows) == 227 and {r["status"] for r in rows} == {"sent"}
    delivered = inbox.delivered()
    assert sorted(delivered) == sorted((r["email"], r["title"], BASE + r["link"]) for r in rows)
    assert len(set(delivered)) == 227


async def test_a_notification_claimed_by_a_run_that_died_goes_out_after_the_claim_timeout(inbox):
    await sign_contract()
    await reminders(None).run(TODAY, now=NOW)  # recorded, not sent: the overdue 開始前 and the 締結時 check's
    await Notification.update(
        {Notification.status: "sending", Notification.claimed_by: "dead-run",
         Notification.next_attempt_at: NOW + 15 * MINUTE},
        force=True,
    )  # fmt: skip
    working = reminders(inbox.port)
    assert await working.deliver(now=NOW + 14 * MINUTE) == (0, 0)
    assert await working.deliver(now=NOW + 15 * MINUTE) == (2, 0)
    # both to tantou: one mail listing the two
    assert [r["status"] for r in await notifications()] == ["sent", "sent"] and len(inbox.envelopes) == 1


# -- iCalendar feeds ---------------------------------------------------------------------------------------------------


async def test_user_and_department_feeds_show_open_due_dates_until_revoked():
    from icalendar import Calendar

    from governance.reminders.ical import CalendarFeedService, build_ics

    sc = await sign_contract()
    checks = await checks_by_key(sc.engagement_id)
    service = CheckService()
    item = (await items_of(checks["at_signing:v1"]["id"]))[0]
    [finding_id] = await service.record_results(
        checks["at_signing:v1"]["id"],
        [ResultInput(item["id"], "nonconforming", note="未提出")],
        actor=sc.staff,
        now=NOW,
    )
    measure_id = await FindingService().add_measure(
        finding_id, kind="improvement_order", description="提出の指示", owner_id=sc.staff.id, due_on=D(2026, 4, 20),
        actor=sc.staff, now=NOW,
    )  # fmt: skip
    await service.assign(checks["monthly:令和8年5月分"]["id"], sc.second.id, actor=sc.staff)
    await service.cancel(checks["monthly:令和8年6月分"]["id"], reason="不要", actor=sc.staff)
    feeds = CalendarFeedService()
    with pytest.raises(ValueError):
        await feeds.create(actor=sc.staff, user_id=sc.staff.id, department_id=sc.department_id)
    mine = await feeds.create(actor=sc.staff, user_id=sc.staff.id, now=NOW)
    dept = await feeds.create(actor=sc.staff, department_id=sc.department_id, now=NOW)
    assert mine != dept and len(mine) >= 40

    async def feed_events(token: str) -> dict[str, tuple]:
        data = build_ics(await feeds.events(await feeds.resolve(token), today=TODAY), name="x", base_url=BASE, now=NOW)
        return {
            str(e["uid"]): (e.decoded("dtstart"), str(e["summary"]), str(e["url"]))
            for e in Calendar.from_ical(data).walk("VEVENT")
        }

    user_events, dept_events = await feed_events(mine), await feed_events(dept)
    at_signing = checks["at_signing:v1"]
    assert user_events[f"check-{at_signing['id']}@governance"] == (
        D(2026, 4, 8), "【確認期限】契約締結時の確認", f"{BASE}/checks/{at_signing['id']}",
    )  # fmt: skip
    assert user_events[f"measure-{measure_id}@governance"] == (
        D(2026, 4, 20), "【措置期限】改善指示", f"{BASE}/findings/{finding_id}",
    )  # fmt: skip
    eid = sc.engagement_id
    assert user_events[f"contract-end-{eid}@governance"][:2] == (
        D(2027, 3, 31),
        "【契約満了】住民情報システム運用保守業務",
    )
    assert user_events[f"notice-{eid}@governance"][:2] == (
        D(2026, 12, 28),
        "【解約申出期限】住民情報システム運用保守業務",
    )
    reassigned, cancelled = (
        f"check-{checks[k]['id']}@governance" for k in ("monthly:令和8年5月分", "monthly:令和8年6月分")
    )
    assert reassigned not in user_events and reassigned in dept_events  # another person's check: the department's
    assert cancelled not in user_events and cancelled not in dept_events
    assert set(user_events) < set(dept_events)

    listed = await feeds.feeds(user_id=sc.staff.id, department_id=sc.department_id)
    assert len(listed) == 2
    mine_id = next(f["id"] for f in listed if f["user"] == sc.staff.id)
    with pytest.raises(NotFoundError):  # someone else's personal feed, asked for by a user of another department
        await feeds.revoke(mine_id, actor=sc.officer, user_id=sc.officer.id, department_id=-1)
    await feeds.revoke(mine_id, actor=sc.staff, user_id=sc.staff.id, department_id=sc.department_id)
    with pytest.raises(NotFoundError):
        await feeds.resolve(mine)
    with pytest.raises(NotFoundError):
        await feeds.revoke(mine_id, actor=sc.staff, user_id=sc.staff.id, department_id=sc.department_id)
    with pytest.raises(NotFoundError):
        await feeds.resolve("not-a-token")
    # the department's feed still works; an open check overdue by more than 90 days drops out of it
    later = {e.uid for e in await feeds.events(await feeds.resolve(dept), today=D(2026, 8, 1))}
    assert f"check-{at_signing['id']}@governance" not in later and reassigned in later
    actions = [r["action"] for r in await AuditEntry.select(AuditEntry.action)]
    assert actions.count("calendar_feed.created") == 2 and "calendar_feed.revoked" in actions
