"""Turn an HTML form into a Struct, with a Japanese message per field for every constraint it breaks.

The Struct's ``msgspec.Meta`` (title, lengths, pattern, bounds) is the single declaration: Litestar uses it for the
JSON API and OpenAPI, this module for pages. Values the user typed are returned either way, so nothing is lost.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import msgspec
from msgspec import inspect as mi

from governance.calendar import parse_date_text
from governance.schema import (
    CONTROL_BUT_TAB_LF,
    CONTROL_CHARACTERS,
    DATE_RANGE_KEY,
    MULTI_LINE_PATTERNS,
    SINGLE_LINE_PATTERNS,
)

T = TypeVar("T")

_CONTROL = re.compile(f"[{CONTROL_CHARACTERS}]")
_CONTROL_IN_TEXT = re.compile(f"[{CONTROL_BUT_TAB_LF}]")
_SHARED_PATTERNS = SINGLE_LINE_PATTERNS | MULTI_LINE_PATTERNS
_BLANK = " \t\n\r\u3000"
"""What is trimmed from the ends of a typed value (spaces and line breaks; never other control characters)."""
_FIELD_PATH = re.compile(r"\$\.(\w+)")
_CHECKED = {"on", "true", "1", "yes"}


@dataclass
class FormResult(Generic[T]):
    """The parsed Struct (or None), field errors, and the raw values to show again."""

    value: T | None
    errors: dict[str, str] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Tell whether the form parsed without errors."""
        return self.value is not None and not self.errors


def require_confirmation(result: FormResult[Any], form: Any, field: str) -> None:
    """Add an error when ``<field>_confirm`` differs from ``<field>`` (checked once the form itself parsed)."""
    if result.ok and form.get(field) != form.get(f"{field}_confirm"):
        result.errors[f"{field}_confirm"] = "確認用のパスワードが一致しません。"


def _unwrap(t: mi.Type) -> tuple[mi.Type, dict[str, Any], bool, dict[str, Any]]:
    """Return the core type, its JSON-schema extras (title, description), whether None is allowed, and its extra."""
    extra: dict[str, Any] = {}
    meta: dict[str, Any] = {}
    optional = False
    if isinstance(t, mi.Metadata):
        extra = dict(t.extra_json_schema or {})
        meta = dict(t.extra or {})
        t = t.type
    if isinstance(t, mi.UnionType):
        members = [m for m in t.types if not isinstance(m, mi.NoneType)]
        optional = len(members) < len(t.types)
        if len(members) == 1:
            inner, inner_extra, _, inner_meta = _unwrap(members[0])
            return inner, {**inner_extra, **extra}, optional, {**inner_meta, **meta}
    return t, extra, optional, meta


def _choices(t: mi.Type) -> dict[str, Any] | None:
    """The allowed values of a Literal or Enum type by their form text, or None for any other type."""
    if isinstance(t, mi.LiteralType):
        return {str(v): v for v in t.values}
    if isinstance(t, mi.EnumType):
        return {str(m.value): m.value for m in t.cls}
    return None


def _is_multiline(t: mi.StrType, named: bool) -> bool:
    """A shared text type says itself whether it is multi-line; any other text follows the caller's list."""
    if t.pattern in MULTI_LINE_PATTERNS:
        return True
    if t.pattern in SINGLE_LINE_PATTERNS:
        return False
    return named


def _text(value: str, title: str, t: mi.StrType, extra: dict[str, Any], multiline: bool) -> tuple[str, str | None]:
    value = value.replace("\r\n", "\n").replace("\r", "\n").strip(_BLANK)
    if multiline and _CONTROL_IN_TEXT.search(value):
        return value, f"{title}に制御文字は使えません（改行とタブは使えます）。"
    if not multiline and _CONTROL.search(value):
        return value, f"{title}に改行や制御文字は使えません。"
    if t.max_length is not None and len(value) > t.max_length:
        return value, f"{title}は{t.max_length}文字以内で入力してください（現在{len(value)}文字）。"
    if t.min_length is not None and len(value) < t.min_length:
        if len(value) == 0:
            return value, f"{title}を入力してください。"
        return value, f"{title}は{t.min_length}文字以上で入力してください。"
    if t.pattern is not None and t.pattern not in _SHARED_PATTERNS and value and not re.search(t.pattern, value):
        hint = extra.get("description")
        return value, f"{title}の形式が正しくありません。" + (f"（{hint}）" if hint else "")
    return value, None


def _number(raw: str, title: str, t: mi.IntType) -> tuple[Any, str | None]:
    text = unicodedata.normalize("NFKC", raw).replace(",", "").strip()
    if not re.fullmatch(r"-?\d+", text):
        return raw, f"{title}は数字で入力してください。"
    n = int(text)
    if t.ge is not None and n < t.ge:
        return raw, f"{title}は{t.ge}以上の数で入力してください。"
    if t.le is not None and n > t.le:
        return raw, f"{title}は{t.le}以下の数で入力してください。"
    return n, None


