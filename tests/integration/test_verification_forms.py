"""様式 on check pages and through the contractor's report link: every form of the library is offered by the check
that asks for it, pre-filled from a signed contract (engagement, contractor, period, items), and refused with a
Japanese 404 / 409 / 410 where it does not apply."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import shutil
from urllib.parse import quote

import httpx
import pytest
from docx import Document

from governance.contracts.documents import numerals
from governance.contracts.library import load_library
from governance.settings import get_settings
from governance.verification.services import CheckService
from governance.verification.tables import ReportLink
from tests.helpers import (
    checks_of,
    csrf_headers,
    login,
    make_person,
    post_form,
    sign_contract,
)
from tests.integration.test_verification_links import issue_link

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TITLE = "住民情報システム運用保守業務"
CONTRACTOR = "株式会社みどり情報"
PERIOD = re.compile(r"令和[０-９]+年[０-９]+月[０-９]+日から[^\n]*まで")
EVENTS = ("CHK-INCIDENT-RESPONSE", "CHK-SUBCONTRACT-APPROVAL", "CHK-MN-SUBCONTRACT-PERMISSION", "CHK-STRUCTURE-CHANGE")


@pytest.fixture(name="settings")
def fx_settings():
    """The test run's settings with the municipality's names, which the forms print."""
    return dataclasses.replace(get_settings(), municipality_name="みどり市", municipality_head="みどり市長 緑川 一郎")


def text_of(r: httpx.Response) -> str:
    """A downloaded Word document's text, paragraphs and table cells, after checking it is one."""
    assert r.status_code == 200, r.text[:1000]
    assert r.headers["content-type"] == DOCX and r.headers["content-disposition"].startswith("attachment;")
    assert r.headers["cache-control"] == "private, no-store"
    doc = Document(io.BytesIO(r.content))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def named(r: httpx.Response, name: str) -> bool:
    """Whether a download carries this file name (UTF-8, as the 調達用一式 names the same 様式)."""
    return f"filename*=UTF-8''{quote(name, safe='')}" in r.headers["content-disposition"]


def offered(page: httpx.Response, check_id: int) -> list[str]:
    """The form ids a check page links to."""
    assert page.status_code == 200, page.text[:1000]
    return re.findall(rf'href="/checks/{check_id}/forms/([A-Z0-9-]+)"', page.text)


async def signed_with_events():
    """A signed マイナンバー contract with 再委託 and 庁外への持ち出し, and the event checks of its forms opened."""
    sc = await sign_contract(off_premises=True)
    for template in EVENTS:
        await CheckService().open_event_check(sc.engagement_id, template, note="発生した事象", actor=sc.staff)
    return sc


async def test_every_form_is_offered_by_its_check_and_prefilled_from_the_contract(client):
    sc = await signed_with_events()
    await login(client, "tantou")
    library = load_library(get_settings().contract_templates_dir)
    downloaded: dict[str, str] = {}
    periods: dict[str, set[str]] = {}
    for check in await checks_of(sc.engagement_id):
        page = await client.get(f"/checks/{check['id']}")
        for form_id in offered(page, check["id"]):
            form = library.form(form_id)
            assert f"<td>{form.number}</td><td>{form.title}</td>" in page.text
            r = await client.get(f"/checks/{check['id']}/forms/{form_id}")
            text = text_of(r)
            assert form.title in text and TITLE in text and CONTRACTOR in text, form_id
            assert named(r, f"{numerals(form.number)}_{form.title}.docx"), r.headers["content-disposition"]
            downloaded[form_id] = text
            periods.setdefault(form_id, set()).update(PERIOD.findall(text))
    # every form a check asks for is offered somewhere; the 誓約書 of the company goes with the bid only
    assert set(downloaded) == {f.id for f in library.forms if f.checks}
    assert "（宛先）みどり市長 緑川 一郎" in downloaded["FORM-STRUCTURE-NOTICE"]
    assert "住所　みどり市中央１-１" in downloaded["FORM-STRUCTURE-NOTICE"]
    assert "代表者　代表取締役 緑川" in downloaded["FORM-STRUCTURE-NOTICE"]
    assert "特定個人情報を取り扱う従事者及び取扱区域" in downloaded["FORM-STRUCTURE-NOTICE"]  # an MN contract
    assert "株式会社下請システム" in downloaded["FORM-SUBCONTRACT-APPLICATION"]
    # the period each periodic check covers: April for 令和8年4月分, the first quarter, the fiscal year to its due date
    assert "令和８年４月１日から令和８年４月３０日まで" in periods["FORM-PERIODIC-REPORT"]
    assert "令和９年３月１日から令和９年３月３１日まで" in periods["FORM-PERIODIC-REPORT"]
    assert "令和８年４月１日から令和８年６月３０日まで" in periods["FORM-CARRY-OUT-LEDGER"]
    assert "令和８年４月１日から令和９年１月２９日まで" in periods["FORM-ONSITE-INSPECTION"]
    assert "令和８年４月１日から令和９年３月３１日まで" in periods["FORM-RETURN-DISPOSAL"]  # the term


