"""Engagements and contractor selection through the services: criteria, evaluation, approval, versions."""

from __future__ import annotations

import datetime as dt

import pytest

from governance.accounts.roles import Role
from governance.actor import Actor
from governance.audit.tables import AuditEntry
from governance.contractors.schemas import SuspensionCreate
from governance.contractors.services import ContractorService
from governance.engagements.schemas import Decision, EvaluationIn, SelectionCreate
from governance.engagements.services import EngagementService, SelectionService
from governance.errors import ConflictError, PermissionDeniedError, SelfApprovalError, ValidationError
from tests.helpers import engagement_data, make_contractor, make_department, make_user

TODAY = dt.date.today()


async def _actors():
    prep = await make_user("keiyaku", Role.procurement)
    officer = await make_user("ciso", Role.security_officer)
    return (
        Actor(id=prep, label="契約", roles=frozenset({Role.procurement})),
        Actor(id=officer, label="CISO", roles=frozenset({Role.security_officer})),
    )


async def _mn_engagement(actor) -> int:
    dept = await make_department()
    return await EngagementService().create(engagement_data(department_id=dept), actor=actor)


async def _complete(service: SelectionService, sel_id: int, actor, choose: int) -> None:
    sel = await service.get(sel_id)
    await service.save_evaluations(
        sel_id,
        [
            EvaluationIn(candidate_id=c.id, criterion_id=e.criterion_id, answer=e.answer or "conforms", note="確認済み")
            for c in sel.candidates
            for e in c.evaluations
        ],
        actor=actor,
    )
    await service.decide(sel_id, Decision(contractor_id=choose, rationale="評価の結果、最も適合するため"), actor=actor)


async def test_mynumber_engagement_gets_tier_3_and_sel_13():
    prep, _ = await _actors()
    eid = await _mn_engagement(prep)
    eng = await EngagementService().get(eid, today=dt.date(2027, 6, 1))
    assert eng.tier == 3 and eng.tier_label == "高"
    assert {"MN", "PI", "SUB", "SYS", "C2+"} <= set(eng.flags)
    assert eng.current_term_start == dt.date(2027, 4, 1) and eng.cancel_by == dt.date(2027, 12, 28)
    sel_id = await SelectionService().create(eid, SelectionCreate(method="open_proposal"), actor=prep)
    criteria = [c.id for c in (await SelectionService().get(sel_id)).criteria]
    assert "OUT-SEL-13" in criteria and "OUT-SEL-04" in criteria and "OUT-SEL-10" not in criteria


async def test_full_selection_with_prefill_submit_and_approval():
    prep, officer = await _actors()
    eid = await _mn_engagement(prep)
    good = await make_contractor(
        "株式会社みどり情報",
        number="7000012050002",
        certs=(("isms", "IS 123456", TODAY - dt.timedelta(days=300), TODAY + dt.timedelta(days=300)),),
    )
    expired = await make_contractor(
        "旧システム株式会社", certs=(("isms", "IS 999", TODAY - dt.timedelta(days=900), TODAY - dt.timedelta(days=1)),)
    )
    service = SelectionService()
    sel_id = await service.create(
        eid, SelectionCreate(method="open_proposal", legal_ground="地方自治法施行令第167条の2"), actor=prep
    )
    await service.add_candidate(sel_id, good, actor=prep)
    await service.add_candidate(sel_id, expired, actor=prep)
    sel = await service.get(sel_id)
    isms = {c.contractor_name: next(e for e in c.evaluations if e.criterion_id == "OUT-SEL-02") for c in sel.candidates}
    assert isms["株式会社みどり情報"].answer == "conforms" and "IS 123456" in isms["株式会社みどり情報"].note
    assert isms["旧システム株式会社"].answer == "fails" and "期限切れ" in isms["旧システム株式会社"].note

    with pytest.raises(ValidationError) as missing:
        await service.submit(sel_id, actor=prep)
    assert {"evaluations", "contractor_id", "rationale"} <= set(missing.value.field_errors)

    await _complete(service, sel_id, prep, good)
    await service.submit(sel_id, actor=prep)
    with pytest.raises(ConflictError):  # submitted: no more edits
        await service.decide(sel_id, Decision(contractor_id=expired, rationale="x"), actor=prep)
    with pytest.raises(PermissionDeniedError):  # procurement cannot approve
        await service.approve(sel_id, actor=prep)
    await service.approve(sel_id, actor=officer, comment="妥当")
    approved = await service.get(sel_id)
    assert approved.status == "approved" and approved.reviewed_by == "ciso 氏" and not approved.editable
    assert (await EngagementService().get(eid)).status == "preparing"
    actions = [
        r["action"] for r in await AuditEntry.select(AuditEntry.action).where(AuditEntry.target_type == "selection")
    ]
    for step in (
        "selection.created",
        "selection.candidate_added",
        "selection.evaluated",
        "selection.decided",
        "selection.submitted",
        "selection.approved",
    ):
        assert step in actions


