"""Contractors, engagements and selection through the pages, as procurement staff and security officers use them."""

from __future__ import annotations

import datetime as dt
import io
import re

from docx import Document

from governance.audit.tables import AuditEntry
from governance.contractors.tables import Certification
from tests.helpers import csrf_headers, login, make_contractor, make_department, make_user, post_form

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def _signed_in(client, username="keiyaku", role="procurement"):
    await make_user(username, role)
    await login(client, username)


async def test_register_contractor_with_isms_certificate_and_evidence(client):
    await _signed_in(client)
    r = await post_form(
        client,
        "/contractors",
        {
            "name": "株式会社みどり情報システム",
            "name_kana": "ミドリジョウホウシステム",
            "corporate_number": "7000012050002",
            "status": "candidate",
            "notes": "1行目\n2行目",
        },
    )
    assert r.status_code == 303, r.text
    cid = int(r.headers["location"].split("/")[2].split("?")[0])
    until = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    r = await client.post(
        f"/contractors/{cid}/certifications",
        data={"kind": "isms", "number": "IS 123456", "valid_until": until},
        files={"evidence": ("登録証.pdf", PDF, "application/pdf")},
        headers=csrf_headers(client),
    )
    assert r.status_code == 303, r.text
    page = await client.get(f"/contractors/{cid}")
    assert "ISMS（ISO/IEC 27001）" in page.text and "IS 123456" in page.text and "有効" in page.text
    evidence = (await Certification.select(Certification.evidence).first())["evidence"]
    download = await client.get(f"/files/{evidence}")
    assert download.content == PDF and download.headers["content-type"] == "application/pdf"
    assert "attachment" in download.headers["content-disposition"]


async def test_evidence_of_a_disallowed_type_is_refused_and_nothing_is_saved(client):
    await _signed_in(client)
    cid = await make_contractor()
    r = await client.post(
        f"/contractors/{cid}/certifications",
        data={"kind": "isms", "number": "X"},
        files={"evidence": ("virus.exe", b"MZ\x90\x00\x03\x00\x00\x00", "application/pdf")},
        headers=csrf_headers(client),
    )
    assert r.status_code == 422 and "このファイルの形式は登録できません" in r.text
    assert await Certification.count() == 0


async def test_contractor_form_errors(client):
    await _signed_in(client)
    await make_contractor("既存株式会社", number="7000012050002")
    r = await post_form(
        client, "/contractors", {"name": "", "corporate_number": "７０００-０１２０-５０００２", "status": "candidate"}
    )
    assert r.status_code == 422 and "名称を入力してください" in r.text
    r = await post_form(
        client,
        "/contractors",
        {"name": "別会社", "corporate_number": "７０００-０１２０-５０００２", "status": "candidate"},
    )
    assert r.status_code == 422 and "既に登録されています（既存株式会社" in r.text


async def test_contractor_list_filters_sorts_and_pages(client):
    await _signed_in(client)
    for i in range(23):
        await make_contractor(f"会社{i:02d}", name_kana=f"カイシャ{i:02d}")
    page1 = await client.get("/contractors")
    assert (
        "23件" in page1.text and "1 / 2ページ" in page1.text and "会社00" in page1.text and "会社22" not in page1.text
    )
    page2 = await client.get("/contractors", params={"page": 2})
    assert "会社22" in page2.text
    found = await client.get("/contractors", params={"q": "会社07"})
    assert "1件" in found.text


async def test_auditor_reads_but_cannot_edit(client):
    cid = await make_contractor()
    await _signed_in(client, "kansa", "auditor")
    assert (await client.get(f"/contractors/{cid}")).status_code == 200
    assert "登録内容を編集する" not in (await client.get(f"/contractors/{cid}")).text
    assert (await client.get("/contractors/new")).status_code == 403
    assert (await post_form(client, "/contractors", {"name": "x", "status": "candidate"})).status_code == 403


async def test_engagement_form_selection_and_record_through_pages(client, anon):
    dept = await make_department()
    await _signed_in(client)
    cid1 = await make_contractor(
        "株式会社みどり情報", certs=(("isms", "IS 1", None, dt.date.today() + dt.timedelta(days=99)),)
    )
    cid2 = await make_contractor("あおば電算株式会社")
    r = await post_form(
        client,
        "/engagements",
        [
            ("title", "住民税システム運用業務"),
            ("department_id", str(dept)),
            ("status", "planning"),
            ("start_date", "2026-04-01"),
            ("end_date", "2027-03-31"),
            ("renewal", "none"),
            ("renewal_months", "12"),
            ("notice_days", "0"),
            ("confidentiality", "3B"),
            ("integrity", "2"),
            ("availability", "2"),
            ("personal_info", "on"),
            ("specific_personal_info", "on"),
            ("segments", "mynumber"),
            ("work_kinds", "system_operation"),
            ("work_locations", "contractor_site"),
            ("subcontracting", "on"),
            ("subcontractors", "株式会社下請\n株式会社孫請"),
        ],
    )
    assert r.status_code == 303, r.text
    eid = int(r.headers["location"].split("/")[2].split("?")[0])
    page = await client.get(f"/engagements/{eid}")
    assert "重要度：" in page.text and "高" in page.text and "特定個人情報（マイナンバー）に関わる業務" in page.text
    r = await post_form(client, f"/engagements/{eid}/selections", {"method": "open_proposal"})
    assert r.status_code == 303
    sid = int(r.headers["location"].split("/")[2].split("?")[0])
    for cid in (cid1, cid2):
        assert (
            await post_form(client, f"/selections/{sid}/candidates", {"contractor_id": str(cid)})
        ).status_code == 303
    page = await client.get(f"/selections/{sid}")
    assert "OUT-SEL-13" in page.text and "番号法" in page.text
    answers = [(m, "conforms") for m in sorted(set(re.findall(r'name="(answer-\d+-OUT-SEL-\d+)"', page.text)))]
    r = await post_form(client, f"/selections/{sid}/evaluations", answers)
    assert r.status_code == 303
    r = await post_form(
        client, f"/selections/{sid}/decision", {"contractor_id": str(cid1), "rationale": "総合評価が最も高いため"}
    )
    assert r.status_code == 303
    assert (await post_form(client, f"/selections/{sid}/submit")).status_code == 303
    # procurement cannot approve; a security officer can
    assert (await post_form(client, f"/selections/{sid}/approve")).status_code == 403
    await make_user("ciso", "security_officer")
    await login(anon, "ciso")
    home = await anon.get("/")
    assert "選定の承認：住民税システム運用業務" in home.text
    r = await post_form(anon, f"/selections/{sid}/approve", {"comment": "適正"})
    assert r.status_code == 303
    page = await anon.get(f"/selections/{sid}")
    assert "承認済み" in page.text and "評価を保存する" not in page.text
    docx = await anon.get(f"/selections/{sid}/record.docx")
    assert docx.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    cells = "\n".join(c.text for t in Document(io.BytesIO(docx.content)).tables for row in t.rows for c in row.cells)
    assert "委託事業者選定記録" in text and "令和" in cells and "OUT-SEL-13" in cells and "株式会社みどり情報" in cells
    actions = {row["action"] for row in await AuditEntry.select(AuditEntry.action)}
    assert {"engagement.created", "selection.created", "selection.submitted", "selection.approved"} <= actions


