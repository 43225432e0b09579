"""Reminder rules: parsing ``subject=leads/every``, the occurrence due on a day, the window, texts and backoff."""

from __future__ import annotations

import datetime as dt

import pytest

from governance.reminders.rules import DEFAULT_RULES, SUBJECT_LABELS, Rule, RuleError, parse_rules
from governance.reminders.services import backoff, reminder_text
from governance.reminders.sources import window

DUE = dt.date(2026, 4, 10)
CHECK = Rule("check", (30, 7, 1), 7)


def day(offset: int) -> dt.date:
    """The day ``offset`` days after the due date (negative: before it)."""
    return DUE + dt.timedelta(days=offset)


# -- parsing ---------------------------------------------------------------------------------------------------------


def test_defaults_cover_every_subject():
    rules = parse_rules("")
    assert set(rules) == set(SUBJECT_LABELS)
    assert rules["check"] == CHECK
    assert rules["measure"] == Rule("measure", (14, 7, 1), 7)
    assert rules["certificate"] == Rule("certificate", (60, 30, 7), 0)  # no "/": never after the date
    assert rules["contract_end"].horizon == 90


def test_a_setting_overrides_only_the_subjects_it_names():
    rules = parse_rules(" check = 1, 14,7 ,7 / 3 ;; measure=5 ; ")
    assert rules["check"] == Rule("check", (14, 7, 1), 3)  # sorted, largest first, duplicates dropped
    assert rules["measure"] == Rule("measure", (5,), 0)
    assert rules["notice"] == parse_rules(DEFAULT_RULES)["notice"]


def test_an_empty_rule_switches_a_subject_off_and_zero_is_the_due_date():
    rules = parse_rules("contract_end=; check=7,0/0")
    assert rules["contract_end"].leads == () and rules["contract_end"].horizon == 0
    assert rules["check"] == Rule("check", (7, 0), 0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("checks=30", "the subject must be one of"),
        ("check", "the subject must be one of"),
        ("=30", "the subject must be one of"),
        ("check=thirty", "write days as numbers"),
        ("check=30/weekly", "write days as numbers"),
        ("check=30/7/1", "write days as numbers"),
        ("check=1.5", "write days as numbers"),
        ("check=-1", "between 0 and 366"),
        ("check=367", "between 0 and 366"),
        ("check=30/400", "between 0 and 366"),
        ("check=30/-7", "between 0 and 366"),
    ],
)
def test_bad_rules_are_refused_naming_the_part(text, message):
    with pytest.raises(RuleError, match=message) as info:
        parse_rules(f"measure=7; {text}")
    assert repr(text) in str(info.value)
    assert isinstance(info.value, ValueError)  # settings code may catch ValueError


# -- occurrences -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (-45, None),
        (-31, None),
        (-30, "before-30"),
        (-8, "before-30"),
        (-7, "before-7"),
        (-2, "before-7"),
        (-1, "before-1"),
        (0, "before-1"),  # on the due date: still the 1-day reminder (sent the day before), no second mail
        (1, "overdue-0"),
        (7, "overdue-0"),
        (8, "overdue-1"),
        (14, "overdue-1"),
        (15, "overdue-2"),
        (365, "overdue-52"),
    ],
)
def test_occurrence_by_day(offset, expected):
    got = CHECK.occurrence(DUE, day(offset))
    assert got == (None if expected is None else f"2026-04-10:{expected}")


def test_a_zero_lead_reminds_on_the_due_date_itself():
    rule = Rule("check", (7, 1, 0), 0)
    assert rule.occurrence(DUE, day(-1)) == "2026-04-10:before-1"
    assert rule.occurrence(DUE, DUE) == "2026-04-10:before-0"


def test_no_repeat_after_the_due_date_with_slash_zero():
    rule = parse_rules("check=30,7,1/0")["check"]
    assert rule.occurrence(DUE, day(-1)) == "2026-04-10:before-1"
    assert [rule.occurrence(DUE, day(n)) for n in (1, 7, 8, 100)] == [None] * 4


def test_daily_runs_send_each_threshold_once_in_order():
    """A run every day from 40 days before to 3 weeks after gives each reminder exactly once."""
    seen: list[str] = []
    for n in range(-40, 22):
        occurrence = CHECK.occurrence(DUE, day(n))
        if occurrence is not None and occurrence not in seen:
            seen.append(occurrence)
    assert [s.split(":")[1] for s in seen] == [
        "before-30", "before-7", "before-1", "overdue-0", "overdue-1", "overdue-2",
    ]  # fmt: skip


def test_a_late_first_run_sends_the_latest_reminder_only():
    # the item became known 3 days before its due date: the 30- and 7-day reminders were never sent, the run sends
    # the current one (7 days reached) once, not a catch-up of every missed threshold
    assert CHECK.occurrence(DUE, day(-3)) == "2026-04-10:before-7"
    # a run missed for two weeks after the date sends the current repeat only
    assert CHECK.occurrence(DUE, day(15)) == "2026-04-10:overdue-2"


def test_the_occurrence_names_the_due_date_so_a_moved_date_reminds_again():
    moved = DUE + dt.timedelta(days=3)
    assert CHECK.occurrence(DUE, day(-1)) != CHECK.occurrence(moved, day(-1))


def test_window_looks_back_only_when_the_rule_repeats_overdue():
    assert window(CHECK, DUE) == (None, day(30))
    assert window(Rule("certificate", (60, 30, 7)), DUE) == (DUE, day(60))
    assert window(Rule("x", (0,)), DUE) == (DUE, DUE)


# -- texts and backoff -----------------------------------------------------------------------------------------------


def test_reminder_text_before_on_and_after_the_due_date():
    url = "https://gov.example.jp/checks/1"
    subject, body = reminder_text("check", "契約締結時の確認（運用保守業務）", DUE, day(-7), "担当 花子", url)
    assert subject == "【確認の期限のお知らせ】契約締結時の確認（運用保守業務）（期限：令和8年4月10日）"
    assert body.startswith("担当 花子 様\n") and "期限まであと7日です。" in body and url in body
    assert "令和8年4月10日（金）" in body
    subject, body = reminder_text("measure", "改善指示", DUE, DUE, "担当", url)
    assert subject.startswith("【措置の期限のお知らせ（本日）】") and "本日が期限です。" in body
    subject, body = reminder_text("certificate", "ISMS", DUE, day(3), "担当", url)
    assert subject.startswith("【認証の有効期限の超過】") and "期限を3日過ぎています。" in body


def test_backoff_doubles_from_five_minutes_up_to_a_day():
    assert [backoff(n) for n in (0, 1, 2, 3, 4)] == [dt.timedelta(minutes=m) for m in (5, 5, 10, 20, 40)]
    assert backoff(9) == dt.timedelta(minutes=1280)
    assert backoff(10) == backoff(50) == dt.timedelta(days=1)
