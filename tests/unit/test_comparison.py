"""新旧対照表: two texts compared clause by clause, with added, removed, reworded and renumbered articles and 傍線."""

from __future__ import annotations

from governance.contracts.comparison import (
    ADDED,
    CHANGED,
    NEW_ARTICLE,
    REMOVED,
    REMOVED_ARTICLE,
    RENUMBERED,
    Segment,
    compare,
    held_clauses,
    mark,
)


def rec(clause_id: str, number: str, *body: str, title: str = "見出し") -> dict:
    """A clause record as a version stores it: heading line, numbered first paragraph, further lines."""
    return {"id": clause_id, "title": title, "section": "annex", "number": number,
            "lines": [f"（{title}）", f"{number}　{body[0]}", *body[1:]]}  # fmt: skip


def bare(clause_id: str) -> dict:
    """A record of a version drafted before the printed lines were stored."""
    return {"id": clause_id, "title": f"{clause_id}の見出し", "section": "annex"}


def underlined(line) -> str:
    return "".join(s.text for s in line if s.changed)


OLD = [rec("A", "第１", "乙は、秘密を守らなければならない。"), rec("B", "第２", "乙は、報告しなければならない。"),
       rec("C", "第３", "削る条。")]  # fmt: skip


def test_identical_texts_have_no_rows():
    result = compare(OLD, OLD)
    assert not result.changed and result.comparable and result.rows == ()


def test_an_added_article_shows_new_text_against_shinsetsu():
    new = [*OLD, rec("D", "第４", "新しい条。", title="新設の条")]
    [row] = compare(OLD, new).rows
    assert row.change == ADDED and row.change_label == "新設" and row.clause_id == "D"
    assert row.new_text == "（新設の条）\n第４　新しい条。" and row.old_text == NEW_ARTICLE
    assert all(seg.changed for line in row.new for seg in line)  # the whole new article is underlined


def test_a_removed_article_is_listed_where_it_stood_with_kezuru():
    new = [OLD[0], rec("C", "第２", "削る条。")]
    rows = compare(OLD, new).rows
    assert [(r.clause_id, r.change) for r in rows] == [("B", REMOVED), ("C", RENUMBERED)]
    removed = rows[0]
    assert removed.new_text == REMOVED_ARTICLE and "乙は、報告しなければならない。" in removed.old_text
    assert removed.change_label == "削除"


def test_a_reworded_passage_is_underlined_on_both_sides():
    new = [OLD[0], rec("B", "第２", "乙は、毎月、書面により報告しなければならない。"), OLD[2]]
    [row] = compare(OLD, new).rows
    assert row.change == CHANGED and row.change_label == "改正"
    assert underlined(row.new[1]) == "毎月、書面により"
    assert underlined(row.old[1]) == ""  # nothing was taken out: the old line has no 傍線
    assert row.new_text.endswith("乙は、毎月、書面により報告しなければならない。")


def test_an_insertion_before_an_article_renumbers_it_without_calling_it_rewritten():
    new = [rec("N", "第１", "新しい条。"), rec("A", "第２", "乙は、秘密を守らなければならない。"),
           rec("B", "第３", "乙は、報告しなければならない。"), rec("C", "第４", "削る条。")]  # fmt: skip
    rows = compare(OLD, new).rows
    assert [(r.clause_id, r.change) for r in rows] == [("N", ADDED), ("A", RENUMBERED), ("B", RENUMBERED),
                                                       ("C", RENUMBERED)]  # fmt: skip
    a = rows[1]
    assert a.change_label == "条番号の変更"
    assert a.new[1] == (Segment("第２", True), Segment("　（略）"))
    assert a.old[1] == (Segment("第１", True), Segment("　（略）"))


def test_a_renumbered_and_reworded_article_is_a_change_with_both_marked():
    new = [rec("N", "第１", "新しい条。"), rec("A", "第２", "乙は、秘密を厳守しなければならない。")]
    rows = {r.clause_id: r for r in compare(OLD[:1], new).rows}
    assert rows["A"].change == CHANGED
    assert "２" in underlined(rows["A"].new[1]) and "厳守" in underlined(rows["A"].new[1])


def test_an_added_line_inside_an_article_is_underlined_whole():
    new = [rec("A", "第１", "乙は、秘密を守らなければならない。", "２　この契約が終了した後も、同様とする。"), *OLD[1:]]
    [row] = compare(OLD, new).rows
    assert row.change == CHANGED and underlined(row.new[2]) == "２　この契約が終了した後も、同様とする。"
    assert len(row.old) == 2


def test_mark_bridges_one_or_two_equal_characters_between_changes():
    before, after = mark("秘密を守る", "機密を厳守する")
    assert underlined(after) == "機密を厳守す"  # 「を」「守」 between changes read as part of one changed phrase
    assert "".join(s.text for s in before) == "秘密を守る" and "".join(s.text for s in after) == "機密を厳守する"


def test_records_without_lines_are_compared_by_id_only():
    old = [bare("A"), bare("B")]
    new = [rec("A", "第１", "全く違う本文。"), rec("N", "第２", "新しい条。")]
    result = compare(old, new)
    assert not result.comparable
    # B is listed where it stood (after A), before the article added after A; A's wording is not compared
    assert [(r.clause_id, r.change) for r in result.rows] == [("B", REMOVED), ("N", ADDED)]
    assert result.rows[0].old_text == "（Bの見出し）"  # a removed article without lines shows its title
    assert result.counts() == {ADDED: 1, REMOVED: 1, CHANGED: 0, RENUMBERED: 0}


def test_an_article_with_lines_on_both_sides_is_compared_even_when_others_are_not():
    """The 頭書 is printed from every version's stored context, even one whose clauses were stored without lines."""
    old = [rec("FRONT", "", "委託料　金１００円"), bare("A")]
    new = [rec("FRONT", "", "委託料　金２００円"), rec("A", "第１", "全く違う本文。")]
    result = compare(old, new)
    assert not result.comparable
    [row] = result.rows
    assert (row.clause_id, row.change) == ("FRONT", CHANGED)
    assert underlined(row.new[1]) == "２" and underlined(row.old[1]) == "１"


def test_held_clauses_names_missing_old_wording_and_unknown_wording():
    required = [rec("A", "第２", "乙は、秘密を守らなければならない。"),
                rec("B", "第３", "乙は、毎月報告しなければならない。"),
                rec("N", "第４", "新しい条。"), rec("X", "第５", "本文。")]  # fmt: skip
    held = [*OLD[:2], bare("X")]
    assert held_clauses(held, required) == {"missing": ["N"], "old_wording": ["B"], "unknown_wording": ["X"]}
    # a clause only renumbered is held in the current wording; one not required is not reported at all
    assert held_clauses(OLD, required[:1]) == {"missing": [], "old_wording": [], "unknown_wording": []}