async def test_the_checklist_of_a_form_is_the_checks_items(client):
    sc = await sign_contract()
    await login(client, "tantou")
    yearly = next(c for c in await checks_of(sc.engagement_id) if c["kind"] == "yearly")
    r = await client.get(f"/checks/{yearly['id']}/forms/FORM-ONSITE-INSPECTION")
    doc = Document(io.BytesIO(r.content))
    checklist = next(t for t in doc.tables if t.rows[0].cells[1].text == "確認事項")
    page = await client.get(f"/checks/{yearly['id']}")
    items = re.findall(r'<tr id="item-\d+">\s*<td>([^<]+)<br>', page.text)
    assert len(items) > 3
    assert [row.cells[1].text for row in checklist.rows[1:]] == [
        i.translate(str.maketrans("0123456789", "０１２３４５６７８９")) for i in items
    ]
    assert all(row.cells[3].text == "適・否・該当なし" for row in checklist.rows[1:])


async def test_a_form_not_tied_to_the_check_or_unknown_is_a_japanese_404(client):
    sc = await sign_contract()
    await login(client, "tantou")
    monthly = next(c for c in await checks_of(sc.engagement_id) if c["kind"] == "monthly")
    for form_id, shown in (
        ("FORM-RETURN-DISPOSAL", "FORM-RETURN-DISPOSAL"),  # a real form, asked for by another check
        ("FORM-NOPE", "FORM-NOPE"),
        ("<img src=x onerror=alert(1)>", "指定の様式"),
        ("x" * 500, "指定の様式"),
    ):
        r = await client.get(f"/checks/{monthly['id']}/forms/{form_id}")
        assert r.status_code == 404 and f"この確認で使う様式（{shown}）は見つかりません。" in r.text, form_id
        assert "<img src=x" not in r.text
    for url in (f"/checks/{monthly['id']}/forms/a/b", "/checks/999999/forms/FORM-PERIODIC-REPORT"):
        r = await client.get(url)
        assert r.status_code == 404 and "見つかりません" in r.text, url


async def test_forms_follow_the_check_pages_department_scope(client, anon):
    sc = await sign_contract()
    monthly = next(c for c in await checks_of(sc.engagement_id) if c["kind"] == "monthly")
    url = f"/checks/{monthly['id']}/forms/FORM-PERIODIC-REPORT"
    await make_person("yoso", "department_staff", dept="KIKAKU")
    await make_person("kansa", "auditor", dept="KIKAKU")
    await login(client, "yoso")
    assert (await client.get(url)).status_code == 404  # another department's check: as if it were not there
    await login(anon, "kansa")
    assert TITLE in text_of(await anon.get(url))  # auditors read every department


