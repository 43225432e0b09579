"""Unit tests for contract term arithmetic: months, renewal periods, cancel-by dates and fiscal years."""

from __future__ import annotations

import calendar
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from governance.calendar import is_business_day
from governance.engagements.term import RENEWAL_LABELS, Renewal, Term, add_months

D = dt.date.fromisoformat
ONE_DAY = dt.timedelta(days=1)

dates = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2060, 12, 31))


# --- add_months ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        ("2026-04-01", 0, "2026-04-01"),
        ("2026-04-15", 1, "2026-05-15"),
        ("2026-01-31", 1, "2026-02-28"),  # clamped to the end of a short month
        ("2024-01-31", 1, "2024-02-29"),  # … of February in a leap year
        ("2026-05-31", 1, "2026-06-30"),
        ("2026-11-30", 3, "2027-02-28"),
        ("2024-02-29", 12, "2025-02-28"),  # a leap day a year later
        ("2024-02-29", 48, "2028-02-29"),  # … and four years later
        ("2026-12-15", 1, "2027-01-15"),  # across the year
        ("2026-12-31", 12, "2027-12-31"),
        ("2026-04-01", 12, "2027-04-01"),
        ("2026-01-01", 120, "2036-01-01"),
        # negative months are supported (floor division carries the year back)
        ("2026-03-31", -1, "2026-02-28"),
        ("2024-03-31", -1, "2024-02-29"),
        ("2026-01-15", -1, "2025-12-15"),
        ("2026-01-01", -12, "2025-01-01"),
        ("2026-01-31", -13, "2024-12-31"),
        ("2026-08-31", -6, "2026-02-28"),
    ],
)
def test_add_months_clamps_to_the_end_of_shorter_months(day: str, months: int, expected: str) -> None:
    assert add_months(D(day), months) == D(expected)


@given(dates, st.integers(min_value=-240, max_value=240))
def test_add_months_moves_the_month_and_keeps_the_day_when_it_exists(day: dt.date, months: int) -> None:
    result = add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    last = calendar.monthrange(result.year, result.month)[1]
    assert result.day == min(day.day, last)


@given(dates.filter(lambda d: d.day <= 28), st.integers(-60, 60), st.integers(-60, 60))
def test_add_months_composes_when_no_clamping_happens(day: dt.date, a: int, b: int) -> None:
    assert add_months(add_months(day, a), b) == add_months(day, a + b)
    assert add_months(add_months(day, a), -a) == day


# --- Term.problems -------------------------------------------------------------------------------------------------

START, END = D("2026-04-01"), D("2027-03-31")


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        (Term(START, END), {}),
        (Term(START, START), {}),  # a one-day term
        (Term(START, END, Renewal.automatic, 12, 90), {}),
        (Term(START, END, Renewal.automatic, 1, 0), {}),
        (Term(START, END, Renewal.automatic, 120, 730), {}),
        (Term(START, END, "explicit", 0, 0), {}),  # the renewal period only matters for automatic renewal
        (Term(START, START - ONE_DAY), {"end_date": "契約期間の終了日は開始日以降の日付にしてください。"}),
        (Term(START, END, "weekly"), {"renewal": "更新の種類を選んでください。"}),
        (Term(START, END, ""), {"renewal": "更新の種類を選んでください。"}),
        (
            Term(START, END, Renewal.automatic, 0),
            {"renewal_months": "自動更新の場合は、更新期間を1〜120か月で入力してください。"},
        ),
        (
            Term(START, END, Renewal.automatic, 121),
            {"renewal_months": "自動更新の場合は、更新期間を1〜120か月で入力してください。"},
        ),
        (
            Term(START, END, Renewal.automatic, -12),
            {"renewal_months": "自動更新の場合は、更新期間を1〜120か月で入力してください。"},
        ),
        (Term(START, END, notice_days=-1), {"notice_days": "解約の申出期間は0〜730日で入力してください。"}),
        (Term(START, END, notice_days=731), {"notice_days": "解約の申出期間は0〜730日で入力してください。"}),
        (Term(START, END, notice_days=730), {}),
    ],
)
def test_term_problems(term: Term, expected: dict[str, str]) -> None:
    assert term.problems() == expected


def test_term_problems_reports_every_field_at_once() -> None:
    term = Term(END, START, Renewal.automatic, 0, 1000)
    assert set(term.problems()) == {"end_date", "renewal_months", "notice_days"}
    assert set(Term(END, START, "bogus", 0, -5).problems()) == {"end_date", "renewal", "notice_days"}


def test_renewal_labels() -> None:
    assert RENEWAL_LABELS == {"none": "更新なし", "explicit": "合意により更新", "automatic": "自動更新"}


