"""The six engagements of the contract officer's trial, entered through the pages, drafted and opened in LibreOffice.

Each engagement is registered with the engagement form as procurement staff fill it in (front matter included);
its selection is approved; the contract page shows the clauses with their reasons; the Word draft made from the
page holds what that kind of work needs and none of what it does not; LibreOffice opens every draft.
"""

from __future__ import annotations

import io
import re
import subprocess
from dataclasses import dataclass

import pytest
from docx import Document

from governance.accounts.roles import Role
from governance.actor import Actor
from governance.contracts.tables import ContractVersion
from tests.helpers import approve_selection, login, make_contractor, make_department, make_user, post_form
from tests.integration.test_documents_libreoffice import _require_libreoffice


@dataclass(frozen=True)
class Trial:
    title: str
    department: tuple[str, str]
    fields: list[tuple[str, str]]
    must: tuple[str, ...]
    must_not: tuple[str, ...]


COMMON = [
    ("status", "planning"), ("start_date", "2026-04-01"), ("end_date", "2027-03-31"), ("renewal", "none"),
    ("renewal_months", "12"), ("notice_days", "0"), ("integrity", "1"), ("availability", "1"), ("bond", "exempt"),
    ("payment_terms", "lump_sum"),
]  # fmt: skip

TRIALS = [
    Trial(
        "住民情報システム運用保守業務", ("SHIMIN", "市民課"),
        [("confidentiality", "3B"), ("personal_info", "on"), ("specific_personal_info", "on"),
         ("segments", "mynumber"), ("work_kinds", "system_operation"), ("work_locations", "contractor_site"),
         ("work_locations", "remote"), ("subcontracting", "on"), ("subcontractors", "株式会社下請システム"),
         ("work_place", "乙の運用センター（みどり市中央二丁目3番4号）"), ("contract_value", "38500000"),
         ("tax_amount", "3500000"), ("payment_terms", "partial"), ("payment_note", "毎月、当該月分")],
        must=("マイナンバー利用事務系における作業", "閉域の専用回線", "実地で行うことを原則", "番号法第４８条",
              "乙の運用センター（みどり市中央二丁目３番４号）", "金３，５００，０００円", "部分払（毎月、当該月分）",
              "リモートアクセスの安全対策", "善良な管理者の注意をもって委託業務を処理"),
        must_not=("契約不適合", "ISMAP", "甲の庁舎内における作業"),
    ),
    Trial(
        "がん検診受診券の作成・発送業務", ("KENKO", "健康増進課"),
        [("confidentiality", "3C"), ("personal_info", "on"), ("work_kinds", "printing_mailing"),
         ("work_kinds", "data_entry"), ("work_locations", "contractor_site"), ("off_premises", "on"),
         ("work_place", "乙の印刷工場（みどり市工業団地5番）")],
        must=("印刷、封入封緘及び発送における誤送付の防止", "契約不適合責任", "情報資産を持ち出す場合の措置",
              "自治体機密性３Cの情報資産の取扱い"),
        must_not=("サービスレベルの保証", "マイナンバー利用事務系", "情報システムの開発における安全対策"),
    ),
    Trial(
        "文書管理システム構築業務", ("SOUMU", "総務課"),
        [("confidentiality", "2"), ("segments", "lgwan"), ("work_kinds", "system_development"),
         ("work_locations", "onsite"), ("work_place", "みどり市役所本庁舎3階 総務課")],
        must=("情報システムの開発における安全対策", "甲の庁舎内における作業", "LGWAN接続系における作業",
              "契約不適合責任",
              "ソースコード", "みどり市役所本庁舎３階 総務課"),
        must_not=("サービスレベルの保証", "稼働率", "乙の施設における作業", "クラウドサービスの利用に係る条件"),
    ),
    Trial(
        "観光イベント情報配信サービス利用", ("KANKO", "観光課"),
        [("confidentiality", "1"), ("work_kinds", "cloud_service"), ("work_locations", "contractor_cloud")],
        must=("クラウドサービスの利用に係る条件", "第三者による監査及び認証", "サービスレベルの保証", "準拠法は日本法",
              "四半期ごと"),
        must_not=("施錠できる保管庫", "乙の作業場所に立ち入り", "従事者への周知及び監督", "契約不適合", "適正管理",
                  "ISMAPクラウドサービスリスト", "甲の庁舎内における作業"),
    ),
    Trial(
        "公式SNS運用支援業務", ("KOHO", "秘書広報課"),
        [("confidentiality", "2"), ("segments", "internet"), ("work_kinds", "social_media"),
         ("work_locations", "contractor_site")],
        must=("ソーシャルメディア等の運用", "インターネット接続系における作業", "投稿に関する基準"),
        must_not=("契約不適合", "サービスレベルの保証", "特定個人情報"),
    ),
    Trial(
        "児童手当事務補助業務", ("KODOMO", "こども課"),
        [("confidentiality", "3B"), ("personal_info", "on"), ("specific_personal_info", "on"),
         ("segments", "mynumber"), ("work_kinds", "clerical"), ("work_locations", "onsite"),
         ("work_place", "みどり市役所本庁舎1階 こども課")],
        must=("甲の庁舎内における作業", "窓口及びコールセンターにおける業務", "マイナンバー利用事務系における作業",
              "特定個人情報の取扱い", "実地で行うことを原則"),
        must_not=("契約不適合", "サービスレベルの保証", "乙の施設における作業", "リモートアクセス"),
    ),
]


