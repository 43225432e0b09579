"""Account lifecycle: re-attestation due dates, the dormant flag, applications, responsible persons, incidents."""

from __future__ import annotations

import datetime as dt

import pytest

from governance.social.incidents import STEPS, IncidentKind, progress, step
from governance.social.lifecycle import (
    AccountStatus,
    ApplicationKind,
    Assignment,
    add_months,
    attestation_due,
    can_apply,
    dormancy,
    holders_on,
    overlaps,
    responsible_problem,
)

D = dt.date


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2026, 4, 1), 6, D(2026, 10, 1)),
        (D(2026, 8, 31), 6, D(2027, 2, 28)),
        (D(2027, 8, 31), 6, D(2028, 2, 29)),
        (D(2026, 10, 15), 3, D(2027, 1, 15)),
        (D(2026, 1, 31), -2, D(2025, 11, 30)),
    ],
)
def test_add_months_keeps_the_day_or_takes_the_last(day, months, expected):
    assert add_months(day, months) == expected


def test_attestation_is_due_a_cycle_after_the_later_of_opening_and_last_attestation():
    assert attestation_due(D(2026, 4, 1), None, 6) == D(2026, 10, 1)
    assert attestation_due(D(2026, 4, 1), D(2026, 9, 20), 6) == D(2027, 3, 20)
    assert attestation_due(None, None, 6) is None


def judge(today, **kw):
    values = {"status": AccountStatus.active, "opened_on": D(2026, 4, 1), "last_attested_on": None,
              "last_post_on": None, "cycle_months": 6, "inactive_months": 6}  # fmt: skip
    values.update(kw)
    return dormancy(today=today, **values)


def test_an_account_attested_in_time_and_posting_is_not_dormant():
    d = judge(D(2026, 8, 1), last_post_on=D(2026, 7, 30))
    assert not d.dormant and d.reasons == () and d.attestation_due == D(2026, 10, 1)
    assert not d.attestation_due_soon


def test_the_due_date_itself_is_still_in_time_and_flags_due_soon():
    d = judge(D(2026, 10, 1))
    assert not d.dormant and d.attestation_due_soon and not d.attestation_overdue


def test_an_overdue_attestation_makes_the_account_dormant():
    d = judge(D(2026, 10, 2))
    assert d.dormant and d.attestation_overdue and "再確認の期限" in d.reasons[0]


def test_a_fresh_attestation_renews_the_account():
    assert not judge(D(2026, 11, 1), last_attested_on=D(2026, 10, 20), last_post_on=D(2026, 10, 19)).dormant


def test_no_post_for_the_inactive_months_makes_the_account_dormant():
    d = judge(D(2026, 9, 1), last_post_on=D(2026, 3, 1))
    assert d.dormant and not d.attestation_overdue and "投稿がありません" in d.reasons[0]
    assert not judge(D(2026, 8, 31), last_post_on=D(2026, 3, 1)).dormant


def test_both_reasons_are_given():
    assert len(judge(D(2027, 1, 1), last_post_on=D(2026, 4, 2)).reasons) == 2


@pytest.mark.parametrize("status", [AccountStatus.applying, AccountStatus.suspended, AccountStatus.closed])
def test_only_accounts_in_operation_are_flagged(status):
    assert not judge(D(2030, 1, 1), status=status, last_post_on=D(2026, 4, 1)).dormant


def test_the_cycle_is_configurable():
    assert judge(D(2026, 7, 2), cycle_months=3).dormant
    assert not judge(D(2026, 7, 2), cycle_months=12).dormant


@pytest.mark.parametrize(
    ("kind", "status", "allowed"),
    [
        (ApplicationKind.open, AccountStatus.applying, True),
        (ApplicationKind.open, AccountStatus.active, False),
        (ApplicationKind.close, AccountStatus.active, True),
        (ApplicationKind.close, AccountStatus.suspended, True),
        (ApplicationKind.close, AccountStatus.applying, False),
        (ApplicationKind.close, AccountStatus.closed, False),
        ("rename", AccountStatus.active, False),
    ],
)
def test_applications_follow_the_status(kind, status, allowed):
    assert can_apply(kind, status) is allowed


# --- responsible persons ------------------------------------------------------------------------------------------


def test_exactly_one_responsible_person_is_required():
    history = [Assignment("山田課長", D(2025, 4, 1), D(2026, 3, 31)), Assignment("佐藤課長", D(2026, 4, 1), None)]
    assert responsible_problem(history, D(2026, 3, 31)) is None
    assert [a.person for a in holders_on(history, D(2026, 4, 1))] == ["佐藤課長"]
    assert responsible_problem(history, D(2026, 4, 1)) is None
    assert not overlaps(history)
    assert "指名されていません" in responsible_problem(history, D(2025, 3, 31))
    doubled = [*history, Assignment("鈴木課長", D(2026, 4, 1), None)]
    assert "2人" in responsible_problem(doubled, D(2026, 5, 1)) and overlaps(doubled)


def test_an_open_ended_period_overlaps_any_later_one():
    assert overlaps([Assignment("A", D(2025, 4, 1), None), Assignment("B", D(2030, 1, 1), None)])


# --- incidents ----------------------------------------------------------------------------------------------------


def test_takeover_steps_walk_the_response_in_order():
    keys = [s.key for s in STEPS[IncidentKind.takeover]]
    assert keys == ["secure_account", "contact_platform", "delete_posts", "warn_public", "report_ciso"]
    p = progress(IncidentKind.takeover, set())
    assert p.next_step.key == "secure_account" and not p.complete
    p = progress(IncidentKind.takeover, {"secure_account", "delete_posts"})
    assert p.done == ("secure_account", "delete_posts") and p.next_step.key == "contact_platform"
    assert progress(IncidentKind.takeover, set(keys)).complete


def test_every_step_cites_requirements():
    for kind, steps in STEPS.items():
        for s in steps:
            assert s.requirement_ids and all(r.startswith("SNS-1") for r in s.requirement_ids), (kind, s)
    assert step(IncidentKind.impersonation, "report_platform").requirement_ids == ("SNS-12",)
    assert step(IncidentKind.impersonation, "secure_account") is None
