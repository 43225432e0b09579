"""改訂の影響 (issue 13 part 3): a new clause library's impact on live contracts, the 覚書 that amends one, 新旧対照表.

The new library is the shipped one with a clause added for every contract (with a yearly check item) and the
personal-information clause reworded (``tests.helpers.revised_library``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
from pathlib import Path

import httpx
import pytest
from docx import Document

from governance.audit.chain import canonical_json
from governance.contracts.amendments import AmendmentService
from governance.contracts.impact import ImpactService
from governance.contracts.library import load_library
from governance.contracts.services import ContractService, Municipality
from governance.contracts.tables import ContractVersion
from governance.engagements.services import EngagementService
from governance.errors import ConflictError, NotFoundError, ValidationError
from governance.settings import get_settings
from governance.verification.tables import Check, ChecklistItem
from tests.helpers import (
    NEW_CLAUSE,
    REVISED_VERSION,
    REWORDED_CLAUSE,
    REWORDED_TO,
    approve_selection,
    at_tokyo,
    audit_actions,
    engagement_data,
    login,
    make_contractor,
    make_department,
    make_user,
    post_form,
    revised_library,
    sign_contract,
)

D = dt.date
BROKEN_CLAUSE = "id: ANX-BAD\nsection: annex\norder: 1\ntitle: x\nrequirements: [NOPE-1]\nbody: x\n"
TODAY = D(2026, 6, 1)
IN_FORCE = load_library(Path(__file__).resolve().parents[2] / "contract_templates").version  # what contracts are on
CLOUD = dict(
    title="申請フォームサービス利用", confidentiality="1", integrity=1, availability=1, personal_info=False,
    specific_personal_info=False, segments=[], work_kinds=["cloud_service"], work_locations=["remote"],
    subcontracting=False, subcontractors="", renewal="none", notice_days=0,
)  # fmt: skip


async def _contract(sc, name: str, *, sign: bool = True, dept: int | None = None, signed_on=None, **facts):
    """Another engagement of the ``sign_contract`` people, drafted (and signed unless ``sign`` is False)."""
    signed_on = signed_on or D(2026, 3, 25)
    data = engagement_data(department_id=dept or sc.department_id, supervisor_id=sc.staff.id, **facts)
    eid = await EngagementService().create(data, actor=sc.procurement)
    await approve_selection(eid, await make_contractor(name), sc.procurement, sc.officer)
    now = at_tokyo(signed_on)
    vid = await sc.contracts.create_draft(eid, actor=sc.procurement, now=now)
    if sign:
        await sc.contracts.finalize(vid, actor=sc.procurement, now=now)
        await sc.contracts.sign(vid, signed_on=signed_on, municipality_signatory="市長", contractor_signatory="社長",
                                actor=sc.procurement, now=now)  # fmt: skip
    return eid, vid


@pytest.fixture(name="world")
async def fx_world(tmp_path):
    """Four contracts: マイナンバー work (live), a cloud service of another department (live), one whose term ended
    and one still a draft; and the next library in a temporary folder."""
    sc = await sign_contract()
    shimin = await make_department("SHIMIN", "市民部 市民課")
    cloud, _ = await _contract(sc, "株式会社フォーム", dept=shimin, **CLOUD)
    past = {"start_date": D(2025, 4, 1), "end_date": D(2026, 3, 31), "renewal": "none", "notice_days": 0}
    ended, _ = await _contract(sc, "株式会社旧委託", title="旧システム保守業務", signed_on=D(2025, 3, 25), **past)
    draft, _ = await _contract(sc, "株式会社下書き", sign=False, title="検討中の業務")
    return dataclasses.make_dataclass("World", ["sc", "cloud", "ended", "draft", "revised"])(
        sc, cloud, ended, draft, revised_library(tmp_path / "next")
    )


def _service(templates_dir) -> ContractService:
    s = get_settings()
    return ContractService(templates_dir=templates_dir, data_dir=s.data_dir,
                           municipality=Municipality("みどり市", "みどり市長 緑川 一郎"))  # fmt: skip


async def _report(world, candidate=True):
    service = ImpactService(
        templates_dir=get_settings().contract_templates_dir, candidate_dir=world.revised if candidate else None
    )
    return await service.report(today=TODAY)


async def test_the_impact_names_exactly_the_live_signed_contracts_that_lack_a_clause(world):
    report = await _report(world)
    assert report.candidate.library.version == REVISED_VERSION and report.live == 2
    assert [(c.id, c.kind) for c in report.diff.of("clauses")] == [(REWORDED_CLAUSE, "changed"), (NEW_CLAUSE, "added")]
    affected = {a.engagement_id: a for a in report.affected}
    assert set(affected) == {world.sc.engagement_id, world.cloud}  # not the ended one, not the draft
    mynumber, cloud = affected[world.sc.engagement_id], affected[world.cloud]
    assert mynumber.missing == ((NEW_CLAUSE, "生成AIの利用"),)
    assert mynumber.old_wording == ((REWORDED_CLAUSE, "個人情報の保護に関する基本的事項"),)
    assert cloud.missing == ((NEW_CLAUSE, "生成AIの利用"),) and cloud.old_wording == ()  # it holds no such clause
    assert (cloud.department, cloud.contractor, cloud.version, cloud.library_version) == (
        "市民部 市民課",
        "株式会社フォーム",
        1,
        IN_FORCE,
    )
    [use] = report.usage
    assert (use.library_version, use.contracts) == (IN_FORCE, 2)
    assert use.departments == ("市民部 市民課", "総務部 情報政策課")


async def test_against_the_library_in_force_nothing_is_lacking(world):
    report = await _report(world, candidate=False)
    assert report.candidate is None and report.diff is None and report.live == 2 and report.affected == ()


async def test_a_version_without_stored_lines_is_printed_from_its_library_or_reported_unknown(world):
    vid = world.sc.version_id
    await _without_lines(vid)
    mynumber = {a.engagement_id: a for a in (await _report(world)).affected}[world.sc.engagement_id]
    assert [i for i, _ in mynumber.old_wording] == [REWORDED_CLAUSE] and mynumber.unknown_wording == ()
    await ContractVersion.update({ContractVersion.library_hash: "0" * 64}).where(ContractVersion.id == vid)
    mynumber = {a.engagement_id: a for a in (await _report(world)).affected}[world.sc.engagement_id]
    assert mynumber.old_wording == () and REWORDED_CLAUSE in mynumber.unknown_wording
    assert mynumber.missing == ((NEW_CLAUSE, "生成AIの利用"),)  # a missing clause is still known by its id


async def _without_lines(vid: int) -> None:
    """Make a version look drafted before the printed lines were stored."""
    row = await ContractVersion.select().where(ContractVersion.id == vid).first()
    items = json.loads(row["clauses_json"])["items"]
    for item in items:
        del item["lines"], item["number"]
    await ContractVersion.update({ContractVersion.clauses_json: canonical_json({"items": items})}).where(
        ContractVersion.id == vid
    )


def _docx_text(data: bytes) -> tuple[str, list]:
    doc = Document(io.BytesIO(data))
    return "\n".join(p.text for p in doc.paragraphs), doc.tables


async def test_an_amendment_holds_the_whole_contract_and_its_document_the_comparison(world):
    sc = world.sc
    promoted = _service(world.revised)  # as after ``governance templates promote``
    vid = await AmendmentService(promoted).draft(sc.engagement_id, actor=sc.procurement, now=at_tokyo(TODAY))
    row = await ContractVersion.select().where(ContractVersion.id == vid).first()
    assert (row["kind"], row["amends_version"], row["status"]) == ("amendment", sc.version_id, "draft")
    assert row["version"] == 2
    assert row["library_version"] == REVISED_VERSION
    items = json.loads(row["clauses_json"])["items"]
    new = next(c for c in items if c["id"] == NEW_CLAUSE)
    assert new["lines"][0] == "（生成AIの利用）" and new["number"].startswith("第")
    assert json.loads(row["facts_json"])["specific_personal_info"] is True and row["context_json"]
    _, data = await promoted.version_document(vid)
    text, tables = _docx_text(data)
    assert "業務委託契約の一部を変更する覚書" in text
    assert (
        "委託者みどり市（以下「甲」という。）と受託者株式会社みどり情報（以下「乙」という。）は、"
        "令和８年３月２５日付けで締結した住民情報システム運用保守業務委託契約（以下「原契約」という。）の一部を"
        "次のとおり変更する。"
    ) in text
    assert "第１条　原契約の一部を別紙新旧対照表のとおり改める。" in text
    assert "第２条　この覚書は、令和　　年　　月　　日から効力を生ずる。" in text
    assert "第３条　この覚書に定めのない事項については、原契約の定めるところによる。" in text
    assert "この覚書の締結を証するため" in text and "別紙" in text and "新旧対照表" in text
    [table] = tables
    assert [c.text for c in table.rows[0].cells] == ["改正後", "改正前"]
    cells = [[c.text for c in r.cells] for r in table.rows[1:]]
    assert len(cells) == 2  # exactly the reworded clause and the added one
    assert REWORDED_TO in cells[0][0] and cells[1][0].startswith("（生成AIの利用）\n第")
    assert cells[1][1] == "（新設）"
    underlined = [r.text for r in table.rows[1].cells[0].paragraphs[1].runs if r.underline]
    assert underlined == ["かつ安全"]
    assert "contract.amendment_drafted" in await audit_actions()
    versions = await promoted.versions(sc.engagement_id)
    assert [(v["version"], v["kind_label"], v["amends_number"]) for v in versions] == [
        (2, "変更契約書（覚書）", 1), (1, "契約書", None)]  # fmt: skip


async def test_signing_the_amendment_plans_the_checks_of_the_added_clause(world):
    sc = world.sc
    promoted = _service(world.revised)
    now = at_tokyo(TODAY)
    vid = await AmendmentService(promoted).draft(sc.engagement_id, actor=sc.procurement, now=now)

    async def genai_items() -> list:
        return await ChecklistItem.select(ChecklistItem.check.due_on.as_alias("due")).where(
            ChecklistItem.item_id == "CHK-GENAI-USE", ChecklistItem.check.engagement == sc.engagement_id,
            ChecklistItem.check.status == "planned",
        )  # fmt: skip

    assert await genai_items() == []
    await promoted.finalize(vid, actor=sc.procurement, now=now)
    await promoted.sign(vid, signed_on=TODAY, municipality_signatory="市長", contractor_signatory="社長",
                        actor=sc.procurement, now=now)  # fmt: skip
    planned = await genai_items()
    assert planned and all(r["due"] >= TODAY for r in planned)  # the yearly checks from now on ask for it
    assert await Check.exists().where(Check.engagement == sc.engagement_id, Check.plan_key == "at_signing:v2")
    with pytest.raises(ConflictError, match="覚書で変更する事項はありません"):
        await AmendmentService(promoted).draft(sc.engagement_id, actor=sc.procurement, now=now)
    report = await ImpactService(templates_dir=world.revised).report(today=TODAY)
    assert {a.engagement_id for a in report.affected} == {world.cloud}  # the amended contract is up to date


async def test_no_amendment_without_a_signed_contract_or_a_change(world):
    promoted = _service(world.revised)
    with pytest.raises(ConflictError, match="締結済みの契約がない"):
        await AmendmentService(promoted).draft(world.draft, actor=world.sc.procurement)
    with pytest.raises(ConflictError, match="覚書で変更する事項はありません"):
        await AmendmentService(world.sc.contracts).draft(world.sc.engagement_id, actor=world.sc.procurement)


async def test_two_versions_compare_as_exactly_their_changed_clauses(world):
    sc = world.sc
    vid = await AmendmentService(_service(world.revised)).draft(sc.engagement_id, actor=sc.procurement)
    result = await AmendmentService(sc.contracts).compare(sc.engagement_id, vid, sc.version_id)
    assert [(r.clause_id, r.change) for r in result.comparison.rows] == [
        (REWORDED_CLAUSE, "changed"), (NEW_CLAUSE, "added")]  # fmt: skip
    with pytest.raises(ValidationError, match="第2版より前の版"):
        await AmendmentService(sc.contracts).compare(sc.engagement_id, vid, vid)
    with pytest.raises(ValidationError):
        await AmendmentService(sc.contracts).compare(sc.engagement_id, sc.version_id, vid)
    with pytest.raises(NotFoundError):
        await AmendmentService(sc.contracts).compare(world.cloud, vid, sc.version_id)


async def _sign(service: ContractService, sc, vid: int, signed_on) -> None:
    await service.sign(vid, signed_on=signed_on, municipality_signatory="市長", contractor_signatory="社長",
                       actor=sc.procurement, now=at_tokyo(TODAY))  # fmt: skip


async def _finalize_and_sign(service: ContractService, sc, vid: int, signed_on) -> None:
    await service.finalize(vid, actor=sc.procurement, now=at_tokyo(TODAY))
    await _sign(service, sc, vid, signed_on)


async def _status(vid: int) -> str:
    return (await ContractVersion.select(ContractVersion.status).where(ContractVersion.id == vid).first())["status"]


async def test_no_amendment_is_drafted_while_another_version_awaits_signature(world):
    sc = world.sc
    v2 = await sc.contracts.create_draft(sc.engagement_id, actor=sc.procurement, now=at_tokyo(D(2026, 3, 26)))
    await sc.contracts.finalize(v2, actor=sc.procurement)
    with pytest.raises(ConflictError, match="締結待ちの確定済みの版があるため、覚書案は、その締結を記録した後に"):
        await AmendmentService(_service(world.revised)).draft(sc.engagement_id, actor=sc.procurement)
    assert [v["version"] for v in await sc.contracts.versions(sc.engagement_id)] == [2, 1]


async def test_an_amendment_of_a_replaced_version_is_neither_finalized_nor_signed(world):
    """A 覚書案 of 第1版 left over (recorded before the check) while 第3版 was signed: it changes nothing in force."""
    sc = world.sc
    promoted = _service(world.revised)
    memo = await AmendmentService(promoted).draft(sc.engagement_id, actor=sc.procurement)
    v3 = await sc.contracts.create_draft(sc.engagement_id, actor=sc.procurement)
    await _finalize_and_sign(sc.contracts, sc, v3, D(2026, 3, 26))
    await ContractVersion.update({ContractVersion.status: "draft"}).where(ContractVersion.id == memo)
    stale = "この覚書案が変更する第1版より後に、別の版の締結が記録されました。覚書案を作り直してください。"
    with pytest.raises(ConflictError, match=stale):
        await promoted.finalize(memo, actor=sc.procurement)
    await ContractVersion.update({ContractVersion.status: "finalized"}).where(ContractVersion.id == memo)
    with pytest.raises(ConflictError, match=stale):
        await _sign(promoted, sc, memo, D(2026, 3, 27))
    assert await _status(memo) == "finalized"


async def test_no_version_is_signed_on_a_date_before_the_version_in_force(world):
    sc = world.sc
    promoted = _service(world.revised)
    memo = await AmendmentService(promoted).draft(sc.engagement_id, actor=sc.procurement)
    await promoted.finalize(memo, actor=sc.procurement)
    with pytest.raises(ValidationError) as refused:
        await _sign(promoted, sc, memo, D(2026, 3, 20))
    assert refused.value.field_errors == {
        "signed_on": "締結日には、締結済みの第1版の締結日（令和8年3月25日）以後の日付を指定してください。"
    }
    assert await _status(memo) == "finalized"
    await _sign(promoted, sc, memo, D(2026, 5, 1))
    whole = await promoted.create_draft(sc.engagement_id, actor=sc.procurement)
    await promoted.finalize(whole, actor=sc.procurement)
    with pytest.raises(ValidationError) as refused:
        await _sign(promoted, sc, whole, D(2026, 4, 30))
    assert "第2版の締結日（令和8年5月1日）以後" in refused.value.field_errors["signed_on"]
    await _sign(promoted, sc, whole, D(2026, 5, 1))  # the same day is in order
    assert await _status(whole) == "signed"


async def _change_engagement(sc, **changes) -> None:
    data = engagement_data(department_id=sc.department_id, supervisor_id=sc.staff.id, **changes)
    await EngagementService().update(sc.engagement_id, data, actor=sc.procurement, now=at_tokyo(TODAY))


async def test_a_change_of_the_fee_alone_is_a_memorandum_with_the_front_matter_in_its_table(world):
    sc = world.sc
    await _change_engagement(sc, contract_value=38_500_000, tax_amount=3_500_000)
    pending = await AmendmentService(sc.contracts).pending(
        sc.engagement_id, await sc.contracts.preview(sc.engagement_id)
    )
    assert pending.needed and pending.changes.startswith("頭書の変更あり、条項の新設 0件、改正 0件")
    vid = await AmendmentService(sc.contracts).draft(sc.engagement_id, actor=sc.procurement, now=at_tokyo(TODAY))
    text, [table] = _docx_text((await sc.contracts.version_document(vid))[1])
    assert "第１条　原契約の頭書の一部を別紙新旧対照表のとおり改める。" in text
    [row] = table.rows[1:]
    new, old = (cell.text for cell in row.cells)
    assert "４　委託料　金３８，５００，０００円" in new and "４　委託料　別途定める額" in old
    assert "（うち取引に係る消費税及び地方消費税の額　金３，５００，０００円）" in new
    assert "１　委託業務の名称　住民情報システム運用保守業務" in new and "１　委託業務の名称" in old
    result = await AmendmentService(sc.contracts).compare(sc.engagement_id, vid, sc.version_id)
    assert [(r.clause_id, r.change, r.title) for r in result.comparison.rows] == [("FRONT", "changed", "頭書")]


async def test_a_memorandum_of_front_matter_and_clauses_names_both(world):
    sc = world.sc
    await _change_engagement(sc, work_place="みどり市役所本庁舎", contract_value=38_500_000)
    promoted = _service(world.revised)
    vid = await AmendmentService(promoted).draft(sc.engagement_id, actor=sc.procurement, now=at_tokyo(TODAY))
    text, [table] = _docx_text((await promoted.version_document(vid))[1])
    assert "第１条　原契約の頭書及び条項の一部を別紙新旧対照表のとおり改める。" in text
    front = table.rows[1].cells[0].text
    assert "２　履行場所　みどり市役所本庁舎" in front and "４　委託料　金３８，５００，０００円" in front
    assert table.rows[1].cells[1].text.split("\n")[1] == "２　履行場所　仕様書等に定めるとおり"
    assert len(table.rows) == 4  # 頭書, the reworded clause and the added one
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=_app(contract_templates_dir=world.revised)),
                                 base_url="http://testserver") as c:  # fmt: skip
        await login(c, "keiyaku")
        page = await c.get(f"/engagements/{sc.engagement_id}/contract")
        assert "（頭書の変更あり、条項の新設 1件、改正 1件、削除 0件、条番号の変更 0件）" in page.text
        compare = await c.get(f"/engagements/{sc.engagement_id}/contract/versions/{vid}/compare",
                              params={"with": sc.version_id})  # fmt: skip
        assert "頭書の変更あり" in compare.text and '<span class="hint">頭書</span>' in compare.text


async def test_a_second_memorandum_cites_the_contract_as_changed_by_the_first(world):
    sc = world.sc
    promoted = _service(world.revised)
    first = await AmendmentService(promoted).draft(sc.engagement_id, actor=sc.procurement, now=at_tokyo(TODAY))
    await _finalize_and_sign(promoted, sc, first, D(2026, 6, 1))
    await _change_engagement(sc, remote_access=True)  # a clause added for remote access
    second = await AmendmentService(promoted).draft(sc.engagement_id, actor=sc.procurement, now=at_tokyo(TODAY))
    text, _ = _docx_text((await promoted.version_document(second))[1])
    assert (
        "は、令和８年３月２５日付けで締結した住民情報システム運用保守業務委託契約（令和８年６月１日付け覚書により変更された"
        "後のものをいう。以下「原契約」という。）の一部を次のとおり変更する。"
    ) in text


async def test_a_signed_version_without_its_wording_is_never_called_the_same(world):
    sc = world.sc
    await _without_lines(sc.version_id)  # and from a library no longer known: its wording cannot be printed
    await ContractVersion.update({ContractVersion.library_hash: "0" * 64}).where(ContractVersion.id == sc.version_id)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=_app()), base_url="http://testserver") as c:
        await login(c, "keiyaku")
        page = await c.get(f"/engagements/{sc.engagement_id}/contract")
        assert "本文の記録がないため、現在の条項と文言を比べられません" in page.text
        assert "必要ありません" not in page.text and "変更契約書（覚書）案を作成する" in page.text
    vid = await AmendmentService(sc.contracts).draft(sc.engagement_id, actor=sc.procurement, now=at_tokyo(TODAY))
    text, tables = _docx_text((await sc.contracts.version_document(vid))[1])
    assert "一方の版に本文の記録がないため、条項の追加及び削除だけを示している。" in text
    assert "条項の追加及び削除はない。" in text and "変更はない。" not in text and tables == []


# --- pages and API -------------------------------------------------------------------------------------------------


def _app(**changes):
    from governance.app import create_app

    return create_app(dataclasses.replace(get_settings(), **changes))


async def test_library_page_shows_the_candidate_diff_and_affected_contracts(world):
    await make_user("kansa", "auditor")
    app = _app(contract_templates_candidate_dir=world.revised)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        await login(c, "kansa")
        page = await c.get("/contracts/library")
        assert page.status_code == 200
        for text in (f"第{REVISED_VERSION}版", NEW_CLAUSE, "生成AIの利用", "本文", "<strong>2件</strong>",
                     f'href="/engagements/{world.cloud}/contract"', "市民部 市民課", f"第{IN_FORCE}版"):  # fmt: skip
            assert text in page.text, text
        assert "旧システム保守業務" not in page.text and "検討中の業務" not in page.text
        assert "条項ライブラリと改訂の影響" in (await c.get("/engagements")).text


async def test_a_broken_candidate_is_a_list_of_problems_not_a_500(world):
    (world.revised / "clauses" / "zz-bad.yaml").write_text(BROKEN_CLAUSE, encoding="utf-8")
    await make_user("joho", "security_officer")
    app = _app(contract_templates_candidate_dir=world.revised)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        await login(c, "joho")
        page = await c.get("/contracts/library")
        assert page.status_code == 200 and "誤りがあるため、使用できません" in page.text
        assert "要件カタログにない要件ID：NOPE-1" in page.text and "契約への影響は判定していません" in page.text


async def test_department_staff_do_not_read_the_library_page(client):
    await make_user("tantou2", "department_staff")
    await login(client, "tantou2")
    assert (await client.get("/contracts/library")).status_code == 403


async def test_amendment_button_draft_compare_page_and_docx(world):
    sc = world.sc
    eid, v1 = sc.engagement_id, sc.version_id
    base = f"/engagements/{eid}/contract"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=_app(contract_templates_dir=world.revised)),
                                 base_url="http://testserver") as c:  # fmt: skip
        await login(c, "keiyaku")
        page = await c.get(base)
        assert "変更契約書（覚書）案を作成する" in page.text and "新設 1件、改正 1件" in page.text
        r = await post_form(c, f"{base}/amendments")
        assert r.status_code == 303 and r.headers["location"].endswith("notice=amendment_created")
        [v2] = [v["id"] for v in await sc.contracts.versions(eid) if v["version"] == 2]
        page = await c.get(base)
        assert "変更契約書（覚書）（第1版を変更）" in page.text and "第2版として覚書案を作成済みです" in page.text
        # With a signed contract, a new whole draft (which would turn the 覚書案 into 旧版) is a confirmed side action
        assert "契約書案（全文）を新たに作成する" in page.text and "現在の内容で契約書案を作成する" not in page.text
        assert "作成中の契約書案・覚書案は旧版になります" in page.text
        compare = await c.get(f"{base}/versions/{v2}/compare", params={"with": v1})
        assert compare.status_code == 200
        assert "生成AIの利用" in compare.text and "新設" in compare.text
        assert '<u class="changed">かつ安全</u>' in compare.text
        docx = await c.get(f"{base}/versions/{v2}/compare.docx", params={"with": v1})
        assert docx.status_code == 200 and docx.headers["content-type"].startswith("application/vnd.openxmlformats")
        text, [table] = _docx_text(docx.content)
        assert "新旧対照表" in text and "住民情報システム運用保守業務委託契約" in text
        assert [c.text for c in table.rows[0].cells] == ["改正後", "改正前"] and len(table.rows) == 3
        download = await c.get(f"{base}/versions/{v2}/document.docx")
        assert "%E8%A6%9A%E6%9B%B8_" in download.headers["content-disposition"]  # 覚書_…
        # bad input: a clear Japanese 4xx, never a 500
        for params, status, message in (
            ({"with": v2}, 422, "第2版より前の版"), ({}, 422, "比較する以前の版を選んでください"),
            ({"with": "abc"}, 422, "比較する以前の版を選んでください"), ({"with": 999999}, 404, "見つかりません"),
        ):  # fmt: skip
            r = await c.get(f"{base}/versions/{v2}/compare", params=params)
            assert r.status_code == status and message in r.text, (params, r.status_code)
        assert (await c.get(f"/engagements/{world.cloud}/contract/versions/{v2}/compare?with={v1}")).status_code == 404
        assert (await c.get(f"{base}/versions/999999/compare.docx?with={v1}")).status_code == 404


async def test_amendment_over_the_api(world, client):
    from tests.helpers import api_token

    sc = world.sc
    app = _app(contract_templates_dir=world.revised)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        auth = await api_token(c, "keiyaku")
        r = await c.post(f"/api/v1/engagements/{sc.engagement_id}/contract/amendments", headers=auth)
        assert r.status_code == 201, r.text
        body = r.json()
        assert (body["kind"], body["kind_label"]) == ("amendment", "変更契約書（覚書）")
        assert body["amends_version"] == sc.version_id
        assert NEW_CLAUSE in [c["id"] for c in body["clauses"]] and body["library_version"] == REVISED_VERSION
        again = await c.post(f"/api/v1/engagements/{sc.engagement_id}/contract/amendments", headers=auth)
        assert again.status_code == 201  # a new draft supersedes the first one (nothing signed in between)
        none = await c.post(f"/api/v1/engagements/{world.draft}/contract/amendments", headers=auth)
        assert none.status_code == 409 and "締結済みの契約がない" in none.json()["detail"]


# --- CLI: templates impact and templates promote --------------------------------------------------------------------


def _sync(coro_fn):
    import asyncio

    from governance.db import close_connections

    async def main():
        try:
            return await coro_fn()
        finally:
            await close_connections()

    return asyncio.run(main())


def test_cli_impact_prints_the_report_and_exits_2_on_a_broken_candidate(tmp_path):
    from click.testing import CliRunner

    from governance.templates_cli import templates_impact

    async def setup():
        sc = await sign_contract()
        await _contract(sc, "株式会社フォーム", **CLOUD)

    _sync(setup)
    revised = revised_library(tmp_path / "next")
    result = CliRunner().invoke(templates_impact, ["--candidate", str(revised)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert f"改訂案：第{REVISED_VERSION}版" in out and "条項の変更：追加 1、削除 0、変更 1" in out
    assert f"追加　条項 {NEW_CLAUSE} 生成AIの利用" in out and f"変更　条項 {REWORDED_CLAUSE}" in out
    assert "対応が必要な契約：2件" in out
    assert f"旧い文言の条項：{REWORDED_CLAUSE} 個人情報の保護に関する基本的事項" in out
    assert out.count(f"不足する条項：{NEW_CLAUSE} 生成AIの利用") == 2
    assert f"第{IN_FORCE}版：2件（総務部 情報政策課）" in out
    in_force = CliRunner().invoke(templates_impact, [])
    assert in_force.exit_code == 0 and "改訂案：なし" in in_force.output and "対応が必要な契約：0件" in in_force.output
    (revised / "clauses" / "zz-bad.yaml").write_text("id: ANX-BAD\nsection: annex\n", encoding="utf-8")
    broken = CliRunner().invoke(templates_impact, ["--candidate", str(revised)])
    assert broken.exit_code == 2 and "必要な項目がありません" in broken.output
    assert "改訂案に1件の誤りがあります" in broken.output


def test_cli_promote_validates_first_keeps_a_backup_and_swaps_the_library(tmp_path):
    import shutil

    from click.testing import CliRunner

    from governance.audit.tables import AuditEntry
    from governance.contracts.library import load_library
    from governance.templates_cli import templates_promote

    live = tmp_path / "contract_templates"
    shutil.copytree(get_settings().contract_templates_dir, live)
    before = load_library(live)
    revised = revised_library(tmp_path / "next")
    backups = tmp_path / "backups"
    args = ["--path", str(live), "--candidate", str(revised), "--backup-dir", str(backups)]
    bad = revised / "clauses" / "zz-bad.yaml"
    bad.write_text(BROKEN_CLAUSE, encoding="utf-8")
    refused = CliRunner().invoke(templates_promote, args)
    assert refused.exit_code == 2 and "NOPE-1" in refused.output and "施行しませんでした" in refused.output
    assert load_library(live).content_hash == before.content_hash and not backups.exists()
    bad.unlink()
    done = CliRunner().invoke(templates_promote, args)
    assert done.exit_code == 0, done.output
    assert f"条項ライブラリ 第{REVISED_VERSION}版を施行しました" in done.output
    assert load_library(live).content_hash == load_library(revised).content_hash
    [backup] = list(backups.iterdir())
    assert backup.name.startswith(f"contract_templates_{before.version}_")
    assert load_library(backup).content_hash == before.content_hash  # the replaced library, whole
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staged or replaced copy left over
    entry = _sync(lambda: AuditEntry.select().where(AuditEntry.action == "contract_library.promoted").first())
    assert json.loads(entry["after_json"])["version"] == REVISED_VERSION
    assert json.loads(entry["before_json"])["hash"] == before.content_hash
    again = CliRunner().invoke(templates_promote, args)
    assert again.exit_code == 1 and "同じ内容です" in again.output
    (revised / "clauses" / "annex-960-genai.yaml").write_text(
        (revised / "clauses" / "annex-960-genai.yaml").read_text(encoding="utf-8").replace("生成AI", "生成AI等"),
        encoding="utf-8",
    )
    same_version = CliRunner().invoke(templates_promote, args)
    assert same_version.exit_code == 1 and "version を上げてください" in same_version.output


async def test_a_promotion_whose_audit_entry_fails_is_undone(tmp_path, monkeypatch):
    import shutil

    from governance.actor import Actor
    from governance.audit.services import AuditService
    from governance.contracts.library import load_library
    from governance.contracts.promotion import Promotion, prepare, promote

    live = tmp_path / "contract_templates"
    shutil.copytree(get_settings().contract_templates_dir, live)
    before = load_library(live).content_hash
    now = at_tokyo(TODAY)
    promotion = prepare(live, revised_library(tmp_path / "next"), tmp_path / "backups", now=now)

    swap = Promotion.swap

    def swap_then_fail(self):  # the library is swapped, then the transaction fails (as a failed commit would)
        swap(self)
        assert load_library(live).version == REVISED_VERSION
        raise RuntimeError("database unavailable")

    monkeypatch.setattr(Promotion, "swap", swap_then_fail)
    with pytest.raises(RuntimeError, match="database unavailable"):
        await promote(promotion, actor=Actor.system("test"), now=now)
    assert load_library(live).content_hash == before
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert "contract_library.promoted" not in await audit_actions()

    async def fail(*_args, **_kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(AuditService, "record", fail)
    promotion = prepare(live, tmp_path / "next", tmp_path / "backups", now=now)
    with pytest.raises(RuntimeError, match="audit log unavailable"):
        await promote(promotion, actor=Actor.system("test"), now=now)
    assert load_library(live).content_hash == before


def test_the_new_routes_state_who_may_use_them(app):
    """The route × role matrix (test_routes_and_errors, test_department_scope) walks these too; here, their policy."""
    from governance.accounts.roles import OUTSOURCING_READERS, Role
    from governance.web.access import ACCESS_KEY
    from tests.integration.test_routes_and_errors import _routes

    policies = {(path, m): h.opt[ACCESS_KEY] for path, methods, h in _routes(app) for m in methods}
    contract = "/engagements/{engagement_id:int}/contract"
    assert policies[("/contracts/library", "GET")] == {Role.security_officer, Role.procurement, Role.auditor}
    assert policies[(f"{contract}/amendments", "POST")] == {Role.procurement}
    assert policies[(f"/api/v1{contract}/amendments", "POST")] == {Role.procurement}
    for suffix in ("compare", "compare.docx"):
        assert policies[(f"{contract}/versions/{{version_id:int}}/{suffix}", "GET")] == OUTSOURCING_READERS
