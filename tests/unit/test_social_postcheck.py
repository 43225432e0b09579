"""The post check: マイナンバー check digits, personal data, classified markers, links, platform length limits."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from governance.social.personal_data import find_personal_data, is_valid_mynumber, mask, mynumber_check_digit
from governance.social.postcheck import RULES, check_post
from governance.social.rules import AccountRules, Approval, RuleTemplate, effective_rules
from governance.social.textcount import find_links, twitter_length


def reference_check_digit(base11: str) -> int:
    """An independent reading of 番号法施行令 第8条, written from the left instead of the right.

    The leftmost of the 11 digits is P11 (weight 11 − 5 = 6), then P10 (5) … P7 (2), P6 (7), P5 (6) … P1 (2).
    """
    weights = [6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2]
    remainder = sum(w * int(d) for w, d in zip(weights, base11, strict=True)) % 11
    return 0 if remainder in (0, 1) else 11 - remainder


def valid(base11: str) -> str:
    return base11 + str(reference_check_digit(base11))


def invalid(base11: str) -> str:
    return base11 + str((reference_check_digit(base11) + 1) % 10)


VALID = valid("12345678901")  # 123456789018, the usual example
INVALID = invalid("12345678901")

RULES_X = effective_rules(RuleTemplate(), AccountRules(content_categories=("イベント・講座",)))


def rules_of(result):
    return [f.rule for f in result.findings]


# --- マイナンバー -------------------------------------------------------------------------------------------------


def test_known_example_has_check_digit_8():
    assert mynumber_check_digit("12345678901") == 8 and VALID == "123456789018"


@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_check_digit_matches_an_independent_reading_of_the_rule(base):
    assert mynumber_check_digit(base) == reference_check_digit(base)
    assert is_valid_mynumber(valid(base))
    assert not is_valid_mynumber(invalid(base))


@pytest.mark.parametrize("bad", ["1234567890", "１２３４５６７８９０１", "1234567890a", "٠١٢٣٤٥٦٧٨٩٠"])
def test_check_digit_needs_eleven_ascii_digits(bad):
    with pytest.raises(ValueError):
        mynumber_check_digit(bad)


@pytest.mark.parametrize(
    "written",
    [
        VALID,
        "１２３４５６７８９０１８",  # full-width digits
        "1234 5678 9018",
        "1234-5678-9018",
        "1234－5678－9018",  # full-width hyphen
        "1234　5678　9018",  # full-width spaces
        "1234 - 5678 - 9018",
        "１２３４ー５６７８ー９０１８",  # the long-vowel mark typed as a hyphen
        "1 2 3 4 5 6 7 8 9 0 1 8",
    ],
)
def test_a_valid_mynumber_is_flagged_however_it_is_written(written):
    result = check_post(f"申請者の個人番号は{written}です。", RULES_X, platform_code="x")
    assert rules_of(result) == ["mynumber"]
    finding = result.findings[0]
    assert finding.severity == "error" and "SNS-06" in finding.requirement_ids
    assert f"申請者の個人番号は{written}です。"[finding.start : finding.end] == written
    assert not result.ok


@pytest.mark.parametrize(
    "written", [INVALID, "１２３４５６７８９０１２", "1234 5678 9012", "1234-5678-9012", "1234　5678　9010"]
)
def test_a_twelve_digit_number_with_a_wrong_check_digit_is_not_a_mynumber(written):
    result = check_post(f"受付番号{written}でお問い合わせください。", RULES_X, platform_code="x")
    assert "mynumber" not in rules_of(result)
    assert "phone" not in rules_of(result)


@pytest.mark.parametrize(
    "text",
    [
        f"9{VALID}",  # 13 digits
        f"{VALID}0",
        f"{VALID[:4]}-{VALID[4:8]}-{VALID[8:]}-1234",  # part of a longer grouped number
        f"12-{VALID}",
        "12345678901",  # 11 digits
    ],
)
def test_only_whole_twelve_digit_numbers_are_considered(text):
    assert not [m for m in find_personal_data(text) if m.kind == "mynumber"]


def test_the_finding_does_not_repeat_the_whole_number():
    finding = check_post(VALID, RULES_X, platform_code="x").findings[0]
    assert finding.excerpt == "12＊＊＊＊＊＊＊＊18" and VALID not in finding.message
    assert mask("mynumber", "1234-5678-9018") == "12＊＊-＊＊＊＊-＊＊18"


# --- other personal data ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("連絡先 090-1234-5678", "phone"),
        ("連絡先 09012345678", "phone"),
        ("連絡先 ０９０－１２３４－５６７８", "phone"),
        ("電話(0574)62-1111", "phone"),
        ("+81 90-1234-5678", "phone"),
        ("メール taro.yamada@example.com まで", "email"),
        ("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏｍ", "email"),
        ("〒509-0292", "address"),
        ("広見一丁目1番地", "address"),
        ("今渡２丁目３－４", "address"),
        ("123番地の4", "address"),
        ("5番6号", "address"),
        ("住所は広見1-1です", "address"),
    ],
)
def test_personal_data_is_found(text, kind):
    found = find_personal_data(text)
    assert [m.kind for m in found] == [kind]
    assert found[0].text in text


@pytest.mark.parametrize(
    "text",
    ["令和8年4月1日（水）10時から", "参加者は120人でした", "試合は3-1で勝ちました", "予算は1,234,567円", "2026-04-01"],
)
def test_ordinary_numbers_are_not_personal_data(text):
    assert find_personal_data(text) == []


def test_published_contacts_are_not_reported():
    template = RuleTemplate(allowed_contacts=("0574-62-1111", "joho@city.kani.lg.jp", "広見一丁目1番地"))
    rules = effective_rules(template, AccountRules(content_categories=("イベント・講座",)))
    text = "問合せ：0574(62)1111、joho@city.kani.lg.jp、可児市広見一丁目1番地。担当090-1111-2222"
    result = check_post(text, rules, platform_code="facebook")
    assert [(f.rule, f.excerpt) for f in result.findings] == [("phone", "090-1111-2222")]


def test_numbers_inside_a_link_are_not_phone_numbers():
    text = "詳しくは https://www.city.kani.lg.jp/0574621111.html"
    assert check_post(text, RULES_X, platform_code="x").findings == ()


# --- classified markers, prohibited terms ------------------------------------------------------------------------


@pytest.mark.parametrize("marker", ["機密性2", "機密性２", "取扱注意", "庁内限り", "部外秘", "関係者限り"])
def test_classified_markers_are_errors_citing_sns_04(marker):
    result = check_post(f"【{marker}】来週の会議資料です", RULES_X, platform_code="x")
    assert rules_of(result) == ["classified"]
    assert result.findings[0].requirement_ids == ("SNS-04",) and not result.ok


def test_markers_are_configurable_by_template_and_account():
    template = RuleTemplate(classified_markers=("社外秘",))
    rules = effective_rules(
        template, AccountRules(content_categories=("イベント・講座",), extra_classified_markers=("未発表",))
    )
    result = check_post("社外秘 未発表 庁内限り", rules, platform_code="x")
    assert [f.excerpt for f in result.findings] == ["社外秘", "未発表"]


def test_overlapping_markers_are_reported_once_as_the_longest():
    result = check_post("取扱厳重注意", RULES_X, platform_code="x")
    assert [f.excerpt for f in result.findings] == ["取扱厳重注意"]


def test_prohibited_terms_of_the_account_are_warnings():
    rules = effective_rules(
        RuleTemplate(), AccountRules(content_categories=("イベント・講座",), prohibited_terms=("立候補",))
    )
    result = check_post("○○氏が立候補を表明", rules, platform_code="x")
    assert rules_of(result) == ["prohibited_term"] and result.ok  # a warning: look before posting


# --- links -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("link", ["https://bit.ly/3abcD", "http://t.co/xyz", "tinyurl.com/abc", "https://lin.ee/AbC"])
def test_url_shorteners_are_refused(link):
    result = check_post(f"詳細は {link} へ", RULES_X, platform_code="x")
    assert rules_of(result) == ["shortener"] and result.findings[0].requirement_ids == ("SNS-02",)


def test_links_outside_the_allowed_domains_are_refused():
    text = "市HP https://www.city.kani.lg.jp/1.html 国 https://www.soumu.go.jp/ 他 https://example.com/a"
    result = check_post(text, RULES_X, platform_code="x")
    assert [(f.rule, f.excerpt) for f in result.findings] == [("link_domain", "https://example.com/a")]


def test_an_account_may_narrow_its_link_domains():
    rules = effective_rules(
        RuleTemplate(), AccountRules(content_categories=("イベント・講座",), allowed_link_domains=("city.kani.lg.jp",))
    )
    result = check_post("https://www.city.kani.lg.jp/ https://www.pref.gifu.lg.jp/", rules, platform_code="x")
    assert [f.excerpt for f in result.findings] == ["https://www.pref.gifu.lg.jp/"]


def test_bare_domains_are_links_as_x_links_them():
    assert [link.host for link in find_links("詳細はcity.kani.lg.jp/a をご覧ください")] == ["city.kani.lg.jp"]
    assert find_links("ファイル名は report.pdf と setup.js") == []
    assert find_links("example.jp") == []  # a bare name.<country code> without a path is not linked
    assert find_links("taro@example.com") == []


# --- length ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("a" * 280, 280),
        ("あ" * 140, 280),
        ("漢字かなカナ", 12),
        ("ｶﾅ", 4),  # half-width katakana is outside the light ranges
        ("café", 4),
        ("a“b”c", 5),  # U+201C/U+201D are in the light range 2010–201F
        ("、。", 4),
        ("https://www.city.kani.lg.jp/soshiki/very/long/path/0001234567.html", 23),
        ("詳細はcity.kani.lg.jp/abc をご覧ください", 6 + 23 + 1 + 14),
        ("👍", 2),
        ("👍🏽", 2),  # skin tone
        ("👨‍👩‍👧", 2),  # ZWJ sequence
        ("🇯🇵", 2),  # flag
        ("1️⃣", 2),  # keycap
        ("e\u0301", 1),  # NFC: é
    ],
)
def test_x_counts_the_twitter_text_way(text, length):
    assert twitter_length(text) == length


def test_x_limit_is_280_weighted():
    assert "length" not in rules_of(check_post("あ" * 140, RULES_X, platform_code="x"))
    result = check_post("あ" * 141, RULES_X, platform_code="x")
    assert rules_of(result) == ["length"] and result.length == 282 and result.max_length == 280
    assert "2文字超えています" in result.findings[0].message


def test_other_platforms_count_characters():
    assert check_post("あ" * 500, RULES_X, platform_code="line").length == 500
    assert rules_of(check_post("あ" * 501, RULES_X, platform_code="line")) == ["length"]
    assert rules_of(check_post("あ" * 2200, RULES_X, platform_code="instagram")) == []
    assert check_post("あ" * 99999, RULES_X, platform_code="note").max_length is None


# --- hours, notes, result ----------------------------------------------------------------------------------------


def test_posting_hours_are_checked_when_a_time_is_given():
    rules = effective_rules(
        RuleTemplate(),
        AccountRules(content_categories=("イベント・講座",), hours_start=dt.time(8, 30), hours_end=dt.time(17, 15)),
    )
    late = dt.datetime(2026, 4, 1, 22, 0)
    assert rules_of(check_post("お知らせ", rules, platform_code="x", posting_at=late)) == ["posting_hours"]
    assert rules_of(check_post("お知らせ", rules, platform_code="x", posting_at=late.replace(hour=9))) == []
    assert rules_of(check_post("お知らせ", rules, platform_code="x")) == []


def test_notes_remind_of_approval_and_sns_07():
    rules = effective_rules(
        RuleTemplate(), AccountRules(content_categories=("イベント・講座",), approval=Approval.responsible)
    )
    result = check_post("大雨警報のため避難所を開設しました", rules, platform_code="x")
    assert result.findings == () and result.ok
    assert any("承認" in n for n in result.notes) and any("SNS-07" in n for n in result.notes)


def test_every_finding_names_its_rule_and_requirement():
    text = f"【庁内限り】{VALID} 090-1234-5678 https://bit.ly/x https://example.com/ " + "あ" * 200
    result = check_post(text, RULES_X, platform_code="x")
    assert set(result.rules_broken) == {"classified", "mynumber", "phone", "shortener", "link_domain", "length"}
    for f in result.findings:
        assert f.rule in RULES and f.label == RULES[f.rule].label and f.message
        assert f.requirement_ids == RULES[f.rule].requirement_ids
    assert [f.rule for f in result.findings][:2] == ["classified", "mynumber"]  # in the order of the text


def test_a_clean_post_passes():
    result = check_post(
        "【イベント】4月1日に可児市文化創造センターで講座を開きます。詳しくは https://www.city.kani.lg.jp/event/1.html",
        RULES_X,
        platform_code="x",
    )
    assert result.findings == () and result.ok and result.length < 280
