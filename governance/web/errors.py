"""One place that turns every exception into a response: problem+json on ``/api``, a Japanese page elsewhere."""

from __future__ import annotations

import logging
import secrets
from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, PermissionDeniedException, ValidationException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from governance.db import is_bad_text, is_unique_violation
from governance.errors import DomainError, ValidationError
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
    405: "この方法ではアクセスできません。",
    500: (
        "処理中に予期しないエラーが発生しました。お手数ですが、下記の受付番号を添えてシステム管理者に連絡してください。"
    ),
}


def _is_api(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith(API_PREFIX) or request.url.path.startswith("/schema")


def _classify(exc: Exception) -> tuple[int, str, str, list[dict[str, str]]]:
    """Return status, title, detail and field errors for an exception."""
    if isinstance(exc, ValidationError):
        fields = [{"field": k, "message": v} for k, v in exc.field_errors.items()]
        return exc.status_code, exc.title, exc.message, fields
    if isinstance(exc, DomainError):
        return exc.status_code, exc.title, exc.message, []
    if isinstance(exc, ValidationException):
        fields = []
        for item in exc.extra or []:
            if isinstance(item, dict):
                fields.append({"field": str(item.get("key", "")), "message": str(item.get("message", ""))})
        return (
            400,
            STATUS_TITLES[400],
            "リクエストの内容を解釈できませんでした。項目と値の形式を確認してください。",
            fields,
        )
    if is_bad_text(exc):
        detail = "使用できない文字（NUL文字など）が含まれています。入力内容を確認してください。"
        return 400, STATUS_TITLES[400], detail, []
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


def _is_csrf_failure(exc: Exception) -> bool:
    return isinstance(exc, PermissionDeniedException) and "csrf" in str(exc.detail).lower()


def _is_japanese(text: str) -> bool:
    return any("\u3040" <= ch <= "\u9fff" for ch in text)


def exception_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Render any exception for the interface the request came through."""
    status, title, detail, fields = _classify(exc)
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
    return Template(
        template_name="errors/error.html",
        context={"status": status, "title": title, "detail": detail, "field_errors": fields, "incident": incident},
        status_code=status,
    )
