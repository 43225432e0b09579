"""Contract term arithmetic: current term after renewals, cancel-by (notice) date, fiscal years (pure)."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from governance.calendar import display_date, fiscal_year, previous_business_day, wareki_fiscal_year


class Renewal(StrEnum):
    """How a contract term continues."""

    none = "none"  # ends at the end date
    explicit = "explicit"  # continues only when both parties agree in writing
    automatic = "automatic"  # continues unless notice is given (自動更新)


RENEWAL_LABELS: dict[str, str] = {
    Renewal.none: "更新なし",
    Renewal.explicit: "合意により更新",
    Renewal.automatic: "自動更新",
}

MAX_TERM_YEARS = 10
"""The longest planned term accepted when no limit is passed (the setting GOVERNANCE_MAX_CONTRACT_TERM_YEARS)."""


def period_end(start: dt.date, months: int) -> dt.date:
    """The last day of a period of whole months from ``start`` (民法第143条).

    The period ends the day before the day corresponding to ``start`` in the last month; when that month has no such
    day (a period from 1/31 or 2/29), it ends on that month's last day.
    """
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    if start.day > last:
        return dt.date(year, month, last)
    return dt.date(year, month, start.day) - dt.timedelta(days=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """Add months, clamping to the last day of a shorter month (1/31 + 1 month = 2/28 or 2/29)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Term:
    """A planned contract term and its renewal terms."""

    start: dt.date
    end: dt.date
    renewal: str = Renewal.none
    renewal_months: int = 12
    notice_days: int = 0

    def problems(self, max_years: int | None = None) -> dict[str, str]:
        """Return inconsistencies by field, in Japanese.

        Args:
            max_years: the longest planned term (start to end, before any renewal), in years; ``MAX_TERM_YEARS``
                when None. A term of N years from 4/1 may end on 3/31 N years later (民法第143条).

        Returns:
            The problems by field name; empty when the term is consistent.
        """
        errors: dict[str, str] = {}
        years = MAX_TERM_YEARS if max_years is None else max_years
        if self.end < self.start:
            errors["end_date"] = "契約期間の終了日は開始日以降の日付にしてください。"
        elif years >= 1 and self.end > (last := period_end(self.start, 12 * years)):
            errors["end_date"] = f"契約期間は{years}年以内にしてください（この開始日では{display_date(last)}まで）。"
        if self.renewal not in RENEWAL_LABELS:
            errors["renewal"] = "更新の種類を選んでください。"
        if self.renewal == Renewal.automatic and not 1 <= self.renewal_months <= 120:
            errors["renewal_months"] = "自動更新の場合は、更新期間を1〜120か月で入力してください。"
        if not 0 <= self.notice_days <= 730:
            errors["notice_days"] = "解約の申出期間は0〜730日で入力してください。"
        return errors

    def current_period(self, today: dt.date) -> tuple[dt.date, dt.date]:
        """Return the term period in force on ``today`` (or the next one, before the start).

        An automatically renewed contract runs in periods of ``renewal_months`` after the first; the others stay in
        their planned period (after its end the planned period is still returned: the contract has ended).
        """
        start, end = self.start, self.end
        if self.renewal != Renewal.automatic or self.renewal_months < 1:
            return start, end
        while end < today:
            start = end + dt.timedelta(days=1)
            end = period_end(start, self.renewal_months)
        return start, end

    def current_end(self, today: dt.date) -> dt.date:
        """The end of the period in force on ``today``."""
        return self.current_period(today)[1]

    def cancel_by(self, today: dt.date) -> dt.date | None:
        """The last day to give notice so that the current period is the last one, or None without notice terms.

        Counted back ``notice_days`` from the current period's end; when that day is not a business day, the
        deadline moves to the previous business day (the office must act while it is open).
        """
        if self.renewal == Renewal.none or self.notice_days <= 0:
            return None
        return previous_business_day(self.current_end(today) - dt.timedelta(days=self.notice_days))

    def fiscal_years(self, today: dt.date | None = None) -> list[int]:
        """The fiscal years (年度) the planned term, or the period in force on ``today``, spans."""
        start, end = self.current_period(today) if today else (self.start, self.end)
        return list(range(fiscal_year(start), fiscal_year(end) + 1))

    def fiscal_years_label(self, today: dt.date | None = None) -> str:
        """令和8年度, or 令和8年度〜令和10年度 for a term over several fiscal years."""
        years = self.fiscal_years(today)
        first, last = wareki_fiscal_year(years[0]), wareki_fiscal_year(years[-1])
        return first if first == last else f"{first}〜{last}"
