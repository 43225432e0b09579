"""First-run setup, sign-in, sign-out, lock-out and sessions."""

from __future__ import annotations

import contextlib
import datetime as dt
import re

from governance.accounts.services import AuthService, SetupService
from governance.accounts.services._auth import SessionPolicy
from governance.accounts.tables import UserSession
from governance.audit.tables import AuditEntry
from governance.errors import AuthenticationError
from tests.helpers import PASSWORD, csrf_headers, login, make_user, post_form


async def test_login_page_is_japanese_and_public(client):
    r = await client.get("/login")
    assert r.status_code == 200
    assert "ログイン" in r.text and 'lang="ja"' in r.text
    assert "gov_csrf" in r.cookies


async def test_anonymous_page_request_redirects_to_login(client):
    r = await client.get("/admin/users")
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=%2Fadmin%2Fusers"


async def test_setup_link_creates_first_admin_once(client):
    token = await SetupService().issue_token()
    assert token
    r = await client.get(f"/setup/{token}")
    assert r.status_code == 200 and "最初の管理者" in r.text
    form = {
        "department_code": "JOHO",
        "department_name": "総務部 情報政策課",
        "username": "admin1",
        "full_name": "管理 太郎",
        "email": "admin1@example.jp",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
    }
    r = await client.post(f"/setup/{token}", data=form, headers=csrf_headers(client))
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    # The link is spent: neither it nor a new one works once a user exists.
    assert (await client.get(f"/setup/{token}")).status_code == 404
    assert await SetupService().issue_token() is None
    r = await login(client, "admin1")
    assert r.status_code == 303
    home = await client.get("/")
    assert "管理 太郎" in home.text and "対応が必要な事項" in home.text
    actions = [r["action"] for r in await AuditEntry.select(AuditEntry.action).order_by(AuditEntry.id)]
    assert actions == ["setup.completed", "user.signed_in"]


async def test_setup_form_keeps_values_and_names_each_error(client):
    token = await SetupService().issue_token()
    await client.get(f"/setup/{token}")
    form = {
        "department_code": "情報",
        "department_name": "情報政策課",
        "username": "a",
        "full_name": "管理 太郎",
        "password": "short",
        "password_confirm": "short",
    }
    r = await client.post(f"/setup/{token}", data=form, headers=csrf_headers(client))
    assert r.status_code == 422
    assert "所属コードの形式が正しくありません" in r.text
    assert "ユーザー名は3文字以上で入力してください" in r.text
    assert 'value="管理 太郎"' in r.text  # nothing the clerk typed is lost


async def test_setup_refuses_expired_or_unknown_token(client):
    assert (await client.get("/setup/not-a-token")).status_code == 404
    token = await SetupService().issue_token(now=dt.datetime.now(dt.UTC) - dt.timedelta(hours=25))
    r = await client.get(f"/setup/{token}")
    assert r.status_code == 404 and "使用できません" in r.text


async def test_wrong_password_is_refused_without_saying_which_part(client):
    await make_user("kato", "procurement")
    r = await login(client, "kato", "wrong-password-1")
    assert r.status_code == 401
    assert "ユーザー名またはパスワードが正しくありません" in r.text
    r2 = await login(client, "nobody", "wrong-password-1")
    assert r2.status_code == 401 and "ユーザー名またはパスワードが正しくありません" in r2.text


async def test_repeated_failures_lock_the_user_name(client):
    await make_user("kato", "procurement")
    for _ in range(5):
        await login(client, "kato", "wrong-password-1")
    r = await login(client, "kato")  # even the right password is refused while locked
    assert r.status_code == 401 and "ロック" in r.text
    actions = [r["action"] for r in await AuditEntry.select(AuditEntry.action)]
    assert actions.count("user.sign_in_failed") == 5 and "user.locked" in actions


async def test_lock_expires(client):
    await make_user("kato", "procurement")
    service = AuthService(SessionPolicy(max_failures=2, lock_for=dt.timedelta(minutes=15)))
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=20)
    for _ in range(2):
        with contextlib.suppress(AuthenticationError):
            await service.sign_in("kato", "bad-password-1", now=past)
    assert await service.sign_in("kato", PASSWORD)


async def test_logout_ends_the_session(client):
    await make_user("kato", "procurement")
    await login(client, "kato")
    assert (await client.get("/")).status_code == 200
    r = await post_form(client, "/logout")
    assert r.status_code == 303
    assert (await client.get("/")).status_code == 303


async def test_session_cookie_flags(client):
    await make_user("kato", "procurement")
    r = await login(client, "kato")
    cookie = r.headers["set-cookie"]
    assert "gov_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http here; https gets Secure (auto)


async def test_session_cookie_is_secure_over_https(app):
    import httpx

    await make_user("kato", "procurement")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://testserver") as client:
        r = await login(client, "kato")
        assert "Secure" in r.headers["set-cookie"]


async def test_idle_session_expires():
    await make_user("kato", "procurement")
    service = AuthService(SessionPolicy(idle=dt.timedelta(minutes=30)))
    token = await service.sign_in("kato", PASSWORD)
    assert await service.resolve_session(token) is not None
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=31)
    assert await service.resolve_session(token, now=later) is None


async def test_form_post_without_csrf_token_is_refused(client):
    await make_user("kato", "procurement")
    await client.get("/login")
    r = await client.post("/login", data={"username": "kato", "password": PASSWORD})
    assert r.status_code == 403


async def test_open_redirect_is_refused(client):
    await make_user("kato", "procurement")
    await client.get("/login")
    r = await client.post(
        "/login",
        data={"username": "kato", "password": PASSWORD, "next": "//evil.example/"},
        headers=csrf_headers(client),
    )
    assert r.headers["location"] == "/"


async def test_security_headers(client):
    r = await client.get("/login")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"
    assert not re.search(r"https?://", r.text.replace("http://testserver", ""))  # no external asset


async def test_stale_csrf_cookie_gets_a_clear_message_and_a_fresh_cookie(client):
    await make_user("kato", "procurement")
    await client.get("/login")
    r = await client.post("/login", data={"username": "kato", "password": PASSWORD}, headers={"x-csrftoken": "stale"})
    assert r.status_code == 403 and "画面の有効期限が切れました" in r.text and "権限" not in r.text
    assert 'gov_csrf=""' in r.headers["set-cookie"] or "Max-Age=0" in r.headers["set-cookie"]


async def test_expired_session_redirects_with_an_explanation(client):
    await make_user("kato", "procurement")
    await login(client, "kato")
    await UserSession.delete(force=True)  # e.g. ended by idle timeout
    r = await client.get("/account")
    assert r.status_code == 303 and "notice=session_expired" in r.headers["location"]
    page = await client.get(r.headers["location"])
    assert "ログインの有効期間が終了したため" in page.text


async def test_sign_in_purges_expired_sessions():
    await make_user("kato", "procurement")
    service = AuthService(SessionPolicy(idle=dt.timedelta(minutes=30)))
    await service.sign_in("kato", PASSWORD, now=dt.datetime.now(dt.UTC) - dt.timedelta(hours=2))
    await service.sign_in("kato", PASSWORD)
    assert await UserSession.count() == 1
