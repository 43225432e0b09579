"""One place that turns every exception into a response: problem+json on ``/api``, a Japanese page elsewhere."""

from __future__ import annotations

import logging
import re
import secrets
import sqlite3
import types
import typing
from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, PermissionDeniedException, ValidationException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from governance.db import is_bad_text, is_unique_violation
from governance.errors import DomainError, ValidationError
from governance.municipality.controllers import last_seen_municipality
from governance.web.authentication import API_PREFIX, CSRF_COOKIE, SESSION_COOKIE

log = logging.getLogger("governance.errors")

STATUS_TITLES: dict[int, str] = {
    400: "リクエストの内容に誤りがあります",
    401: "ログインが必要です",
    403: "アクセスする権限がありません",
    404: "ページが見つかりません",
    405: "この方法ではアクセスできません",
    409: "現在の状態では実行できません",
    413: "送信されたデータが大きすぎます",
    422: "入力内容に誤りがあります",
    429: "アクセスが集中しています",
    500: "システムエラーが発生しました",
    503: "サービスを一時的に利用できません",
}

STATUS_DETAILS: dict[int, str] = {
    401: "ログインしてから操作してください。",
    403: "この操作を行う権限がありません。必要な場合はシステム管理者に役割の付与を依頼してください。",
    404: "お探しのページは見つかりませんでした。URLに誤りがないか、削除されていないかを確認してください。",
    400: "送信された内容を解釈できませんでした。形式（JSONの書き方、項目の値）を確認してください。",
    405: "この方法ではアクセスできません。",
    413: "送信されたデータが大きすぎます。ファイルの大きさや数を確認してください。",
    429: "アクセスが集中しています。しばらく待ってから、もう一度操作してください。",
    500: (
        "処理中に予期しないエラーが発生しました。お手数ですが、下記の受付番号を添えてシステム管理者に連絡してください。"
    ),
}


TOO_DEEP = "送信されたデータの入れ子（階層）が深すぎます。データの構造を確認してください。"
OUT_OF_RANGE = "指定された数値又は日付が、扱える範囲を超えています。値を確認してください。"
SCHEMA_DETAIL = "入力内容に誤りがあります。項目ごとの内容を確認してください。"
PARAM_DETAIL = "リクエストの内容を解釈できませんでした。項目と値の形式を確認してください。"
PUBLIC_PAGES = "/official-accounts"  # the citizens' pages (governance/social/controllers/_public.py)

PARAM_LABELS: dict[str, str] = {
    "data": "送信内容",
    "page": "ページ番号",
    "per_page": "1ページの件数",
    "limit": "件数",
    "offset": "開始位置",
    "q": "検索語",
    "status": "状態",
    "sort": "並び順",
    "date_from": "開始日",
    "date_to": "終了日",
    "actor": "操作者",
    "action": "操作",
    "target_type": "対象の種別",
    "target_id": "対象のID",
    "department_id": "所属",
    "tier": "区分",
    "days": "日数",
    "format": "出力形式",
}
"""Japanese names of query and path parameters (body fields take the ``title`` of their schema)."""

TYPE_LABELS: dict[str, str] = {
    "int": "整数",
    "float": "数値",
    "str": "文字列",
    "bool": "真偽値（true 又は false）",
    "array": "配列",
    "object": "オブジェクト（{…}）",
    "null": "null",
    "date": "日付（2026-04-01の形式）",
    "datetime": "日時（2026-04-01T09:00:00+09:00の形式）",
    "time": "時刻",
    "uuid": "UUID",
    "bytes": "バイト列",
    "decimal": "数値",
}

_SIZE = {">=": "以上", "<=": "以下", ">": "より大きい値", "<": "未満"}


