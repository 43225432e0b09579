"""Contract drafts from the shipped clause library: clauses by facts, versions, finalization, approvals."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from docx import Document

from governance.accounts.roles import Role
from governance.actor import Actor
from governance.contracts.services import ContractService, Municipality
from governance.engagements.schemas import Decision, EvaluationIn, SelectionCreate
from governance.engagements.services import EngagementService, SelectionService
from governance.errors import ConflictError, PermissionDeniedError, SelfApprovalError
from governance.settings import get_settings
from tests.helpers import engagement_data, make_contractor, make_department, make_user

TODAY = dt.date.today()


def service() -> ContractService:
    s = get_settings()
    return ContractService(
        templates_dir=s.contract_templates_dir, data_dir=s.data_dir,
        municipality=Municipality("みどり市", "みどり市長 緑川 一郎"),
    )  # fmt: skip


async def _approved_engagement(**overrides):
    prep = Actor(id=await make_user("keiyaku", Role.procurement), label="契約", roles=frozenset({Role.procurement}))
    officer = Actor(
        id=await make_user("ciso", Role.security_officer), label="CISO", roles=frozenset({Role.security_officer})
    )
    eid = await EngagementService().create(
        engagement_data(department_id=await make_department(), **overrides), actor=prep
    )
    cid = await make_contractor("株式会社みどり情報", address="みどり市中央1-1", representative="代表取締役 緑川")
    sel = SelectionService()
    sid = await sel.create(eid, SelectionCreate(method="negotiated"), actor=prep)
    cand = await sel.add_candidate(sid, cid, actor=prep)
    got = await sel.get(sid)
    await sel.save_evaluations(
        sid, [EvaluationIn(candidate_id=cand, criterion_id=c.id, answer="conforms") for c in got.criteria], actor=prep
    )
    await sel.decide(sid, Decision(contractor_id=cid, rationale="適合"), actor=prep)
    await sel.submit(sid, actor=prep)
    await sel.approve(sid, actor=officer)
    return eid, prep, officer


def _text(docx: bytes) -> str:
    doc = Document(io.BytesIO(docx))
    return "\n".join(p.text for p in doc.paragraphs)


async def test_mynumber_subcontract_draft_has_the_required_clauses():
    eid, prep, _ = await _approved_engagement()
    preview = await service().preview(eid)
    ids = [s.clause.id for s in preview.selected]
    for required in (
        "ANX-LAW02-MN-SUBCONTRACT",
        "ANX-LAW04-MN-HANDLING",
        "ANX-TK10-REMOVAL",
        "ANX-TK13-RETURN",
        "ANX-TK14-INSPECTION",
        "ANX-TK15-INCIDENT",
        "ANX-TK01-PERSONAL-INFO",
    ):
        assert required in ids, required
    law02 = next(s for s in preview.selected if s.clause.id == "ANX-LAW02-MN-SUBCONTRACT")
    assert "特定個人情報（マイナンバー）を取り扱う" in law02.reasons and law02.requirement_labels[0].startswith(
        "LAW-02"
    )
    vid = await service().create_draft(eid, actor=prep)
    row, data = await service().version_document(vid)
    text = _text(data)
    assert "業務委託契約書" in text and "第１条" in text and "別記　情報セキュリティに関する特記事項" in text
    assert "株式会社みどり情報" in text and "令和8年4月1日" in text and "{{" not in text
    assert row["library_version"] == "2026.1" and len(row["library_hash"]) == 64


async def test_cloud_with_public_data_gets_no_personal_data_clause():
    eid, _, _ = await _approved_engagement(
        title="フォームサービス利用", confidentiality="1", integrity=1, availability=1, personal_info=False,
        specific_personal_info=False, segments=[], work_kinds=["cloud_service"], work_locations=["remote"],
        subcontracting=False, subcontractors="", renewal="none", notice_days=0,
    )  # fmt: skip
    preview = await service().preview(eid)
    personal = [
        s.clause.id
        for s in preview.selected
        if set(s.clause.requirements) & {"TK-01", "LAW-01", "LAW-04", "LAW-02", "TK-18", "LAW-05"}
    ]
    assert personal == []
    assert "ANX-CON03-SLA" in [s.clause.id for s in preview.selected]  # cloud brings the SLA clause


async def test_versions_record_added_and_removed_clauses_and_finalized_is_immutable():
    eid, prep, officer = await _approved_engagement()
    svc = service()
    first = await svc.create_draft(eid, actor=prep)
    await svc.finalize(first, actor=prep)
    with pytest.raises(ConflictError):
        await svc.finalize(first, actor=prep)
    # the facts change: no more remote access → the remote-access clause goes in the next draft
    e = await EngagementService().get(eid)
    await EngagementService().update(
        eid, engagement_data(department_id=e.department_id, remote_access=True), actor=prep
    )
    second = await svc.create_draft(eid, actor=prep)
    versions = await svc.versions(eid)
    assert [v["version"] for v in versions] == [2, 1]
    assert [c["id"] for c in versions[0]["added"]] == ["ANX-REMOTE-ACCESS"]
    assert versions[1]["status"] == "finalized"  # a new draft never touches a finalized version
    with pytest.raises(ConflictError, match="確定済みの版"):
        await svc.finalize(second, actor=prep)
    await svc.sign(first, signed_on=TODAY, municipality_signatory="みどり市長", contractor_signatory="代表取締役",
                   actor=prep)  # fmt: skip
    assert (await EngagementService().get(eid)).status == "contracted"
    with pytest.raises(ConflictError):
        await svc.sign(first, signed_on=TODAY, municipality_signatory="x", contractor_signatory="y", actor=prep)


async def test_mynumber_subcontractor_needs_a_security_officers_permission():
    eid, prep, officer = await _approved_engagement()
    svc = service()
    await svc.create_draft(eid, actor=prep)
    [approval] = await svc.approvals(eid)
    assert (
        approval["name"] == "株式会社下請システム"
        and approval["mynumber_permission"]
        and approval["status"] == "pending"
    )
    with pytest.raises(PermissionDeniedError, match="番号法第10条"):
        await svc.decide_approval(approval["id"], approve=True, actor=prep)
    other_officer = Actor(id=officer.id, label="CISO", roles=frozenset({Role.security_officer}))
    await svc.decide_approval(approval["id"], approve=True, actor=other_officer, note="安全管理措置を確認")
    assert (await svc.approvals(eid))[0]["status"] == "approved"


async def test_requester_cannot_approve_own_subcontractor():
    eid, _, officer = await _approved_engagement()
    svc = service()
    await svc.create_draft(eid, actor=officer)  # the officer generated the draft, so requested the approval
    [approval] = await svc.approvals(eid)
    with pytest.raises(SelfApprovalError):
        await svc.decide_approval(approval["id"], approve=True, actor=officer)


async def test_no_draft_without_an_approved_selection():
    prep = Actor(id=await make_user("keiyaku", Role.procurement), label="契約", roles=frozenset({Role.procurement}))
    eid = await EngagementService().create(engagement_data(department_id=await make_department()), actor=prep)
    with pytest.raises(ConflictError, match="選定が承認されていない"):
        await service().create_draft(eid, actor=prep)
