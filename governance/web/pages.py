"""Small helpers for HTML controllers: the signed-in user, rendering, redirects with a notice."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import NotAuthorizedException
from litestar.response import Redirect, Template

from governance.accounts.services import Principal

# Notices shown after a redirect; the query string carries only the key, never text.
NOTICES: dict[str, str] = {
    "saved": "保存しました。",
    "filled": "未評価だった基準を「適合」として保存しました。各欄の内容を確認してください。",
    "submitted": "保存して、承認を依頼しました。",
    "created": "登録しました。",
    "imported": "一覧を取り込みました。取り込んだ記録は一覧の「登録順」又は「新しい順」で確認できます。",
    "bid_package_created": "調達用一式を作成しました。一覧からダウンロードできます。",
    "draft_created": "契約書案を作成しました。内容を確認して確定してください。",
    "amendment_created": "変更契約書（覚書）案を作成しました。内容を確認して確定し、締結を記録してください。",
    "signed_out": "ログアウトしました。",
    "setup_done": "初期設定が完了しました。作成した管理者でログインしてください。",
    "password_changed": "パスワードを変更しました。",
    "password_reset": "パスワードを再設定しました。対象ユーザーのログイン中の画面はすべてログアウトされました。",
    "token_revoked": "APIトークンを失効させました。",
    "session_expired": "ログインの有効期間が終了したため、ログアウトしました。もう一度ログインしてください。",
}


def principal(request: Request[Any, Any, Any]) -> Principal:
    """Return the signed-in user (the access guard has already refused anonymous requests).

    Raises:
        NotAuthorizedException: when nobody is signed in.
    """
    user = request.scope.get("user")
    if user is None:
        raise NotAuthorizedException()
    return user


def render(template: str, *, status_code: int = 200, **context: Any) -> Template:
    """Render a page template."""
    return Template(template_name=template, context=context, status_code=status_code)


def redirect(path: str, notice: str | None = None) -> Redirect:
    """Redirect after a successful post (303, so the browser then GETs)."""
    if notice:
        assert notice in NOTICES, notice
        path, hash_, fragment = path.partition("#")  # the query goes before the fragment
        path += ("&" if "?" in path else "?") + f"notice={notice}" + hash_ + fragment
    return Redirect(path=path, status_code=303)


def notice_of(request: Request[Any, Any, Any]) -> str | None:
    """Return the notice named in the query string, if it is a known one."""
    return NOTICES.get(request.query_params.get("notice", ""))


def safe_next(target: str | None) -> str:
    """Accept only a local path as a post-login destination (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
