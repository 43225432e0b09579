"""The 速報・確報 and 本人通知 documents of an incident: the facts, the reasons and the deadlines are in the .docx;
the routes follow roles and department scope; the documents open in LibreOffice."""

from __future__ import annotations

import datetime as dt
import io

from docx import Document

from governance.accounts.roles import Role
from governance.actor import Actor
from governance.incidents.rules import assess, facts_of
from governance.incidents.tables import Incident, IncidentStep
from governance.municipality.schemas import MunicipalityUpdate
from governance.municipality.services import MunicipalityService
from tests.helpers import login, make_department, make_user
from tests.integration.test_documents_libreoffice import to_pdf

JST = dt.timezone(dt.timedelta(hours=9))
MUNICIPALITY = {
    "name": "あおば町", "head_title": "あおば町長", "head_name": "青葉 二郎", "address": "あおば県あおば町本町1番地",
    "contact_department": "総務課 情報係", "contact_phone": "0123-45-6789",
    "contact_email": "joho@town.aoba.example.jp", "public_heading": "",
}  # fmt: skip


def text_of(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


async def misdelivery(department_id: int, **facts) -> int:
    """The issue's case: a box of 120 residents' notices went to the wrong address (known 令和8年6月10日 10:00)."""
    values = {
        "kind": "data_breach", "title": "納税通知書の誤配送", "department": department_id,
        "discovered_at": dt.datetime(2026, 6, 10, 10, 0, tzinfo=JST),
        "occurred_at": dt.datetime(2026, 6, 9, 15, 0, tzinfo=JST),
        "summary": "委託先が住民120人分の納税通知書を箱ごと別の住所へ配送しました。",
        "personal_info": True, "people_min": 120, "containment": "配送先から箱を回収しました。", **facts,
    }  # fmt: skip
    row = Incident(**values)
    await row.save()
    saved = await Incident.select().where(Incident.id == row.id).first()
    await Incident.update(
        {Incident.assessment: assess(facts_of(saved)).to_json(), Incident.report_required: True}
    ).where(Incident.id == row.id)
    return row.id


async def test_preliminary_report_holds_the_facts_reasons_and_deadlines(client) -> None:
    await MunicipalityService().save(
        MunicipalityUpdate(**MUNICIPALITY), actor=Actor(id=None, label="t", roles=frozenset({Role.admin}))
    )
    dept = await make_department()
    incident_id = await misdelivery(dept)
    await make_user("anzen", Role.security_officer)
    await login(client, "anzen")
    r = await client.get(f"/incidents/{incident_id}/documents/preliminary.docx")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    assert "attachment" in r.headers["content-disposition"]
    text = text_of(r.content)
    for expected in (
        "漏えい等報告（速報）",
        "納税通知書の誤配送",
        "住民120人分",
        "120人",
        "保有個人情報",
        "令和8年6月10日 10:00",
        "配送先から箱を回収しました。",
        "調査中",  # 原因 is not known yet
        "第43条第4号",
        "100人を超えます",
        "令和8年7月10日",  # 確報: 6/10 + 30 days
        "あおば町",
        "あおば町長 青葉 二郎",
        "0123-45-6789",
    ):
        assert expected in text, expected
    assert "（記入してください）" not in text


async def test_final_report_uses_the_steps_and_60_days_for_unauthorised_purpose(client) -> None:
    dept = await make_department()
    incident_id = await misdelivery(dept, unauthorised_purpose=True, kind="data_breach", title="USBメモリの盗難")
    now = dt.datetime(2026, 6, 20, 9, 0, tzinfo=JST)
    await IncidentStep(incident=incident_id, step="scope", done_at=now, note="車上荒らしによる盗難").save()
    await IncidentStep(incident=incident_id, step="prevention", done_at=now, note="媒体の暗号化を義務付けます").save()
    await make_user("auditor", Role.auditor)
    await login(client, "auditor")
    r = await client.get(f"/incidents/{incident_id}/documents/final.docx")
    assert r.status_code == 200, r.text
    text = text_of(r.content)
    for expected in ("漏えい等報告（確報）", "USBメモリの盗難", "車上荒らしによる盗難", "媒体の暗号化を義務付けます",
                     "第43条第3号", "令和8年8月10日", "60日"):  # fmt: skip
        assert expected in text, expected
    assert "調査中" not in text  # a 確報 never says 調査中: an unknown item asks the officer to fill it in
    assert "未実施" in text  # 本人への対応 and 公表 not recorded yet


async def test_notice_letter_is_signed_by_the_municipality(client) -> None:
    await MunicipalityService().save(
        MunicipalityUpdate(**MUNICIPALITY), actor=Actor(id=None, label="t", roles=frozenset({Role.admin}))
    )
    dept = await make_department()
    incident_id = await misdelivery(dept, sensitive_info=True)
    await make_user("tanto", Role.department_staff)
    await login(client, "tanto")
    r = await client.get(f"/incidents/{incident_id}/documents/notice.docx")
    assert r.status_code == 200, r.text
    text = text_of(r.content)
    for expected in ("個人情報の漏えい等についてのお知らせとおわび", "あおば町長 青葉 二郎", "総務課 情報係",
                     "joho@town.aoba.example.jp", "あおば県あおば町本町1番地", "要配慮個人情報",
                     "住民120人分", "第68条第2項"):  # fmt: skip
        assert expected in text, expected


async def test_other_departments_incident_is_not_found_and_roles_are_checked(client) -> None:
    await make_department()
    other = await make_department("ZEIMU", "財務部 税務課")
    incident_id = await misdelivery(other)
    await make_user("tanto", Role.department_staff)  # of 情報政策課
    await login(client, "tanto")
    for which in ("preliminary", "final", "notice"):
        r = await client.get(f"/incidents/{incident_id}/documents/{which}.docx")
        assert r.status_code == 404 and "見つかりません" in r.text, (which, r.status_code)
    assert (await client.get("/incidents/999999/documents/final.docx")).status_code == 404
    await make_user("keiyaku", Role.procurement)
    await login(client, "keiyaku")
    assert (await client.get(f"/incidents/{incident_id}/documents/final.docx")).status_code == 403


async def test_documents_open_in_libreoffice(tmp_path) -> None:
    from pypdf import PdfReader

    from governance.incidents.documents import render_notice, render_report
    from governance.municipality.profile import Municipality

    row = {
        "id": 1, "kind": "data_breach", "title": "納税通知書の誤配送", "summary": "住民120人分を誤配送しました。",
        "discovered_at": dt.datetime(2026, 6, 10, 10, 0, tzinfo=JST), "personal_info": True, "people_min": 120,
        "department_name": "財務部 税務課",
    }  # fmt: skip
    assessment = assess(facts_of(row))
    town = Municipality("あおば町", "あおば町長 青葉 二郎", contact_department="総務課 情報係")
    documents = {
        "preliminary": render_report("preliminary", row, assessment, town, issued_on=dt.date(2026, 6, 11)),
        "final": render_report("final", row, assessment, town, issued_on=dt.date(2026, 7, 1)),
        "notice": render_notice(row, assessment, town, issued_on=dt.date(2026, 6, 12)),
    }
    expected = {"preliminary": "漏えい等報告（速報）", "final": "漏えい等報告（確報）", "notice": "お知らせとおわび"}
    for name, data in documents.items():
        workdir = tmp_path / name
        workdir.mkdir()
        text = "".join(page.extract_text() for page in PdfReader(to_pdf(data, workdir)).pages)
        flat = text.replace(" ", "").replace("　", "")
        assert expected[name] in flat and "納税通知書の誤配送" in flat and "あおば町" in flat, name
