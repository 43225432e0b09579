"""An account's life: status, applications, re-attestation cycle and the dormant flag (pure functions over dates)."""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
from dataclasses import dataclass
from enum import StrEnum

from governance.calendar import display_date


class AccountStatus(StrEnum):
    """Where an account stands."""

    applying = "applying"
    active = "active"
    suspended = "suspended"
    closed = "closed"


STATUS_LABELS: dict[str, str] = {
    AccountStatus.applying: "開設申請中",
    AccountStatus.active: "運用中",
    AccountStatus.suspended: "休止",
    AccountStatus.closed: "廃止",
}


class ApplicationKind(StrEnum):
    """What an application asks for (SNS-09)."""

    open = "open"
    close = "close"


APPLICATION_KIND_LABELS: dict[str, str] = {ApplicationKind.open: "開設", ApplicationKind.close: "廃止"}


class ApplicationStatus(StrEnum):
    """Where an application stands."""

    submitted = "submitted"
    approved = "approved"
    returned = "returned"


APPLICATION_STATUS_LABELS: dict[str, str] = {
    ApplicationStatus.submitted: "承認待ち",
    ApplicationStatus.approved: "承認済み",
    ApplicationStatus.returned: "差戻し",
}

APPLICABLE_FROM: dict[str, frozenset[str]] = {
    ApplicationKind.open: frozenset({AccountStatus.applying}),
    ApplicationKind.close: frozenset({AccountStatus.active, AccountStatus.suspended}),
}
"""The account statuses from which each kind of application may be submitted."""

RESULT_OF: dict[str, str] = {ApplicationKind.open: AccountStatus.active, ApplicationKind.close: AccountStatus.closed}
"""The status an approved application gives the account."""

DEFAULT_CYCLE_MONTHS = 6
DEFAULT_INACTIVE_MONTHS = 6
DUE_SOON_DAYS = 30


def add_months(day: dt.date, months: int) -> dt.date:
    """Move a date by whole months, keeping the day or taking the month's last (8/31 + 6 months = 2/28 or 29)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def attestation_due(opened_on: dt.date | None, last_attested_on: dt.date | None, cycle_months: int) -> dt.date | None:
    """The date by which the responsible person must attest the account again (None before it opens)."""
    base = max((d for d in (opened_on, last_attested_on) if d is not None), default=None)
    return add_months(base, cycle_months) if base else None


@dataclass(frozen=True)
class Dormancy:
    """Whether an account is dormant, why, and when its next attestation is due."""

    dormant: bool
    reasons: tuple[str, ...]
    attestation_due: dt.date | None
    attestation_overdue: bool
    attestation_due_soon: bool


def dormancy(
    *,
    status: str,
    today: dt.date,
    opened_on: dt.date | None,
    last_attested_on: dt.date | None,
    last_post_on: dt.date | None,
    cycle_months: int = DEFAULT_CYCLE_MONTHS,
    inactive_months: int = DEFAULT_INACTIVE_MONTHS,
) -> Dormancy:
    """Judge an account on a day.

    An account in operation is dormant when its re-attestation is overdue, or when the last post reported is
    ``inactive_months`` or more ago; it must then be suspended or renewed (attested with a recent post). Accounts
    that are not in operation are never flagged.
    """
    due = attestation_due(opened_on, last_attested_on, cycle_months)
    if status != AccountStatus.active:
        return Dormancy(False, (), due if status == AccountStatus.suspended else None, False, False)
    reasons: list[str] = []
    overdue = due is not None and today > due
    if overdue:
        reasons.append(f"再確認の期限（{display_date(due)}）を過ぎています。")
    if last_post_on is not None:
        quiet_until = add_months(last_post_on, inactive_months)
        if today >= quiet_until:
            reasons.append(f"最後の投稿（{display_date(last_post_on)}）から{inactive_months}か月以上投稿がありません。")
    soon = due is not None and not overdue and (due - today).days <= DUE_SOON_DAYS
    return Dormancy(bool(reasons), tuple(reasons), due, overdue, soon)


def can_apply(kind: str, status: str) -> bool:
    """Tell whether an application of the kind may be submitted for an account in the status."""
    return status in APPLICABLE_FROM.get(kind, frozenset())


@dataclass(frozen=True)
class Assignment:
    """A person's period in a role on an account (responsible person, operator, credential holder)."""

    person: str
    start: dt.date
    end: dt.date | None


def holders_on(assignments: list[Assignment], day: dt.date) -> list[Assignment]:
    """The assignments in force on a day (the end date is the last day in the role)."""
    return [a for a in assignments if a.start <= day and (a.end is None or day <= a.end)]


def responsible_problem(assignments: list[Assignment], day: dt.date) -> str | None:
    """Say what is wrong with the responsible persons on a day (exactly one is required, SNS-08), or None."""
    current = holders_on(assignments, day)
    if not current:
        return "責任者が指名されていません。"
    if len(current) > 1:
        return f"責任者が{len(current)}人います（{'、'.join(a.person for a in current)}）。1人にしてください。"
    return None


def overlaps(assignments: list[Assignment]) -> bool:
    """Tell whether any two periods overlap (a history of responsible persons must not)."""
    ordered = sorted(assignments, key=lambda a: a.start)
    return any(a.end is None or b.start <= a.end for a, b in itertools.pairwise(ordered))
