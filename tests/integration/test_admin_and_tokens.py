"""Administration of users and departments, role enforcement, and personal API tokens."""

from __future__ import annotations

import re

from governance.accounts.tables import User, UserSession
from governance.audit.tables import AuditEntry
from tests.helpers import PASSWORD, login, make_department, make_user, post_form


async def _admin(client) -> int:
    uid = await make_user("admin1", "admin")
    await login(client, "admin1")
    return uid


async def test_admin_creates_procurement_user_who_cannot_open_admin_pages(client, anon):
    await _admin(client)
    dept = await make_department("KEIYAKU", "総務部 契約検査課")
    form = await client.get("/admin/users/new")
    assert "ユーザーの登録" in form.text and "ユーザー：" not in form.text  # the layout's user must not leak in
    r = await post_form(
        client,
        "/admin/users",
        [
            ("username", "Keiyaku.Hanako"),
            ("full_name", "契約 花子"),
            ("email", "keiyaku@example.jp"),
            ("department_id", str(dept)),
            ("roles", "procurement"),
            ("password", PASSWORD),
        ],
    )
    assert r.status_code == 303, r.text
    page = await client.get(r.headers["location"])
    assert "keiyaku.hanako" in page.text and "登録しました" in page.text
    # The new user signs in (user names are case-insensitive) and is refused the admin pages.
    assert (await login(anon, "KEIYAKU.hanako")).status_code == 303
    assert (await anon.get("/")).status_code == 200
    r = await anon.get("/admin/users")
    assert r.status_code == 403 and "権限がありません" in r.text
    assert (await post_form(anon, "/admin/departments", {"code": "X", "name": "X課"})).status_code == 403


async def test_user_form_errors_are_field_level_and_keep_input(client):
    await _admin(client)
    await make_user("taken", "auditor")
    r = await post_form(
        client,
        "/admin/users",
        [
            ("username", "taken"),
            ("full_name", "山田 太郎"),
            ("department_id", ""),
            ("password", "short"),
        ],
    )
    assert r.status_code == 422
    for message in ("所属を選んでください", "役割を1つ以上選んでください"):
        assert message in r.text
    assert 'value="山田 太郎"' in r.text
    r = await post_form(
        client,
        "/admin/users",
        [
            ("username", "TAKEN"),
            ("full_name", "山田 太郎"),
            ("department_id", str(await make_department())),
            ("roles", "auditor"),
            ("password", "short"),
        ],
    )
    assert r.status_code == 422
    assert "このユーザー名は既に使われています" in r.text and "10文字以上" in r.text


async def test_unknown_role_and_department_are_refused(client):
    await _admin(client)
    r = await post_form(
        client,
        "/admin/users",
        [
            ("username", "x-user"),
            ("full_name", "X"),
            ("department_id", "9999"),
            ("roles", "superuser"),
            ("password", PASSWORD),
        ],
    )
    assert r.status_code == 422
    assert "役割は選択肢から選んでください" in r.text  # the form's own rule: roles are codes (issue 12)
    r = await post_form(
        client,
        "/admin/users",
        [("username", "x-user"), ("full_name", "X"), ("department_id", "9999"), ("roles", "auditor"),
         ("password", PASSWORD)],
    )  # fmt: skip
    assert r.status_code == 422 and "所属を選んでください" in r.text


async def test_deactivating_a_user_ends_their_sessions_and_sign_in(client, anon):
    await _admin(client)
    uid = await make_user("kato", "procurement")
    await login(anon, "kato")
    assert await UserSession.count().where(UserSession.user == uid) == 1
    dept = (await User.select(User.department).where(User.id == uid).first())["department"]
    r = await post_form(
        client,
        f"/admin/users/{uid}",
        [
            ("full_name", "加藤"),
            ("department_id", str(dept)),
            ("roles", "procurement"),
        ],
    )  # "active" unticked
    assert r.status_code == 303
    assert await UserSession.count().where(UserSession.user == uid) == 0
    assert (await anon.get("/")).status_code == 303
    assert (await login(anon, "kato")).status_code == 401


