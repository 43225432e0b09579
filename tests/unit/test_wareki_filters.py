"""The page filters print every date and timestamp in 和暦, in Japan time."""

from __future__ import annotations

import datetime as dt

from governance.calendar import display_date
from governance.web.templating import jst, last_valid_day, wareki_filter, wareki_time

UTC = dt.UTC


def test_a_timestamp_is_shown_in_wareki_in_japan_time() -> None:
    instant = dt.datetime(2026, 12, 5, 5, 37, 9, tzinfo=UTC)  # 14:37 in Tokyo
    assert jst(instant) == "令和8年12月5日 14:37"
    assert wareki_time(instant) == "令和8年12月5日 14:37"
    assert wareki_time(instant, seconds=True) == "令和8年12月5日 14:37:09"
    assert jst(instant, "%H:%M") == "14:37"  # an explicit format is kept
    assert jst(None) == "" and wareki_time(None) == ""


def test_the_japanese_date_decides_the_day_and_the_era() -> None:
    assert jst(dt.datetime(2019, 4, 30, 15, 0, tzinfo=UTC)) == "令和元年5月1日 00:00"  # 5/1 in Tokyo
    assert wareki_filter(dt.datetime(2026, 3, 31, 15, 0, tzinfo=UTC)) == "令和8年4月1日"


def test_the_last_valid_day_of_an_expiry_is_in_wareki() -> None:
    expiry = dt.datetime(2026, 4, 1, 15, 0, tzinfo=UTC)  # 0:00 JST of 4/2: valid through 4/1
    assert last_valid_day(expiry) == "令和8年4月1日"


def test_messages_print_dates_in_wareki_and_never_fail() -> None:
    assert display_date(dt.date(2027, 12, 31)) == "令和9年12月31日"
    assert display_date(dt.date(1800, 1, 1)) == "1800-01-01"  # before 和暦 dates are kept: shown, never a 500
