"""Nothing typed is lost: the selection and a check's items save in one form, 「すべて適合」, submit saves first and
names what is missing, and an oversized upload comes back as a field error on the same form with the values kept."""

from __future__ import annotations

import html
import re

import httpx

from governance.actor import Actor
from governance.audit.tables import AuditEntry
from governance.engagements.schemas import SelectionCreate
from governance.engagements.services import EngagementService, SelectionService
from governance.engagements.tables import CriterionEvaluation, Selection
from governance.files.services import MAX_FILE_BYTES
from governance.files.tables import StoredFile
from governance.verification.tables import ChecklistItem, Finding
from tests.helpers import (
    PDF_BYTES,
    checklist_of,
    csrf_headers,
    engagement_data,
    login,
    make_contractor,
    make_department,
    make_user,
    multi_item_check,
    sign_contract_now,
)

BIG = 13 * 1024 * 1024  # a 13 MB file: above the 10 MB file limit and the 12 MiB body limit


async def _selection(client: httpx.AsyncClient) -> tuple[int, list[int], list[str], list[int]]:
    """A draft selection with two candidates, signed in as its preparer: (id, candidate ids, criteria, contractors)."""
    uid = await make_user("keiyaku", "procurement")
    await login(client, "keiyaku")
    actor = Actor(id=uid, label="契約", roles=frozenset({"procurement"}))
    eid = await EngagementService().create(engagement_data(department_id=await make_department()), actor=actor)
    sid = await SelectionService().create(eid, SelectionCreate(method="negotiated"), actor=actor)
    contractors = [await make_contractor("株式会社みどり情報"), await make_contractor("あおば電算株式会社")]
    cands = [await SelectionService().add_candidate(sid, c, actor=actor) for c in contractors]
    criteria = [c.id for c in (await SelectionService().get(sid)).criteria]
    return sid, cands, criteria, contractors


async def _answers(sid: int) -> dict[tuple[int, str], tuple[str | None, str]]:
    rows = await CriterionEvaluation.select().where(CriterionEvaluation.candidate.selection == sid)
    return {(r["candidate"], r["criterion_id"]): (r["answer"], r["note"]) for r in rows}


def _cell(page: str, key: str) -> str:
    """The matrix cell holding ``key``'s select (up to the cell's end)."""
    return page[page.index(f'name="{key}"') :].split("</td>")[0]


def _form(cands: list[int], criteria: list[str], answer: str, **extra: str) -> dict[str, str]:
    data = {f"answer-{c}-{k}": answer for c in cands for k in criteria}
    data |= {f"note-{c}-{k}": f"備考{c}-{k}" for c in cands for k in criteria}
    return data | extra


async def test_the_whole_selection_form_saves_at_once(client):
    sid, cands, criteria, contractors = await _selection(client)
    data = _form(cands, criteria, "conforms", contractor_id=str(contractors[1]), rationale="価格と体制の評価が高いため")
    data[f"answer-{cands[0]}-{criteria[0]}"] = "fails"
    r = await client.post(f"/selections/{sid}/save", data=data | {"action": "save"}, headers=csrf_headers(client))
    assert r.status_code == 303 and r.headers["location"] == f"/selections/{sid}?notice=saved"
    saved = await _answers(sid)
    assert saved[(cands[0], criteria[0])] == ("fails", f"備考{cands[0]}-{criteria[0]}")
    assert all(saved[(c, k)][0] for c in cands for k in criteria)
    row = await Selection.select().where(Selection.id == sid).first()
    assert row["selected_contractor"] == contractors[1] and row["rationale"] == "価格と体制の評価が高いため"
    assert row["status"] == "draft"
    # one evaluation entry and one decision entry; saving again unchanged records no second decision
    r = await client.post(f"/selections/{sid}/save", data=data | {"action": "save"}, headers=csrf_headers(client))
    assert r.status_code == 303
    actions = [a["action"] for a in await AuditEntry.select(AuditEntry.action).where(AuditEntry.target_id == str(sid))]
    assert actions.count("selection.decided") == 1 and actions.count("selection.evaluated") == 2
    page = await client.get(f"/selections/{sid}")
    assert f'action="/selections/{sid}/save"' in page.text
    assert "data-warn-unsaved" in page.text and page.text.count(">保存する</button>") == 1


