"""The 覚書 (変更契約書) and the 新旧対照表 as Word documents, on the contract's one rendering path (pure)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from docx import Document

from governance.contracts.amendments import FRONT, change_summary, front_record
from governance.contracts.comparison import compare
from governance.contracts.documents import contract_name, original_contract, render_amendment, render_comparison
from governance.contracts.templating import sample_context


def rec(clause_id: str, number: str, body: str, title: str = "見出し") -> dict:
    return {"id": clause_id, "title": title, "section": "annex", "number": number,
            "lines": [f"（{title}）", f"{number}　{body}"]}  # fmt: skip


OLD = [rec("A", "第１", "乙は、秘密を守らなければならない。")]
NEW = [
    rec("A", "第１", "乙は、秘密を厳格に守らなければならない。"),
    rec("B", "第２", "乙は、毎月10日までに報告する。", "報告"),
]


def _read(data: bytes):
    doc = Document(io.BytesIO(data))
    return [p.text for p in doc.paragraphs], doc.tables


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("住民情報システム運用保守業務", "住民情報システム運用保守業務委託契約"),
        ("申請フォームサービス利用", "申請フォームサービス利用業務委託契約"),
        ("庁舎清掃業務委託", "庁舎清掃業務委託契約"),
        ("庁舎清掃業務委託契約", "庁舎清掃業務委託契約"),
        ("庁舎清掃委託", "庁舎清掃業務委託契約"),
        ("庁舎清掃委託契約", "庁舎清掃業務委託契約"),
        ("庁舎清掃委託業務", "庁舎清掃業務委託契約"),
        ("庁舎清掃業務委託 ", "庁舎清掃業務委託契約"),
    ],
)
def test_contract_name_adds_what_the_title_lacks_and_never_doubles_it(title, name):
    assert contract_name(title) == name


def test_the_original_contract_is_cited_with_the_memoranda_that_changed_it():
    name, d = "見本業務委託契約", dt.date
    assert (
        original_contract(name, d(2026, 3, 25))
        == "令和8年3月25日付けで締結した見本業務委託契約（以下「原契約」という。）"
    )
    assert original_contract(name, d(2026, 3, 25), [d(2026, 6, 1)]) == (
        "令和8年3月25日付けで締結した見本業務委託契約"
        "（令和8年6月1日付け覚書により変更された後のものをいう。以下「原契約」という。）"
    )
    three = original_contract(name, d(2026, 3, 25), [d(2026, 6, 1), d(2026, 9, 1), d(2027, 1, 5)])
    assert "（令和8年6月1日付け覚書、令和8年9月1日付け覚書及び令和9年1月5日付け覚書により変更された後の" in three
    paragraphs, _ = _read(
        render_amendment(sample_context(), compare(OLD, NEW), signed_on=d(2026, 3, 25), amended_on=[d(2026, 6, 1)])
    )
    assert (
        "委託者みどり市（以下「甲」という。）と受託者株式会社見本（以下「乙」という。）は、令和８年３月２５日付けで締結した"
        "見本業務委託契約（令和８年６月１日付け覚書により変更された後のものをいう。以下「原契約」という。）の一部を"
        "次のとおり変更する。"
    ) in paragraphs


def _front_changed() -> tuple[dict, dict]:
    before = sample_context()
    after = sample_context()
    after["contract_value"] = 1_200_000
    after["front"] = {**after["front"], "work_place": "みどり市役所第二庁舎"}
    return front_record(before), front_record(after)


def test_a_changed_front_matter_is_a_row_of_the_table_and_named_by_the_first_article():
    old_front, new_front = _front_changed()
    comparison = compare([old_front, *OLD], [new_front, *OLD])
    [row] = comparison.rows
    assert (row.clause_id, row.change_label, row.title) == (FRONT, "改正", "頭書")
    assert "４　委託料　金１，２００，０００円" in row.new_text and "４　委託料　金１，０００，０００円" in row.old_text
    assert change_summary(comparison) == "頭書の変更あり、条項の新設 0件、改正 0件、削除 0件、条番号の変更 0件"
    paragraphs, [table] = _read(render_amendment(sample_context(), comparison, signed_on=dt.date(2026, 3, 25)))
    assert "第１条　原契約の頭書の一部を別紙新旧対照表のとおり改める。" in paragraphs
    new, old = table.rows[1].cells
    assert "２　履行場所　みどり市役所第二庁舎" in new.text and "２　履行場所　みどり市役所本庁舎" in old.text
    assert "第二" in "".join(r.text for p in new.paragraphs for r in p.runs if r.underline)
    both = compare([old_front, *OLD], [new_front, *NEW])
    paragraphs, _ = _read(render_amendment(sample_context(), both, signed_on=dt.date(2026, 3, 25)))
    assert "第１条　原契約の頭書及び条項の一部を別紙新旧対照表のとおり改める。" in paragraphs
    assert change_summary(both) == "頭書の変更あり、条項の新設 1件、改正 1件、削除 0件、条番号の変更 0件"
    assert front_record({"term": {}}) == {"id": FRONT, "title": "頭書", "section": "front", "number": ""}


def test_a_new_supervisor_alone_needs_no_memorandum():
    """The 監督職員 is named to the contractor by written notice; changing them is not a change of the contract."""
    before, after = sample_context(), sample_context()
    after["front"] = {**after["front"], "supervisor": "総務課 主任 新任 次郎"}
    assert not compare([front_record(before)], [front_record(after)]).changed
    assert not any("監督職員" in line for line in front_record(after)["lines"])
    after["contract_value"] = 2_000_000  # a fee change still is
    assert compare([front_record(before)], [front_record(after)]).changed


def test_the_amendment_has_its_preamble_articles_signatures_and_the_table():
    paragraphs, tables = _read(render_amendment(sample_context(), compare(OLD, NEW), signed_on=dt.date(2026, 3, 25)))
    assert paragraphs[0] == "業務委託契約の一部を変更する覚書"
    assert (
        "委託者みどり市（以下「甲」という。）と受託者株式会社見本（以下「乙」という。）は、令和８年３月２５日付けで締結した"
        "見本業務委託契約（以下「原契約」という。）の一部を次のとおり変更する。"
    ) in paragraphs
    for line in ("（契約の変更）", "第１条　原契約の一部を別紙新旧対照表のとおり改める。",
                 "第２条　この覚書は、令和　　年　　月　　日から効力を生ずる。",
                 "第３条　この覚書に定めのない事項については、原契約の定めるところによる。",
                 "この覚書の締結を証するため、本書２通を作成し、甲乙記名押印の上、各自その１通を保有する。",
                 "　　名称　株式会社見本", "別紙", "新旧対照表", "（傍線部分は改正部分）"):  # fmt: skip
        assert line in paragraphs, line
    [table] = tables
    assert [c.text for c in table.rows[0].cells] == ["改正後", "改正前"]
    new, old = table.rows[1].cells
    assert [r.text for r in new.paragraphs[1].runs if r.underline] == ["厳格に"]
    assert old.paragraphs[1].text == "第１　乙は、秘密を守らなければならない。"
    assert table.rows[2].cells[0].text == "（報告）\n第２　乙は、毎月１０日までに報告する。"  # numerals: full width
    assert table.rows[2].cells[1].text == "（新設）"


def test_a_comparison_without_changes_says_so_and_one_without_lines_says_why():
    paragraphs, tables = _read(render_comparison("新旧対照表", ["見本業務委託契約"], compare(OLD, OLD)))
    assert paragraphs[:3] == ["新旧対照表", "見本業務委託契約", "変更はない。"] and tables == []
    bare = [{"id": "A", "title": "見出し", "section": "annex"}]
    paragraphs, tables = _read(render_comparison("新旧対照表", [], compare(bare, NEW)))
    assert "一方の版に本文の記録がないため、条項の追加及び削除だけを示している。" in paragraphs
    assert [row.cells[1].text for row in tables[0].rows[1:]] == ["（新設）"]
    paragraphs, tables = _read(render_comparison("新旧対照表", [], compare(bare, OLD)))  # never 「変更はない」
    assert "条項の追加及び削除はない。" in paragraphs and "変更はない。" not in paragraphs and tables == []