async def test_security_officer_cannot_approve_own_selection():
    _, officer = await _actors()
    eid = await _mn_engagement(officer)
    cid = await make_contractor()
    service = SelectionService()
    sel_id = await service.create(eid, SelectionCreate(method="negotiated"), actor=officer)
    await service.add_candidate(sel_id, cid, actor=officer)
    await _complete(service, sel_id, officer, cid)
    await service.submit(sel_id, actor=officer)
    with pytest.raises(SelfApprovalError, match="ご自身が作成した"):
        await service.approve(sel_id, actor=officer)


async def test_suspended_contractor_cannot_be_selected_on_that_date():
    prep, _ = await _actors()
    eid = await _mn_engagement(prep)
    cid = await make_contractor()
    await ContractorService().add_suspension(
        cid,
        SuspensionCreate(
            start_date=TODAY - dt.timedelta(days=10),
            end_date=TODAY + dt.timedelta(days=10),
            reason="契約違反による指名停止",
        ),
        actor=prep,
    )
    service = SelectionService()
    sel_id = await service.create(eid, SelectionCreate(method="negotiated"), actor=prep)
    await service.add_candidate(sel_id, cid, actor=prep)
    assert (await service.get(sel_id)).candidates[0].suspended
    await _complete(service, sel_id, prep, cid)
    with pytest.raises(ValidationError, match="提出できません") as exc:
        await service.submit(sel_id, actor=prep)
    assert "指名停止期間中" in exc.value.field_errors["contractor_id"]


async def test_approved_selection_is_corrected_by_a_new_version():
    prep, officer = await _actors()
    eid = await _mn_engagement(prep)
    cid = await make_contractor()
    service = SelectionService()
    sel_id = await service.create(eid, SelectionCreate(method="negotiated"), actor=prep)
    await service.add_candidate(sel_id, cid, actor=prep)
    await _complete(service, sel_id, prep, cid)
    await service.submit(sel_id, actor=prep)
    await service.approve(sel_id, actor=officer)
    with pytest.raises(ConflictError):
        await service.save_evaluations(sel_id, [], actor=prep)
    new_id = await service.correct(sel_id, actor=prep)
    with pytest.raises(ConflictError):  # only an approved version can be corrected
        await service.correct(new_id, actor=prep)
    with pytest.raises(ConflictError):  # and only one version is open at a time
        await service.create(eid, SelectionCreate(method="negotiated"), actor=prep)
    versions = await service.for_engagement(eid)
    assert [v["version"] for v in versions] == [2, 1]
    new = await service.get(versions[0]["id"])
    assert new.supersedes == sel_id and new.editable and new.selected_contractor_id == cid
    assert all(e.answer == "conforms" for c in new.candidates for e in c.evaluations)
    await service.submit(new.id, actor=prep)
    await service.approve(new.id, actor=officer)
    assert (await service.get(sel_id)).status == "superseded"


