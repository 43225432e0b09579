"""Contract drafts from the shipped clause library: clauses by facts, versions, finalization, approvals."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from docx import Document

from governance.accounts.roles import Role
from governance.actor import Actor
from governance.contracts.services import ContractService, Municipality
from governance.contracts.subcontracting import Evaluation, criteria_for
from governance.engagements.services import EngagementService
from governance.errors import ConflictError, PermissionDeniedError, SelfApprovalError, ValidationError
from governance.settings import get_settings
from tests.helpers import approve_selection, engagement_data, make_contractor, make_department, make_user

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
    await approve_selection(eid, cid, prep, officer)
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
    assert "株式会社みどり情報" in text and "令和８年４月１日" in text and "{{" not in text
    assert row["library_version"] == "2026.3" and len(row["library_hash"]) == 64


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
    eid, prep, _ = await _approved_engagement()
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


def conforming(*, mynumber: bool, **answers: str) -> Evaluation:
    """Every applicable item 適合 (or as given), with a note for each 不適合."""
    values = {c.id: answers.get(c.id, "conforms") for c in criteria_for(mynumber)}
    return Evaluation(values, {k: "" for k, v in values.items() if v == "fails"})


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
    # the permission rests on the evaluation of the subcontractor's measures, item by item
    assert {c["id"] for c in approval["criteria"]} >= {"mynumber_equivalent", "onward", "measures"}
    partial = Evaluation({"scope": "conforms"}, {})
    with pytest.raises(ValidationError) as exc:
        await svc.decide_approval(approval["id"], approve=True, actor=other_officer, evaluation=partial)
    assert exc.value.field_errors["answer-mynumber_equivalent"] == "承認するには、すべての項目を評価してください。"
    failing = conforming(mynumber=True, mynumber_equivalent="fails")
    with pytest.raises(ValidationError) as exc:
        await svc.decide_approval(approval["id"], approve=True, actor=other_officer, evaluation=failing)
    assert set(exc.value.field_errors) == {"answer-mynumber_equivalent", "note-mynumber_equivalent"}
    await svc.decide_approval(approval["id"], approve=True, actor=other_officer, note="安全管理措置を確認",
                              evaluation=conforming(mynumber=True))  # fmt: skip
    [decided] = await svc.approvals(eid)
    assert decided["status"] == "approved"
    assert {c["id"]: c["answer_label"] for c in decided["criteria"]}["mynumber_equivalent"] == "適合"


async def test_a_refusal_names_the_failing_item_or_gives_a_reason():
    eid, prep, officer = await _approved_engagement()
    svc = service()
    await svc.create_draft(eid, actor=prep)
    [approval] = await svc.approvals(eid)
    with pytest.raises(ValidationError) as exc:
        await svc.decide_approval(approval["id"], approve=False, actor=officer)
    assert "note" in exc.value.field_errors
    refused = Evaluation({"measures": "fails"}, {"measures": "入退室管理の記録がない"})
    await svc.decide_approval(approval["id"], approve=False, actor=officer, evaluation=refused)
    [decided] = await svc.approvals(eid)
    assert decided["status"] == "refused"
    assert {c["id"]: c["note"] for c in decided["criteria"]}["measures"] == "入退室管理の記録がない"


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


async def test_contract_pages_and_api(client, anon):
    import re

    from tests.helpers import login, post_form

    eid, _, _ = await _approved_engagement()
    await login(client, "keiyaku")
    page = await client.get(f"/engagements/{eid}/contract")
    assert page.status_code == 200 and "特定個人情報を取り扱う事務の再委託" in page.text and "LAW-02" in page.text
    assert "理由" in page.text and "特定個人情報（マイナンバー）を取り扱う" in page.text
    r = await post_form(client, f"/engagements/{eid}/contract/drafts")
    assert r.status_code == 303
    page = await client.get(f"/engagements/{eid}/contract")
    assert "第1版" in page.text and "承認されていない再委託先があります" in page.text
    version_id = int(re.search(r"/contract/versions/(\d+)/document.docx", page.text).group(1))
    doc = await client.get(f"/engagements/{eid}/contract/versions/{version_id}/document.docx")
    assert doc.status_code == 200 and "特定個人情報" in _text(doc.content)
    assert (await post_form(client, f"/engagements/{eid}/contract/versions/{version_id}/finalize")).status_code == 303
    # finalized: pages, API and CLI cannot change it
    again = await post_form(client, f"/engagements/{eid}/contract/versions/{version_id}/finalize")
    assert again.status_code == 409 and "確定できません" in again.text
    token = re.search(
        r'id="new-token">([^<]+)<', (await post_form(client, "/account/tokens", {"name": "t"})).text
    ).group(1)
    auth = {"Authorization": f"Bearer {token}"}
    assert (
        await anon.post(f"/api/v1/engagements/{eid}/contract/versions/{version_id}/finalize", headers=auth)
    ).status_code == 409
    versions = (await anon.get(f"/api/v1/engagements/{eid}/contract/versions", headers=auth)).json()
    assert versions[0]["status"] == "finalized" and any(
        c["id"] == "ANX-LAW02-MN-SUBCONTRACT" for c in versions[0]["clauses"]
    )
    api_draft = await anon.post(f"/api/v1/engagements/{eid}/contract/drafts", headers=auth)
    assert api_draft.status_code == 201 and api_draft.json()["version"] == 2
    assert (await anon.get(f"/api/v1/engagements/{eid}/contract/versions", headers=auth)).json()[1][
        "status"
    ] == "finalized"


async def test_contract_converts_to_pdf_in_libreoffice(tmp_path):
    from pypdf import PdfReader

    from tests.integration.test_documents_libreoffice import to_pdf

    eid, _, _ = await _approved_engagement()
    pdf = to_pdf(await service().render(eid), tmp_path)
    text = "".join(p.extract_text() for p in PdfReader(pdf).pages).replace(" ", "")
    for expected in (
        "業務委託契約書",
        "第１条",
        "情報セキュリティに関する特記事項",
        "特定個人情報",
        "株式会社みどり情報",
    ):
        assert expected in text, expected


def test_cli_renders_without_touching_a_finalized_version(tmp_path):
    import asyncio

    from click.testing import CliRunner

    from governance.db import close_connections
    from governance.templates_cli import contract_render

    async def setup():
        try:
            eid, prep, _ = await _approved_engagement()
            vid = await service().create_draft(eid, actor=prep)
            await service().finalize(vid, actor=prep)
            return eid, vid, (await service().version_document(vid))[1]
        finally:
            await close_connections()

    async def stored(vid):
        try:
            return (await service().version_document(vid))[1]
        finally:
            await close_connections()

    eid, vid, before = asyncio.run(setup())
    out = tmp_path / "cli.docx"
    result = CliRunner().invoke(contract_render, [str(eid), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "特定個人情報" in _text(out.read_bytes())
    assert asyncio.run(stored(vid)) == before
    missing = CliRunner().invoke(contract_render, ["999999", "-o", str(tmp_path / "x.docx")])
    assert missing.exit_code == 1 and "見つかりません" in missing.output


async def test_version_ids_must_belong_to_the_engagement_in_the_path(client, anon):
    import re

    from tests.helpers import login, post_form

    eid, prep, _ = await _approved_engagement()
    vid = await service().create_draft(eid, actor=prep)
    await login(client, "keiyaku")
    token = re.search(
        r'id="new-token">([^<]+)<', (await post_form(client, "/account/tokens", {"name": "t"})).text
    ).group(1)
    auth = {"Authorization": f"Bearer {token}"}
    other = eid + 1000
    assert (
        await anon.post(f"/api/v1/engagements/{other}/contract/versions/{vid}/finalize", headers=auth)
    ).status_code == 404
    assert (await client.get(f"/engagements/{other}/contract/versions/{vid}/document.docx")).status_code == 404
    assert (
        await anon.post(f"/api/v1/engagements/{eid}/contract/versions/{vid}/finalize", headers=auth)
    ).status_code == 201


async def test_a_broken_library_is_a_clear_409_not_a_500(client, tmp_path, monkeypatch):
    import shutil

    from tests.helpers import login, post_form

    eid, _, _ = await _approved_engagement()
    broken = tmp_path / "templates"
    shutil.copytree(get_settings().contract_templates_dir, broken)
    (broken / "clauses" / "zz-bad.yaml").write_text(
        "id: ANX-BAD\nsection: annex\norder: 1\ntitle: x\nrequirements: [NOPE-1]\nbody: x\n"
    )
    import dataclasses

    from governance.app import create_app

    app = create_app(dataclasses.replace(get_settings(), contract_templates_dir=broken))
    import httpx

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        await login(c, "keiyaku")
        page = await c.get(f"/engagements/{eid}/contract")
        assert page.status_code == 200 and "条項ライブラリに誤りがある" in page.text
        r = await post_form(c, f"/engagements/{eid}/contract/drafts")
        assert r.status_code == 409 and "NOPE-1" in r.text


async def test_a_signed_contract_can_be_amended_by_a_later_version():
    eid, prep, _ = await _approved_engagement()
    svc = service()
    first = await svc.create_draft(eid, actor=prep)
    await svc.finalize(first, actor=prep)
    second = await svc.create_draft(eid, actor=prep)
    with pytest.raises(ConflictError, match="締結待ち"):
        await svc.finalize(second, actor=prep)
    await svc.sign(first, signed_on=TODAY, municipality_signatory="市長", contractor_signatory="社長", actor=prep)
    third = await svc.create_draft(eid, actor=prep)
    await svc.finalize(third, actor=prep)
    statuses = {v["version"]: v["status"] for v in await svc.versions(eid)}
    assert statuses == {1: "signed", 2: "superseded", 3: "finalized"}


async def test_an_approval_is_escalated_when_the_work_starts_handling_mynumber():
    eid, prep, officer = await _approved_engagement(
        specific_personal_info=False,
        segments=["lgwan"],
        confidentiality="2",
    )
    svc = service()
    await svc.create_draft(eid, actor=prep)
    [approval] = await svc.approvals(eid)
    assert not approval["mynumber_permission"]
    assert "mynumber_equivalent" not in {c["id"] for c in approval["criteria"]}
    await svc.decide_approval(approval["id"], approve=True, actor=officer, evaluation=conforming(mynumber=False))
    e = await EngagementService().get(eid)
    await EngagementService().update(
        eid, engagement_data(department_id=e.department_id, tier_change_reason="マイナンバー事務を追加"), actor=prep
    )
    await svc.create_draft(eid, actor=prep)
    [approval] = await svc.approvals(eid)
    assert approval["mynumber_permission"] and approval["status"] == "pending"
