"""団体の設定: set once by the administrator, audited, used by drafts, forms and public pages; env as initial values."""

from __future__ import annotations

import dataclasses
import io
import json
import re

import pytest
from docx import Document

from governance.accounts.roles import Role
from governance.actor import Actor
from governance.audit.tables import AuditEntry
from governance.contracts.services import ContractService, Municipality
from governance.errors import ConflictError
from governance.municipality.profile import UNSET_MESSAGE, merged
from governance.municipality.schemas import MunicipalityUpdate
from governance.municipality.services import MunicipalityService, current_municipality
from governance.municipality.tables import MunicipalityProfile
from governance.settings import get_settings
from tests.helpers import (
    approve_selection,
    checks_of,
    engagement_data,
    login,
    make_contractor,
    make_department,
    make_user,
    post_form,
    sign_contract_now,
)

SETTINGS = {
    "name": "あおば町", "head_title": "あおば町長", "head_name": "青葉 二郎", "address": "あおば県あおば町本町1番地",
    "contact_department": "総務課 情報係", "contact_phone": "0123-45-6789",
    "contact_email": "joho@town.aoba.example.jp", "public_heading": "あおば町 公式SNSアカウント",
}  # fmt: skip
ADMIN = Actor(id=None, label="テスト", roles=frozenset({Role.admin}))


@pytest.fixture(name="settings")
def fx_settings():
    """The test run's settings without the municipality's initial values (as on a fresh installation)."""
    return dataclasses.replace(get_settings(), municipality_name="", municipality_head="", municipality_address="")


async def _draftable() -> tuple[int, Actor]:
    """An engagement with an approved selection, and its procurement clerk (signed-in name ``keiyaku``)."""
    from governance.engagements.services import EngagementService

    dept = await make_department()
    prep = Actor(id=await make_user("keiyaku", Role.procurement), label="契約", roles=frozenset({Role.procurement}))
    officer = Actor(id=await make_user("ciso", Role.security_officer), label="CISO",
                    roles=frozenset({Role.security_officer}))  # fmt: skip
    eid = await EngagementService().create(engagement_data(department_id=dept), actor=prep)
    cid = await make_contractor("株式会社みどり情報", address="みどり市中央1-1", representative="代表取締役 緑川")
    await approve_selection(eid, cid, prep, officer)
    return eid, prep


def _service() -> ContractService:
    s = get_settings()
    return ContractService(
        templates_dir=s.contract_templates_dir, data_dir=s.data_dir, municipality=Municipality("", "")
    )


def _docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_stored_fields_win_and_empty_ones_fall_back_to_the_environment() -> None:
    env = Municipality("みどり市", "みどり市長 緑川 一郎", "みどり市中央一丁目1番1号")
    assert merged(None, env) == env
    m = merged({"name": "あおば町", "head_title": "", "head_name": "", "address": ""}, env)
    assert (m.name, m.head, m.address) == ("あおば町", "みどり市長 緑川 一郎", "みどり市中央一丁目1番1号")
    m = merged({"head_title": "あおば町長", "head_name": "青葉 二郎"}, env)
    assert m.head == "あおば町長 青葉 二郎" and m.complete
    assert merged(None, Municipality("", "")).display_name == "本市"
    assert not merged(None, Municipality("みどり市", "")).complete
    assert env.form_values()["head_title"] == "みどり市長" and env.form_values()["head_name"] == "緑川 一郎"


async def test_a_draft_is_refused_until_the_municipality_is_set_then_prints_the_stored_names() -> None:
    eid, prep = await _draftable()
    with pytest.raises(ConflictError) as refused:
        await _service().create_draft(eid, actor=prep)
    assert refused.value.message == UNSET_MESSAGE and "/admin/municipality" in UNSET_MESSAGE
    assert await AuditEntry.count().where(AuditEntry.action == "contract.drafted") == 0

    await MunicipalityService().save(MunicipalityUpdate(**SETTINGS), actor=ADMIN)
    svc = _service()
    vid = await svc.create_draft(eid, actor=prep)
    _, data = await svc.version_document(vid, eid)
    text = _docx_text(data)
    assert "委託者あおば町" in text and "あおば町長 青葉 二郎" in text and "（委託者）" not in text


async def test_admin_sets_the_municipality_on_the_page_audited_with_before_and_after(client) -> None:
    await make_user("admin1", Role.admin)
    await login(client, "admin1")
    page = await client.get("/admin/municipality")
    assert page.status_code == 200 and "団体名と代表者（職・氏名）が設定されていません" in page.text
    r = await post_form(client, "/admin/municipality", SETTINGS)
    assert r.status_code == 303, r.text
    page = await client.get(r.headers["location"])
    assert "保存しました" in page.text and 'value="あおば町長"' in page.text and "設定されていません" not in page.text
    entry = await AuditEntry.select().where(AuditEntry.action == "municipality.updated").first()
    assert json.loads(entry["before_json"])["name"] == "" and json.loads(entry["after_json"])["name"] == "あおば町"
    r = await post_form(client, "/admin/municipality", {**SETTINGS, "name": "あおば市"})
    entries = await AuditEntry.select().where(AuditEntry.action == "municipality.updated").order_by(AuditEntry.id)
    assert json.loads(entries[-1]["before_json"])["name"] == "あおば町"
    assert json.loads(entries[-1]["after_json"])["name"] == "あおば市"
    assert await MunicipalityProfile.count() == 1
    audit = await client.get("/audit")
    assert "団体の設定の変更" in audit.text and "団体の設定" in audit.text


