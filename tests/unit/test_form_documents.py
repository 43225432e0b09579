"""様式 as Word documents (read back with python-docx), the forms an engagement needs, the period a check covers."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import io
import re
from functools import lru_cache
from pathlib import Path

import pytest
from docx import Document
from hypothesis import given, settings
from hypothesis import strategies as st

from governance.contracts.clauses import select_clauses
from governance.contracts.form_documents import (
    BLANK_CHECKLIST_ROWS,
    BLANK_DATE,
    form_file_name,
    form_title,
    forms_for,
    render_form,
)
from governance.contracts.library import load_library
from governance.contracts.templating import form_sample_context
from governance.engagements.facts import EngagementFacts
from governance.verification.plan import ItemSource, check_period, plan_checks
from tests.unit.test_clause_library import MN_SUB
from tests.unit.test_clause_library import PI as PI_ONSITE

ROOT = Path(__file__).resolve().parents[2] / "contract_templates"
CARRY_OUT = dataclasses.replace(PI_ONSITE, off_premises=True)
SAAS = EngagementFacts(confidentiality="2", personal_info=True, work_kinds=frozenset({"cloud_service"}),
                       work_locations=frozenset({"contractor_cloud"}))  # fmt: skip


@lru_cache(maxsize=1)
def library():
    return load_library(ROOT)


def form(form_id: str):
    found = library().form(form_id)
    assert found is not None, form_id
    return found


def with_facts(context: dict, facts: EngagementFacts) -> dict:
    """The context with the facts snapshot (and flags) of other facts, as build_context gives them."""
    out = copy.deepcopy(context)
    out["facts"] = {**{k: sorted(v) if isinstance(v, frozenset) else v for k, v in dataclasses.asdict(facts).items()},
                    "flags": sorted(facts.flags)}  # fmt: skip
    return out


def read(data: bytes) -> tuple[list[str], list[list[list[str]]]]:
    """The paragraphs' texts and every table as rows of cell texts."""
    doc = Document(io.BytesIO(data))
    return [p.text for p in doc.paragraphs], [[[c.text for c in r.cells] for r in t.rows] for t in doc.tables]


def all_text(data: bytes) -> str:
    paragraphs, tables = read(data)
    return "\n".join(paragraphs + [cell for t in tables for row in t for cell in row])


BID = {  # a form handed out with a bid: no contractor yet, no check, no date
    **{k: v for k, v in form_sample_context().items() if k not in ("check", "today")},
    "contractor": {"name": "受注者", "address": "", "representative": ""},
}


# -- forms_for ------------------------------------------------------------------------------------------------------


def ids(forms) -> list[str]:
    return [f.id for f in forms]


def test_forms_follow_the_facts_and_the_clauses_that_ask_for_them():
    mn = ids(forms_for(library(), MN_SUB))
    assert {"FORM-SUBCONTRACT-APPLICATION", "FORM-MN-SUBCONTRACT-PERMISSION", "FORM-WORKER-PLEDGE"} <= set(mn)
    assert "FORM-CARRY-OUT-LEDGER" not in mn  # nothing is taken off the premises
    pi = ids(forms_for(library(), PI_ONSITE))
    assert "FORM-SUBCONTRACT-APPLICATION" not in pi and "FORM-MN-SUBCONTRACT-PERMISSION" not in pi  # no 再委託
    assert "FORM-ONSITE-INSPECTION" in pi and "FORM-CARRY-OUT-LEDGER" not in pi
    assert "FORM-CARRY-OUT-LEDGER" in ids(forms_for(library(), CARRY_OUT))
    saas = ids(forms_for(library(), SAAS))  # no 従事者の誓約書 and no 実地検査 for a service run on the vendor's cloud
    assert "FORM-WORKER-PLEDGE" not in saas and "FORM-ONSITE-INSPECTION" not in saas
    assert "FORM-STRUCTURE-NOTICE" in saas and "FORM-INCIDENT-FIRST-REPORT" in saas


def test_a_form_appears_only_when_a_clause_it_names_is_in_the_contract():
    for facts in (MN_SUB, PI_ONSITE, CARRY_OUT, SAAS):
        chosen = {s.clause.id for s in select_clauses(facts, library())}
        for f in forms_for(library(), facts):
            assert not f.clauses or chosen & set(f.clauses), f.id


