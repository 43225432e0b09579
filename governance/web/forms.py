"""Turn an HTML form into a Struct, with a Japanese message per field for every constraint it breaks.

The Struct's ``msgspec.Meta`` (title, lengths, pattern, bounds) is the single declaration: Litestar uses it for the
JSON API and OpenAPI, this module for pages. Values the user typed are returned either way, so nothing is lost.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import msgspec
from msgspec import inspect as mi

T = TypeVar("T")

# C0 and C1 control characters (except tab, LF, CR, handled below) and the Unicode line/paragraph separators.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
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


def _unwrap(t: mi.Type) -> tuple[mi.Type, dict[str, Any], bool]:
    """Return the core type, its JSON-schema extras (title, description) and whether None is allowed."""
    extra: dict[str, Any] = {}
    optional = False
    if isinstance(t, mi.Metadata):
        extra = dict(t.extra_json_schema or {})
        t = t.type
    if isinstance(t, mi.UnionType):
        members = [m for m in t.types if not isinstance(m, mi.NoneType)]
        optional = len(members) < len(t.types)
        if len(members) == 1:
            inner, inner_extra, _ = _unwrap(members[0])
            return inner, {**inner_extra, **extra}, optional
    return t, extra, optional


def _text(value: str, title: str, t: mi.StrType, extra: dict[str, Any], multiline: bool) -> tuple[str, str | None]:
    value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if _CONTROL.search(value) or (not multiline and ("\n" in value or "\t" in value)):
        return value, f"{title}に使用できない文字（改行・制御文字など）が含まれています。"
    if t.max_length is not None and len(value) > t.max_length:
        return value, f"{title}は{t.max_length}文字以内で入力してください（現在{len(value)}文字）。"
    if t.min_length is not None and len(value) < t.min_length:
        if len(value) == 0:
            return value, f"{title}を入力してください。"
        return value, f"{title}は{t.min_length}文字以上で入力してください。"
    if t.pattern is not None and value and not re.search(t.pattern, value):
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


def _date(raw: str, title: str) -> tuple[Any, str | None]:
    text = unicodedata.normalize("NFKC", raw).strip().replace("/", "-")
    try:
        return dt.date.fromisoformat(text), None
    except ValueError:
        return raw, f"{title}は「2026-04-01」の形式で、実在する日付を入力してください。"


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
        t, extra, optional = _unwrap(f.type)
        title = extra.get("title", f.name)
        if isinstance(t, mi.ListType):
            items = [str(v).strip() for v in form.getall(f.name, []) if str(v).strip()]
            raw[f.name] = items
            if t.min_length and len(items) < t.min_length:
                errors[f.name] = f"{title}を{t.min_length}つ以上選んでください。"
            elif t.max_length is not None and len(items) > t.max_length:
                errors[f.name] = f"{title}は{t.max_length}つまで選べます。"
            values[f.name] = items
            continue
        if isinstance(t, mi.BoolType):
            checked = str(form.get(f.name, "")).strip().lower() in _CHECKED
            raw[f.name] = checked
            values[f.name] = checked
            continue
        value = form.get(f.name)
        value = "" if value is None else str(value)
        raw[f.name] = value
        if value.strip() == "":
            if optional:
                values[f.name] = None
                continue
            if not f.required and not isinstance(t, mi.StrType):
                continue  # keep the Struct's default
            if isinstance(t, mi.StrType) and not (t.min_length or 0) and not f.required:
                values[f.name] = ""
                continue
            errors[f.name] = f"{title}を{'選んで' if isinstance(t, mi.IntType) else '入力して'}ください。"
            continue
        if isinstance(t, mi.StrType):
            values[f.name], err = _text(value, title, t, extra, f.name in multiline)
        elif isinstance(t, mi.IntType):
            values[f.name], err = _number(value, title, t)
        elif isinstance(t, mi.DateType):
            values[f.name], err = _date(value, title)
        elif isinstance(t, mi.LiteralType):
            values[f.name] = value.strip()
            err = None if value.strip() in t.values else f"{title}は選択肢から選んでください。"
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