async def test_raising_tier_on_the_edit_page_asks_for_a_reason(client):
    dept = await make_department()
    await _signed_in(client)
    base = [
        ("title", "窓口案内業務"),
        ("department_id", str(dept)),
        ("status", "planning"),
        ("start_date", "2026-04-01"),
        ("end_date", "2027-03-31"),
        ("renewal", "none"),
        ("renewal_months", "12"),
        ("notice_days", "0"),
        ("confidentiality", "1"),
        ("integrity", "1"),
        ("availability", "1"),
        ("work_kinds", "clerical"),
        ("work_locations", "onsite"),
    ]
    r = await post_form(client, "/engagements", base)
    eid = int(r.headers["location"].split("/")[2].split("?")[0])
    raised = [(k, "2" if k == "confidentiality" else v) for k, v in base] + [
        ("personal_info", "on"),
        ("remote_access", "on"),
    ]
    r = await post_form(client, f"/engagements/{eid}", raised)
    assert r.status_code == 422 and "重要度が「低」から「高」に上がります" in r.text
    r = await post_form(
        client, f"/engagements/{eid}", [*raised, ("tier_change_reason", "予約受付に個人情報を扱うため")]
    )
    assert r.status_code == 303
    page = await client.get(f"/engagements/{eid}")
    assert "予約受付に個人情報を扱うため" in page.text


async def test_evaluation_evidence_is_uploaded_with_the_table(client):
    from governance.actor import Actor
    from governance.engagements.schemas import SelectionCreate
    from governance.engagements.services import EngagementService, SelectionService
    from tests.helpers import engagement_data

    uid = await make_user("keiyaku", "procurement")
    await login(client, "keiyaku")
    actor = Actor(id=uid, label="契約", roles=frozenset({"procurement"}))
    eid = await EngagementService().create(engagement_data(department_id=await make_department()), actor=actor)
    sid = await SelectionService().create(eid, SelectionCreate(method="negotiated"), actor=actor)
    cand = await SelectionService().add_candidate(sid, await make_contractor(), actor=actor)
    r = await client.post(
        f"/selections/{sid}/evaluations",
        data={f"answer-{cand}-OUT-SEL-12": "conforms", f"note-{cand}-OUT-SEL-12": "体制図を確認"},
        files={f"evidence-{cand}-OUT-SEL-12": ("体制図.pdf", PDF, "application/pdf")},
        headers=csrf_headers(client),
    )
    assert r.status_code == 303, r.text
    sel = await SelectionService().get(sid)
    e = next(e for e in sel.candidates[0].evaluations if e.criterion_id == "OUT-SEL-12")
    assert e.answer == "conforms" and e.note == "体制図を確認" and e.evidence_id
    assert (await client.get(f"/files/{e.evidence_id}")).content == PDF
    bad = await client.post(
        f"/selections/{sid}/evaluations",
        data={f"answer-{cand}-OUT-SEL-12": "conforms"},
        files={f"evidence-{cand}-OUT-SEL-12": ("x.bin", b"\x00\x01\x02", "application/pdf")},
        headers=csrf_headers(client),
    )
    assert bad.status_code == 422 and "このファイルの形式は登録できません" in bad.text


async def test_engagement_list_sorts(client):
    from governance.actor import Actor
    from governance.engagements.services import EngagementService
    from tests.helpers import engagement_data

    await _signed_in(client)
    dept = await make_department()
    actor = Actor.system("test")
    for title, start in (("B業務", dt.date(2026, 6, 1)), ("A業務", dt.date(2026, 4, 1))):
        await EngagementService().create(
            engagement_data(department_id=dept, title=title, start_date=start, end_date=dt.date(2027, 3, 31)),
            actor=actor,
        )
    by_title = (await client.get("/engagements", params={"sort": "title"})).text
    assert by_title.index("A業務") < by_title.index("B業務")
    newest = (await client.get("/engagements")).text
    assert newest.index("A業務") < newest.index("B業務")  # registered last, listed first