def test_bid_forms_and_forms_of_check_items():
    assert ids(forms_for(library(), MN_SUB, bid=True)) == ["FORM-STRUCTURE-NOTICE", "FORM-SECURITY-PLEDGE"]
    assert "FORM-STRUCTURE-NOTICE" not in ids(forms_for(library(), MN_SUB, bid=False))
    assert ids(forms_for(library(), MN_SUB, check_item_ids=["CHK-MONTHLY-REPORT", "CHK-WORK-LOG"])) == [
        "FORM-PERIODIC-REPORT"
    ]
    before_start = ["CHK-STRUCTURE-NOTICE", "CHK-WORKER-BRIEFING", "CHK-SUBCONTRACT-PRIOR"]
    assert ids(forms_for(library(), MN_SUB, check_item_ids=before_start)) == [
        "FORM-STRUCTURE-NOTICE",
        "FORM-WORKER-PLEDGE",
        "FORM-SUBCONTRACT-APPLICATION",
    ]  # fmt: skip  (様式第1号, 第3号, 第4号: by number)
    assert forms_for(library(), MN_SUB, check_item_ids=[]) == []
    assert forms_for(library(), PI_ONSITE, check_item_ids=["CHK-SUBCONTRACT-APPROVAL"]) == []  # its condition: SUB


def test_forms_are_in_number_order_and_ten_comes_after_two():
    numbers = [int(re.search(r"\d+", f.number).group(0)) for f in forms_for(library(), MN_SUB)]
    assert numbers == sorted(numbers) and 10 in numbers


# -- render_form ----------------------------------------------------------------------------------------------------


def test_a_contractors_form_has_number_date_addressee_submitter_title_and_prefilled_fields():
    data = render_form(form("FORM-STRUCTURE-NOTICE"), form_sample_context())
    paragraphs, tables = read(data)
    texts = [t for t in paragraphs if t.strip()]
    assert texts[:7] == [
        "様式第１号", "令和８年５月１日", "（宛先）みどり市長 緑川 一郎", "住所　みどり市中央一丁目１番１号",
        "名称　株式会社見本", "代表者　代表取締役 見本 太郎", "業務体制届",
    ]  # fmt: skip
    assert texts[7].startswith("　見本業務の履行に係る") and texts[8] == "記"
    fields = {row[0]: row[1] for row in tables[0][1:]}
    assert fields["委託業務の名称"] == "見本業務"
    assert fields["業務責任者の氏名・所属・役職・連絡先"].strip() == ""  # a blank to fill in
    names = next(t for t in tables if t[0][1] == "氏名")
    assert len(names) == 1 + 10  # the header and ten blank rows of the 従事者名簿
    assert "備考" in texts and any(t.startswith("１　入札又は見積り") for t in texts)
    assert not any(re.search(r"[0-9]", t) for t in paragraphs), "every digit is full-width"


def test_a_checklist_prints_the_checks_items_with_their_grounds_and_answers():
    context = form_sample_context()
    context["check"]["items"] = [
        {"what": "定期報告書の受領と内容の確認（毎月10日まで）", "requirements": ["OUT-CHK-03", "OUT-CHK-01"]},
        {"what": "作業ログの確認", "requirements": ["OUT-CHK-10"]},
    ]
    _, tables = read(render_form(form("FORM-PERIODIC-REPORT"), context))
    fields = {row[0]: row[1] for row in tables[0][1:]}
    assert fields["報告の対象期間"] == "令和８年４月１日から令和８年４月３０日まで"
    assert fields["提出期限"] == "令和８年５月１１日"
    checklist = tables[1]
    assert checklist[0] == ["番号", "確認事項", "根拠", "結果（適・否・該当なし）", "内容・特記"]
    assert checklist[1][:4] == [
        "１", "定期報告書の受領と内容の確認（毎月１０日まで）", "OUT-CHK-03 定期報告書の受領\nOUT-CHK-01 定期的確認",
        "適・否・該当なし",
    ]  # fmt: skip
    assert checklist[2][:3] == ["２", "作業ログの確認", "OUT-CHK-10 チェックリスト (I)"] and len(checklist) == 3


