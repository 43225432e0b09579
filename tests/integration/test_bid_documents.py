"""Bid documents before a contractor is chosen: pages, downloads, the recorded 調達用一式 and the contract's 対照."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile

import httpx
import pytest
from docx import Document

from governance.accounts.roles import Role
from governance.actor import Actor
from governance.audit.tables import AuditEntry
from governance.contracts.bid_documents import INDEX_NAME
from governance.contracts.bidding import BidService
from governance.contracts.form_documents import forms_for
from governance.contracts.library import load_library
from governance.contracts.tables import BidPackage, ContractVersion
from governance.engagements.services import EngagementService, facts_of_engagement
from governance.engagements.tables import Engagement
from governance.settings import get_settings
from tests.helpers import (
    approve_selection,
    engagement_data,
    login,
    make_contractor,
    make_department,
    make_user,
    post_form,
)
from tests.integration.test_department_scope import _token

CONTRACTOR = "株式会社みどり情報"


async def _engagement(**overrides) -> tuple[int, Actor]:
    """A マイナンバー engagement of 情報政策課 with 再委託 (no selection, no contractor) and a procurement officer."""
    prep = Actor(id=await make_user("keiyaku", Role.procurement), label="契約", roles=frozenset({Role.procurement}))
    eid = await EngagementService().create(engagement_data(department_id=await make_department(), **overrides),
                                           actor=prep)  # fmt: skip
    return eid, prep


def _paragraphs(data: bytes) -> list[str]:
    return [p.text for p in Document(io.BytesIO(data)).paragraphs]


def _cells(data: bytes) -> list[list[str]]:
    return [[c.text for c in row.cells] for t in Document(io.BytesIO(data)).tables for row in t.rows]


async def test_bid_documents_need_no_selection_or_contractor(client):
    eid, _ = await _engagement()
    await login(client, "keiyaku")
    assert f'href="/engagements/{eid}/bid-documents"' in (await client.get(f"/engagements/{eid}")).text
    page = await client.get(f"/engagements/{eid}/bid-documents")
    assert page.status_code == 200
    for text in ("特記事項に入る条項", "再委託の制限", "特定個人情報（マイナンバー）を取り扱う", "再委託の条件",
                 "OUT-SEL-13 番号法に基づく同等の安全管理措置", "様式第２号　情報セキュリティに関する誓約書",
                 "現在の内容で調達用一式を作成する"):  # fmt: skip
        assert text in page.text, text
    annex = await client.get(f"/engagements/{eid}/bid-documents/annex.docx")
    assert annex.status_code == 200 and annex.headers["content-type"].startswith("application/vnd.openxml")
    assert "filename*=UTF-8''" in annex.headers["content-disposition"]
    texts = _paragraphs(annex.content)
    assert texts[0] == "情報セキュリティに関する特記事項"
    assert any("「乙」とあるのは受注者をいう" in t for t in texts)
    assert "（再委託の制限）" in texts and "（特定個人情報を取り扱う事務の再委託）" in texts
    assert [t.split("　")[0] for t in texts if re.match(r"^第[０-９]+　", t)][:3] == ["第１", "第２", "第３"]
    assert CONTRACTOR not in "\n".join(texts) and "{{" not in "\n".join(texts)
    spec = await client.get(f"/engagements/{eid}/bid-documents/specification.docx")
    texts = _paragraphs(spec.content)
    assert texts[0] == "仕様書（情報セキュリティに関する事項）"
    headings = [t for t in texts if re.match(r"^第[０-９]+　", t)]
    assert (
        headings[0] == "第１　適用範囲"
        and "第５　再委託の条件" in headings
        and headings[-1] == "第９　特記事項の遵守"  # no cloud section
    )
    assert any("番号法第１０条第１項" in t for t in texts)
    rows = _cells(spec.content)
    assert rows[0] == ["提出書類", "対応する選定基準", "仕様書の該当箇所"]
    assert any("OUT-SEL-13" in r[1] and r[2].endswith("再委託の条件") for r in rows)
    assert not await BidPackage.exists()  # looking and downloading records nothing


async def test_a_package_is_recorded_with_its_files_hashes_and_audit_entry(client):
    eid, _ = await _engagement()
    await login(client, "keiyaku")
    r = await post_form(client, f"/engagements/{eid}/bid-documents/packages")
    assert r.status_code == 303 and r.headers["location"].endswith("notice=bid_package_created")
    page = await client.get(r.headers["location"])
    assert "調達用一式を作成しました" in page.text and "第1版" in page.text
    [row] = await BidPackage.select()
    library = load_library(get_settings().contract_templates_dir)
    assert (row["number"], row["library_version"], row["library_hash"]) == (1, library.version, library.content_hash)
    engagement = await EngagementService().get(eid)
    assert json.loads(row["facts_json"])["flags"] == sorted(facts_of_engagement(engagement).flags)
    download = await client.get(f"/engagements/{eid}/bid-documents/packages/{row['id']}/document.zip")
    assert download.status_code == 200 and download.headers["content-type"] == "application/zip"
    assert hashlib.sha256(download.content).hexdigest() == row["document_sha256"]
    archive = zipfile.ZipFile(io.BytesIO(download.content))
    names = archive.namelist()
    bid_forms = forms_for(library, facts_of_engagement(engagement), bid=True)
    assert names[:4] == [INDEX_NAME, "01_仕様書（情報セキュリティに関する事項）.docx",
                         "02_情報セキュリティに関する特記事項.docx", "03_選定基準表.docx"]  # fmt: skip
    assert len(names) == 4 + len(bid_forms) and bid_forms
    assert all(name.startswith(f"{n:02d}_様式") for n, name in enumerate(names[4:], start=4))
    assert "04_様式第１号_業務体制届.docx" in names  # named as a check's download names the same 様式
    assert all(info.flag_bits & 0x800 for info in archive.infolist())  # names stored as UTF-8
    contents = json.loads(row["contents_json"])
    assert [c["name"] for c in contents] == names
    for c in contents:
        data = archive.read(c["name"])
        assert c["sha256"] == hashlib.sha256(data).hexdigest() and c["size"] == len(data)
        Document(io.BytesIO(data))  # every file opens as a Word document
    index = _cells(archive.read(INDEX_NAME))
    assert {n for n in names} <= {r[0] for r in index}
    assert any(r[0] == "条項ライブラリ" and library.version in r[1] for r in index)
    assert any(r[0] == "作成日" and r[1].startswith("令和") for r in index)
    annex = json.loads(row["annex_json"])["items"]
    assert annex[0]["number"] == "第１" and {"id", "title", "section", "reasons", "checks", "lines"} <= set(annex[0])
    [entry] = await AuditEntry.select().where(AuditEntry.action == "bid_package.created")
    assert entry["target_id"] == str(row["id"]) and row["document_sha256"] in entry["after_json"]
    await post_form(client, f"/engagements/{eid}/bid-documents/packages")
    assert [p["number"] for p in await BidService.from_settings(get_settings()).packages(eid)] == [2, 1]
    # the database itself keeps one number per engagement (unique index), whatever a later code path does
    duplicate = {k: v for k, v in row.items() if k != "id"}
    with pytest.raises(Exception, match=r"(?i)unique"):
        await BidPackage.insert(BidPackage(**duplicate))


async def test_the_api_creates_lists_and_serves_packages(client):
    eid, _ = await _engagement(title="電子申請サービス利用", confidentiality="2", personal_info=False,
                               specific_personal_info=False, segments=[], work_kinds=["cloud_service"],
                               work_locations=["contractor_cloud"], subcontracting=False, subcontractors="",
                               integrity=1, availability=1)  # fmt: skip
    auth = {"Authorization": f"Bearer {await _token(client, 'keiyaku')}"}
    async with httpx.AsyncClient(transport=client._transport, base_url="http://testserver") as api:
        created = await api.post(f"/api/v1/engagements/{eid}/bid-packages", headers=auth)
        assert created.status_code == 201, created.text
        body = created.json()
        assert body["number"] == 1 and body["engagement_id"] == eid and body["facts"]["work_kinds"] == ["cloud_service"]
        assert body["files"][0]["name"] == INDEX_NAME
        assert "ANX-CLOUD-ISMAP-LIU" in [c["id"] for c in body["clauses"]]
        listed = await api.get(f"/api/v1/engagements/{eid}/bid-packages", headers=auth)
        assert [p["id"] for p in listed.json()] == [body["id"]]
        one = await api.get(f"/api/v1/engagements/{eid}/bid-packages/{body['id']}", headers=auth)
        assert one.json() == body
        zipped = await api.get(f"/api/v1/engagements/{eid}/bid-packages/{body['id']}/document", headers=auth)
        assert hashlib.sha256(zipped.content).hexdigest() == body["document_sha256"]
        spec = zipfile.ZipFile(io.BytesIO(zipped.content)).read("01_仕様書（情報セキュリティに関する事項）.docx")
        rows = _cells(spec)
        assert any("ISMAP-LIU" in r[0] and r[1].startswith("OUT-SEL-10") for r in rows)
        assert not any("プライバシーマーク" in r[0] for r in rows)  # no personal information, no Pマーク
        for bad in (f"/api/v1/engagements/{eid}/bid-packages/999999", f"/api/v1/engagements/{eid + 1}/bid-packages",
                    f"/api/v1/engagements/{eid}/bid-packages/999999/document"):  # fmt: skip
            r = await api.get(bad, headers=auth)
            assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json"), bad
        assert (await api.get(f"/api/v1/engagements/{eid}/bid-packages/0", headers=auth)).status_code == 400


async def test_contradicting_facts_are_refused_with_a_clear_message(client):
    eid, _ = await _engagement()
    # stored before the rule existed: personal information at 機密性1 (the forms refuse it today)
    await Engagement.update({Engagement.confidentiality: "1", Engagement.specific_personal_info: False,
                             Engagement.segments: "[]"}).where(Engagement.id == eid)  # fmt: skip
    await login(client, "keiyaku")
    page = await client.get(f"/engagements/{eid}/bid-documents")
    assert page.status_code == 200 and "委託業務の条件に誤りがあるため" in page.text and "機密性は2以上" in page.text
    r = await post_form(client, f"/engagements/{eid}/bid-documents/packages")
    assert r.status_code == 409 and "委託業務の条件に誤りがあるため" in r.text
    assert (await client.get(f"/engagements/{eid}/bid-documents/annex.docx")).status_code == 409
    assert not await BidPackage.exists()


async def test_the_contract_says_whether_it_holds_the_bid_annex(client):
    eid, prep = await _engagement()
    svc = BidService.from_settings(get_settings())
    bid_annex = _paragraphs(await svc.annex_document(eid))
    await svc.create_package(eid, actor=prep)
    officer = Actor(id=await make_user("ciso", Role.security_officer), label="CISO",
                    roles=frozenset({Role.security_officer}))  # fmt: skip
    await approve_selection(eid, await make_contractor(CONTRACTOR), prep, officer)
    await login(client, "keiyaku")
    page = await client.get(f"/engagements/{eid}/contract")
    assert re.search(r"調達用一式（第1版、令和\d+年\d+月\d+日作成）の特記事項と同じ内容です。", page.text), page.text
    # the draft's annex prints the same articles as the bid's 特記事項, word for word
    await post_form(client, f"/engagements/{eid}/contract/drafts")
    vid = (await ContractVersion.select(ContractVersion.id).first())["id"]
    draft = await client.get(f"/engagements/{eid}/contract/versions/{vid}/document.docx")
    texts = _paragraphs(draft.content)
    contract_annex = texts[texts.index("別記　情報セキュリティに関する特記事項") + 1 :]
    assert contract_annex == bid_annex[bid_annex.index("（基本的事項）") :]
    # the facts change after the bid: remote access is added
    e = await EngagementService().get(eid)
    await EngagementService().update(eid, engagement_data(department_id=e.department_id, remote_access=True),
                                     actor=prep)  # fmt: skip
    page = await client.get(f"/engagements/{eid}/contract")
    assert "の特記事項と内容が異なります" in page.text and "委託業務の条件（リモート接続）が変更されました" in page.text
    assert "特記事項の新旧対照表" in page.text and "新設" in page.text and "（新設）" in page.text


async def test_department_scope_and_roles(client):
    eid, prep = await _engagement()
    package = await BidService.from_settings(get_settings()).create_package(eid, actor=prep)
    other_eid = await EngagementService().create(
        engagement_data(title="別の業務", department_id=await make_department()), actor=prep
    )
    await make_department("SHIMIN", "市民部 市民課")
    await make_user("yoso", Role.department_staff, dept="SHIMIN")
    await make_user("jibun", Role.department_staff)
    await make_user("kansa", Role.auditor, dept="SHIMIN")
    [row] = await BidPackage.select(BidPackage.document)
    base = f"/engagements/{eid}/bid-documents"
    await login(client, "yoso")  # another department: nothing is there
    for url in (base, f"{base}/annex.docx", f"{base}/packages/{package}/document.zip", f"/files/{row['document']}"):
        assert (await client.get(url)).status_code == 404, url
    assert (await post_form(client, f"{base}/packages")).status_code == 403
    token = await _token(client, "yoso")
    async with httpx.AsyncClient(transport=client._transport, base_url="http://testserver") as api:
        for url in (f"/api/v1/engagements/{eid}/bid-packages", f"/api/v1/engagements/{eid}/bid-packages/{package}"):
            assert (await api.get(url, headers={"Authorization": f"Bearer {token}"})).status_code == 404, url
    await login(client, "jibun")  # own department: reads, but only procurement creates packages
    page = await client.get(base)
    assert page.status_code == 200 and "現在の内容で調達用一式を作成する" not in page.text
    assert (await client.get(f"{base}/packages/{package}/document.zip")).status_code == 200
    assert (await post_form(client, f"{base}/packages")).status_code == 403
    # a package is reached only through its own engagement
    assert (
        await client.get(f"/engagements/{other_eid}/bid-documents/packages/{package}/document.zip")
    ).status_code == 404
    await login(client, "kansa")  # auditors read every department and change nothing
    assert (await client.get(base)).status_code == 200
    assert (await post_form(client, f"{base}/packages")).status_code == 403
    assert (await client.get(f"{base}/packages/999999/document.zip")).status_code == 404
    assert (await client.get("/engagements/999999/bid-documents")).status_code == 404
    await make_user("koho", Role.pr_staff)  # a role without the outsourcing pages
    await login(client, "koho")
    assert (await client.get(base)).status_code == 403