async def test_bad_input_is_a_japanese_422_that_keeps_every_value(client) -> None:
    await make_user("admin1", Role.admin)
    await login(client, "admin1")
    r = await post_form(client, "/admin/municipality", {**SETTINGS, "contact_email": "not a mail", "name": "x" * 101})
    assert r.status_code == 422
    assert (
        "団体名は100文字以内で入力してください" in r.text
        and "問い合わせ先（メールアドレス）の形式が正しくありません" in r.text
    )
    assert 'value="あおば町長"' in r.text and 'value="not a mail"' in r.text
    assert await MunicipalityProfile.count() == 0


async def test_api_reads_for_everyone_and_writes_for_administrators(client, anon) -> None:
    from tests.helpers import api_token

    await make_user("admin1", Role.admin)
    await make_user("tantou", Role.department_staff)
    admin = await api_token(client, "admin1")
    staff = await api_token(anon, "tantou")
    assert (await anon.get("/api/v1/municipality", headers=staff)).json()["complete"] is False
    assert (await anon.put("/api/v1/municipality", headers=staff, json=SETTINGS)).status_code == 403
    r = await anon.put("/api/v1/municipality", headers=admin, json={**SETTINGS, "contact_email": "x"})
    assert r.status_code in (400, 422) and await MunicipalityProfile.count() == 0
    r = await anon.put("/api/v1/municipality", headers=admin, json=SETTINGS)
    assert r.status_code == 200 and r.json()["head"] == "あおば町長 青葉 二郎" and r.json()["complete"] is True


async def test_the_contract_page_warns_and_the_refusal_names_the_settings_page(client) -> None:
    eid, _ = await _draftable()
    await login(client, "keiyaku")
    page = await client.get(f"/engagements/{eid}/contract")
    assert "団体名と代表者（職・氏名）が設定されていません" in page.text
    r = await post_form(client, f"/engagements/{eid}/contract/drafts", {})
    assert r.status_code == 409 and "/admin/municipality" in r.text and "契約書案を作成できません" in r.text


async def test_the_api_refuses_a_draft_with_a_problem_naming_the_settings_page(client, anon) -> None:
    from tests.helpers import api_token

    eid, _ = await _draftable()
    keiyaku = await api_token(client, "keiyaku")
    r = await anon.post(f"/api/v1/engagements/{eid}/contract/drafts", headers=keiyaku)
    assert r.status_code == 409 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["detail"] == UNSET_MESSAGE
    await MunicipalityService().save(MunicipalityUpdate(**SETTINGS), actor=ADMIN)
    assert (await anon.post(f"/api/v1/engagements/{eid}/contract/drafts", headers=keiyaku)).status_code == 201


async def test_public_pages_and_the_report_page_show_the_municipality_and_its_contact(client, anon) -> None:
    public = await anon.get("/official-accounts")
    assert "本市 公式ソーシャルメディアアカウント" in public.text and "お問い合わせ" not in public.text
    await MunicipalityService().save(MunicipalityUpdate(**SETTINGS), actor=ADMIN)
    public = await anon.get("/official-accounts")
    assert "あおば町 公式SNSアカウント" in public.text
    assert (
        "総務課 情報係" in public.text and "0123-45-6789" in public.text and "joho@town.aoba.example.jp" in public.text
    )

    from tests.integration.test_verification_links import issue_link

    sc = await sign_contract_now()
    check = (await checks_of(sc.engagement_id))[-1]
    await login(client, "tantou")
    token = await issue_link(client, check["id"])
    report = await anon.get(f"/report/{token}")
    assert report.status_code == 200
    assert "あおば町" in report.text and "総務部 情報政策課" in report.text and "0123-45-6789" in report.text
    assert re.search(r"令和\d+年\d+月\d+日 \d\d:\d\dまで", report.text)


async def test_the_stored_settings_reach_the_selection_record_and_forms() -> None:
    await MunicipalityService().save(MunicipalityUpdate(**SETTINGS), actor=ADMIN)
    m = await current_municipality(Municipality("みどり市", "みどり市長 緑川 一郎"))
    assert m.name == "あおば町" and m.contact_phone == "0123-45-6789"


async def test_a_public_404_names_the_municipality_and_its_contact(anon) -> None:
    await MunicipalityService().save(MunicipalityUpdate(**SETTINGS), actor=ADMIN)
    assert (await anon.get("/official-accounts")).status_code == 200  # a public page reads the settings
    missing = await anon.get("/official-accounts/999999")
    assert missing.status_code == 404
    assert "あおば町 公式SNSアカウント" in missing.text and "0123-45-6789" in missing.text


async def test_demo_data_stores_the_demo_city_in_the_settings() -> None:
    from governance.demo import load_demo_data

    await load_demo_data()
    m = await current_municipality(Municipality("", ""))
    assert (m.name, m.head, m.contact_department) == ("みどり市", "みどり市長 緑川 一郎", "総務部 情報政策課")
    assert await AuditEntry.count().where(AuditEntry.action == "municipality.updated") == 1