async def test_submit_saves_first_then_names_each_missing_cell_and_keeps_every_value(client):
    sid, cands, criteria, contractors = await _selection(client)
    data = _form(cands, criteria, "conforms", contractor_id=str(contractors[0]), rationale="")
    missing = [(cands[1], criteria[0]), (cands[1], criteria[-1])]
    for c, k in missing:
        data[f"answer-{c}-{k}"] = ""
    data[f"answer-{cands[0]}-{criteria[1]}"] = "not_applicable"
    r = await client.post(f"/selections/{sid}/save", data=data | {"action": "submit"}, headers=csrf_headers(client))
    assert r.status_code == 422
    text = html.unescape(r.text)
    assert "提出できません" in text and "選定理由を入力してください" in text
    for c, k in missing:  # each missing cell is named (contractor and criterion) and marked at its place
        assert f'href="#f-answer-{c}-{k}"' in r.text and f'id="answer-{c}-{k}-error"' in r.text
    assert "あおば電算株式会社の「" in text
    # every value typed is on the page again
    assert '<option value="not_applicable" selected>' in _cell(r.text, f"answer-{cands[0]}-{criteria[1]}")
    assert f"備考{cands[1]}-{criteria[0]}" in _cell(r.text, f"answer-{cands[1]}-{criteria[0]}")
    decision = r.text[r.text.index('id="f-decision"') :].split("</select>")[0]
    assert f'<option value="{contractors[0]}" selected>' in decision
    # ... and saved: submitting saved first, then refused; the status is still draft
    saved = await _answers(sid)
    assert saved[(cands[0], criteria[1])][0] == "not_applicable" and saved[missing[0]][0] is None
    assert (await Selection.select().where(Selection.id == sid).first())["status"] == "draft"
    # completing the form and submitting again goes through in the same one post
    data |= {f"answer-{c}-{k}": "conforms" for c, k in missing} | {"rationale": "総合評価が最も高いため"}
    r = await client.post(f"/selections/{sid}/save", data=data | {"action": "submit"}, headers=csrf_headers(client))
    assert r.status_code == 303 and r.headers["location"] == f"/selections/{sid}?notice=submitted"
    assert (await Selection.select().where(Selection.id == sid).first())["status"] == "submitted"


async def test_bad_values_save_nothing_and_come_back_as_typed(client):
    sid, cands, criteria, contractors = await _selection(client)
    before = await _answers(sid)
    data = _form(cands, criteria, "conforms", contractor_id="999999", rationale="理由")
    r = await client.post(f"/selections/{sid}/save", data=data | {"action": "save"}, headers=csrf_headers(client))
    assert r.status_code == 422 and "選定する事業者は候補者の中から選んでください" in r.text
    assert await _answers(sid) == before  # the answers were not saved without the decision: one transaction
    assert f"備考{cands[0]}-{criteria[0]}" in r.text and "理由</textarea>" in r.text
    data[f"answer-{cands[0]}-{criteria[0]}"] = "maybe"
    data["contractor_id"] = str(contractors[0])
    r = await client.post(f"/selections/{sid}/save", data=data | {"action": "save"}, headers=csrf_headers(client))
    assert r.status_code == 422 and "適合・不適合・該当なしのいずれかを選んでください" in r.text
    assert await _answers(sid) == before