def test_a_municipalitys_checklist_has_no_addressee_and_no_submitter():
    paragraphs, tables = read(render_form(form("FORM-ONSITE-INSPECTION"), form_sample_context()))
    assert not any(t.startswith("（宛先）") or t.startswith("住所") for t in paragraphs)
    assert "実地検査チェックリスト" in paragraphs and "記" not in paragraphs  # no introduction, so no 記
    fields = {row[0]: row[1] for row in tables[0][1:]}
    assert fields["受注者"] == "株式会社見本" and fields["所管課"] == "総務課"


def test_every_bid_form_renders_without_contractor_check_or_date():
    for f in forms_for(library(), MN_SUB, bid=True):
        paragraphs, _ = read(render_form(f, BID))
        assert paragraphs[1] == BLANK_DATE, f.id
        assert "名称　" in paragraphs and "名称　受注者" not in paragraphs, f.id  # the bidder writes its own name
        assert "代表者　" in paragraphs and f.title in paragraphs, f.id


@pytest.mark.parametrize("form_id", [f.id for f in load_library(ROOT).forms])
def test_every_form_renders_blank_and_prefilled(form_id):
    f = form(form_id)
    prefilled = all_text(render_form(f, form_sample_context()))
    assert f.title in prefilled and "見本業務" in prefilled and "株式会社見本" in prefilled
    blank = render_form(f, {**BID, "check": None})
    if f.checklist:  # without a check, the checklist is blank rows to write the items in by hand
        checklist = next(t for t in read(blank)[1] if t[0][0] == "番号" and t[0][1] == "確認事項")
        assert len(checklist) == 1 + BLANK_CHECKLIST_ROWS


def test_tables_and_notes_follow_the_engagements_facts():
    structure = form("FORM-STRUCTURE-NOTICE")
    mn = all_text(render_form(structure, with_facts(form_sample_context(), MN_SUB)))
    assert "特定個人情報を取り扱う従事者及び取扱区域" in mn and "従事者名簿" in mn
    assert "サービスの運用に従事する者の管理体制" not in mn
    saas = all_text(render_form(structure, with_facts(form_sample_context(), SAAS)))
    assert "サービスの運用に従事する者の管理体制" in saas and "従事者名簿" not in saas
    assert "特定個人情報を取り扱う従事者及び取扱区域" not in saas
    incident = form("FORM-INCIDENT-FIRST-REPORT")
    public = EngagementFacts(work_kinds=frozenset({"clerical"}), work_locations=frozenset({"onsite"}))
    assert "要配慮個人情報" in all_text(render_form(incident, with_facts(form_sample_context(), PI_ONSITE)))
    assert "要配慮個人情報" not in all_text(render_form(incident, with_facts(form_sample_context(), public)))


def test_hostile_contractor_text_cannot_break_a_form():
    context = form_sample_context()
    context["contractor"]["name"] = "<w:p>&amp;\x00\x07\ufffe株式会社" + "長" * 30000
    data = render_form(form("FORM-WORKER-PLEDGE"), context)
    assert "<w:p>&amp;株式会社" in all_text(data)  # opens: the XML is well-formed


def test_a_base_document_supplies_the_municipalitys_header():
    base = Document()
    base.sections[0].header.paragraphs[0].text = "みどり市様式（総務課）"
    buf = io.BytesIO()
    base.save(buf)
    out = Document(io.BytesIO(render_form(form("FORM-RETURN-DISPOSAL"), form_sample_context(), base=buf.getvalue())))
    assert out.sections[0].header.paragraphs[0].text == "みどり市様式（総務課）"
    assert out.paragraphs[0].text == "様式第８号"


# -- the period a check covers --------------------------------------------------------------------------------------

START, END = dt.date(2026, 4, 1), dt.date(2027, 3, 31)