def with_common(fields: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The common answers, each replaced by the trial's own answer to the same single-valued field."""
    given = {k for k, _ in fields}
    return [(k, v) for k, v in COMMON if k not in given] + fields


def _text(data: bytes) -> str:
    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


async def test_six_engagements_entered_through_the_pages_get_drafts_that_fit(client, tmp_path):
    prep_id = await make_user("keiyaku", Role.procurement)
    officer_id = await make_user("ciso", Role.security_officer)
    prep = Actor(id=prep_id, label="契約", roles=frozenset({Role.procurement}))
    officer = Actor(id=officer_id, label="CISO", roles=frozenset({Role.security_officer}))
    contractor = await make_contractor(
        "株式会社みどり情報", address="みどり市中央1-1", representative="代表取締役 緑川"
    )
    await login(client, "keiyaku")
    drafts: dict[str, bytes] = {}
    clause_sets = []
    for trial in TRIALS:
        dept = await make_department(*trial.department)
        r = await post_form(client, "/engagements", [("title", trial.title), ("department_id", str(dept)),
                                                     *with_common(trial.fields)])  # fmt: skip
        assert r.status_code == 303, (trial.title, re.findall(r'class="field-error"[^>]*>([^<]+)', r.text))
        eid = int(r.headers["location"].split("/")[2].split("?")[0])
        await approve_selection(eid, contractor, prep, officer)
        page = await client.get(f"/engagements/{eid}/contract")
        assert page.status_code == 200
        shown = set(re.findall(r'id="clause-([A-Z0-9-]+)"', page.text))
        clause_sets.append(frozenset(shown))
        assert "理由" in page.text and "１　委託業務の名称" in page.text
        r = await post_form(client, f"/engagements/{eid}/contract/drafts", {})
        assert r.status_code == 303, r.text
        version = await ContractVersion.select().order_by(ContractVersion.id, ascending=False).first()
        download = await client.get(f"/engagements/{eid}/contract/versions/{version['id']}/document.docx")
        assert download.status_code == 200
        text = _text(download.content)
        for fragment in trial.must:
            assert fragment in text, (trial.title, fragment)
        for fragment in trial.must_not:
            assert fragment not in text, (trial.title, fragment)
        assert not re.search(r"[0-9]", text), (trial.title, re.findall(r".{10}[0-9].{10}", text)[:3])
        drafts[trial.title] = download.content
    assert len(set(clause_sets)) == len(TRIALS)
    # LibreOffice opens every draft (one conversion run for the six files) and keeps its articles
    soffice = _require_libreoffice()
    for i, data in enumerate(drafts.values()):
        (tmp_path / f"draft{i}.docx").write_bytes(data)
    result = subprocess.run(
        [soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
         "--convert-to", "txt:Text (encoded):UTF8", "--outdir", str(tmp_path / "out"),
         *[str(tmp_path / f"draft{i}.docx") for i in range(len(drafts))]],
        capture_output=True, text=True, timeout=300, check=False, env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    for i, (title, data) in enumerate(drafts.items()):
        converted = (tmp_path / "out" / f"draft{i}.txt").read_text(encoding="utf-8-sig")
        articles = len(re.findall(r"^第[０-９]+条　", _text(data), flags=re.MULTILINE))
        assert articles >= 15 and len(re.findall(r"^第[０-９]+条　", converted, flags=re.MULTILINE)) == articles, title
        assert "別記　情報セキュリティに関する特記事項" in converted and title in converted


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ([("confidentiality", "2"), ("specific_personal_info", "on"), ("personal_info", "on")], "confidentiality",
         "自治体機密性3B以上"),
        ([("confidentiality", "2"), ("bond", "required")], "bond_amount", "契約保証金を納付させる場合は"),
        (
            [("confidentiality", "2"), ("contract_type", "lease")], "contract_type",
            "契約の性質は選択肢から選んでください",
        ),
        ([("confidentiality", "2"), ("tax_amount", "100")], "tax_amount", "契約金額（税込）を入力した上で"),
    ],
)
async def test_contract_facts_are_checked_on_the_form_and_nothing_typed_is_lost(client, fields, field, message):
    dept = await make_department()
    await make_user("keiyaku", Role.procurement)
    await login(client, "keiyaku")
    form = [("title", "確認用業務"), ("department_id", str(dept)), ("work_kinds", "system_operation"),
            ("work_locations", "onsite"), ("work_place", "本庁舎5階"), *with_common(fields)]  # fmt: skip
    r = await post_form(client, "/engagements", form)
    assert r.status_code == 422
    assert message in r.text and f'id="f-{field}"' in r.text
    assert 'value="本庁舎5階"' in r.text  # what was typed stays on the form