async def test_last_admin_cannot_remove_own_admin_role(client):
    uid = await _admin(client)
    dept = (await User.select(User.department).where(User.id == uid).first())["department"]
    r = await post_form(
        client,
        f"/admin/users/{uid}",
        [
            ("full_name", "管理"),
            ("department_id", str(dept)),
            ("roles", "auditor"),
            ("active", "on"),
        ],
    )
    assert r.status_code == 409 and "有効なシステム管理者がいなくなる" in r.text


async def test_password_reset_ends_sessions(client, anon):
    await _admin(client)
    uid = await make_user("kato", "procurement")
    await login(anon, "kato")
    r = await post_form(
        client, f"/admin/users/{uid}/password", {"password": "another-secret-9", "password_confirm": "another-secret-9"}
    )
    assert r.status_code == 303
    assert (await anon.get("/")).status_code == 303
    assert (await login(anon, "kato", "another-secret-9")).status_code == 303


async def test_user_changes_own_password_and_keeps_current_session(client):
    await make_user("kato", "procurement")
    await login(client, "kato")
    r = await post_form(
        client,
        "/account/password",
        {
            "current_password": "wrong-one-123",
            "new_password": "brand-new-secret",
            "new_password_confirm": "brand-new-secret",
        },
    )
    assert r.status_code == 422 and "現在のパスワードが正しくありません" in r.text
    r = await post_form(
        client,
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": "brand-new-secret",
            "new_password_confirm": "brand-new-secret",
        },
    )
    assert r.status_code == 303
    assert (await client.get("/account")).status_code == 200


async def test_departments_create_rename_and_refuse_deactivation_with_users(client):
    await _admin(client)
    r = await post_form(client, "/admin/departments", {"code": "shimin", "name": "市民部 市民課"})
    assert r.status_code == 303
    r = await post_form(client, "/admin/departments", {"code": "SHIMIN", "name": "別名"})
    assert r.status_code == 422 and "この所属コードは既に使われています" in r.text
    dept_id = await make_department("JOHO")  # admin1's department
    r = await post_form(client, f"/admin/departments/{dept_id}", {"name": "情報政策課"})  # active unticked
    assert r.status_code == 409 and "有効なユーザーが所属しているため" in r.text


async def test_api_token_works_until_revoked(client, anon):
    await make_user("kato", "procurement")
    await login(client, "kato")
    r = await post_form(client, "/account/tokens", {"name": "台帳連携"})
    assert r.status_code == 200
    token = re.search(r'id="new-token">([^<]+)<', r.text).group(1)
    assert token.startswith("gov_")
    auth = {"Authorization": f"Bearer {token}"}
    me = await anon.get("/api/v1/me", headers=auth)
    assert me.status_code == 200 and me.json()["username"] == "kato"
    # shown once: the account page lists the prefix, never the value
    page = await client.get("/account")
    assert token not in page.text and token[:12] in page.text
    token_id = (await anon.get("/api/v1/tokens", headers=auth)).json()[0]["id"]
    r = await post_form(client, f"/account/tokens/{token_id}/revoke")
    assert r.status_code == 303
    r = await anon.get("/api/v1/me", headers=auth)
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["status"] == 401


async def test_api_ignores_session_cookies(client):
    await make_user("kato", "procurement")
    await login(client, "kato")
    r = await client.get("/api/v1/me")  # signed-in browser, no bearer token
    assert r.status_code == 401


