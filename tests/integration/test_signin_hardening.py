"""Issue 12, sign-in: atomic lock-out, argon2 off the event loop, limits per client address, session-bound CSRF,
security headers on every response, uploaded files served as attachments of a safe type."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import threading

import httpx
import pytest

from governance.accounts import passwords
from governance.accounts.roles import Role
from governance.accounts.services import AuthService
from governance.accounts.services._auth import SessionPolicy
from governance.accounts.tables import ApiToken, LoginThrottle
from governance.actor import Actor
from governance.audit.tables import AuditEntry
from governance.db import db_lifespan, write_transaction
from governance.errors import AuthenticationError
from governance.files.services import FileService
from governance.files.tables import StoredFile
from tests.helpers import PASSWORD, csrf_headers, login, make_user

SECURITY_HEADERS = ("content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy")


def _client(app, host: str = "192.0.2.10") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(host, 40000)), base_url="http://testserver")


async def _actions() -> list[str]:
    return [r["action"] for r in await AuditEntry.select(AuditEntry.action).order_by(AuditEntry.id)]


# -- 1. lock-out is atomic ------------------------------------------------------------------------------------------


async def test_parallel_wrong_passwords_lock_after_exactly_the_configured_failures():
    await make_user("kato", Role.procurement)
    service = AuthService(SessionPolicy(max_failures=5, lock_for=dt.timedelta(minutes=15)))

    async def attempt() -> str:
        try:
            await service.sign_in("kato", "wrong-password-1", ip="192.0.2.1")
        except AuthenticationError as exc:
            return "locked" if "ロック" in exc.message else "wrong"
        return "signed in"

    outcomes = await asyncio.gather(*(attempt() for _ in range(30)))
    # Exactly five passwords were checked; the other 25 attempts were refused by the lock without a check.
    assert outcomes.count("wrong") == 5 and outcomes.count("locked") == 25
    actions = await _actions()
    assert actions.count("user.sign_in_failed") == 5 and actions.count("user.locked") == 1
    row = await LoginThrottle.select().where(LoginThrottle.username_key == "kato").first()
    assert row["failures"] == 5 and row["locked_until"] is not None
    with pytest.raises(AuthenticationError, match="ロック"):
        await service.sign_in("kato", PASSWORD)  # even the right password, while locked


async def test_a_success_clears_the_count_and_sequential_failures_still_lock():
    await make_user("kato", Role.procurement)
    service = AuthService(SessionPolicy(max_failures=3))
    for _ in range(2):
        with pytest.raises(AuthenticationError, match="正しくありません"):
            await service.sign_in("kato", "wrong-password-1")
    assert await service.sign_in("kato", PASSWORD)
    assert await LoginThrottle.count() == 0
    for _ in range(3):
        with pytest.raises(AuthenticationError, match="正しくありません"):
            await service.sign_in("kato", "wrong-password-1")
    with pytest.raises(AuthenticationError, match="ロック"):
        await service.sign_in("kato", PASSWORD)


# -- 2. argon2 runs off the event loop -------------------------------------------------------------------------------


async def test_password_hashing_and_checking_run_on_worker_threads(client, monkeypatch):
    loop_thread = threading.get_ident()
    seen: dict[str, set[int]] = {"hash": set(), "verify": set()}
    real = passwords._hasher

    class Spy:
        """Records the thread of each argon2 call, then does the real work."""

        def hash(self, *args, **kwargs):
            seen["hash"].add(threading.get_ident())
            return real.hash(*args, **kwargs)

        def verify(self, *args, **kwargs):
            seen["verify"].add(threading.get_ident())
            return real.verify(*args, **kwargs)

        def check_needs_rehash(self, *args, **kwargs):
            return real.check_needs_rehash(*args, **kwargs)

    monkeypatch.setattr(passwords, "_hasher", Spy())
    await make_user("kato", Role.procurement)  # hashes the initial password
    assert (await login(client, "kato")).status_code == 303
    assert (await login(client, "kato", "wrong-password-1")).status_code == 401
    assert seen["hash"] and seen["verify"]
    assert loop_thread not in seen["hash"] | seen["verify"]


# -- 3. limits per client address ------------------------------------------------------------------------------------


@pytest.fixture(name="limited_app")
def fx_limited_app(settings):
    """The app with three sign-in attempts per client address."""
    from governance.app import create_app

    return create_app(dataclasses.replace(settings, login_ip_burst=3, login_ip_refill_seconds=600))


async def test_sign_in_attempts_are_limited_per_client_address(limited_app):
    await make_user("kato", Role.procurement)
    async with db_lifespan(), _client(limited_app) as noisy, _client(limited_app, "192.0.2.99") as other:
        for _ in range(3):
            assert (await login(noisy, "kato", "wrong-password-1")).status_code == 401
        r = await login(noisy, "kato", PASSWORD)
        assert r.status_code == 429
        assert 500 <= int(r.headers["retry-after"]) <= 600
        assert "ログインの試行が多すぎる" in r.text and "分後に再度お試しください" in r.text
        assert r.headers["x-frame-options"] == "DENY"
        # The refused attempt was not checked and not counted against the user name ...
        assert (await _actions()).count("user.sign_in_failed") == 3
        # ... so the user signs in from another address.
        assert (await login(other, "kato", PASSWORD)).status_code == 303


async def test_successful_sign_ins_do_not_use_up_the_address(limited_app):
    await make_user("kato", Role.procurement)
    async with db_lifespan(), _client(limited_app) as proxy:
        for _ in range(6):  # many people behind one proxy address
            assert (await login(proxy, "kato", PASSWORD)).status_code == 303


# -- 5. CSRF tokens are bound to the session -------------------------------------------------------------------------


async def test_csrf_token_of_another_session_is_refused(app, client, anon):
    await make_user("kato", Role.procurement)
    await make_user("sato", Role.procurement)
    await login(client, "kato")
    await login(anon, "sato")
    assert (await client.get("/account")).status_code == 200
    assert (await anon.get("/account")).status_code == 200
    victim_session = client.cookies["gov_session"]
    own, foreign = client.cookies["gov_csrf"], anon.cookies["gov_csrf"]
    async with _client(app, "127.0.0.1") as browser:
        # An attacker who planted their own (valid) CSRF cookie in kato's browser, with the matching token.
        planted = {"cookie": f"gov_session={victim_session}; gov_csrf={foreign}", "x-csrftoken": foreign}
        r = await browser.post("/account/tokens", data={"name": "盗用"}, headers=planted)
        assert r.status_code == 403 and "画面の有効期限が切れました" in r.text
        assert await ApiToken.count() == 0
    async with _client(app, "127.0.0.1") as browser:  # a fresh one: the refusal above deleted the planted cookie
        # kato's own token still works.
        mine = {"cookie": f"gov_session={victim_session}; gov_csrf={own}", "x-csrftoken": own}
        r = await browser.post("/account/tokens", data={"name": "正規"}, headers=mine)
        assert r.status_code == 200 and await ApiToken.count() == 1


async def test_signing_in_issues_a_token_for_the_new_session(client):
    await make_user("kato", Role.procurement)
    await client.get("/login")
    before = client.cookies["gov_csrf"]
    r = await login(client, "kato")
    assert r.status_code == 303 and client.cookies["gov_csrf"] != before
    # The pre-sign-in token is not accepted in the new session.
    r = await client.post("/account/tokens", data={"name": "x"}, headers={"x-csrftoken": before})
    assert r.status_code == 403
    await client.get("/account")  # the refusal deleted the cookie; the next page issues one again
    r = await client.post("/account/tokens", data={"name": "x"}, headers=csrf_headers(client))
    assert r.status_code == 200


# -- 6. security headers on every response ---------------------------------------------------------------------------


async def test_security_headers_are_on_every_response(client, anon, monkeypatch):
    from governance.system import controllers

    await make_user("kato", Role.procurement)
    responses = {
        "404 page": await anon.get("/no-such-page"),
        "404 api": await anon.get("/api/v1/no-such-thing"),
        "405": await anon.put("/login"),
        "401 api": await anon.get("/api/v1/me"),
        "403 csrf": await anon.post("/login", data={"username": "kato", "password": PASSWORD}),
        "303 anonymous": await anon.get("/admin/users"),
        "static": await anon.get("/static/app.js"),
        "static 404": await anon.get("/static/no-such.js"),
    }
    await login(client, "kato")
    responses["403 role"] = await client.get("/admin/users")

    async def boom(*_a, **_k):
        raise ZeroDivisionError("simulated")

    monkeypatch.setattr(controllers, "todos_for", boom)
    responses["500"] = await client.get("/")
    assert responses["500"].status_code == 500 and responses["405"].status_code == 405
    assert responses["403 csrf"].status_code == 403 and responses["404 page"].status_code == 404
    for what, r in responses.items():
        missing = [h for h in SECURITY_HEADERS if h not in r.headers]
        assert not missing, f"{what} ({r.status_code}) lacks {missing}"
        assert r.headers["x-content-type-options"] == "nosniff"


# -- 7. uploaded files -----------------------------------------------------------------------------------------------


async def _store(settings, data: bytes, name: str) -> int:
    async with write_transaction():
        return await FileService(settings.data_dir).save(data, name, actor=Actor.system("test"))


async def test_uploaded_file_is_an_attachment_whose_name_cannot_choose_its_type(client, settings):
    await make_user("kato", Role.procurement)
    await login(client, "kato")
    file_id = await _store(settings, b"<html><script>alert(1)</script></html>", "report.html")
    r = await client.get(f"/files/{file_id}")
    assert r.status_code == 200
    assert r.headers["content-type"] == "text/plain; charset=utf-8"
    assert r.headers["x-content-type-options"] == "nosniff"
    disposition = r.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert 'filename="report.html.txt"' in disposition and "filename*=UTF-8''report.html.txt" in disposition


async def test_a_stored_type_outside_the_allow_list_is_served_as_octet_stream(client, settings):
    await make_user("kato", Role.procurement)
    await login(client, "kato")
    file_id = await _store(settings, b"%PDF-1.4\n%%EOF\n", "証明書.pdf")
    r = await client.get(f"/files/{file_id}")
    assert (
        r.headers["content-type"] == "application/pdf"
        and "%E8%A8%BC%E6%98%8E%E6%9B%B8.pdf" in r.headers["content-disposition"]
    )
    # A row whose type was changed behind the application's back is never served as that type.
    await StoredFile.update({StoredFile.content_type: "text/html"}).where(StoredFile.id == file_id)
    r = await client.get(f"/files/{file_id}")
    assert r.headers["content-type"] == "application/octet-stream"
    assert r.headers["content-disposition"].startswith("attachment;") and ".pdf.bin" in r.headers["content-disposition"]


async def test_the_apps_own_large_output_is_stored_but_an_upload_of_that_size_is_refused(client, settings):
    """A 調達用一式 built on a heavy base.docx may pass the upload limit; only uploads are bound by it."""
    import io
    import zipfile

    from governance.errors import ValidationError
    from governance.files.services import MAX_FILE_BYTES

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("00_目次.docx", b"\0" * (MAX_FILE_BYTES + 1))
    data = buffer.getvalue()
    async with write_transaction():
        files = FileService(settings.data_dir)
        file_id = await files.save(data, "調達用一式.zip", actor=Actor.system("t"), generated=True)
    assert (await StoredFile.select(StoredFile.size).where(StoredFile.id == file_id).first())["size"] == len(data)
    with pytest.raises(ValidationError) as refused:
        await _store(settings, data, "調達用一式.zip")
    assert "10MB以下" in refused.value.field_errors["evidence"]
