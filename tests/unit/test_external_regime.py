"""Pure rules of external services: regime by classification, checklist, the application state machine, exit."""

from __future__ import annotations

import datetime as dt

import pytest

from governance.external.checklist import (
    FULL_CHECKLIST,
    LOW_CHECKLIST,
    ServiceFacts,
    applicant_items,
    evaluate_checklist,
)
from governance.external.codes import APPLICATION_STATUS_LABELS, ApplicationStatus, Regime, ServiceStatus
from governance.external.regime import (
    ACTION_LABELS,
    FULL_IDS,
    LOW_IDS,
    TRANSITIONS,
    TransitionRefused,
    add_months,
    allowed_actions,
    end_refusal,
    higher,
    is_above,
    level_problem,
    missing_items,
    next_status,
    regime_for,
)
from governance.requirements import REQUIREMENTS

TODAY = dt.date(2026, 11, 26)


@pytest.mark.parametrize(
    ("scheme", "level", "regime"),
    [
        ("R6", "3A", Regime.full),
        ("R6", "3B", Regime.full),
        ("R6", "3C", Regime.full),
        ("R6", "2", Regime.full),
        ("R6", "1", Regime.low),
        ("R5", "3", Regime.full),
        ("R5", "2", Regime.full),
        ("R5", "1", Regime.low),
    ],
)
def test_regime_follows_the_classification(scheme, level, regime):
    decision = regime_for(scheme, level)
    assert decision.regime == regime
    assert "機密性" in decision.reason
    assert decision.requirement_ids == (FULL_IDS if regime == Regime.full else LOW_IDS)


def test_regime_reason_names_the_level_and_the_flow():
    full = regime_for("R6", "2")
    assert "「機密性2」" in full.reason and "EXT-REG〜EXT-END" in full.reason
    low = regime_for("R6", "1")
    assert "「機密性1」" in low.reason and "約款" in low.reason and "EXT-LOW" in low.reason


def test_full_regime_covers_every_ext_phase_and_low_only_ext_low():
    prefixes = {i.rsplit("-", 1)[0] for i in FULL_IDS}
    assert prefixes == {"EXT-REG", "EXT-SEL", "EXT-PRC", "EXT-APR", "EXT-BLD", "EXT-OPS", "EXT-END"}
    assert [c.id for c in FULL_CHECKLIST] == list(FULL_IDS)
    assert [c.id for c in LOW_CHECKLIST] == list(LOW_IDS) == ["EXT-LOW-01", "EXT-LOW-02", "EXT-LOW-03", "EXT-LOW-04"]
    assert all(c.id in REQUIREMENTS and c.label == REQUIREMENTS[c.id] for c in FULL_CHECKLIST + LOW_CHECKLIST)


def test_applicant_confirms_ismap_in_the_full_regime_and_the_terms_in_the_low():
    full = [c.id for c in applicant_items(Regime.full)]
    assert "EXT-SEL-10" in full and "EXT-SEL-11" in full and "EXT-SEL-05" in full
    assert [c.id for c in applicant_items(Regime.low)] == ["EXT-LOW-01", "EXT-LOW-02"]


def test_levels_are_compared_on_one_scale():
    assert is_above("2", "1") and is_above("3A", "3B") and is_above("3B", "2") and is_above("1", None)
    assert not is_above("2", "2") and not is_above("1", "2") and not is_above(None, "1")
    assert higher("2", "3C") == "3C" and higher(None, "1") == "1" and higher("2", None) == "2"


def test_level_problem_uses_the_scheme_in_force():
    assert level_problem("R6", "3B") is None and level_problem("R5", "3") is None
    assert "自治体機密性3A" in level_problem("R6", "3")
    assert level_problem("R5", "3A") is not None and level_problem("R7", "1") is not None


def _facts(**kw) -> ServiceFacts:
    return ServiceFacts(**{"regime": Regime.full, "status": ServiceStatus.registered, **kw})


