"""Japanese office calendar: business days (weekends, national holidays, 12/29–1/3), fiscal years and 和暦.

Pure module: imports neither Piccolo nor Litestar. Holidays come from the maintained ``holidays`` package.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import lru_cache
from zoneinfo import ZoneInfo

TOKYO = ZoneInfo("Asia/Tokyo")


@lru_cache(maxsize=64)
def _holidays_of(year: int) -> dict[dt.date, str]:
    import holidays  # on first use: ~0.02 s that commands which never ask for a holiday (cron's dry run) don't pay

    return dict(holidays.country_holidays("JP", years=year, language="ja").items())


def holiday_name(day: dt.date) -> str | None:
    """Return the national holiday's Japanese name, or None (振替休日 and 国民の休日 included)."""
    return _holidays_of(day.year).get(day)


def is_year_end_closure(day: dt.date) -> bool:
    """Tell whether the date falls in the year-end and New Year closure (12/29–1/3)."""
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def is_business_day(day: dt.date) -> bool:
    """Tell whether municipal offices are open: not a weekend, national holiday or 12/29–1/3."""
    return day.weekday() < 5 and not is_year_end_closure(day) and holiday_name(day) is None


def closure_reason(day: dt.date) -> str | None:
    """Say why offices are closed on the date (土曜日, 日曜日, a holiday name, 年末年始), or None."""
    if day.weekday() == 5:
        return "土曜日"
    if day.weekday() == 6:
        return "日曜日"
    if is_year_end_closure(day):
        return "年末年始"
    return holiday_name(day)


def next_business_day(day: dt.date, *, inclusive: bool = True) -> dt.date:
    """Return the first business day on or after (or strictly after) the date."""
    d = day if inclusive else day + dt.timedelta(days=1)
    while not is_business_day(d):
        d += dt.timedelta(days=1)
    return d


def previous_business_day(day: dt.date, *, inclusive: bool = True) -> dt.date:
    """Return the last business day on or before (or strictly before) the date."""
    d = day if inclusive else day - dt.timedelta(days=1)
    while not is_business_day(d):
        d -= dt.timedelta(days=1)
    return d


def add_business_days(day: dt.date, n: int) -> dt.date:
    """Move n business days forward (n > 0) or back (n < 0); n = 0 rolls a closed day forward.

    Counting starts from the day after (or before) ``day``, as a deadline "3 business days after receipt" does.
    """
    if n == 0:
        return next_business_day(day)
    step = dt.timedelta(days=1 if n > 0 else -1)
    d, left = day, abs(n)
    while left:
        d += step
        if is_business_day(d):
            left -= 1
    return d


def business_days_between(start: dt.date, end: dt.date) -> int:
    """Count business days in the half-open range (start, end]; negative when end is before start."""
    if end < start:
        return -business_days_between(end, start)
    count, d = 0, start
    while d < end:
        d += dt.timedelta(days=1)
        if is_business_day(d):
            count += 1
    return count


def fiscal_year(day: dt.date) -> int:
    """Return the 年度 (fiscal year, April to March) the date belongs to, as a Western year."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_range(fy: int) -> tuple[dt.date, dt.date]:
    """Return the first and last day of a fiscal year (4/1 to 3/31)."""
    return dt.date(fy, 4, 1), dt.date(fy + 1, 3, 31)


def today_tokyo(now: dt.datetime | None = None) -> dt.date:
    """Return today's date in Asia/Tokyo (from ``now`` when given, for tests and batch runs)."""
    return (now or dt.datetime.now(dt.UTC)).astimezone(TOKYO).date()


# (first day, era name); newest first. Dates before 明治6年 (the solar calendar) are out of scope.
_ERAS: tuple[tuple[dt.date, str], ...] = (
    (dt.date(2019, 5, 1), "令和"),
    (dt.date(1989, 1, 8), "平成"),
    (dt.date(1926, 12, 25), "昭和"),
    (dt.date(1912, 7, 30), "大正"),
    (dt.date(1873, 1, 1), "明治"),
)


