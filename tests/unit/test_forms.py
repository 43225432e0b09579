"""Unit tests for parse_form: HTML forms into Structs, with a Japanese message per broken constraint."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st
from litestar.datastructures import FormMultiDict

from governance.accounts.schemas import SetupForm, UserCreate
from governance.web.forms import FormResult, parse_form


class Request(msgspec.Struct, kw_only=True):
    """A small form exercising every kind of field parse_form knows."""

    code: Annotated[
        str,
        msgspec.Meta(
            title="管理番号",
            min_length=4,
            max_length=10,
            pattern=r"^[A-Z]{2}-\d+$",
            description="英大文字2字・ハイフン・数字（例: AB-12）",
        ),
    ]
    subject: Annotated[str, msgspec.Meta(title="件名", min_length=1, max_length=20)]
    quantity: Annotated[int, msgspec.Meta(title="件数", ge=1, le=999)]
    due_on: Annotated[dt.date | None, msgspec.Meta(title="期限")] = None
    urgent: bool = False
    tags: Annotated[list[str], msgspec.Meta(title="区分", min_length=1)]
    note: Annotated[str, msgspec.Meta(title="備考", max_length=200)] = ""


VALID: dict[str, Any] = {
    "code": "AB-12",
    "subject": "委託先の点検",
    "quantity": "3",
    "due_on": "2026-04-01",
    "urgent": "on",
    "tags": ["外部委託", "クラウド"],
    "note": "",
}


def form(**overrides: Any) -> FormMultiDict:
    """The valid form with some fields replaced; a value of None leaves the field out entirely."""
    data = {**VALID, **overrides}
    items: list[tuple[str, Any]] = []
    for name, value in data.items():
        if value is None:
            continue
        if isinstance(value, list):
            items.extend((name, v) for v in value)
        else:
            items.append((name, value))
    return FormMultiDict(items)


def parse(**overrides: Any) -> FormResult[Request]:
    return parse_form(form(**overrides), Request)


# --- success -------------------------------------------------------------------------------------------------------


def test_valid_form_parses_into_the_struct() -> None:
    result = parse()
    assert result.ok
    assert result.errors == {}
    assert result.value == Request(
        code="AB-12",
        subject="委託先の点検",
        quantity=3,
        due_on=dt.date(2026, 4, 1),
        urgent=True,
        tags=["外部委託", "クラウド"],
        note="",
    )


def test_surrounding_whitespace_is_stripped_from_text() -> None:
    result = parse(subject="  委託先の点検\u3000", code=" AB-12 ")
    assert result.ok
    assert result.value is not None
    assert result.value.subject == "委託先の点検"
    assert result.value.code == "AB-12"


def test_raw_values_are_returned_as_typed_when_the_form_is_valid() -> None:
    result = parse(subject="  件名  ", quantity="１２")
    assert result.raw["subject"] == "  件名  "
    assert result.raw["quantity"] == "１２"
    assert result.raw["urgent"] is True
    assert result.raw["tags"] == ["外部委託", "クラウド"]


def test_raw_values_are_returned_when_the_form_has_errors() -> None:
    result = parse(subject="", quantity="たくさん", due_on="2026-02-30", tags=None)
    assert not result.ok
    assert result.value is None
    assert result.raw == {
        "code": "AB-12",
        "subject": "",
        "quantity": "たくさん",
        "due_on": "2026-02-30",
        "urgent": True,
        "tags": [],
        "note": "",
    }


def test_every_broken_field_gets_its_own_message() -> None:
    result = parse(code="x", subject="", quantity="abc", due_on="明日", tags=None)
    assert set(result.errors) == {"code", "subject", "quantity", "due_on", "tags"}


def test_fields_not_in_the_struct_are_ignored() -> None:
    result = parse_form(FormMultiDict([*form().multi_items(), ("_csrf_token", "abc")]), Request)
    assert result.ok
    assert "_csrf_token" not in result.raw


# --- text ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value"), ["", "   ", "\u3000", None])
def test_blank_required_text_asks_for_input(value: str | None) -> None:
    assert parse(subject=value).errors == {"subject": "件名を入力してください。"}


def test_text_longer_than_max_length_reports_the_current_length() -> None:
    assert parse(subject="あ" * 21).errors == {"subject": "件名は20文字以内で入力してください（現在21文字）。"}


def test_max_length_counts_characters_not_bytes() -> None:
    result = parse(subject="漢" * 20)
    assert result.ok


def test_max_length_is_checked_after_stripping() -> None:
    assert parse(subject="  " + "あ" * 20 + "  ").ok


def test_text_shorter_than_min_length() -> None:
    assert parse(code="A-1").errors == {"code": "管理番号は4文字以上で入力してください。"}


@pytest.mark.parametrize("value", ["ab-12", "AB12", "ABC-1", "AB-1x"])
def test_pattern_mismatch_explains_the_format_with_the_description(value: str) -> None:
    assert parse(code=value).errors == {
        "code": "管理番号の形式が正しくありません。（英大文字2字・ハイフン・数字（例: AB-12））"
    }


def test_pattern_mismatch_without_description_has_no_hint() -> None:
    class Dept(msgspec.Struct):
        code: Annotated[str, msgspec.Meta(title="所属コード", min_length=1, pattern=r"^[a-z]+$")]

    assert parse_form(FormMultiDict([("code", "ABC")]), Dept).errors == {"code": "所属コードの形式が正しくありません。"}


def test_field_without_title_uses_its_name_in_messages() -> None:
    class Plain(msgspec.Struct):
        label: Annotated[str, msgspec.Meta(max_length=3)]

    assert parse_form(FormMultiDict([("label", "abcd")]), Plain).errors == {
        "label": "labelは3文字以内で入力してください（現在4文字）。"
    }


BAD_CHARACTER = "件名に改行や制御文字は使えません。"


@pytest.mark.parametrize(
    "char",
    [
        "\n",
        "\r\n",
        "\t",
        "\x00",
        "\x08",
        "\x0b",
        "\x0c",
        "\x1b",
        "\x7f",
        "\u2028",
        "\u2029",
        "\r",
        "\x85",
        "\x9b",
    ],
)
def test_single_line_field_refuses_line_breaks_and_control_characters(char: str) -> None:
    assert parse(subject=f"前{char}後").errors == {"subject": BAD_CHARACTER}


def test_trailing_newline_is_stripped_rather_than_refused() -> None:
    result = parse(subject="件名\r\n")
    assert result.ok
    assert result.value is not None
    assert result.value.subject == "件名"


def test_multiline_field_allows_line_breaks_and_normalizes_crlf() -> None:
    result = parse_form(form(note="一行目\r\n二行目\n\t三行目"), Request, multiline=frozenset({"note"}))
    assert result.ok
    assert result.value is not None
    assert result.value.note == "一行目\n二行目\n\t三行目"
    assert result.raw["note"] == "一行目\r\n二行目\n\t三行目"


def test_line_breaks_are_refused_in_a_field_not_named_multiline() -> None:
    result = parse_form(form(note="一行目\r\n二行目"), Request, multiline=frozenset({"subject"}))
    assert result.errors == {"note": "備考に改行や制御文字は使えません。"}


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x7f", "\u2028"])
def test_multiline_field_still_refuses_control_characters(char: str) -> None:
    result = parse_form(form(note=f"一行目{char}二行目"), Request, multiline=frozenset({"note"}))
    assert result.errors == {"note": "備考に制御文字は使えません（改行とタブは使えます）。"}


def test_multiline_max_length_counts_crlf_as_one_character() -> None:
    class Memo(msgspec.Struct):
        body: Annotated[str, msgspec.Meta(title="本文", max_length=3)]

    ok = parse_form(FormMultiDict([("body", "a\r\nb")]), Memo, multiline=frozenset({"body"}))
    assert ok.value == Memo(body="a\nb")


def test_blank_optional_text_without_min_length_becomes_empty_string() -> None:
    result = parse(note="   ")
    assert result.ok
    assert result.value is not None
    assert result.value.note == ""


def test_missing_optional_text_uses_empty_string() -> None:
    result = parse(note=None)
    assert result.ok
    assert result.value is not None
    assert result.value.note == ""


def test_blank_text_or_none_field_becomes_none() -> None:
    class Contact(msgspec.Struct):
        phone: Annotated[str, msgspec.Meta(title="電話", min_length=5)] | None

    assert parse_form(FormMultiDict([("phone", " ")]), Contact).value == Contact(phone=None)


# --- integers ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3", 3),
        (" 42 ", 42),
        ("１２３", 123),  # full-width digits
        ("９９９", 999),
        ("0001", 1),
    ],
)
def test_integer_accepts_half_and_full_width_digits(value: str, expected: int) -> None:
    result = parse(quantity=value)
    assert result.ok, result.errors
    assert result.value is not None
    assert result.value.quantity == expected


def test_integer_accepts_thousands_separators() -> None:
    class Budget(msgspec.Struct):
        yen: Annotated[int, msgspec.Meta(title="金額", ge=0)]

    assert parse_form(FormMultiDict([("yen", "1,234,567")]), Budget).value == Budget(yen=1234567)
    assert parse_form(FormMultiDict([("yen", "１，０００")]), Budget).value == Budget(yen=1000)


@pytest.mark.parametrize("value", ["abc", "1.5", "1e3", "三", "12個", "+-3", "--1"])
def test_non_numeric_integer_asks_for_digits(value: str) -> None:
    result = parse(quantity=value)
    assert result.errors == {"quantity": "件数は数字で入力してください。"}
    assert result.raw["quantity"] == value


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "件数は1以上の数で入力してください。"),
        ("-5", "件数は1以上の数で入力してください。"),
        ("－５", "件数は1以上の数で入力してください。"),  # full-width minus
        ("1000", "件数は999以下の数で入力してください。"),
        ("1,000", "件数は999以下の数で入力してください。"),
    ],
)
def test_integer_outside_bounds(value: str, message: str) -> None:
    assert parse(quantity=value).errors == {"quantity": message}


@pytest.mark.parametrize("value", ["1", "999"])
def test_integer_bounds_are_inclusive(value: str) -> None:
    assert parse(quantity=value).ok


@pytest.mark.parametrize("value", ["", "  ", None])
def test_blank_required_integer_asks_for_a_choice(value: str | None) -> None:
    assert parse(quantity=value).errors == {"quantity": "件数を選んでください。"}


def test_blank_integer_with_default_keeps_the_default() -> None:
    class Paging(msgspec.Struct):
        per_page: Annotated[int, msgspec.Meta(title="件数", ge=1)] = 50

    assert parse_form(FormMultiDict([("per_page", "")]), Paging).value == Paging(per_page=50)
    assert parse_form(FormMultiDict([]), Paging).value == Paging(per_page=50)


@given(st.integers(min_value=1, max_value=999))
def test_any_in_range_integer_round_trips_in_half_and_full_width(n: int) -> None:
    full_width = str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    for text in (str(n), full_width):
        result = parse(quantity=text)
        assert result.value is not None
        assert result.value.quantity == n


# --- dates ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["2026-04-01", "2026/04/01", " 2026-04-01 ", "２０２６－０４－０１", "２０２６／０４／０１"],
)
def test_date_accepts_iso_slashes_and_full_width(value: str) -> None:
    result = parse(due_on=value)
    assert result.ok, result.errors
    assert result.value is not None
    assert result.value.due_on == dt.date(2026, 4, 1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("令和8年4月1日", dt.date(2026, 4, 1)),
        ("R8.4.1", dt.date(2026, 4, 1)),
        ("r8.4.1", dt.date(2026, 4, 1)),
        ("Ｒ８．４．１", dt.date(2026, 4, 1)),
        ("令和元年5月1日", dt.date(2019, 5, 1)),
        ("R1.5.1", dt.date(2019, 5, 1)),
        ("H31.4.30", dt.date(2019, 4, 30)),
        ("平成31年4月30日", dt.date(2019, 4, 30)),
        ("昭和64年1月7日", dt.date(1989, 1, 7)),
        ("令和 8年 4月 1日", dt.date(2026, 4, 1)),
        ("2026年4月1日", dt.date(2026, 4, 1)),
        ("2026/4/1", dt.date(2026, 4, 1)),
    ],
)
def test_date_accepts_wareki_typed_as_text(value: str, expected: dt.date) -> None:
    result = parse(due_on=value)
    assert result.ok, result.errors
    assert result.value is not None and result.value.due_on == expected


@pytest.mark.parametrize(
    "value",
    [
        "2026-02-30", "2026-13-01", "明日", "04/01/2026", "2026-4-1x",
        "令和8年2月30日",  # no such day
        "平成32年1月1日",  # past the end of 平成 (that day is 令和2年1月1日): refused, not converted
        "H31.5.1",  # 平成 ended on 4/30
        "令和元年4月30日",  # 令和 began on 5/1
        "R8.4",  # no day
        "X8.4.1",  # no such era
    ],
)  # fmt: skip
def test_invalid_date_explains_the_expected_format(value: str) -> None:
    result = parse(due_on=value)
    assert result.errors == {
        "due_on": "期限は「令和8年4月1日」「R8.4.1」「2026-04-01」のいずれかの形で、実在する日付を入力してください。"
    }
    assert result.raw["due_on"] == value


@pytest.mark.parametrize("value", ["", "  ", None])
def test_blank_optional_date_becomes_none(value: str | None) -> None:
    result = parse(due_on=value)
    assert result.ok
    assert result.value is not None
    assert result.value.due_on is None


def test_blank_required_date_asks_for_input() -> None:
    class Deadline(msgspec.Struct):
        on: Annotated[dt.date, msgspec.Meta(title="締切日")]

    assert parse_form(FormMultiDict([("on", "")]), Deadline).errors == {"on": "締切日を入力してください。"}


# --- checkboxes ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, False),  # an unticked checkbox is not submitted at all
        ("", False),
        ("on", True),
        ("ON", True),
        ("true", True),
        ("1", True),
        ("yes", True),
        ("off", False),
        ("0", False),
        ("false", False),
    ],
)
def test_checkbox(value: str | None, expected: bool) -> None:
    result = parse(urgent=value)
    assert result.ok
    assert result.value is not None
    assert result.value.urgent is expected
    assert result.raw["urgent"] is expected


# --- lists ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, [], [""], ["  ", ""]])
def test_list_below_min_length_asks_to_choose_one(value: list[str] | None) -> None:
    assert parse(tags=value).errors == {"tags": "区分を1つ以上選んでください。"}


def test_list_items_are_stripped_and_blanks_dropped() -> None:
    result = parse(tags=[" 外部委託 ", "", "SNS"])
    assert result.value is not None
    assert result.value.tags == ["外部委託", "SNS"]
    assert result.raw["tags"] == ["外部委託", "SNS"]


def test_list_keeps_submission_order() -> None:
    result = parse(tags=["c", "a", "b"])
    assert result.value is not None
    assert result.value.tags == ["c", "a", "b"]


# --- constraints only msgspec knows ---------------------------------------------------------------------------------


class Strict(msgspec.Struct):
    n: Annotated[int, msgspec.Meta(title="数", gt=0)]


def test_constraint_parse_form_does_not_check_still_fails_the_form() -> None:
    result = parse_form(FormMultiDict([("n", "0")]), Strict)
    assert not result.ok
    assert result.value is None
    assert list(result.errors.values()) == ["入力内容を確認してください。"]
    assert result.raw == {"n": "0"}


def test_msgspec_only_constraint_error_is_keyed_by_the_field_name() -> None:
    assert parse_form(FormMultiDict([("n", "0")]), Strict).errors == {"n": "入力内容を確認してください。"}


# --- the real account schemas --------------------------------------------------------------------------------------


USER_FORM = [
    ("_csrf_token", "token"),
    ("username", "tanaka.taro"),
    ("full_name", "田中 太郎"),
    ("department_id", "3"),
    ("roles", "department_staff"),
    ("roles", "procurement"),
    ("password", "correct-horse-battery"),
    ("email", ""),
]


def user_form(**overrides: Any) -> FormMultiDict:
    items = [(k, v) for k, v in USER_FORM if k not in overrides]
    for name, value in overrides.items():
        if isinstance(value, list):
            items.extend((name, v) for v in value)
        elif value is not None:
            items.append((name, value))
    return FormMultiDict(items)


def test_user_create_parses_from_a_realistic_form() -> None:
    result = parse_form(user_form(), UserCreate)
    assert result.ok, result.errors
    assert result.value == UserCreate(
        username="tanaka.taro",
        full_name="田中 太郎",
        department_id=3,
        roles=["department_staff", "procurement"],
        password="correct-horse-battery",
        email="",
    )


def test_user_create_with_email_and_full_width_department() -> None:
    result = parse_form(user_form(department_id="１２", email=" tanaka@example.lg.jp "), UserCreate)
    assert result.value is not None
    assert (result.value.department_id, result.value.email) == (12, "tanaka@example.lg.jp")


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ({"username": "ta"}, {"username": "ユーザー名は3文字以上で入力してください。"}),
        (
            {"username": "tanaka taro"},
            {"username": "ユーザー名の形式が正しくありません。（半角英数字とピリオド・ハイフン・下線（3〜64文字））"},
        ),
        (
            {"username": ".tanaka"},
            {"username": "ユーザー名の形式が正しくありません。（半角英数字とピリオド・ハイフン・下線（3〜64文字））"},
        ),
        ({"username": "a" * 65}, {"username": "ユーザー名は64文字以内で入力してください（現在65文字）。"}),
        ({"full_name": ""}, {"full_name": "氏名を入力してください。"}),
        ({"department_id": ""}, {"department_id": "所属を選んでください。"}),
        ({"department_id": "0"}, {"department_id": "所属は1以上の数で入力してください。"}),
        ({"department_id": "総務課"}, {"department_id": "所属は数字で入力してください。"}),
        ({"roles": []}, {"roles": "役割を1つ以上選んでください。"}),
        ({"password": ""}, {"password": "パスワードを入力してください。"}),
    ],
)
def test_user_create_reports_japanese_messages(overrides: dict[str, Any], errors: dict[str, str]) -> None:
    result = parse_form(user_form(**overrides), UserCreate)
    assert result.value is None
    assert result.errors == errors


def test_user_create_with_too_many_roles_reports_on_the_roles_field() -> None:
    result = parse_form(user_form(roles=["auditor"] * 7), UserCreate)
    assert result.value is None
    assert set(result.errors) == {"roles"}


def test_setup_form_parses_from_a_realistic_form() -> None:
    data = FormMultiDict(
        [
            ("_csrf_token", "token"),
            ("username", "admin"),
            ("full_name", "情報 管理者"),
            ("department_code", "soumu-01"),
            ("department_name", "総務課"),
            ("password", "a long pass phrase"),
            ("email", "admin@example.lg.jp"),
        ]
    )
    result = parse_form(data, SetupForm)
    assert result.ok, result.errors
    assert result.value == SetupForm(
        username="admin",
        full_name="情報 管理者",
        department_code="soumu-01",
        department_name="総務課",
        password="a long pass phrase",
        email="admin@example.lg.jp",
    )


def test_setup_form_refuses_a_bad_department_code_and_missing_name() -> None:
    data = FormMultiDict(
        [
            ("username", "admin"),
            ("full_name", "情報 管理者"),
            ("department_code", "総務"),
            ("department_name", ""),
            ("password", "a long pass phrase"),
        ]
    )
    result = parse_form(data, SetupForm)
    assert result.value is None
    assert result.errors == {
        "department_code": "所属コードの形式が正しくありません。",
        "department_name": "所属名を入力してください。",
    }