# --- current_period ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("renewal", [Renewal.none, Renewal.explicit])
@pytest.mark.parametrize("today", ["2025-01-01", "2026-04-01", "2026-10-01", "2027-03-31", "2027-04-01", "2035-01-01"])
def test_without_automatic_renewal_the_planned_period_is_always_in_force(renewal: str, today: str) -> None:
    term = Term(START, END, renewal, 12, 90)
    assert term.current_period(D(today)) == (START, END)
    assert term.current_end(D(today)) == END


@pytest.mark.parametrize(
    ("months", "today", "period"),
    [
        (12, "2025-06-01", ("2026-04-01", "2027-03-31")),  # before the start: the first period
        (12, "2026-03-31", ("2026-04-01", "2027-03-31")),
        (12, "2026-04-01", ("2026-04-01", "2027-03-31")),
        (12, "2027-03-31", ("2026-04-01", "2027-03-31")),  # its last day is still the first period
        (12, "2027-04-01", ("2027-04-01", "2028-03-31")),  # renewed
        (12, "2028-02-29", ("2027-04-01", "2028-03-31")),
        (12, "2028-03-31", ("2027-04-01", "2028-03-31")),
        (12, "2028-04-01", ("2028-04-01", "2029-03-31")),
        (12, "2031-07-15", ("2031-04-01", "2032-03-31")),
        (6, "2027-03-31", ("2026-04-01", "2027-03-31")),  # the planned period keeps its own length
        (6, "2027-04-01", ("2027-04-01", "2027-09-30")),
        (6, "2027-09-30", ("2027-04-01", "2027-09-30")),
        (6, "2027-10-01", ("2027-10-01", "2028-03-31")),
        (6, "2028-04-01", ("2028-04-01", "2028-09-30")),
        (1, "2027-04-01", ("2027-04-01", "2027-04-30")),
        (1, "2028-02-15", ("2028-02-01", "2028-02-29")),
        (1, "2029-02-28", ("2029-02-01", "2029-02-28")),
        (24, "2029-03-31", ("2027-04-01", "2029-03-31")),
        (24, "2029-04-01", ("2029-04-01", "2031-03-31")),
    ],
)
def test_automatic_renewal_rolls_over_in_renewal_periods(months: int, today: str, period: tuple[str, str]) -> None:
    term = Term(START, END, Renewal.automatic, months)
    assert term.current_period(D(today)) == (D(period[0]), D(period[1]))
    assert term.current_end(D(today)) == D(period[1])


def test_renewals_follow_the_planned_end_not_the_planned_start() -> None:
    # a first period that started mid-year (6/15) is renewed from its end, fiscal year by fiscal year
    term = Term(D("2026-06-15"), D("2027-03-31"), Renewal.automatic, 12)
    assert term.current_period(D("2027-04-01")) == (D("2027-04-01"), D("2028-03-31"))
    assert term.current_period(D("2027-03-31")) == (D("2026-06-15"), D("2027-03-31"))


@pytest.mark.parametrize(
    ("term", "today", "period"),
    [
        # monthly renewal whose first renewal starts on 1/31: one month from 1/31 ends on 2/28, not 2/27
        (Term(D("2025-12-31"), D("2026-01-30"), Renewal.automatic, 1), "2026-02-28", ("2026-01-31", "2026-02-28")),
        # … and the month after that starts on 3/1, keeping the month-end anniversary
        (Term(D("2025-12-31"), D("2026-01-30"), Renewal.automatic, 1), "2026-03-15", ("2026-03-01", "2026-03-31")),
        # yearly renewal starting on a leap day: one year from 2024-02-29 ends on 2025-02-28
        (Term(D("2023-03-01"), D("2024-02-28"), Renewal.automatic, 12), "2025-02-28", ("2024-02-29", "2025-02-28")),
    ],
)
def test_a_renewal_period_starting_at_a_month_end_ends_at_a_month_end(
    term: Term, today: str, period: tuple[str, str]
) -> None:
    assert term.current_period(D(today)) == (D(period[0]), D(period[1]))


terms = st.builds(
    lambda start, length, months: Term(start, start + dt.timedelta(days=length), Renewal.automatic, months),
    st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 12, 31)),
    st.integers(min_value=0, max_value=800),
    st.integers(min_value=1, max_value=120),
)


@given(terms, st.integers(min_value=-400, max_value=4000))
def test_the_current_period_contains_today_once_the_contract_has_started(term: Term, offset: int) -> None:
    today = term.start + dt.timedelta(days=offset)
    start, end = term.current_period(today)
    if today < term.start:
        assert (start, end) == (term.start, term.end)
    else:
        assert start <= today <= end