@pytest.mark.parametrize(
    ("kind", "due", "start", "end", "period"),
    [
        ("monthly", dt.date(2026, 5, 11), START, END, (dt.date(2026, 4, 1), dt.date(2026, 4, 30))),
        ("monthly", dt.date(2027, 1, 12), START, END, (dt.date(2026, 12, 1), dt.date(2026, 12, 31))),
        ("quarterly", dt.date(2026, 7, 10), START, END, (dt.date(2026, 4, 1), dt.date(2026, 6, 30))),
        ("quarterly", dt.date(2027, 4, 12), START, END, (dt.date(2027, 1, 1), dt.date(2027, 3, 31))),
        ("quarterly", dt.date(2026, 7, 10), dt.date(2026, 5, 15), END, (dt.date(2026, 5, 15), dt.date(2026, 6, 30))),
        ("quarterly", dt.date(2027, 3, 10), START, dt.date(2027, 2, 15), (dt.date(2027, 1, 1), dt.date(2027, 2, 15))),
        ("yearly", dt.date(2027, 1, 29), START, END, (dt.date(2026, 4, 1), dt.date(2027, 1, 29))),
        ("yearly", dt.date(2026, 9, 30), dt.date(2026, 6, 1), dt.date(2026, 9, 30),
         (dt.date(2026, 6, 1), dt.date(2026, 9, 30))),
        ("before_start", dt.date(2026, 3, 31), START, END, (START, END)),
        ("at_end", dt.date(2027, 4, 14), START, END, (START, END)),
        ("on_event", dt.date(2026, 8, 1), START, END, None),
        ("monthly", dt.date(2026, 4, 10), START, END, None),  # the month before lies outside the term
    ],
)  # fmt: skip
def test_check_period(kind, due, start, end, period):
    assert check_period(kind, due, start, end) == period


@settings(max_examples=60, deadline=None)
@given(
    start=st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2030, 12, 31)),
    days=st.integers(min_value=0, max_value=800),
)
def test_every_planned_periodic_check_covers_a_period_in_the_term_before_it_is_due(start, days):
    end = start + dt.timedelta(days=days)
    items = [ItemSource(f"CHK-{k.upper()}", "確認", k, ("OUT-CHK-01",), "ANX-X") for k in ("monthly", "quarterly")]
    for check in plan_checks(items, signed_on=start, start=start, end=end).checks:
        period = check_period(check.kind, check.due, start, end)
        assert period is not None, check
        first, last = period
        assert start <= first <= last <= end and last < check.due, check
        if check.kind == "monthly":  # 令和8年4月分 covers April
            assert check.period.endswith(f"{first.month}月分") and (first.year, first.month) == (last.year, last.month)


# -- the names and wording of forms ------------------------------------------------------------------------------------


def test_a_form_is_named_alike_in_the_bid_package_and_a_checks_download():
    context = form_sample_context()
    assert form_title(form("FORM-STRUCTURE-NOTICE"), context) == "様式第１号　業務体制届"
    assert form_file_name(form("FORM-STRUCTURE-NOTICE"), context) == "様式第１号_業務体制届.docx"
    assert form_file_name(form("FORM-INCIDENT-FIRST-REPORT"), context) == "様式第１０号_事故報告書（第一報）.docx"
    odd = dataclasses.replace(form("FORM-PERIODIC-REPORT"), number="第6号", title='{{ "報告/書:" }}')
    assert form_title(odd, context) == "様式第６号　報告/書:"  # 様式 added; the title rendered as printed
    assert form_file_name(odd, context) == "様式第６号_報告_書_.docx"  # no path separators or reserved characters


def test_the_worker_pledge_cites_the_penalties_as_the_annex_clause_does():
    pledge, clause = form("FORM-WORKER-PLEDGE"), next(c for c in library().clauses if c.id == "ANX-LAW05-PENALTIES")
    assert re.findall(r"第\d+条", pledge.intro) == re.findall(r"第\d+条", clause.body) == [
        "第176条", "第180条", "第48条", "第49条"
    ]  # fmt: skip
    pi = all_text(render_form(pledge, with_facts(form_sample_context(), PI_ONSITE)))
    assert "個人情報の保護に関する法律第１７６条又は第１８０条の規定により処罰されることがある" in pi
    assert "個人情報ファイルを提供したとき" in pi and "保有個人情報を自己若しくは第三者の不正な利益を図る目的" in pi
    assert "第４８条" not in pi and "特定個人情報ファイル" not in pi  # 番号法 only where 特定個人情報 is handled
    mn = all_text(render_form(pledge, with_facts(form_sample_context(), MN_SUB)))
    assert "特定個人情報ファイルを提供したときは" in mn and "同法第４９条の規定により" in mn
    assert "番号の利用等に関する法律第４８条の規定により" in mn and "知り得た個人番号を" in mn
    public = EngagementFacts(work_kinds=frozenset({"clerical"}), work_locations=frozenset({"onsite"}))
    assert "処罰" not in all_text(render_form(pledge, with_facts(form_sample_context(), public)))
