"""Issue 12, tokens: a token cannot mint tokens, a password change revokes them, and the CLI issues a first one."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from governance.accounts import schemas
from governance.accounts.roles import Role
from governance.accounts.services import TokenService, UserService
from governance.accounts.tables import ApiToken
from governance.actor import Actor
from governance.audit.tables import AuditEntry
from governance.cli import tokens_create
from governance.errors import PermissionDeniedError
from tests.helpers import PASSWORD, api_token, login, make_user, post_form
from tests.helpers import run_sync as _run


async def _audit(action: str) -> list[dict]:
    return await AuditEntry.select().where(AuditEntry.action == action).order_by(AuditEntry.id).output(load_json=True)


async def _new_token(client, name: str) -> str:
    page = await post_form(client, "/account/tokens", {"name": name})
    return re.search(r'id="new-token">([^<]+)<', page.text).group(1)


# -- a token cannot mint tokens --------------------------------------------------------------------------------------


async def test_an_api_token_cannot_issue_further_tokens(client, anon):
    await make_user("kato", Role.procurement)
    auth = await api_token(client, "kato")
    r = await anon.post("/api/v1/tokens", json={"name": "増殖"}, headers=auth)
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "APIトークンを使って新しいAPIトークンを発行することはできません" in r.json()["detail"]
    assert await ApiToken.count() == 1 and len(await _audit("api_token.created")) == 1
    # Listing and revoking over the API still work.
    assert (await anon.get("/api/v1/tokens", headers=auth)).status_code == 200


async def test_the_service_refuses_a_token_credential_too():
    uid = await make_user("kato", Role.procurement)
    actor = Actor(id=uid, label="kato")
    with pytest.raises(PermissionDeniedError) as refused:
        await TokenService().create(schemas.ApiTokenCreate(name="x"), actor=actor, via="token")
    assert refused.value.status_code == 403 and await ApiToken.count() == 0


# -- password changes revoke tokens ----------------------------------------------------------------------------------


async def test_changing_ones_password_revokes_every_api_token(client, anon):
    await make_user("kato", Role.procurement)
    await login(client, "kato")
    tokens = [await _new_token(client, "台帳連携"), await _new_token(client, "集計")]
    for token in tokens:
        assert (await anon.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})).status_code == 200
    new = "brand-new-secret-7"
    r = await post_form(
        client,
        "/account/password",
        {"current_password": PASSWORD, "new_password": new, "new_password_confirm": new},
    )
    assert r.status_code == 303
    page = await client.get(r.headers["location"])
    assert "パスワードを変更しました。" in page.text and "APIトークン2件を失効させました。" in page.text
    for token in tokens:
        assert (await anon.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})).status_code == 401
    revoked = await _audit("api_token.revoked")
    assert len(revoked) == 2 and all(e["after_json"] == '{"reason":"password_changed"}' for e in revoked)
    changed = (await _audit("user.password_changed"))[0]
    assert changed["after_json"] == '{"api_tokens_revoked":2}'


async def test_an_administrators_password_reset_revokes_the_users_tokens(client, anon):
    await make_user("admin1", Role.admin)
    uid = await make_user("kato", Role.procurement)
    auth = await api_token(anon, "kato")
    await login(client, "admin1")
    r = await post_form(
        client, f"/admin/users/{uid}/password", {"password": "another-secret-9", "password_confirm": "another-secret-9"}
    )
    assert r.status_code == 303
    page = await client.get(r.headers["location"])
    assert "パスワードを再設定しました。" in page.text and "APIトークン1件を失効させました。" in page.text
    assert (await anon.get("/api/v1/me", headers=auth)).status_code == 401
    entry = (await _audit("api_token.revoked"))[0]
    assert entry["actor_label"].startswith("admin1") and entry["after_json"] == '{"reason":"password_reset"}'


async def test_a_password_change_without_tokens_says_nothing_about_tokens(client):
    await make_user("kato", Role.procurement)
    await login(client, "kato")
    new = "brand-new-secret-7"
    r = await post_form(
        client, "/account/password", {"current_password": PASSWORD, "new_password": new, "new_password_confirm": new}
    )
    page = await client.get(r.headers["location"])
    assert "パスワードを変更しました。" in page.text and "失効させました" not in page.text


# -- governance tokens create ----------------------------------------------------------------------------------------


def test_cli_issues_a_first_token_once_and_audits_it():
    _run(make_user("batch", Role.procurement))
    result = CliRunner().invoke(tokens_create, ["Batch", "--name", "夜間連携", "--expires-days", "30"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    assert token.startswith("gov_") and "夜間連携" in result.stderr and "二度と表示されません" in result.stderr
    principal = _run(TokenService().resolve(token))
    assert principal is not None and principal.username == "batch"
    rows = _run(ApiToken.select(ApiToken.name, ApiToken.expires_at))
    assert [r["name"] for r in rows] == ["夜間連携"] and rows[0]["expires_at"] is not None
    entry = _run(AuditEntry.select().where(AuditEntry.action == "api_token.created").first())
    assert entry["actor_label"] == "システム（CLI）" and token not in str(entry)


def test_cli_refuses_an_unknown_or_inactive_user():
    result = CliRunner().invoke(tokens_create, ["nobody"])
    assert result.exit_code == 1 and "ユーザー nobody は登録されていません。" in result.stderr
    uid = _run(make_user("gone", Role.procurement))

    async def deactivate():
        service = UserService()
        user = await service.get_user(uid)
        data = schemas.UserUpdate(
            full_name=user.full_name, email=user.email, department_id=user.department_id, roles=user.roles, active=False
        )
        await service.update_user(uid, data, actor=Actor.system("test"))

    _run(deactivate())
    result = CliRunner().invoke(tokens_create, ["gone"])
    assert result.exit_code == 1 and "無効化されている" in result.stderr
    assert _run(ApiToken.count()) == 0
