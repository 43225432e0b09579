"""The shared input types (one line, several lines, not blank, bounded dates, codes) and how forms word them.

Issue 12: one bad value must not stop the service, and the API says what it accepts. The same msgspec types serve
the JSON API and the HTML forms, so both refuse the same values; these tests hold the types, every schema that
should use them, the term limit, and parse_form's Japanese messages.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import re
from enum import StrEnum
from typing import Annotated, Any, Literal, get_args

import msgspec
import pytest
from litestar.datastructures import FormMultiDict
from msgspec import inspect as mi

from governance.engagements.term import MAX_TERM_YEARS, Term
from governance.schema import (
    MAX_DATE,
    MIN_DATE,
    Date,
    MultiLine,
    RequiredLine,
    RequiredText,
    SingleLine,
    Struct,
    choice,
)
from governance.settings import Settings, SettingsError
from governance.web.forms import parse_form

CONTROLS = ["\n", "\r", "\r\n", "\t", "\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x85", "\x9b",
            "\u2028", "\u2029"]  # fmt: skip
"""Line breaks and control characters no name or title may hold."""
CONTROLS_IN_TEXT = [c for c in CONTROLS if c not in ("\n", "\t")]
"""What even a multi-line text refuses (a client sends line feeds, not CR LF)."""
BLANKS = ["", " ", "\u3000", " \u3000 ", "\u3000\u3000"]


class Sample(Struct, kw_only=True):
    """One field of each shared type."""

    name: Annotated[RequiredLine, msgspec.Meta(title="名称", max_length=20)]
    kana: Annotated[SingleLine, msgspec.Meta(title="カナ", max_length=20)] = ""
    summary: Annotated[RequiredText, msgspec.Meta(title="概要", max_length=50)] = "概要"
    notes: Annotated[MultiLine, msgspec.Meta(title="備考", max_length=50)] = ""
    start: Annotated[Date, msgspec.Meta(title="開始日")] | None = None


def decode(**values: Any) -> Sample:
    return msgspec.json.decode(msgspec.json.encode({"name": "株式会社みどり", **values}), type=Sample)


# --- the shared types, as the API decodes them ----------------------------------------------------------------------


@pytest.mark.parametrize("char", CONTROLS)
@pytest.mark.parametrize("where", ["middle", "end", "start"])
def test_one_line_types_refuse_line_breaks_and_controls(char: str, where: str) -> None:
    value = {"middle": f"株式会社{char}みどり", "end": f"株式会社みどり{char}", "start": f"{char}株式会社みどり"}[where]
    for field in ("name", "kana"):
        with pytest.raises(msgspec.ValidationError, match=rf"\$\.{field}"):
            decode(**{field: value})


@pytest.mark.parametrize("char", CONTROLS_IN_TEXT)
def test_multi_line_types_refuse_controls_other_than_line_feed_and_tab(char: str) -> None:
    for field in ("summary", "notes"):
        with pytest.raises(msgspec.ValidationError, match=rf"\$\.{field}"):
            decode(**{field: f"一行目{char}二行目"})


def test_multi_line_types_keep_line_feeds_and_tabs_exactly() -> None:
    got = decode(summary="一行目\n\t二行目\n", notes="\n（１）甲\n（２）乙")
    assert got.summary == "一行目\n\t二行目\n" and got.notes == "\n（１）甲\n（２）乙"


@pytest.mark.parametrize("value", ["株式会社みどり", "Ａ＆Ｂ（株）", "O'Reilly & Sons", "  前後に空白  ", "絵🙂", "ｶﾅ"])
def test_one_line_types_accept_ordinary_text_unchanged(value: str) -> None:
    assert decode(name=value, kana=value).name == value


@pytest.mark.parametrize("value", BLANKS)
def test_required_line_refuses_a_value_made_only_of_spaces(value: str) -> None:
    with pytest.raises(msgspec.ValidationError, match=r"\$\.name"):
        decode(name=value)


@pytest.mark.parametrize("value", [*BLANKS, "\n", " \n\t\u3000"])
def test_required_text_refuses_a_value_made_only_of_spaces_and_line_breaks(value: str) -> None:
    with pytest.raises(msgspec.ValidationError, match=r"\$\.summary"):
        decode(summary=value)


def test_optional_types_accept_empty_text() -> None:
    assert decode(kana="", notes="").kana == ""


def test_required_one_line_is_linear_on_long_input() -> None:
    """The not-blank pattern has no nested repetition: a long refused value is answered at once."""
    import time

    began = time.perf_counter()
    for field in ("name", "summary"):
        with pytest.raises(msgspec.ValidationError):
            msgspec.convert({"name": "x", field: "あ" * 50_000 + "\x01"}, type=Sample)
    assert time.perf_counter() - began < 1


@pytest.mark.parametrize("day", [MIN_DATE, dt.date(2026, 4, 1), MAX_DATE])
def test_date_inside_bounds_is_accepted(day: dt.date) -> None:
    assert decode(start=day.isoformat()).start == day


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "2201-01-01", "9999-12-31"])
def test_date_outside_bounds_is_refused(day: str) -> None:
    expected = r"Expected a date from 1900-01-01 to 2200-12-31 - at `\$\.start`"
    with pytest.raises(msgspec.ValidationError, match=expected):
        decode(start=day)


def test_date_bounds_are_published_in_the_json_schema() -> None:
    start = msgspec.json.schema(Sample)["$defs"]["Sample"]["properties"]["start"]
    assert "1900-01-01〜2200-12-31" in str(start)


def test_choice_takes_label_dict_keys_and_enum_values_in_order() -> None:
    class Colour(StrEnum):
        red = "red"
        blue = "blue"

    assert get_args(choice({"b": "B", "a": "A"})) == ("b", "a")
    assert get_args(choice(Colour)) == ("red", "blue")
    assert all(type(v) is str for v in get_args(choice(Colour)))
    assert choice(["x", "x", "y"]) == Literal["x", "y"]


# --- every schema uses them ----------------------------------------------------------------------------------------

DOMAINS = ["accounts", "contractors", "contracts", "engagements", "external", "social", "verification"]


def _input_structs() -> list[type]:
    """Structs that declare constraints (titles, lengths) on their fields: the request and form shapes."""
    found = []
    for domain in DOMAINS:
        module = importlib.import_module(f"governance.{domain}.schemas")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if not issubclass(cls, msgspec.Struct) or cls.__module__ != module.__name__:
                continue
            info = mi.type_info(cls)
            if any(_meta(f.type) for f in info.fields):
                found.append(cls)
    return found


def _meta(t: mi.Type) -> bool:
    if isinstance(t, mi.UnionType):
        return any(_meta(m) for m in t.types)
    return isinstance(t, mi.Metadata)


def _leaves(t: mi.Type) -> list[tuple[mi.Type, dict]]:
    """The core types of a field (through unions and lists), each with its ``Meta.extra``."""
    extra: dict = {}
    if isinstance(t, mi.Metadata):
        extra = dict(t.extra or {})
        t = t.type
    if isinstance(t, mi.UnionType):
        return [leaf for m in t.types for leaf in _leaves(m)]
    if isinstance(t, mi.ListType):
        return _leaves(t.item_type)
    return [(t, extra)]


INPUT_STRUCTS = _input_structs()


def test_the_input_structs_are_found() -> None:
    names = {c.__name__ for c in INPUT_STRUCTS}
    assert {"ContractorCreate", "EngagementCreate", "AccountCreate", "ServiceCreate", "MeasureIn"} <= names
    assert {"UserCreate", "SignatureIn", "ReportForm", "TemplateUpdate", "RecordIn"} <= names


@pytest.mark.parametrize("struct", INPUT_STRUCTS, ids=lambda c: f"{c.__module__.split('.')[1]}.{c.__name__}")
def test_every_text_field_refuses_control_characters(struct: type) -> None:
    for f in mi.type_info(struct).fields:
        for leaf, _ in _leaves(f.type):
            if isinstance(leaf, mi.StrType):
                assert leaf.pattern, f"{struct.__name__}.{f.name} takes any text"
                for char in CONTROLS_IN_TEXT:
                    assert not re.search(leaf.pattern, f"a{char}b"), (struct.__name__, f.name, char)
                    assert not re.search(leaf.pattern, f"ab{char}"), (struct.__name__, f.name, char)


@pytest.mark.parametrize("struct", INPUT_STRUCTS, ids=lambda c: f"{c.__module__.split('.')[1]}.{c.__name__}")
def test_every_date_field_is_bounded(struct: type) -> None:
    for f in mi.type_info(struct).fields:
        for leaf, extra in _leaves(f.type):
            if isinstance(leaf, mi.DateType):
                assert extra.get("date_range") == (MIN_DATE, MAX_DATE), f"{struct.__name__}.{f.name}"


@pytest.mark.parametrize("struct", INPUT_STRUCTS, ids=lambda c: f"{c.__module__.split('.')[1]}.{c.__name__}")
def test_every_required_text_refuses_blanks(struct: type) -> None:
    for f in mi.type_info(struct).fields:
        for leaf, _ in _leaves(f.type):
            if isinstance(leaf, mi.StrType) and leaf.min_length and f.name not in _PASSWORDS:
                for blank in (" ", "\u3000", " \u3000"):
                    assert not re.search(leaf.pattern or "", blank), (struct.__name__, f.name)


_PASSWORDS = {"password", "current_password", "new_password"}
"""A password is not a name: spaces are characters like any other there."""


def _codes(struct: type, field: str) -> tuple:
    for f in mi.type_info(struct).fields:
        if f.name == field:
            leaves = [leaf for leaf, _ in _leaves(f.type) if not isinstance(leaf, mi.NoneType)]
            assert len(leaves) == 1 and isinstance(leaves[0], mi.LiteralType), (struct.__name__, field, leaves)
            return leaves[0].values
    raise AssertionError(f"{struct.__name__} has no field {field}")


def _code_fields() -> list[tuple[str, str, str, Any]]:
    from governance.accounts.roles import Role
    from governance.contractors.tables import CERTIFICATION_LABELS, CONTRACTOR_STATUS_LABELS
    from governance.engagements.criteria import ANSWER_LABELS
    from governance.engagements.facts import (
        CONFIDENTIALITY_LABELS,
        SEGMENT_LABELS,
        WORK_KIND_LABELS,
        WORK_LOCATION_LABELS,
        Scheme,
    )
    from governance.engagements.services import SELECTION_METHODS
    from governance.engagements.tables import ENGAGEMENT_STATUS_LABELS
    from governance.engagements.term import RENEWAL_LABELS
    from governance.external.codes import DATA_LOCATION_LABELS, ISMAP_LABELS, PLATFORM_LABELS, SERVICE_KIND_LABELS
    from governance.social.checklist import BADGE_LABELS
    from governance.social.incidents import INCIDENT_KIND_LABELS
    from governance.social.rules import APPROVAL_LABELS, FOLLOW_LABELS, REPLY_LABELS
    from governance.verification.tables import ITEM_RESULT_LABELS, MEASURE_KIND_LABELS, SEVERITY_LABELS

    return [
        ("contractors", "ContractorCreate", "status", CONTRACTOR_STATUS_LABELS),
        ("contractors", "CertificationCreate", "kind", CERTIFICATION_LABELS),
        ("engagements", "EngagementCreate", "work_kinds", WORK_KIND_LABELS),
        ("engagements", "EngagementCreate", "work_locations", WORK_LOCATION_LABELS),
        ("engagements", "EngagementCreate", "segments", SEGMENT_LABELS),
        ("engagements", "EngagementCreate", "scheme", list(Scheme)),
        ("engagements", "EngagementCreate", "confidentiality", CONFIDENTIALITY_LABELS),
        ("engagements", "EngagementCreate", "renewal", RENEWAL_LABELS),
        ("engagements", "EngagementCreate", "status", ENGAGEMENT_STATUS_LABELS),
        ("engagements", "SelectionCreate", "method", SELECTION_METHODS),
        ("engagements", "EvaluationIn", "answer", ANSWER_LABELS),
        ("external", "ServiceCreate", "kind", SERVICE_KIND_LABELS),
        ("external", "ServiceCreate", "platform", PLATFORM_LABELS),
        ("external", "ServiceCreate", "data_location", DATA_LOCATION_LABELS),
        ("external", "ServiceCreate", "ismap", ISMAP_LABELS),
        ("external", "ApplicationCreate", "confidentiality", CONFIDENTIALITY_LABELS),
        ("social", "AccountCreate", "approval", APPROVAL_LABELS),
        ("social", "AccountCreate", "reply_policy", REPLY_LABELS),
        ("social", "AccountCreate", "follow_policy", FOLLOW_LABELS),
        ("social", "ChecklistUpdate", "badge", BADGE_LABELS),
        ("social", "IncidentCreate", "kind", INCIDENT_KIND_LABELS),
        ("verification", "ItemResultIn", "result", ITEM_RESULT_LABELS),
        ("verification", "ItemResultIn", "severity", SEVERITY_LABELS),
        ("verification", "MeasureIn", "kind", MEASURE_KIND_LABELS),
        ("accounts", "UserCreate", "roles", list(Role)),
    ]


@pytest.mark.parametrize(("domain", "struct", "field", "source"), _code_fields(), ids=lambda v: str(v)[:30])
def test_code_fields_are_enums_of_the_domain_labels(domain: str, struct: str, field: str, source: Any) -> None:
    cls = getattr(importlib.import_module(f"governance.{domain}.schemas"), struct)
    assert sorted(_codes(cls, field)) == sorted(str(v) for v in source)


def test_list_codes_and_required_categories_as_the_services_require() -> None:
    from governance.social.schemas import AccountCreate, RulesUpdate, TemplateUpdate

    for cls in (RulesUpdate, AccountCreate):
        f = next(f for f in mi.type_info(cls).fields if f.name == "content_categories")
        assert f.required and f.type.type.min_length == 1  # type: ignore[attr-defined]
    assert next(f for f in mi.type_info(TemplateUpdate).fields if f.name == "content_categories").required


# --- contract term ------------------------------------------------------------------------------------------------


def test_term_up_to_the_limit_is_accepted() -> None:
    assert MAX_TERM_YEARS == 10
    assert Term(dt.date(2026, 4, 1), dt.date(2036, 3, 31)).problems() == {}


def test_term_longer_than_the_default_limit_is_refused() -> None:
    assert Term(dt.date(2026, 4, 1), dt.date(2036, 4, 1)).problems() == {
        "end_date": "契約期間は10年以内にしてください（この開始日では令和18年3月31日まで）。"
    }


def test_term_limit_passed_in_wins_over_the_default() -> None:
    term = Term(dt.date(2026, 4, 1), dt.date(2031, 3, 31))
    assert term.problems(max_years=5) == {}
    assert "end_date" in term.problems(max_years=4)
    assert Term(dt.date(2026, 4, 1), dt.date(2046, 3, 31)).problems(max_years=20) == {}


def test_reversed_term_keeps_its_own_message() -> None:
    assert Term(dt.date(2026, 4, 1), dt.date(2026, 3, 31)).problems(max_years=1) == {
        "end_date": "契約期間の終了日は開始日以降の日付にしてください。"
    }


def test_max_contract_term_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOVERNANCE_MAX_CONTRACT_TERM_YEARS", raising=False)
    assert Settings.from_env().max_contract_term_years == MAX_TERM_YEARS
    monkeypatch.setenv("GOVERNANCE_MAX_CONTRACT_TERM_YEARS", "5")
    assert Settings.from_env().max_contract_term_years == 5
    for bad in ("0", "101", "ten"):
        monkeypatch.setenv("GOVERNANCE_MAX_CONTRACT_TERM_YEARS", bad)
        with pytest.raises(SettingsError, match="GOVERNANCE_MAX_CONTRACT_TERM_YEARS"):
            Settings.from_env()


# --- parse_form words the same types in Japanese --------------------------------------------------------------------


Colour = Literal["red", "blue"]


class Order(Struct, kw_only=True):
    """A form with a code, a list of codes, a bounded date and the shared text types."""

    name: Annotated[RequiredLine, msgspec.Meta(title="名称", max_length=20)]
    colour: Annotated[Colour, msgspec.Meta(title="色")] = "red"
    sizes: Annotated[list[Literal["s", "m", "l"]], msgspec.Meta(title="サイズ", min_length=1)]
    delivered_on: Annotated[Date, msgspec.Meta(title="納品日")] | None = None
    notes: Annotated[MultiLine, msgspec.Meta(title="備考", max_length=100)] = ""
    kana: Annotated[SingleLine, msgspec.Meta(title="カナ", max_length=20)] = ""


VALID_ORDER = [("name", "みどり商店"), ("colour", "blue"), ("sizes", "s"), ("sizes", "l"),
               ("delivered_on", "2026-04-01"), ("notes", "一行目\r\n二行目"), ("kana", "ミドリ")]  # fmt: skip


def parse(*replace: tuple[str, str], drop: tuple[str, ...] = (), multiline: frozenset[str] = frozenset()):
    names = {k for k, _ in replace} | set(drop)
    pairs = [(k, v) for k, v in VALID_ORDER if k not in names] + list(replace)
    return parse_form(FormMultiDict(pairs), Order, multiline=multiline)


def test_form_with_the_shared_types_parses() -> None:
    result = parse()
    assert result.ok, result.errors
    assert result.value == Order(name="みどり商店", colour="blue", sizes=["s", "l"], delivered_on=dt.date(2026, 4, 1),
                                 notes="一行目\n二行目", kana="ミドリ")  # fmt: skip


def test_unknown_code_asks_to_choose_and_keeps_the_value() -> None:
    result = parse(("colour", "green"))
    assert result.errors == {"colour": "色は選択肢から選んでください。"}
    assert result.raw["colour"] == "green"


def test_unknown_code_in_a_list_asks_to_choose_and_keeps_every_value() -> None:
    result = parse(("sizes", "m"), ("sizes", "xl"), drop=("sizes",))
    assert result.errors == {"sizes": "サイズは選択肢から選んでください。"}
    assert result.raw["sizes"] == ["m", "xl"]


def test_empty_list_of_codes_asks_for_one() -> None:
    assert parse(drop=("sizes",)).errors == {"sizes": "サイズを1つ以上選んでください。"}


@pytest.mark.parametrize("day", ["1899-12-31", "2201-01-01", "0001-01-01"])
def test_date_outside_bounds_gets_a_japanese_message_and_is_kept(day: str) -> None:
    result = parse(("delivered_on", day))
    assert result.errors == {"delivered_on": "納品日は1900-01-01から2200-12-31までの日付を入力してください。"}
    assert result.raw["delivered_on"] == day


@pytest.mark.parametrize("char", [c for c in CONTROLS if c not in ("\r\n", "\r", "\n", "\t")])
def test_control_character_at_either_end_is_refused_not_dropped(char: str) -> None:
    for value in (f"みどり{char}", f"{char}みどり"):
        result = parse(("name", value))
        assert result.errors == {"name": "名称に改行や制御文字は使えません。"}, (char, value)
        assert result.raw["name"] == value


def test_the_schema_says_which_text_is_multi_line_whatever_the_page_lists() -> None:
    """A one-line type refuses line breaks even if a page names the field multi-line, and the other way round."""
    refused = parse(("kana", "ミ\nドリ"), multiline=frozenset({"kana"}))
    assert refused.errors == {"kana": "カナに改行や制御文字は使えません。"}
    accepted = parse(("notes", "一行目\n二行目"), multiline=frozenset())
    assert accepted.ok and accepted.value is not None and accepted.value.notes == "一行目\n二行目"


def test_multi_line_text_names_what_it_refuses() -> None:
    expected = {"notes": "備考に制御文字は使えません（改行とタブは使えます）。"}
    assert parse(("notes", "一行目\x0c二行目")).errors == expected


@pytest.mark.parametrize("value", ["\u3000", " \u3000 ", "\u3000\r\n"])
def test_name_of_spaces_asks_for_input(value: str) -> None:
    result = parse(("name", value))
    assert result.errors == {"name": "名称を入力してください。"}
    assert result.raw["name"] == value


def test_sns_account_responsible_person_of_full_width_spaces_is_refused() -> None:
    from governance.social.schemas import AccountCreate

    form = FormMultiDict([
        ("service_id", "1"), ("url", "https://x.com/Midori_City"), ("display_name", "みどり市役所"),
        ("department_id", "1"), ("purpose", "市政情報をお知らせするため"), ("responsible_name", "\u3000\u3000"),
        ("content_categories", "市政・行政のお知らせ"),
    ])  # fmt: skip
    result = parse_form(form, AccountCreate)
    assert result.errors == {"responsible_name": "責任者の氏名を入力してください。"}
    assert result.raw["display_name"] == "みどり市役所"


def test_every_refused_value_is_returned_to_the_page() -> None:
    result = parse(("name", "み\x01どり"), ("colour", "green"), ("sizes", "xl"), ("delivered_on", "2300-01-01"),
                   ("kana", "ミ\tドリ"), drop=("sizes",))  # fmt: skip
    assert set(result.errors) == {"name", "colour", "sizes", "delivered_on", "kana"}
    assert result.raw == {"name": "み\x01どり", "colour": "green", "sizes": ["xl"], "delivered_on": "2300-01-01",
                          "notes": "一行目\r\n二行目", "kana": "ミ\tドリ"}  # fmt: skip