async def test_all_conform_fills_only_the_criteria_left_unanswered(client):
    sid, cands, criteria, _ = await _selection(client)
    data = {f"answer-{c}-{k}": "" for c in cands for k in criteria}
    data[f"answer-{cands[0]}-{criteria[0]}"] = "fails"
    data[f"note-{cands[0]}-{criteria[0]}"] = "ISMSの適用範囲外"
    r = await client.post(f"/selections/{sid}/save", data=data | {"action": "fill"}, headers=csrf_headers(client))
    assert r.status_code == 303 and r.headers["location"] == f"/selections/{sid}?notice=filled"
    saved = await _answers(sid)
    assert saved.pop((cands[0], criteria[0])) == ("fails", "ISMSの適用範囲外")
    assert {a for a, _ in saved.values()} == {"conforms"}
    page = await client.get(r.headers["location"])
    assert "未評価だった基準を「適合」として保存しました" in page.text and ">すべて適合</button>" in page.text


async def test_check_items_save_in_one_form_and_errors_keep_every_item(client):
    sc = await sign_contract_now()
    check = await multi_item_check(sc.engagement_id)
    first, second, third, *_ = await checklist_of(check["id"])
    await login(client, "tantou")
    url = f"/checks/{check['id']}/items"
    page = await client.get(f"/checks/{check['id']}")
    assert f'action="{url}"' in page.text and page.text.count(">記録を保存する</button>") == 1
    # item 1 fine, item 2 不適合 without a note: nothing is saved and both items come back as typed
    data = {f"result_{first['id']}": "conforming", f"note_{first['id']}": "体制届を確認しました。",
            f"result_{second['id']}": "nonconforming", f"note_{second['id']}": " ", f"severity_{second['id']}": "major",
            "action": "save"}  # fmt: skip
    r = await client.post(url, data=data, headers=csrf_headers(client))
    assert r.status_code == 422 and "不適合の場合は、その内容を所見に記入してください。" in r.text
    row1 = r.text[r.text.index(f'id="item-{first["id"]}"') :].split("</tr>")[0]
    row2 = r.text[r.text.index(f'id="item-{second["id"]}"') :].split("</tr>")[0]
    assert '<option value="conforming" selected>' in row1 and "体制届を確認しました。</textarea>" in row1
    assert '<option value="nonconforming" selected>' in row2 and '<option value="major" selected>' in row2
    assert [i["result"] for i in await checklist_of(check["id"])][:2] == [None, None]
    # a note without a result is not dropped silently
    r = await client.post(url, data={f"note_{third['id']}": "未記入", "action": "save"}, headers=csrf_headers(client))
    assert r.status_code == 422 and f"「{third['what']}」の結果を選んでください" in html.unescape(r.text)
    # both at once, with evidence for the second: saved together, a finding opened
    data[f"note_{second['id']}"] = "名簿にない者が従事していました。"
    files = {f"evidence_{first['id']}": ("体制届.pdf", PDF_BYTES, "application/pdf")}
    r = await client.post(url, data=data, files=files, headers=csrf_headers(client))
    assert r.status_code == 303, re.findall(r'field-error">[^<]*', r.text)
    items = await checklist_of(check["id"])
    assert [i["result"] for i in items][:2] == ["conforming", "nonconforming"] and items[0]["evidence"]
    assert await Finding.count().where(Finding.check == check["id"]) == 1
    # saving the page again unchanged records nothing again (the 記録者 stays)
    recorded = [i["recorded_at"] for i in items]
    r = await client.post(url, data=data, headers=csrf_headers(client))
    assert r.status_code == 303 and [i["recorded_at"] for i in await checklist_of(check["id"])] == recorded