@given(terms, st.integers(min_value=0, max_value=4000))
def test_renewal_periods_are_contiguous_and_stable(term: Term, offset: int) -> None:
    today = term.start + dt.timedelta(days=offset)
    start, end = term.current_period(today)
    # every day of the period reports the same period
    assert term.current_period(start) == (start, end)
    assert term.current_period(end) == (start, end)
    # the previous period ends the day before this one starts, and the next starts the day after this one ends
    if start > term.start:
        assert term.current_period(start - ONE_DAY)[1] == start - ONE_DAY
    assert term.current_period(end + ONE_DAY)[0] == end + ONE_DAY


@given(
    st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 12, 31)).map(lambda d: d.replace(day=1)),
    st.integers(min_value=1, max_value=36),
    st.integers(min_value=1, max_value=60),
    st.integers(min_value=0, max_value=3000),
)
def test_periods_that_start_on_the_first_are_whole_months(
    first: dt.date, planned_months: int, months: int, offset: int
) -> None:
    term = Term(first, add_months(first, planned_months) - ONE_DAY, Renewal.automatic, months)
    start, end = term.current_period(first + dt.timedelta(days=offset))
    assert start.day == 1
    assert end + ONE_DAY == add_months(start, months if start > first else planned_months)


# --- cancel_by -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "term",
    [
        Term(START, END, Renewal.none, 12, 90),  # no renewal: nothing to cancel
        Term(START, END, Renewal.automatic, 12, 0),  # no notice terms
        Term(START, END, Renewal.explicit, 12, 0),
        Term(START, END, Renewal.automatic, 12, -30),
    ],
)
def test_cancel_by_is_none_without_notice_terms(term: Term) -> None:
    assert term.cancel_by(D("2026-06-01")) is None


@pytest.mark.parametrize(
    ("term", "today", "expected"),
    [
        # 2028-03-31 − 90 days: −31 → 2/29 (leap year), −29 → 1/31, −30 → 2028-01-01 (元日, a Saturday, inside the
        # 12/29–1/3 closure); back over 12/31, 12/30, 12/29 (closure) to Tuesday 2027-12-28.
        (Term(D("2027-04-01"), D("2028-03-31"), Renewal.automatic, 12, 90), "2027-06-01", "2027-12-28"),
        # 2027-03-31 − 60 days: −31 → 2/28, −29 → 2027-01-30, a Saturday (1/1/2027 is a Friday) → Friday 1/29.
        (Term(START, END, Renewal.automatic, 12, 60), "2026-06-01", "2027-01-29"),
        # 2027-03-31 − 30 days = Monday 2027-03-01, a business day: unchanged.
        (Term(START, END, Renewal.automatic, 12, 30), "2026-06-01", "2027-03-01"),
        # 2027-03-31 − 90 days = 2026-12-31 (closure) → 12/30, 12/29 (closure) → Monday 2026-12-28.
        (Term(START, END, Renewal.automatic, 12, 90), "2026-06-01", "2026-12-28"),
        # 2026-09-30 − 9 days = Monday 2026-09-21 (敬老の日) → Sunday 9/20, Saturday 9/19 → Friday 2026-09-18.
        (Term(START, D("2026-09-30"), Renewal.automatic, 6, 9), "2026-05-01", "2026-09-18"),
        # 2027-05-31 − 28 days = Monday 2027-05-03 (憲法記念日) → Sunday 5/2, Saturday 5/1 → Friday 2027-04-30
        # (昭和の日 is the day before, Thursday 4/29).
        (Term(D("2026-06-01"), D("2027-05-31"), Renewal.automatic, 12, 28), "2026-06-01", "2027-04-30"),
        # 2027-03-31 − 1 day = Tuesday 3/30, a business day.
        (Term(START, END, Renewal.automatic, 12, 1), "2026-06-01", "2027-03-30"),
    ],
)
def test_cancel_by_counts_back_from_the_end_to_a_business_day(term: Term, today: str, expected: str) -> None:
    assert term.cancel_by(D(today)) == D(expected)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        # the first period (2026-04-01..2027-03-31): 2027-03-31 − 90 = 2026-12-31 → 2026-12-28 (see above)
        ("2026-03-01", "2026-12-28"),  # before the start
        ("2026-12-29", "2026-12-28"),  # after the deadline, still the first period: the deadline has passed
        ("2027-03-31", "2026-12-28"),  # its last day
        # the second period (2027-04-01..2028-03-31): 2028-03-31 − 90 = 2028-01-01 → 2027-12-28
        ("2027-04-01", "2027-12-28"),
        ("2028-03-31", "2027-12-28"),
        # the third (2028-04-01..2029-03-31): 2029-03-31 − 90 = 2028-12-31 (closure) → back over 12/30 (Sat),
        # 12/29 (Fri, closure) → Thursday 2028-12-28.
        ("2028-04-01", "2028-12-28"),
    ],
)
def test_cancel_by_follows_the_period_in_force(today: str, expected: str) -> None:
    term = Term(START, END, Renewal.automatic, 12, 90)
    assert term.cancel_by(D(today)) == D(expected)