def schema_message(message: str, label: str) -> str:
    """Translate one msgspec/Litestar validation message into Japanese, naming the field by its label.

    Args:
        message: the English message (``Expected `int`, got `str```, ``Object missing required field `name```, …).
        label: the field's Japanese title (or its name).

    Returns:
        A Japanese message; a message that is already Japanese is kept.
    """
    if _is_japanese(message):
        return message
    name = f"「{label}」"
    if m := re.match(r"Expected `([^`]+)`, got `([^`]+)`", message):
        expected = m.group(1)
        if "|" in expected:
            kinds = [TYPE_LABELS.get(t.strip(), t.strip()) for t in expected.split("|") if t.strip() != "null"]
            return f"{name}は{'又は'.join(kinds)}で指定してください。"
        return f"{name}は{TYPE_LABELS.get(expected, expected)}で指定してください。"
    if m := re.match(r"Expected `(str|array|object|bytes)` of length (>=|<=|>|<) (\d+)", message):
        kind, op, n = m.groups()
        unit = "文字" if kind == "str" else "件"
        if kind == "str" and op == ">=" and n == "1":
            return f"{name}を入力してください。"
        if op == "<=":
            return f"{name}は{n}{unit}以内で入力してください。"
        return f"{name}は{n}{unit}{_SIZE[op]}で入力してください。"
    if m := re.match(r"Expected `(int|float|decimal)` (>=|<=|>|<) (-?[\d.e+]+)", message):
        _, op, n = m.groups()
        return f"{name}は{n}{_SIZE[op]}の数値で指定してください。"
    if re.match(r"Expected `\w+` that is a multiple of", message):
        return f"{name}の値が正しくありません。"
    if re.match(r"Expected `str` matching regex", message):
        if "\\x00" in message or "x00-" in message:  # the shared text types (no control characters, not blank)
            return f"{name}に改行や制御文字など使えない文字が含まれているか、内容が空白だけです。"
        return f"{name}の形式が正しくありません。"
    if m := re.match(r"Object missing required field `([^`]+)`", message):
        return f"{name}は必須です。"
    if m := re.match(r"Object contains unknown field `([^`]+)`", message):
        return f"{name}という項目はありません。項目名を確認してください。"
    if message.startswith("Invalid enum value"):
        return f"{name}は選択肢から選んでください。"
    if m := re.match(r"Invalid (?:RFC3339|ISO ?8601) encoded (date|datetime|time)", message):
        return f"{name}は{TYPE_LABELS[m.group(1)]}で指定してください。"
    if "NUL character" in message:
        return f"{name}に使用できない文字（NUL文字）が含まれています。"
    if message.startswith(("JSON is malformed", "Input data was truncated", "MessagePack data is malformed")):
        return "送信されたJSONの形式が正しくありません。"
    if "out of range" in message:
        return f"{name}の値が扱える範囲を超えています。"
    if message.startswith("Missing required"):
        return f"{name}は必須です。"
    return f"{name}の値が正しくありません。"


def _titles(annotation: Any) -> tuple[str | None, Any]:
    """The ``title`` of an annotated type and the Struct (if any) inside it, through ``| None`` and lists."""
    title = None
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            for meta in annotation.__metadata__:
                title = title or getattr(meta, "title", None)
            annotation = annotation.__origin__
        elif origin in (typing.Union, types.UnionType):
            inner = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = inner[0] if len(inner) == 1 else None
        elif origin in (list, tuple, set, frozenset):
            annotation = typing.get_args(annotation)[0] if typing.get_args(annotation) else None
        else:
            return title, annotation


def _body_label(body: Any, path: list[str]) -> str | None:
    """The title of the field at ``path`` inside the body type (None when unknown)."""
    current, title = body, None
    for part in path:
        if part.isdigit():
            continue
        try:
            hints = typing.get_type_hints(current, include_extras=True)
        except Exception:  # any type that is not a Struct or dataclass simply has no titles
            return None
        if part not in hints:
            return None
        title, current = _titles(hints[part])
    return title


def _body_type(request: Request[Any, Any, Any] | None) -> Any:
    try:
        field = request.route_handler.parsed_fn_signature.parameters.get("data") if request else None
    except Exception:  # errors raised before routing have no handler
        return None
    return _titles(field.annotation)[1] if field is not None else None


def _schema_errors(
    exc: ValidationException, request: Request[Any, Any, Any] | None
) -> tuple[int, str, str, list[dict[str, str]]]:
    """Field errors of a failed schema validation, in Japanese; the body's fields are titled by its schema.

    A body that breaks its schema is 422, as a form that breaks its rules is on the pages; a malformed query or path
    parameter (or a body that is not JSON at all) is 400.
    """
    body = _body_type(request)
    fields: list[dict[str, str]] = []
    in_body = False
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if not isinstance(item, dict):
            continue
        key, message = str(item.get("key", "")), str(item.get("message", ""))
        source = str(item.get("source", ""))
        is_body = source == "body" or key == "data"
        in_body = in_body or is_body
        path = [] if key == "data" else [p for p in re.split(r"[.\[\]]+", key) if p]  # items[0].name
        # A missing or unknown field is reported on its object: name the field itself.
        if m := re.match(r"Object (?:missing required|contains unknown) field `([^`]+)`", message):
            path = [*path, m.group(1)]
        field = key if key != "data" else ""
        if len(path) > len([p for p in re.split(r"[.\[\]]+", field) if p]):  # the missing/unknown field itself
            field = f"{field}.{path[-1]}" if field else path[-1]
        field = field or key
        label = (_body_label(body, path) if is_body and path else None) or PARAM_LABELS.get(field)
        label = label or (f"ID（{field}）" if field.endswith("_id") else field)
        if key == "data" and not path:
            label = PARAM_LABELS["data"]
        fields.append({"field": field, "message": schema_message(message, label)})
    if in_body and not all(f["message"] == "送信されたJSONの形式が正しくありません。" for f in fields):
        return 422, STATUS_TITLES[422], SCHEMA_DETAIL, fields
    return 400, STATUS_TITLES[400], PARAM_DETAIL, fields


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return False
        if isinstance(seen, kind):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _is_out_of_range(exc: BaseException) -> bool:
    """A number or date outside what the database column (or Python) can hold: bad input, not a fault."""
    if isinstance(exc, OverflowError):
        return True
    if isinstance(exc, sqlite3.IntegrityError) and "datatype mismatch" in str(exc):  # e.g. an OFFSET past 2**63
        return True
    try:
        import asyncpg
    except ImportError:  # pragma: no cover
        return False
    if isinstance(exc, (asyncpg.NumericValueOutOfRangeError, asyncpg.DatetimeFieldOverflowError)):
        return True
    return isinstance(exc, asyncpg.DataError) and "out of " in str(exc) and "range" in str(exc)