async def test_the_contractor_downloads_its_forms_through_the_report_link_while_it_is_valid(client, anon):
    sc = await sign_contract()
    await login(client, "tantou")
    checks = await checks_of(sc.engagement_id)
    monthly = next(c for c in checks if c["kind"] == "monthly")
    token = await issue_link(client, monthly["id"])
    page = await anon.get(f"/report/{token}")
    assert page.status_code == 200 and "所定の様式をダウンロードし、記入の上" in page.text
    assert f'href="/report/{token}/forms/FORM-PERIODIC-REPORT"' in page.text
    r = await anon.get(f"/report/{token}/forms/FORM-PERIODIC-REPORT")
    text = text_of(r)
    assert named(r, "様式第６号_定期報告書.docx")
    assert "定期報告書" in text and CONTRACTOR in text and "令和８年４月１日から令和８年４月３０日まで" in text
    r = await anon.get(f"/report/{token}/forms/FORM-RETURN-DISPOSAL")  # not this check's form
    assert r.status_code == 404 and "この確認で使う様式（FORM-RETURN-DISPOSAL）は見つかりません。" in r.text

    # the municipality's own checklist is not handed to the contractor
    yearly = next(c for c in checks if c["kind"] == "yearly")
    yearly_token = await issue_link(client, yearly["id"])
    page = await anon.get(f"/report/{yearly_token}")
    assert page.status_code == 200 and "FORM-ONSITE-INSPECTION" not in page.text
    assert (await anon.get(f"/report/{yearly_token}/forms/FORM-ONSITE-INSPECTION")).status_code == 404

    # used, revoked, expired or unknown: the same answers as the report form itself
    r = await anon.post(f"/report/{token}", data={"reporter_name": "みどり 太郎", "body": "4月分の報告です。"},
                        headers=csrf_headers(anon), files={"files": ("", b"", "application/octet-stream")})  # fmt: skip
    assert r.status_code == 200
    r = await anon.get(f"/report/{token}/forms/FORM-PERIODIC-REPORT")
    assert r.status_code == 410 and "すでに報告が提出されています" in r.text
    [link] = await ReportLink.select(ReportLink.id).where(ReportLink.token_prefix == yearly_token[:8])
    await post_form(client, f"/checks/{yearly['id']}/links/{link['id']}/revoke")
    r = await anon.get(f"/report/{yearly_token}/forms/FORM-ONSITE-INSPECTION")
    assert r.status_code == 410 and "取り消されています" in r.text
    fresh = await issue_link(client, monthly["id"])
    await ReportLink.update({ReportLink.expires_at: dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)}).where(
        ReportLink.token_prefix == fresh[:8]
    )
    r = await anon.get(f"/report/{fresh}/forms/FORM-PERIODIC-REPORT")
    assert r.status_code == 410 and "有効期限が切れています" in r.text
    for unknown in ("A" * 43, "A" * 500):
        r = await anon.get(f"/report/{unknown}/forms/FORM-PERIODIC-REPORT")
        assert r.status_code == 404 and "見つかりません" in r.text


async def test_a_broken_library_keeps_pages_working_409_for_staff_503_for_the_contractor(client, settings, tmp_path):
    from governance.app import create_app
    from governance.db import db_lifespan

    sc = await sign_contract()
    monthly = next(c for c in await checks_of(sc.engagement_id) if c["kind"] == "monthly")
    broken = tmp_path / "templates"
    shutil.copytree(get_settings().contract_templates_dir, broken)
    (broken / "forms" / "zz-bad.yaml").write_text("id: FORM-BAD\nnumber: 様式\ntitle: x\nrequirements: [NOPE-1]\n")
    app = create_app(dataclasses.replace(settings, contract_templates_dir=broken))
    transport = httpx.ASGITransport(app=app)
    async with db_lifespan(), httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        await login(c, "tantou")
        page = await c.get(f"/checks/{monthly['id']}")
        assert page.status_code == 200 and "条項ライブラリに誤りがあるため、様式を表示できません。" in page.text
        r = await c.get(f"/checks/{monthly['id']}/forms/FORM-PERIODIC-REPORT")
        assert r.status_code == 409 and "条項ライブラリに誤りがある" in r.text
        token = await issue_link(c, monthly["id"])
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as contractor:
            form = await contractor.get(f"/report/{token}")
            assert form.status_code == 200 and "報告書の提出" in form.text and "提出する様式" not in form.text
            # a form asked for anyway: a plain answer, nothing about the library, and the link still works
            r = await contractor.get(f"/report/{token}/forms/FORM-PERIODIC-REPORT")
            assert r.status_code == 503 and "現在、様式を用意できません。お手数ですが、担当課にお問い合わせ" in r.text
            for inside in ("このリンクは使用できません", "zz-bad", "NOPE-1", "条項ライブラリ", "契約書を作成"):
                assert inside not in r.text, inside
            assert f'href="/report/{token}"' in r.text
            again = await contractor.get(f"/report/{token}")
            assert again.status_code == 200 and "報告書の提出" in again.text