async def test_api_token_create_and_revoke_over_api_and_admin_revokes_anyones(client, anon):
    await make_user("admin1", "admin")
    await make_user("kato", "procurement")
    await login(client, "admin1")
    await login(anon, "kato")
    first = re.search(
        r'id="new-token">([^<]+)<', (await post_form(anon, "/account/tokens", {"name": "一"})).text
    ).group(1)
    # a token cannot mint tokens (issue 12); the second one comes from the account page
    r = await anon.post("/api/v1/tokens", json={"name": "二"}, headers={"Authorization": f"Bearer {first}"})
    assert r.status_code == 403
    second = re.search(
        r'id="new-token">([^<]+)<', (await post_form(anon, "/account/tokens", {"name": "二"})).text
    ).group(1)
    listed = (await client.get("/admin/tokens")).text
    assert "kato" in listed and second[:12] in listed
    second_id = (await anon.get("/api/v1/tokens", headers={"Authorization": f"Bearer {first}"})).json()[0]["id"]
    r = await anon.delete(f"/api/v1/tokens/{second_id}", headers={"Authorization": f"Bearer {first}"})
    assert r.status_code == 204
    assert (await anon.get("/api/v1/me", headers={"Authorization": f"Bearer {second}"})).status_code == 401
    # the administrator revokes kato's first token from the admin page
    token_id = (await anon.get("/api/v1/tokens", headers={"Authorization": f"Bearer {first}"})).json()[-1]["id"]
    assert (await post_form(client, f"/admin/tokens/{token_id}/revoke")).status_code == 303
    assert (await anon.get("/api/v1/me", headers={"Authorization": f"Bearer {first}"})).status_code == 401


async def test_another_users_token_cannot_be_revoked_by_non_admin(client, anon):
    await make_user("kato", "procurement")
    await make_user("sato", "procurement")
    await login(client, "kato")
    await login(anon, "sato")
    await post_form(client, "/account/tokens", {"name": "加藤の"})
    token_id = (await AuditEntry.select(AuditEntry.target_id).where(AuditEntry.action == "api_token.created").first())[
        "target_id"
    ]
    r = await post_form(anon, f"/account/tokens/{token_id}/revoke")
    assert r.status_code == 404


async def test_token_expiry_date_must_be_in_future(client):
    await make_user("kato", "procurement")
    await login(client, "kato")
    r = await post_form(client, "/account/tokens", {"name": "x", "expires_on": "2020-01-01"})
    assert r.status_code == 422 and "今日以降" in r.text
    r = await post_form(client, "/account/tokens", {"name": "x", "expires_on": "2020-13-45"})
    assert r.status_code == 422 and "実在する日付" in r.text


async def test_api_user_management(client, anon):
    await make_user("admin1", "admin")
    await login(client, "admin1")
    token = re.search(
        r'id="new-token">([^<]+)<', (await post_form(client, "/account/tokens", {"name": "a"})).text
    ).group(1)
    auth = {"Authorization": f"Bearer {token}"}
    dept = (await anon.get("/api/v1/departments", headers=auth)).json()[0]["id"]
    r = await anon.post(
        "/api/v1/users",
        headers=auth,
        json={
            "username": "api-user",
            "full_name": "API 利用者",
            "department_id": dept,
            "roles": ["auditor"],
            "password": PASSWORD,
        },
    )
    assert r.status_code == 201, r.text
    uid = r.json()["id"]
    r = await anon.post(
        "/api/v1/users",
        headers=auth,
        json={
            "username": "api-user",
            "full_name": "重複",
            "department_id": dept,
            "roles": ["auditor"],
            "password": PASSWORD,
        },
    )
    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": "username", "message": "このユーザー名は既に使われています。"}]
    r = await anon.post("/api/v1/users", headers=auth, json={"username": "x"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    r = await anon.put(
        f"/api/v1/users/{uid}",
        headers=auth,
        json={
            "full_name": "API 利用者",
            "department_id": dept,
            "roles": ["auditor", "security_officer"],
        },
    )
    assert r.status_code == 200 and r.json()["roles"] == ["security_officer", "auditor"]
    assert (await anon.get("/api/v1/users/999999", headers=auth)).status_code == 404