async def test_mynumber_is_suggested_on_the_engagement_page_of_a_tax_department(client):
    dept = await make_department("ZEIMU", "税務課")
    await make_user("keiyaku", Role.procurement)
    await login(client, "keiyaku")
    form = [("title", "課税資料の入力業務"), ("department_id", str(dept)), *COMMON, ("confidentiality", "2"),
            ("personal_info", "on"), ("work_kinds", "data_entry"), ("work_locations", "contractor_site")]  # fmt: skip
    r = await post_form(client, "/engagements", form)
    assert r.status_code == 303
    page = await client.get(r.headers["location"])
    assert "マイナンバーを利用する事務" in page.text and "番号法第9条" in page.text
    assert "請負（業務の種類から判定）" in page.text


def test_libreoffice_opens_every_draft_of_the_contrasting_engagements(tmp_path):
    """The table of tests/unit/test_contract_fit.py: each draft converts, with every article of its clauses."""
    from governance.contracts.clauses import select_clauses
    from governance.contracts.documents import render_contract
    from tests.unit.test_contract_fit import CASES, context_for, library

    soffice = _require_libreoffice()
    expected = []
    for i, case in enumerate(CASES):
        chosen = select_clauses(case.facts, library())
        (tmp_path / f"case{i}.docx").write_bytes(render_contract(library(), chosen, context_for(case.facts)))
        main = sum(1 for s in chosen if s.clause.section == "main")
        expected.append((main, len(chosen) - main, [s.clause.title for s in chosen]))
    result = subprocess.run(
        [soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
         "--convert-to", "txt:Text (encoded):UTF8", "--outdir", str(tmp_path / "out"),
         *[str(tmp_path / f"case{i}.docx") for i in range(len(CASES))]],
        capture_output=True, text=True, timeout=300, check=False, env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    for i, (case, (main, annex, titles)) in enumerate(zip(CASES, expected, strict=True)):
        text = (tmp_path / "out" / f"case{i}.txt").read_text(encoding="utf-8-sig")
        assert len(re.findall(r"^第[０-９]+条　", text, flags=re.MULTILINE)) == main, case.name
        assert len(re.findall(r"^第[０-９]+　", text, flags=re.MULTILINE)) == annex, case.name
        for title in titles:
            assert title.translate(str.maketrans("0123456789", "０１２３４５６７８９")) in text, (case.name, title)
