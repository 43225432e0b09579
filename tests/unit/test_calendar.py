"""Unit tests for the Japanese office calendar (business days, fiscal years, 和暦)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from governance.calendar import (
    TOKYO,
    add_business_days,
    business_days_between,
    closure_reason,
    era_of,
    fiscal_year,
    fiscal_year_range,
    holiday_name,
    is_business_day,
    is_year_end_closure,
    next_business_day,
    previous_business_day,
    today_tokyo,
    wareki,
    wareki_fiscal_year,
    wareki_year,
)

D = dt.date.fromisoformat

# Dates the `holidays` package covers well and that stay fast to walk.
any_date = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2060, 12, 31))
business_dates = any_date.filter(is_business_day)
nonzero_steps = st.integers(min_value=-60, max_value=60).filter(lambda n: n != 0)


# --- business days -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2026-04-01", True),  # Wednesday
        ("2026-04-03", True),  # Friday
        ("2026-04-04", False),  # Saturday
        ("2026-04-05", False),  # Sunday
        ("2026-04-06", True),  # Monday
        ("2026-04-29", False),  # 昭和の日 (Wednesday)
        ("2026-05-04", False),  # みどりの日 (Monday)
        ("2026-05-05", False),  # こどもの日
        ("2026-05-06", False),  # 振替休日 for 憲法記念日 on a Sunday
        ("2026-05-07", True),
        ("2026-09-21", False),  # 敬老の日
        ("2026-09-22", False),  # 国民の休日, sandwiched between two holidays
        ("2026-09-23", False),  # 秋分の日
        ("2026-09-24", True),
        ("2019-04-30", False),  # 国民の休日 before the enthronement
        ("2019-05-01", False),  # 天皇の即位の日
        ("2019-05-02", False),  # 国民の休日 after it
        ("2019-05-06", False),  # 振替休日
        ("2019-05-07", True),
        ("2026-01-12", False),  # 成人の日 (second Monday of January)
        ("2026-12-28", True),  # last working day of the year
        ("2026-12-29", False),  # year-end closure starts (Tuesday)
        ("2026-12-30", False),
        ("2026-12-31", False),
        ("2027-01-01", False),
        ("2027-01-02", False),
        ("2027-01-03", False),
        ("2027-01-04", True),  # offices reopen (Monday)
        ("2025-01-03", False),  # Friday, but still the New Year closure
        ("2025-12-29", False),  # Monday, but already the year-end closure
    ],
)
def test_is_business_day_follows_weekends_holidays_and_year_end(day: str, expected: bool) -> None:
    assert is_business_day(D(day)) is expected


@pytest.mark.parametrize(
    ("day", "name"),
    [
        ("2026-05-06", "振替休日"),
        ("2026-09-22", "国民の休日"),
        ("2019-04-30", "国民の休日"),
        ("2019-05-01", "天皇の即位の日"),
        ("2019-05-02", "国民の休日"),
        ("2026-01-01", "元日"),
        ("2026-04-29", "昭和の日"),
    ],
)
def test_holiday_name_is_japanese_including_substitute_and_sandwiched_holidays(day: str, name: str) -> None:
    assert holiday_name(D(day)) == name


@pytest.mark.parametrize("day", ["2026-04-01", "2026-04-04", "2026-12-29", "2019-05-07"])
def test_holiday_name_is_none_on_days_that_are_not_national_holidays(day: str) -> None:
    assert holiday_name(D(day)) is None


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2026-12-28", False),
        ("2026-12-29", True),
        ("2026-12-31", True),
        ("2027-01-01", True),
        ("2027-01-03", True),
        ("2027-01-04", False),
        ("2026-11-29", False),  # the 29th of another month
        ("2026-02-03", False),  # the 3rd of another month
    ],
)
def test_year_end_closure_spans_december_29_to_january_3(day: str, expected: bool) -> None:
    assert is_year_end_closure(D(day)) is expected


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        ("2026-04-04", "土曜日"),
        ("2026-04-05", "日曜日"),
        ("2026-05-03", "日曜日"),  # 憲法記念日 on a Sunday: the weekend is named first
        ("2026-05-06", "振替休日"),
        ("2026-09-22", "国民の休日"),
        ("2026-12-29", "年末年始"),
        ("2027-01-01", "年末年始"),  # 元日 inside the closure is reported as the closure
        ("2027-01-02", "土曜日"),
        ("2026-04-01", None),
        ("2026-12-28", None),
    ],
)
def test_closure_reason_names_why_offices_are_closed(day: str, reason: str | None) -> None:
    assert closure_reason(D(day)) == reason


@given(any_date)
def test_closure_reason_is_none_exactly_on_business_days(day: dt.date) -> None:
    assert (closure_reason(day) is None) == is_business_day(day)


# --- next / previous business day ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "inclusive", "expected"),
    [
        ("2026-04-01", True, "2026-04-01"),  # already a business day
        ("2026-04-01", False, "2026-04-02"),
        ("2026-04-03", False, "2026-04-06"),  # Friday → Monday
        ("2026-04-04", True, "2026-04-06"),  # Saturday → Monday
        ("2026-05-01", False, "2026-05-07"),  # over Golden Week
        ("2026-05-02", True, "2026-05-07"),
        ("2026-12-28", False, "2027-01-04"),  # over the year-end closure
        ("2026-12-29", True, "2027-01-04"),
        ("2026-09-19", True, "2026-09-24"),  # silver week 2026
    ],
)
def test_next_business_day(day: str, inclusive: bool, expected: str) -> None:
    assert next_business_day(D(day), inclusive=inclusive) == D(expected)


@pytest.mark.parametrize(
    ("day", "inclusive", "expected"),
    [
        ("2026-04-01", True, "2026-04-01"),
        ("2026-04-01", False, "2026-03-31"),
        ("2026-04-06", False, "2026-04-03"),  # Monday → Friday
        ("2026-04-05", True, "2026-04-03"),  # Sunday → Friday
        ("2026-05-06", True, "2026-05-01"),  # back over Golden Week
        ("2026-05-07", False, "2026-05-01"),
        ("2027-01-03", True, "2026-12-28"),  # back over the year-end closure
        ("2027-01-04", False, "2026-12-28"),
    ],
)
def test_previous_business_day(day: str, inclusive: bool, expected: str) -> None:
    assert previous_business_day(D(day), inclusive=inclusive) == D(expected)


@given(any_date, st.booleans())
def test_next_business_day_is_the_first_open_day_from_the_date(day: dt.date, inclusive: bool) -> None:
    result = next_business_day(day, inclusive=inclusive)
    first = day if inclusive else day + dt.timedelta(days=1)
    assert is_business_day(result)
    assert result >= first
    assert not any(is_business_day(first + dt.timedelta(days=i)) for i in range((result - first).days))


@given(any_date, st.booleans())
def test_previous_business_day_is_the_last_open_day_up_to_the_date(day: dt.date, inclusive: bool) -> None:
    result = previous_business_day(day, inclusive=inclusive)
    last = day if inclusive else day - dt.timedelta(days=1)
    assert is_business_day(result)
    assert result <= last
    assert not any(is_business_day(last - dt.timedelta(days=i)) for i in range((last - result).days))


# --- add_business_days ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        ("2026-04-01", 1, "2026-04-02"),
        ("2026-04-03", 1, "2026-04-06"),  # Friday + 1 → Monday
        ("2026-04-01", 5, "2026-04-08"),
        ("2026-12-28", 1, "2027-01-04"),  # across the year-end closure
        ("2026-12-25", 2, "2027-01-04"),
        ("2027-01-04", -1, "2026-12-28"),  # backwards across it
        ("2026-04-28", 3, "2026-05-07"),  # across Golden Week (4/29, 5/4–5/6)
        ("2026-05-07", -1, "2026-05-01"),
        ("2019-04-26", 1, "2019-05-07"),  # the ten-day Golden Week of the succession
        ("2019-05-07", -1, "2019-04-26"),
        ("2026-05-03", 1, "2026-05-07"),  # from a closed day: counting starts the day after
        ("2026-05-03", -1, "2026-05-01"),
        ("2026-04-02", -1, "2026-04-01"),
    ],
)
def test_add_business_days_counts_only_business_days(day: str, n: int, expected: str) -> None:
    assert add_business_days(D(day), n) == D(expected)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2026-04-01", "2026-04-01"),  # a business day stays put
        ("2026-04-04", "2026-04-06"),  # a Saturday rolls forward
        ("2026-05-03", "2026-05-07"),
        ("2026-12-31", "2027-01-04"),
    ],
)
def test_add_zero_business_days_rolls_a_closed_day_forward(day: str, expected: str) -> None:
    assert add_business_days(D(day), 0) == D(expected)


@given(any_date, nonzero_steps)
def test_add_business_days_always_lands_on_a_business_day(day: dt.date, n: int) -> None:
    result = add_business_days(day, n)
    assert is_business_day(result)
    assert (result > day) if n > 0 else (result < day)


@given(any_date)
def test_add_zero_business_days_equals_next_business_day(day: dt.date) -> None:
    assert add_business_days(day, 0) == next_business_day(day)
    assert is_business_day(add_business_days(day, 0))


@given(business_dates, nonzero_steps)
def test_business_days_between_inverts_add_business_days(day: dt.date, n: int) -> None:
    assert business_days_between(day, add_business_days(day, n)) == n


@given(business_dates, st.integers(min_value=1, max_value=40), st.integers(min_value=1, max_value=40))
def test_add_business_days_composes(day: dt.date, a: int, b: int) -> None:
    assert add_business_days(add_business_days(day, a), b) == add_business_days(day, a + b)
    assert add_business_days(add_business_days(day, -a), -b) == add_business_days(day, -(a + b))


# --- business_days_between -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2026-04-01", "2026-04-01", 0),
        ("2026-04-01", "2026-04-02", 1),  # start excluded, end included
        ("2026-03-31", "2026-04-01", 1),
        ("2026-04-03", "2026-04-04", 0),  # Friday → Saturday: the Saturday does not count
        ("2026-04-04", "2026-04-06", 1),  # Saturday → Monday: Monday counts
        ("2026-04-03", "2026-04-10", 5),  # one working week
        ("2026-12-28", "2027-01-04", 1),
        ("2026-12-28", "2027-01-03", 0),
        ("2026-05-01", "2026-05-07", 1),
        ("2026-04-30", "2026-05-01", 1),
        ("2026-04-01", "2026-03-31", -1),  # end before start: negative
        ("2027-01-04", "2026-12-28", -1),
        ("2026-04-10", "2026-04-03", -5),
    ],
)
def test_business_days_between_counts_half_open_range(start: str, end: str, expected: int) -> None:
    assert business_days_between(D(start), D(end)) == expected


@given(any_date, st.integers(min_value=-90, max_value=90))
def test_business_days_between_is_antisymmetric(start: dt.date, offset: int) -> None:
    end = start + dt.timedelta(days=offset)
    assert business_days_between(start, end) == -business_days_between(end, start)


@given(any_date, st.integers(min_value=0, max_value=60), st.integers(min_value=0, max_value=60))
def test_business_days_between_is_additive(start: dt.date, a: int, b: int) -> None:
    middle = start + dt.timedelta(days=a)
    end = middle + dt.timedelta(days=b)
    assert business_days_between(start, middle) + business_days_between(middle, end) == business_days_between(
        start, end
    )


# --- fiscal years --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "fy"),
    [
        ("2026-03-31", 2025),
        ("2026-04-01", 2026),
        ("2026-12-31", 2026),
        ("2027-01-01", 2026),
        ("2027-03-31", 2026),
        ("2027-04-01", 2027),
    ],
)
def test_fiscal_year_turns_over_on_april_first(day: str, fy: int) -> None:
    assert fiscal_year(D(day)) == fy


def test_fiscal_year_range_runs_april_first_to_march_thirty_first() -> None:
    assert fiscal_year_range(2026) == (D("2026-04-01"), D("2027-03-31"))
    assert fiscal_year_range(2023) == (D("2023-04-01"), D("2024-03-31"))  # ending in a leap year still ends 3/31


@given(any_date)
def test_every_date_lies_in_its_fiscal_year_range(day: dt.date) -> None:
    first, last = fiscal_year_range(fiscal_year(day))
    assert first <= day <= last
    assert fiscal_year(first) == fiscal_year(last) == fiscal_year(day)


# --- today_tokyo ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (dt.datetime(2026, 3, 31, 14, 59, 59, 999999, tzinfo=dt.UTC), "2026-03-31"),
        (dt.datetime(2026, 3, 31, 15, 0, tzinfo=dt.UTC), "2026-04-01"),  # 00:00 JST
        (dt.datetime(2026, 12, 31, 15, 0, tzinfo=dt.UTC), "2027-01-01"),
        (dt.datetime(2026, 4, 1, 0, 0, tzinfo=TOKYO), "2026-04-01"),
        (dt.datetime(2026, 3, 31, 23, 59, tzinfo=TOKYO), "2026-03-31"),
        # 10:00 on 3/31 in New York (UTC-4) is 23:00 JST the same day; 11:00 is already 4/1 in Tokyo.
        (dt.datetime(2026, 3, 31, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=-4))), "2026-03-31"),
        (dt.datetime(2026, 3, 31, 11, 0, tzinfo=dt.timezone(dt.timedelta(hours=-4))), "2026-04-01"),
    ],
)
def test_today_tokyo_uses_the_tokyo_date(now: dt.datetime, expected: str) -> None:
    assert today_tokyo(now) == D(expected)


def test_today_tokyo_without_argument_is_the_current_tokyo_date() -> None:
    before = dt.datetime.now(TOKYO).date()
    result = today_tokyo()
    after = dt.datetime.now(TOKYO).date()
    assert result in {before, after}


# --- 和暦 ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2026-04-01", "令和8年4月1日"),
        ("2019-05-01", "令和元年5月1日"),
        ("2020-01-01", "令和2年1月1日"),
        ("2019-04-30", "平成31年4月30日"),
        ("1989-01-08", "平成元年1月8日"),
        ("1990-01-01", "平成2年1月1日"),
        ("1989-01-07", "昭和64年1月7日"),
        ("1926-12-25", "昭和元年12月25日"),
        ("1926-12-24", "大正15年12月24日"),
        ("1912-07-30", "大正元年7月30日"),
        ("1912-07-29", "明治45年7月29日"),
        ("1873-01-01", "明治6年1月1日"),
        ("1900-02-28", "明治33年2月28日"),
    ],
)
def test_wareki_formats_dates_in_the_era_in_force(day: str, expected: str) -> None:
    assert wareki(D(day)) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2026-04-01", "令和8年4月1日（水）"),
        ("2026-04-04", "令和8年4月4日（土）"),
        ("2026-04-05", "令和8年4月5日（日）"),
        ("2026-04-06", "令和8年4月6日（月）"),
        ("2019-05-01", "令和元年5月1日（水）"),
    ],
)
def test_wareki_appends_the_weekday_in_full_width_parentheses(day: str, expected: str) -> None:
    assert wareki(D(day), weekday=True) == expected


@pytest.mark.parametrize(
    ("day", "era"),
    [
        ("2019-05-01", ("令和", 1)),
        ("2026-04-01", ("令和", 8)),
        ("2019-04-30", ("平成", 31)),
        ("1989-01-07", ("昭和", 64)),
        ("1873-01-01", ("明治", 6)),
    ],
)
def test_era_of_returns_name_and_year_within_era(day: str, era: tuple[str, int]) -> None:
    assert era_of(D(day)) == era


def test_wareki_year_writes_gannen_for_the_first_year() -> None:
    assert wareki_year(D("2019-05-01")) == "令和元年"
    assert wareki_year(D("2020-05-01")) == "令和2年"


@pytest.mark.parametrize("day", ["1872-12-31", "1868-10-23", "1000-01-01"])
def test_wareki_refuses_dates_before_the_solar_calendar(day: str) -> None:
    with pytest.raises(ValueError, match="1873"):
        wareki(D(day))
    with pytest.raises(ValueError, match="1873"):
        era_of(D(day))


@pytest.mark.parametrize(
    ("fy", "expected"),
    [
        (2026, "令和8年度"),
        (2020, "令和2年度"),
        (2019, "令和元年度"),  # began on 平成31年4月1日 but is officially 令和元年度
        (2018, "平成30年度"),
        (1989, "平成元年度"),
        (1988, "昭和63年度"),  # ended in 平成 but stays 昭和63年度
        (1926, "大正15年度"),
    ],
)
def test_wareki_fiscal_year(fy: int, expected: str) -> None:
    assert wareki_fiscal_year(fy) == expected


def test_wareki_fiscal_year_refuses_years_before_the_solar_calendar() -> None:
    with pytest.raises(ValueError, match="1873"):
        wareki_fiscal_year(1872)


@given(st.dates(min_value=dt.date(1873, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_wareki_always_ends_with_month_and_day(day: dt.date) -> None:
    text = wareki(day)
    assert text.endswith(f"年{day.month}月{day.day}日")
    assert text[:2] in {"明治", "大正", "昭和", "平成", "令和"}