DATE_FORMS = "「令和8年4月1日」「R8.4.1」「2026-04-01」のいずれかの形"
"""The ways a date may be typed, as the error message names them."""


def _date(raw: str, title: str, meta: dict[str, Any]) -> tuple[Any, str | None]:
    """A typed date: ISO or 2026/4/1, or 和暦 (令和8年4月1日, 令和元年5月1日, R8.4.1, H31.4.30).

    A 和暦 year past its era's end (平成32年) is refused rather than converted: the clerk probably meant another
    year, and guessing would store a date nobody typed.
    """
    day = parse_date_text(raw)
    if day is None:
        return raw, f"{title}は{DATE_FORMS}で、実在する日付を入力してください。"
    bounds = meta.get(DATE_RANGE_KEY)
    if bounds and not bounds[0] <= day <= bounds[1]:
        first, last = bounds
        return raw, f"{title}は{first:%Y-%m-%d}から{last:%Y-%m-%d}までの日付を入力してください。"
    return day, None


def _list(items: list[str], title: str, t: mi.ListType) -> tuple[list[Any], str | None]:
    if t.min_length and len(items) < t.min_length:
        return items, f"{title}を{t.min_length}つ以上選んでください。"
    if t.max_length is not None and len(items) > t.max_length:
        return items, f"{title}は{t.max_length}つまで選べます。"
    item_type, item_extra, _, _ = _unwrap(t.item_type)
    allowed = _choices(item_type)
    if allowed is not None:
        if any(i not in allowed for i in items):
            return items, f"{title}は選択肢から選んでください。"
        return [allowed[i] for i in items], None
    if isinstance(item_type, mi.StrType):
        texts: list[Any] = []
        for item in items:
            text, err = _text(item, title, item_type, item_extra, False)
            if err:
                return items, err
            texts.append(text)
        return texts, None
    return items, None


def parse_form(form: Any, struct_type: type[T], *, multiline: frozenset[str] = frozenset()) -> FormResult[T]:
    """Parse a submitted form (a ``FormMultiDict``) into ``struct_type``.

    Args:
        form: the form data; ``getall`` is used for list fields.
        struct_type: the msgspec Struct that declares fields, titles and constraints.
        multiline: names of fields (textareas) where line breaks are allowed.

    Returns:
        The result: the Struct when every field is valid, otherwise the errors; always the raw values.
    """
    info = mi.type_info(struct_type)
    assert isinstance(info, mi.StructType)
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    raw: dict[str, Any] = {}
    for f in info.fields:
        t, extra, optional, meta = _unwrap(f.type)
        title = extra.get("title", f.name)
        if isinstance(t, mi.ListType):
            items = [str(v).strip(_BLANK) for v in form.getall(f.name, []) if str(v).strip(_BLANK)]
            raw[f.name] = items
            values[f.name], err = _list(items, title, t)
            if err:
                errors[f.name] = err
            continue
        if isinstance(t, mi.BoolType):
            checked = str(form.get(f.name, "")).strip().lower() in _CHECKED
            raw[f.name] = checked
            values[f.name] = checked
            continue
        value = form.get(f.name)
        value = "" if value is None else str(value)
        raw[f.name] = value
        allowed = _choices(t)
        if value.strip(_BLANK) == "":
            if optional:
                values[f.name] = None
                continue
            if not f.required and not isinstance(t, mi.StrType):
                continue  # keep the Struct's default
            if isinstance(t, mi.StrType) and not (t.min_length or 0) and not f.required:
                values[f.name] = ""
                continue
            choose = isinstance(t, mi.IntType) or allowed is not None
            errors[f.name] = f"{title}を{'選んで' if choose else '入力して'}ください。"
            continue
        if isinstance(t, mi.StrType):
            values[f.name], err = _text(value, title, t, extra, _is_multiline(t, f.name in multiline))
        elif isinstance(t, mi.IntType):
            values[f.name], err = _number(value, title, t)
        elif isinstance(t, mi.DateType):
            values[f.name], err = _date(value, title, meta)
        elif allowed is not None:
            text = value.strip(_BLANK)
            values[f.name] = allowed.get(text, text)
            err = None if text in allowed else f"{title}は選択肢から選んでください。"
        else:
            values[f.name], err = value, None
        if err:
            errors[f.name] = err
    if errors:
        return FormResult(None, errors, raw)
    try:
        return FormResult(msgspec.convert(values, struct_type), {}, raw)
    except msgspec.ValidationError as exc:  # a constraint this module does not know: still a clear 422
        match = _FIELD_PATH.search(str(exc))
        name = match.group(1) if match else "__all__"
        return FormResult(None, {name: "入力内容を確認してください。"}, raw)