@pytest.mark.parametrize("today", ["2026-01-01", "2026-06-01", "2028-06-01"])
def test_cancel_by_with_explicit_renewal_counts_from_the_planned_end(today: str) -> None:
    # 2027-03-31 − 30 = Monday 2027-03-01
    assert Term(START, END, Renewal.explicit, 12, 30).cancel_by(D(today)) == D("2027-03-01")


@given(terms, st.integers(min_value=1, max_value=730), st.integers(min_value=-100, max_value=3000))
def test_cancel_by_is_the_last_business_day_on_or_before_the_notice_date(term: Term, notice: int, offset: int) -> None:
    term = Term(term.start, term.end, term.renewal, term.renewal_months, notice)
    today = term.start + dt.timedelta(days=offset)
    deadline = term.cancel_by(today)
    assert deadline is not None
    latest = term.current_end(today) - dt.timedelta(days=notice)
    assert is_business_day(deadline)
    assert deadline <= latest
    assert not any(is_business_day(latest - dt.timedelta(days=i)) for i in range((latest - deadline).days))


# --- fiscal years --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "years", "label"),
    [
        ("2026-04-01", "2027-03-31", [2026], "令和8年度"),  # exactly one fiscal year
        ("2026-10-01", "2026-10-01", [2026], "令和8年度"),  # a single day
        ("2026-03-01", "2026-03-31", [2025], "令和7年度"),  # March belongs to the previous fiscal year
        ("2026-03-31", "2026-04-01", [2025, 2026], "令和7年度〜令和8年度"),  # two days across 3/31–4/1
        ("2026-04-01", "2029-03-31", [2026, 2027, 2028], "令和8年度〜令和10年度"),
        ("2019-04-01", "2020-03-31", [2019], "令和元年度"),  # began in 平成31年 but is 令和元年度
        ("2019-01-01", "2019-04-30", [2018, 2019], "平成30年度〜令和元年度"),
        ("2018-04-01", "2021-03-31", [2018, 2019, 2020], "平成30年度〜令和2年度"),
    ],
)
def test_fiscal_years_of_the_planned_term(start: str, end: str, years: list[int], label: str) -> None:
    term = Term(D(start), D(end))
    assert term.fiscal_years() == years
    assert term.fiscal_years_label() == label


@pytest.mark.parametrize(
    ("term", "today", "years", "label"),
    [
        (Term(START, END, Renewal.automatic, 12), "2027-05-01", [2027], "令和9年度"),
        (Term(START, END, Renewal.automatic, 12), "2026-05-01", [2026], "令和8年度"),
        (Term(START, END, Renewal.automatic, 24), "2027-05-01", [2027, 2028], "令和9年度〜令和10年度"),
        (Term(START, END, Renewal.automatic, 6), "2027-10-01", [2027], "令和9年度"),
        (
            Term(D("2026-10-01"), D("2027-09-30"), Renewal.automatic, 12),
            "2028-01-15",
            [2027, 2028],
            "令和9年度〜令和10年度",
        ),
        # without automatic renewal, today does not matter
        (Term(START, END, Renewal.explicit, 12), "2030-05-01", [2026], "令和8年度"),
        (Term(START, END, Renewal.none, 12), "2030-05-01", [2026], "令和8年度"),
    ],
)
def test_fiscal_years_of_the_period_in_force(term: Term, today: str, years: list[int], label: str) -> None:
    assert term.fiscal_years(D(today)) == years
    assert term.fiscal_years_label(D(today)) == label


def test_fiscal_years_without_today_use_the_planned_term_even_when_renewed() -> None:
    term = Term(START, END, Renewal.automatic, 12)
    assert term.fiscal_years() == [2026]
    assert term.fiscal_years_label() == "令和8年度"


@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2060, 12, 31)), st.integers(0, 2000))
def test_fiscal_years_are_consecutive_and_cover_both_ends(start: dt.date, length: int) -> None:
    term = Term(start, start + dt.timedelta(days=length))
    years = term.fiscal_years()
    assert years == list(range(years[0], years[-1] + 1))
    first_fy = start.year if start.month >= 4 else start.year - 1
    assert years[0] == first_fy
    label = term.fiscal_years_label()
    assert label.endswith("年度")
    assert ("〜" in label) == (len(years) > 1)