async def test_check_items_save_then_submit_in_one_post(client):
    sc = await sign_contract_now()
    check = await multi_item_check(sc.engagement_id)
    items = await checklist_of(check["id"])
    await login(client, "tantou")
    url = f"/checks/{check['id']}/items"
    partial = {f"result_{items[0]['id']}": "conforming", "action": "submit"}
    r = await client.post(url, data=partial, headers=csrf_headers(client))
    assert r.status_code == 409 and "結果が記録されていない項目が" in r.text
    assert '<option value="conforming" selected>' in r.text.split(f'id="item-{items[0]["id"]}"')[1].split("</tr>")[0]
    assert (await checklist_of(check["id"]))[0]["result"] == "conforming"  # saved before the submission was refused
    data = {f"result_{i['id']}": "conforming" for i in items} | {"action": "submit"}
    r = await client.post(url, data=data, headers=csrf_headers(client))
    assert r.status_code == 303
    assert (await ChecklistItem.count().where(ChecklistItem.check == check["id"], ChecklistItem.result.is_null())) == 0


async def test_an_oversized_upload_is_a_field_error_with_the_values_kept(client):
    sid, cands, criteria, contractors = await _selection(client)
    files_before = await StoredFile.count()
    before = await _answers(sid)
    data = _form(cands, criteria, "conforms", contractor_id=str(contractors[0]), rationale="体制が最も充実")
    key = f"evidence-{cands[0]}-{criteria[0]}"
    big = {key: ("体制図.pdf", PDF_BYTES + b"0" * BIG, "application/pdf")}
    r = await client.post(f"/selections/{sid}/save", data=data | {"action": "save"}, files=big,
                          headers=csrf_headers(client))  # fmt: skip
    assert r.status_code == 422, r.status_code
    text = html.unescape(r.text)
    assert "ファイルが大きすぎます（13 MB）" in text and "10 MBまでです" in text
    assert f'id="f-{key}"' in r.text and f'href="#f-{key}"' in r.text
    assert f"備考{cands[1]}-{criteria[-1]}" in r.text and "体制が最も充実</textarea>" in r.text
    assert await _answers(sid) == before and await StoredFile.count() == files_before  # nothing saved
    # the limit is on the field, for the browser's own check too
    page = await client.get(f"/selections/{sid}")
    assert f'data-max-bytes="{MAX_FILE_BYTES}"' in page.text and "10 MB まで" in page.text
    # between the file limit and the body limit: the file service refuses it, the values are kept the same way
    eleven = {key: ("体制図.pdf", PDF_BYTES + b"0" * (11 * 1024 * 1024), "application/pdf")}
    r = await client.post(f"/selections/{sid}/save", data=data | {"action": "save"}, files=eleven,
                          headers=csrf_headers(client))  # fmt: skip
    assert r.status_code == 422 and "ファイルは10MB以下にしてください" in r.text
    assert "体制が最も充実</textarea>" in r.text
    assert await _answers(sid) == before


async def test_an_oversized_evidence_on_a_check_keeps_every_item(client):
    sc = await sign_contract_now()
    check = await multi_item_check(sc.engagement_id)
    first, second, *_ = await checklist_of(check["id"])
    await login(client, "tantou")
    data = {f"result_{first['id']}": "conforming", f"note_{first['id']}": "確認済みです。",
            f"result_{second['id']}": "not_applicable", "action": "save"}  # fmt: skip
    big = {f"evidence_{second['id']}": ("大きい.pdf", PDF_BYTES + b"0" * BIG, "application/pdf")}
    r = await client.post(f"/checks/{check['id']}/items", data=data, files=big, headers=csrf_headers(client))
    assert r.status_code == 422 and "ファイルが大きすぎます" in r.text
    row1 = r.text[r.text.index(f'id="item-{first["id"]}"') :].split("</tr>")[0]
    assert "確認済みです。</textarea>" in row1 and '<option value="conforming" selected>' in row1
    assert [i["result"] for i in await checklist_of(check["id"])][:2] == [None, None]


async def test_an_oversized_post_from_nobody_signed_in_is_still_a_plain_413(anon):
    await anon.get("/login")
    r = await anon.post(
        "/login", data={"username": "x"}, files={"f": ("a.pdf", b"0" * BIG, "application/pdf")},
        headers=csrf_headers(anon),
    )  # fmt: skip
    assert r.status_code == 413 and "送信されたデータが大きすぎます" in r.text
