"""The iCalendar feed bytes: parsed back with the ``icalendar`` library as Outlook or Thunderbird would read them."""

from __future__ import annotations

import datetime as dt

from icalendar import Calendar

from governance.reminders.ical import DueEvent, build_ics

BASE = "https://governance.city.example.jp"
NOW = dt.datetime(2026, 4, 1, 1, 30, tzinfo=dt.UTC)
EVENTS = [
    DueEvent("check-12@governance", dt.date(2026, 4, 8), "【確認期限】契約締結時の確認", "住民情報システム運用保守業務",
             "/checks/12"),
    DueEvent("measure-3@governance", dt.date(2026, 12, 28), "【措置期限】改善指示", "従事者名簿の未提出",
             "/findings/7"),
    DueEvent("contract-end-5@governance", dt.date(2027, 3, 31), "【契約満了】福祉窓口受付業務",
             "契約期間の満了日です。", "/engagements/5"),
]  # fmt: skip


def parse(data: bytes) -> tuple[Calendar, list]:
    cal = Calendar.from_ical(data)
    return cal, list(cal.walk("VEVENT"))


def test_the_feed_parses_with_one_all_day_event_per_due_date():
    data = build_ics(EVENTS, name="担当 花子の期限", base_url=BASE, now=NOW)
    cal, events = parse(data)
    assert cal.name == "VCALENDAR"
    assert str(cal["version"]) == "2.0" and str(cal["prodid"]) == "-//governance//due dates//JA"
    assert str(cal["x-wr-calname"]) == "担当 花子の期限" and str(cal["x-wr-timezone"]) == "Asia/Tokyo"
    assert [str(e["uid"]) for e in events] == [e.uid for e in EVENTS]
    for source, event in zip(EVENTS, events, strict=True):
        start, end = event.decoded("dtstart"), event.decoded("dtend")
        # all-day: a DATE (not a DATE-TIME, which a client would shift by the time zone), ending the next day
        assert type(start) is dt.date and start == source.day
        assert type(end) is dt.date and end == source.day + dt.timedelta(days=1)
        assert str(event["summary"]) == source.summary
        assert str(event["url"]) == BASE + source.path
        assert str(event["description"]) == f"{source.description}\n{BASE}{source.path}"
        assert event.decoded("dtstamp") == NOW
        assert str(event["transp"]) == "TRANSPARENT"  # a due date does not block the day as busy
    assert b"DTSTART;VALUE=DATE:20260408\r\n" in data and b"DTEND;VALUE=DATE:20260409\r\n" in data
    assert b"DTSTART;VALUE=DATE:20261228\r\n" in data


def test_lines_are_folded_and_text_is_escaped_as_rfc_5545_requires():
    long = "【確認期限】" + "住民基本台帳、個人住民税；国民健康保険\\システム" * 6
    event = DueEvent("check-1@governance", dt.date(2026, 5, 11), long, "一行目\n二行目, 三行目;", "/checks/1")
    data = build_ics([event], name="部署", base_url=BASE, now=NOW)
    assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    assert all(len(line) <= 75 for line in data.split(b"\r\n"))  # octets, UTF-8 sequences never split
    data.decode("utf-8")
    assert b"\\;" in data and b"\\," in data and b"\\n" in data
    _, [parsed] = parse(data)
    assert str(parsed["summary"]) == long
    assert str(parsed["description"]) == f"一行目\n二行目, 三行目;\n{BASE}/checks/1"


def test_an_empty_feed_is_still_a_valid_calendar():
    data = build_ics([], name="予定なし", base_url=BASE, now=NOW)
    cal, events = parse(data)
    assert events == [] and str(cal["x-wr-calname"]) == "予定なし"
    assert cal.decoded("refresh-interval") == dt.timedelta(hours=6)


def test_the_same_items_give_the_same_uids_so_clients_update_instead_of_duplicating():
    first = build_ics(EVENTS, name="x", base_url=BASE, now=NOW)
    later = build_ics(EVENTS[::-1], name="x", base_url=BASE, now=NOW + dt.timedelta(days=1))
    assert {str(e["uid"]) for e in parse(first)[1]} == {str(e["uid"]) for e in parse(later)[1]}