def era_of(day: dt.date) -> tuple[str, int]:
    """Return the era name and the year within it (1 for 元年).

    Raises:
        ValueError: for dates before 1873 (the lunar calendar).
    """
    for start, name in _ERAS:
        if day >= start:
            # 明治 counts from 1868 although the solar calendar starts in 明治6年.
            first_year = 1868 if name == "明治" else start.year
            return name, day.year - first_year + 1
    raise ValueError(f"{day.isoformat()} is before the solar calendar (1873)")


def wareki_year(day: dt.date) -> str:
    """Format the era year: 令和8年, 令和元年."""
    name, year = era_of(day)
    return f"{name}{'元' if year == 1 else year}年"


def display_year(day: dt.date) -> str:
    """The era year for a page (令和8年), or the Western year for a date before 1873 stored by mistake (1800年)."""
    try:
        return wareki_year(day)
    except ValueError:
        return f"{day.year}年"


def display_date(day: dt.date) -> str:
    """A date for a page or message (令和8年4月1日), or ISO for a date before 1873 stored by mistake (never raises)."""
    try:
        return wareki(day)
    except ValueError:
        return day.isoformat()


def wareki(day: dt.date, *, weekday: bool = False) -> str:
    """Format a date the way Japanese administrative documents do: 令和8年4月1日 (optionally （水）)."""
    text = f"{wareki_year(day)}{day.month}月{day.day}日"
    if weekday:
        text += f"（{'月火水木金土日'[day.weekday()]}）"
    return text


def wareki_fiscal_year(fy: int) -> str:
    """Format a fiscal year: 令和8年度.

    FY2019 began on 平成31年4月1日 but is officially 令和元年度, while FY1988 stayed 昭和63年度: the name
    follows the era in force on 5/1 of the fiscal year, which gives both.
    """
    name, year = era_of(dt.date(fy, 5, 1))
    return f"{name}{'元' if year == 1 else year}年度"


_ERA_NAMES = {"令和": "R", "平成": "H", "昭和": "S", "大正": "T", "明治": "M"}
_ERA_FIRST_YEAR = {"R": 2019, "H": 1989, "S": 1926, "T": 1912, "M": 1868}
_ERA_DATE = re.compile(
    r"(?P<era>[RHSTM])(?P<year>元|\d{1,2})(?:年|[./\-])(?P<month>\d{1,2})(?:月|[./\-])(?P<day>\d{1,2})日?"
)
_WESTERN_DATE = re.compile(r"(?P<year>\d{4})(?:年|[./\-])(?P<month>\d{1,2})(?:月|[./\-])(?P<day>\d{1,2})日?")


def parse_date_text(text: str) -> dt.date | None:
    """Read a date as clerks type it: 2026-04-01, 2026/4/1, 2026年4月1日, 令和8年4月1日, 令和元年5月1日, R8.4.1.

    Full-width digits and letters are accepted (NFKC). A 和暦 date must fall within its era (平成31年5月1日 is
    refused: that day is 令和元年5月1日).

    Returns:
        The date, or None when the text is not a date in one of these forms or names a day that does not exist.
    """
    value = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    for name, letter in _ERA_NAMES.items():
        value = value.replace(name, letter)
    value = value.upper()
    if match := _ERA_DATE.fullmatch(value):
        era_year = 1 if match["year"] == "元" else int(match["year"])
        year = _ERA_FIRST_YEAR[match["era"]] + era_year - 1
    elif match := _WESTERN_DATE.fullmatch(value):
        year = int(match["year"])
    else:
        return None
    try:
        day = dt.date(year, int(match["month"]), int(match["day"]))
    except ValueError:
        return None
    if "era" in match.groupdict() and match["era"]:
        try:
            name, _ = era_of(day)
        except ValueError:
            return None
        if _ERA_NAMES[name] != match["era"]:
            return None
    return day
