"""Incidents (issue 15): open → facts cross the threshold → decision recomputed and recorded; steps; closing; scope;
API; export; the 確報 reminder by mail exactly once."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from governance.accounts.roles import Role
from governance.actor import Actor
from governance.db import write_transaction
from governance.errors import ConflictError, PermissionDeniedError, ValidationError
from governance.files.services import FileService
from governance.incidents import rules
from governance.incidents.queries import get_incident
from governance.incidents.schemas import IncidentOpen
from governance.incidents.services import IncidentService
from governance.incidents.tables import Incident, IncidentFactChange, IncidentStep
from governance.reminders.tables import Notification
from governance.settings import get_settings
from tests.helpers import api_token, at_tokyo, audit_actions, login, make_department, make_person, post_form
from tests.integration.test_reminders import Inbox, fx_inbox, reminders  # noqa: F401

DAY = dt.date(2026, 4, 1)
NOW = at_tokyo(DAY, 11)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def people():
    dept = await make_department("JOHO", "JOHO課")
    staff_id = await make_person("tantou", Role.department_staff)
    officer_id = await make_person("kanri", Role.security_officer, dept="SOMU")
    staff = Actor(id=staff_id, label="担当", roles=frozenset({Role.department_staff}), department_id=dept)
    officer = Actor(id=officer_id, label="情報セキュリティ担当", roles=frozenset({Role.security_officer}))
    return dept, staff, officer


def opening(dept: int, people: int | None, **kw) -> IncidentOpen:
    return IncidentOpen(kind="data_breach", title="通知書の誤送付", department_id=dept, discovered_on=DAY,
                        discovered_time="10:00", summary="委託先が通知書を誤った住所に送付した。", personal_info=True,
                        people_min=people, **kw)  # fmt: skip


async def test_a_count_over_the_threshold_makes_the_report_required_and_the_change_is_recorded():
    dept, staff, _ = await people()
    service = IncidentService()
    below = rules.PEOPLE_THRESHOLD
    incident_id = await service.open(opening(dept, below), actor=staff, now=NOW)
    first = await get_incident(incident_id, today=DAY)
    assert first.report_required is False and first.deadlines == []  # exactly at the threshold: not over it
    assert await service.update_facts(incident_id, {"people_min": below + 20}, actor=staff, now=NOW,
                                      note="第二報で人数が判明")  # fmt: skip
    after = await get_incident(incident_id, today=DAY)
    assert after.report_required is True and after.reasons and all(r.citation for r in after.reasons)
    keys = {d.key for d in after.deadlines}
    assert {"preliminary", "final"} <= keys
    [change] = await IncidentFactChange.select()
    assert change["before"] in ({"people_min": below}, f'{{"people_min": {below}}}')
    assert after.history[0].decision_changes[0] == "委員会への報告：不要→必要"
    assert "incident.facts_changed" in await audit_actions()
    # the same facts again change nothing and record nothing
    assert not await service.update_facts(incident_id, {"people_min": below + 20}, actor=staff, now=NOW)
    assert await IncidentFactChange.count() == 1


async def test_facts_that_cannot_be_true_are_refused_in_japanese():
    dept, staff, _ = await people()
    with pytest.raises(ValidationError) as exc:
        await IncidentService().open(opening(dept, 10, people_max=5), actor=staff, now=NOW)
    assert exc.value.field_errors["people_max"] == "人数の上限は下限以上にしてください。"
    with pytest.raises(ValidationError) as exc:
        await IncidentService().open(opening(dept, 10, engagement_id=999), actor=staff, now=NOW)
    assert "委託業務" in exc.value.field_errors["engagement_id"]
    assert await Incident.count() == 0


async def evidence(actor: Actor) -> int:
    async with write_transaction():
        return await FileService(get_settings().data_dir).save(PDF, "報告の控え.pdf", actor=actor, now=NOW)


async def test_closing_needs_every_required_step_done_with_its_evidence():
    dept, staff, officer = await people()
    service = IncidentService()
    incident_id = await service.open(opening(dept, 120), actor=staff, now=NOW)
    with pytest.raises(ConflictError) as exc:
        await service.close(incident_id, actor=officer, now=NOW, note="対応完了")
    assert "「個人情報保護委員会への速報」が未了です" in exc.value.message
    with pytest.raises(PermissionDeniedError):  # the department does not report to the 委員会 itself
        await service.record_step(incident_id, "preliminary", actor=staff, now=NOW, evidence_file_id=None)
    with pytest.raises(PermissionDeniedError):
        await service.close(incident_id, actor=staff, now=NOW, note="x")
    with pytest.raises(ValidationError):  # not applicable needs its reason
        await service.record_step(incident_id, "scope", actor=staff, now=NOW, status="not_applicable")
    incident = await get_incident(incident_id, today=DAY)
    for step in incident.steps:
        if not step.required:
            continue
        actor = officer if step.group == "statutory" else staff
        file_id = await evidence(actor) if step.evidence_required and step.key != "prevention" else None
        await service.record_step(incident_id, step.key, actor=actor, now=NOW, note="実施", evidence_file_id=file_id)
    with pytest.raises(ConflictError) as exc:  # 再発防止策 done without its evidence
        await service.close(incident_id, actor=officer, now=NOW, note="対応完了")
    assert exc.value.message == "完了にできません。「再発防止策の決定」の証跡ファイルがありません。"
    # a later entry supersedes the earlier one (nothing deleted)
    await service.record_step(incident_id, "prevention", actor=staff, now=NOW + dt.timedelta(minutes=1),
                              note="手順を改めた", evidence_file_id=await evidence(staff))  # fmt: skip
    await service.close(incident_id, actor=officer, now=NOW, note="対応完了")
    row = await Incident.select().where(Incident.id == incident_id).first()
    assert row["status"] == "closed" and await IncidentStep.count().where(IncidentStep.step == "prevention") == 2
    with pytest.raises(ConflictError):
        await service.record_step(incident_id, "scope", actor=staff, now=NOW)


async def test_pages_walk_and_department_scope(client):
    dept, staff, _ = await people()
    other = await make_person("yoso", Role.department_staff, dept="ZEIMU")
    incident_id = await IncidentService().open(opening(dept, 120), actor=staff, now=NOW)
    await login(client, "tantou")
    page = await client.get(f"/incidents/{incident_id}")
    assert page.status_code == 200 and "報告が必要です。" in page.text and "個人情報保護委員会への速報" in page.text
    assert "発覚から" in page.text and "令和8年" in page.text
    listing = await client.get("/incidents")
    assert "通知書の誤送付" in listing.text and "事故・インシデント" in listing.text
    bad = await post_form(client, f"/incidents/{incident_id}/facts", {"title": "", "discovered_on": "R8.4.1"})
    assert bad.status_code == 422 and "件名" in bad.text
    ok = await post_form(client, f"/incidents/{incident_id}/facts", {
        "title": "通知書の誤送付", "discovered_on": "R8.4.1", "discovered_time": "10:00", "personal_info": "on",
        "people_min": "30", "note": "確認の結果30人"})  # fmt: skip
    assert ok.status_code == 303
    page = await client.get(f"/incidents/{incident_id}")
    assert "委員会への報告は必要ありません" in page.text and "判定の変更：委員会への報告：必要→不要" in page.text
    step = await post_form(client, f"/incidents/{incident_id}/steps", {"step": "containment", "note": "回収した"})
    assert step.status_code == 303
    refused = await post_form(client, f"/incidents/{incident_id}/close", {"note": "x"})
    assert refused.status_code == 403
    csv = await client.get("/incidents?format=csv")
    assert csv.status_code == 200 and "通知書の誤送付" in csv.text
    client.cookies.clear()
    assert other
    await login(client, "yoso")
    assert (await client.get(f"/incidents/{incident_id}")).status_code == 404
    assert (await post_form(client, f"/incidents/{incident_id}/steps", {"step": "scope"})).status_code == 403
    assert "通知書の誤送付" not in (await client.get("/incidents")).text

    # The security office's refused closing keeps the note typed; the page's forms have distinct field ids.
    client.cookies.clear()
    await login(client, "kanri")
    refused = await post_form(client, f"/incidents/{incident_id}/close", {"note": "再発防止策を確認した。"})
    assert refused.status_code == 409 and "再発防止策を確認した。</textarea>" in refused.text
    ids = re.findall(r'\bid="([^"]+)"', refused.text)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


async def test_api_opens_changes_records_and_refuses_to_close_with_problem_json(client, anon):
    dept, _, _ = await people()
    staff_h = await api_token(client, "tantou")
    new = await anon.post("/api/v1/incidents", headers=staff_h, json={
        "kind": "data_breach", "title": "USBメモリの紛失", "department_id": dept, "discovered_on": "2026-04-01",
        "personal_info": True, "people_min": 50})  # fmt: skip
    assert new.status_code == 201, new.text
    body = new.json()
    assert body["report_required"] is False
    changed = await anon.patch(f"/api/v1/incidents/{body['id']}", headers=staff_h,
                               json={"unauthorised_purpose": True, "note": "盗難の疑い"})  # fmt: skip
    assert changed.status_code == 200 and changed.json()["report_required"] is True
    assert changed.json()["history"][0]["decision_changes"]
    step = await anon.post(f"/api/v1/incidents/{body['id']}/steps", headers=staff_h,
                           json={"step": "containment", "note": "遠隔消去"})  # fmt: skip
    assert step.status_code == 201
    closing = await anon.post(f"/api/v1/incidents/{body['id']}/close", headers=staff_h, json={"note": "x"})
    assert closing.status_code == 403
    officer_h = await api_token(client, "kanri")
    closing = await anon.post(f"/api/v1/incidents/{body['id']}/close", headers=officer_h, json={"note": "x"})
    assert closing.status_code == 409 and closing.headers["content-type"].startswith("application/problem+json")
    assert "未了です" in closing.json()["detail"]
    listed = await anon.get("/api/v1/incidents", headers=officer_h)
    assert listed.json()["items"][0]["next_deadline_label"]
    naive = await anon.patch(f"/api/v1/incidents/{body['id']}", headers=staff_h,
                             json={"discovered_at": "2026-04-01T10:00:00"})  # fmt: skip
    assert naive.status_code == 422 and "problem+json" in naive.headers["content-type"]


async def test_the_final_report_reminder_arrives_once(inbox):
    dept, staff, officer = await people()
    incident_id = await IncidentService().open(opening(dept, 120), actor=staff, now=NOW)
    await IncidentService().record_step(incident_id, "preliminary", actor=officer, now=NOW, note="速報済み",
                                        evidence_file_id=await evidence(officer))  # fmt: skip
    final = next(d for d in (await get_incident(incident_id, today=DAY)).deadlines if d.key == "final")
    today = final.due - dt.timedelta(days=7)
    now = at_tokyo(today, 7)
    first = await reminders(inbox.port).run(today, now=now)
    again = await reminders(inbox.port).run(today, now=now + dt.timedelta(hours=2))
    finals = [r for r in await Notification.select() if r["rule"] == "incident_final"]
    assert len(finals) == 1 and finals[0]["subject_id"] == incident_id
    assert first.sent >= 1 and again.sent == 0
    subjects = [s for _, s in inbox.pairs() if "確報" in s]
    assert len(subjects) == 1 and "通知書の誤送付" in subjects[0]
    assert not [r for r in await Notification.select() if r["rule"] == "incident_preliminary"]  # done already


async def test_demo_data_opens_one_incident_with_a_preliminary_report_due_once():
    from governance.demo import load_demo_data
    from governance.incidents.demo import DEMO_TITLE, load_incident_demo

    assert await load_demo_data()
    [row] = await Incident.select().where(Incident.title == DEMO_TITLE)
    incident = await get_incident(row["id"])
    assert incident.status == "open" and incident.report_required
    assert any(d.key == "preliminary" and not d.done for d in incident.deadlines)
    count = await Incident.count()
    await load_incident_demo({}, {})  # a second run adds nothing
    assert await Incident.count() == count