def _is_api(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith(API_PREFIX) or request.url.path.startswith("/schema")


def _classify(
    exc: Exception, request: Request[Any, Any, Any] | None = None
) -> tuple[int, str, str, list[dict[str, str]]]:
    """Return status, title, detail and field errors for an exception."""
    if isinstance(exc, ValidationError):
        fields = [{"field": k, "message": v} for k, v in exc.field_errors.items()]
        return exc.status_code, exc.title, exc.message, fields
    if isinstance(exc, DomainError):
        return exc.status_code, exc.title, exc.message, []
    if isinstance(exc, ValidationException):
        return _schema_errors(exc, request)
    if _caused_by(exc, RecursionError):
        return 400, STATUS_TITLES[400], TOO_DEEP, []
    if is_bad_text(exc):
        detail = "使用できない文字（NUL文字など）が含まれています。入力内容を確認してください。"
        return 400, STATUS_TITLES[400], detail, []
    if _is_out_of_range(exc):
        return 400, STATUS_TITLES[400], OUT_OF_RANGE, []
    if is_unique_violation(exc):
        return (
            409,
            STATUS_TITLES[409],
            "同じ内容が同時に登録されました。画面を読み込み直して、登録済みの内容を確認してください。",
            [],
        )
    if isinstance(exc, HTTPException):
        status = exc.status_code
        title = STATUS_TITLES.get(status, "リクエストを処理できませんでした")
        detail = exc.detail if exc.detail and _is_japanese(exc.detail) else STATUS_DETAILS.get(status, title)
        return status, title, detail, []
    return HTTP_500_INTERNAL_SERVER_ERROR, STATUS_TITLES[500], STATUS_DETAILS[500], []


def _is_public_page(request: Request[Any, Any, Any]) -> bool:
    """The citizens' pages: the official-account list and each account's 運用ポリシー."""
    path = request.url.path
    return path == PUBLIC_PAGES or path.startswith(PUBLIC_PAGES + "/")


def _is_csrf_failure(exc: Exception) -> bool:
    return isinstance(exc, PermissionDeniedException) and "csrf" in str(exc.detail).lower()


def _is_japanese(text: str) -> bool:
    return any("\u3040" <= ch <= "\u9fff" for ch in text)


def exception_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Render any exception for the interface the request came through."""
    status, title, detail, fields = _classify(exc, request)
    incident = ""
    if status >= 500:
        incident = secrets.token_hex(4).upper()
        log.error("unhandled error %s on %s %s", incident, request.method, request.url.path, exc_info=exc)
    if _is_api(request):
        body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
        if fields:
            body["errors"] = fields
        if incident:
            body["incident"] = incident
        headers = {"WWW-Authenticate": 'Bearer realm="governance"'} if status == 401 else None
        return Response(body, status_code=status, media_type="application/problem+json", headers=headers)
    if isinstance(exc, NotAuthorizedException) and request.method in {"GET", "HEAD"}:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        # A browser that still sends a session cookie had a session that ended (idle, too old, signed out elsewhere).
        notice = "&notice=session_expired" if request.cookies.get(SESSION_COOKIE) else ""
        response = Redirect(path=f"/login?next={quote(target, safe='')}{notice}", status_code=303)
        if notice:
            response.delete_cookie(SESSION_COOKIE, path="/")
        return response
    if _is_csrf_failure(exc):
        # The form was older than the browser's CSRF cookie (or the server's key changed). Drop the cookie so the
        # next page issues a fresh one, and say what to do: this is not a permission problem.
        response = Template(
            template_name="errors/error.html",
            context={
                "status": 403,
                "title": "画面の有効期限が切れました",
                "detail": "画面を表示してから時間がたったか、システムの設定が変わったため、"
                "送信を受け付けられませんでした。お手数ですが、前の画面を開き直してから、もう一度操作してください。",
                "field_errors": [],
                "incident": "",
            },
            status_code=403,
        )
        response.delete_cookie(CSRF_COOKIE, path="/")
        return response
    context = {"status": status, "title": title, "detail": detail, "field_errors": fields, "incident": incident}
    if _is_public_page(request) and status < 500:
        # Citizens on the public pages see the public layout (its header and footer), not the staff system's.
        profile = last_seen_municipality(request)
        context |= {"municipality": profile.display_name, "profile": profile}
        return Template(template_name="errors/public_error.html", context=context, status_code=status)
    return Template(template_name="errors/error.html", context=context, status_code=status)