def _states(facts: ServiceFacts) -> dict[str, tuple[str, str]]:
    return {c.id: (c.state, c.note) for c in evaluate_checklist(facts, TODAY)}


def test_checklist_shows_the_ismap_registration_from_the_registry():
    states = _states(_facts(ismap="ismap", ismap_number="C21-0001-1", ismap_valid_until=dt.date(2027, 3, 31)))
    assert states["EXT-SEL-10"][0] == "ok" and "C21-0001-1" in states["EXT-SEL-10"][1]
    assert _states(_facts())["EXT-SEL-10"][0] == "attention"
    expired = _states(_facts(ismap="ismap", ismap_number="C1", ismap_valid_until=dt.date(2026, 1, 1)))
    assert expired["EXT-SEL-10"][0] == "attention" and "過ぎています" in expired["EXT-SEL-10"][1]


def test_checklist_asks_for_data_location_law_and_jurisdiction():
    assert _states(_facts())["EXT-SEL-05"][0] == "attention"
    done = _states(_facts(data_location="overseas", governing_law="米国法", jurisdiction="米国の裁判所"))
    assert done["EXT-SEL-05"][0] == "ok" and "外国法" in done["EXT-SEL-05"][1]


def test_checklist_follows_the_lifecycle():
    before = _states(_facts())
    assert before["EXT-APR-03"][0] == before["EXT-BLD-01"][0] == before["EXT-END-01"][0] == "open"
    running = _states(
        _facts(status=ServiceStatus.operating, approved=True, has_administrator=True,
               build_confirmed_on=dt.date(2026, 5, 1), last_review_on=dt.date(2026, 5, 1),
               next_review_on=dt.date(2027, 5, 1))
    )  # fmt: skip
    assert running["EXT-APR-03"][0] == running["EXT-BLD-01"][0] == running["EXT-OPS-01"][0] == "ok"
    overdue = _states(_facts(status=ServiceStatus.operating, approved=True, next_review_on=dt.date(2026, 1, 1)))
    assert overdue["EXT-OPS-01"][0] == "attention"


def test_every_transition_of_the_state_machine():
    expected = {
        ("draft", "edit"): "draft",
        ("returned", "edit"): "returned",
        ("draft", "submit"): "submitted",
        ("returned", "submit"): "submitted",
        ("submitted", "start_review"): "under_review",
        ("under_review", "approve"): "approved",
        ("under_review", "reject"): "rejected",
        ("under_review", "return"): "returned",
    }
    assert {k: str(v) for k, v in TRANSITIONS.items()} == expected
    for status in ApplicationStatus:
        for action in ACTION_LABELS:
            if (status, action) in expected:
                assert next_status(status, action) == expected[(status, action)]
            else:
                with pytest.raises(TransitionRefused) as exc:
                    next_status(status, action)
                assert APPLICATION_STATUS_LABELS[status] in exc.value.message
                assert ACTION_LABELS[action] in exc.value.message


def test_decided_applications_allow_nothing():
    assert allowed_actions(ApplicationStatus.approved) == [] and allowed_actions(ApplicationStatus.rejected) == []
    assert allowed_actions(ApplicationStatus.under_review) == ["approve", "reject", "return"]


def test_exit_measures_come_before_the_end():
    assert "終了時の対策" in end_refusal(ServiceStatus.operating, None)
    assert end_refusal(ServiceStatus.operating, dt.date(2026, 11, 1)) is None
    assert end_refusal(ServiceStatus.approved, dt.date(2026, 11, 1)) is None
    assert end_refusal(ServiceStatus.registered, dt.date(2026, 11, 1)) is not None
    assert "既に" in end_refusal(ServiceStatus.ended, dt.date(2026, 11, 1))


def test_missing_items_and_months():
    assert missing_items({"a": "A", "b": "B"}, ["a"]) == ["B"]
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2026, 11, 26), 12) == dt.date(2027, 11, 26)
    assert add_months(dt.date(2026, 11, 26), 3) == dt.date(2027, 2, 26)