async def test_raising_the_tier_needs_a_reason_and_is_kept_in_history():
    prep, _ = await _actors()
    dept = await make_department()
    service = EngagementService()
    eid = await service.create(
        engagement_data(
            department_id=dept,
            title="広報紙配布業務",
            confidentiality="1",
            integrity=1,
            availability=1,
            personal_info=False,
            specific_personal_info=False,
            segments=[],
            subcontracting=False,
            subcontractors="",
            work_kinds=["clerical"],
            work_locations=["onsite"],
        ),
        actor=prep,
    )
    assert (await service.get(eid)).tier == 1
    raised = engagement_data(
        department_id=dept,
        title="広報紙配布業務",
        confidentiality="2",
        personal_info=True,
        specific_personal_info=False,
        segments=[],
        subcontracting=False,
        subcontractors="",
        work_kinds=["clerical"],
        work_locations=["onsite"],
        off_premises=True,
    )
    with pytest.raises(ValidationError) as exc:
        await service.update(eid, raised, actor=prep)
    assert "重要度が「低」から「高」に上がります" in exc.value.field_errors["tier_change_reason"]
    raised = engagement_data(
        **{
            **{f: getattr(raised, f) for f in raised.__struct_fields__},
            "tier_change_reason": "宛名データを受託者に渡すことになったため",
        }
    )
    await service.update(eid, raised, actor=prep)
    history = (await service.get(eid)).tier_history
    assert [(h.old_tier, h.new_tier) for h in history] == [(None, 1), (1, 3)]
    assert history[1].reason == "宛名データを受託者に渡すことになったため" and history[1].changed_by == "契約"


async def test_contradictory_facts_are_refused_with_field_messages():
    prep, _ = await _actors()
    dept = await make_department()
    with pytest.raises(ValidationError) as exc:
        await EngagementService().create(
            engagement_data(department_id=dept, personal_info=False, subcontractors="", end_date=dt.date(2026, 1, 1)),
            actor=prep,
        )
    errors = exc.value.field_errors
    assert "personal_info" in errors and "subcontractors" in errors and "end_date" in errors


async def test_duplicate_corporate_number_points_at_existing_record():
    await make_contractor("株式会社みどり情報", number="7000012050002")
    with pytest.raises(ValidationError) as exc:
        await make_contractor("別会社", number="７０００ー０１２０ー５０００２")
    assert "既に登録されています（株式会社みどり情報" in exc.value.field_errors["corporate_number"]
    with pytest.raises(ValidationError) as exc:
        await make_contractor("誤り会社", number="7000012050003")
    assert "検査用数字" in exc.value.field_errors["corporate_number"]


async def test_composite_unique_indexes_hold():
    from governance.engagements.tables import SelectionCandidate

    prep, _ = await _actors()
    eid = await _mn_engagement(prep)
    cid = await make_contractor()
    sid = await SelectionService().create(eid, SelectionCreate(method="negotiated"), actor=prep)
    await SelectionService().add_candidate(sid, cid, actor=prep)
    with pytest.raises(Exception) as exc:  # the database itself refuses a second row for the same pair
        await SelectionCandidate.insert(SelectionCandidate(selection=sid, contractor=cid))
    from governance.db import is_unique_violation

    assert is_unique_violation(exc.value)


async def test_suspension_end_date_can_be_recorded():
    prep, _ = await _actors()
    cid = await make_contractor()
    service = ContractorService()
    sid = await service.add_suspension(
        cid, SuspensionCreate(start_date=TODAY - dt.timedelta(days=5), reason="指名停止"), actor=prep
    )
    assert (await service.get(cid)).suspended
    with pytest.raises(ValidationError):
        await service.end_suspension(cid, sid, TODAY - dt.timedelta(days=10), actor=prep)
    await service.end_suspension(cid, sid, TODAY - dt.timedelta(days=1), actor=prep)
    assert not (await service.get(cid)).suspended
