"""Every route states who may use it; each role gets exactly what its policy says; errors are clear."""

from __future__ import annotations

import re

import pytest
from litestar import Litestar

from governance.accounts.roles import ALL_ROLES, Role, effective_roles
from governance.web.access import ACCESS_KEY, PUBLIC
from tests.helpers import login, make_user


def _routes(app: Litestar):
    for route in app.routes:
        for handler in route.route_handlers:
            methods = set(getattr(handler, "http_methods", set())) - {"OPTIONS", "HEAD"}
            if methods:
                yield route.path, methods, handler


def test_every_route_declares_an_access_policy(app):
    missing = [
        (path, sorted(methods))
        for path, methods, handler in _routes(app)
        if handler.opt.get(ACCESS_KEY) != PUBLIC and not isinstance(handler.opt.get(ACCESS_KEY), frozenset)
    ]
    assert missing == []


def test_only_expected_routes_are_public(app):
    public = sorted({path for path, _, h in _routes(app) if h.opt.get(ACCESS_KEY) == PUBLIC})
    allowed = re.compile(
        r"^/(healthz|login|logout|setup/\{token:str\}|report/\{token:str\}(/forms/\{form_id:str\})?|incident-report/\{token:str\}|calendar/\{token:str\}"
        r"|static/.*|schema.*"
        r"|official-accounts(/\{account_id:int\})?|api/public/v1/official-accounts(/verify)?)$"
    )
    assert [p for p in public if not allowed.match(p)] == []


def _concrete(path: str) -> str:
    path = path.replace("{form_id:str}", "FORM-PERIODIC-REPORT")
    return re.sub(r"\{(\w+):int\}", "1", path).replace("{token:str}", "x").replace("{file_path:path}", "app.css")


@pytest.mark.parametrize("role", sorted(ALL_ROLES))
async def test_every_route_allows_and_denies_by_role(app, client, role):
    """Every page and API route, every method: a role outside its policy gets 403; a role inside never does.

    Records are not created here, so an allowed request may well answer 404 (or 4xx for an empty form): what
    matters is that the guard let it through, which a 403 would deny.
    """
    import httpx

    from governance.accounts.schemas import ApiTokenCreate
    from governance.accounts.services import TokenService
    from governance.actor import Actor

    seed = await make_user("admin-seed", Role.admin)  # keeps "last admin" rules out of the way
    # Record 1 of every kind the concrete URLs name must not be the one this test runs on.
    await TokenService().create(ApiTokenCreate(name="seed"), actor=Actor(id=seed, label="seed"))
    await make_user(f"user-{role}", role)
    await login(client, f"user-{role}")
    token_page = await client.post(
        "/account/tokens", data={"name": "matrix"}, headers={"x-csrftoken": client.cookies["gov_csrf"]}
    )
    token = re.search(r'id="new-token">([^<]+)<', token_page.text).group(1)
    checked = 0
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as api:
        for path, methods, handler in _routes(app):
            policy = handler.opt[ACCESS_KEY]
            if policy == PUBLIC or path == "/logout" or path.startswith("/api/v1/tokens"):
                continue  # signing out or revoking tokens mid-matrix would end the session it runs on
            url = _concrete(path)
            for method in sorted(methods):
                if path.startswith("/api/"):
                    r = await api.request(method, url, headers={"Authorization": f"Bearer {token}"}, json={})
                else:
                    headers = {"x-csrftoken": client.cookies["gov_csrf"]}
                    r = await client.request(method, url, headers=headers, data={} if method == "POST" else None)
                checked += 1
                if effective_roles({role}) & policy:  # a CISO acts as the security office (IMPLIED_ROLES)
                    assert r.status_code != 403 and r.status_code < 500, (role, method, url, r.status_code)
                else:
                    assert r.status_code == 403, (role, method, url, r.status_code)
    assert checked > 60


async def test_anonymous_api_gets_problem_json_401(anon):
    r = await anon.get("/api/v1/users")
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.headers["www-authenticate"].startswith("Bearer")


async def test_not_found_page_is_japanese(client):
    await make_user("kato", "procurement")
    await login(client, "kato")
    r = await client.get("/no/such/page")
    assert r.status_code == 404 and "ページが見つかりません" in r.text


async def test_not_found_api_is_problem_json(anon):
    r = await anon.get("/api/v1/nothing-here")
    assert r.status_code == 404
    assert r.json()["title"] and r.headers["content-type"].startswith("application/problem+json")


async def test_method_not_allowed_is_clear(client):
    r = await client.put("/login")
    assert r.status_code == 405 and "この方法ではアクセスできません" in r.text


async def test_health_reports_database_state(anon):
    r = await anon.get("/healthz")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["database"]["reachable"] is True
    assert body["database"]["pending_migrations"] == 0


async def test_openapi_schema_is_served_without_cdn(anon):
    r = await anon.get("/schema/openapi.json")
    assert r.status_code == 200
    spec = r.json()
    assert "/api/v1/me" in spec["paths"] and "BearerToken" in spec["components"]["securitySchemes"]
    assert not any(p.startswith(("/admin", "/login", "/account")) for p in spec["paths"])


async def test_static_assets_are_served_locally(anon):
    r = await anon.get("/static/vendor/htmx-2.0.11.min.js")
    assert r.status_code == 200 and "htmx" in r.text
    assert (await anon.get("/static/../governance/settings.py")).status_code in (400, 404)


async def test_unhandled_error_gives_japanese_500_with_incident_number(app, client, monkeypatch):
    from governance.system import controllers

    async def boom(*_a, **_k):
        raise ZeroDivisionError("simulated")

    monkeypatch.setattr(controllers, "todos_for", boom)
    await make_user("kato", "procurement")
    await login(client, "kato")
    r = await client.get("/")
    assert r.status_code == 500 and "システムエラーが発生しました" in r.text and "受付番号" in r.text
    assert "ZeroDivisionError" not in r.text


async def test_nul_characters_get_a_clear_400_on_every_engine(client, anon):
    await make_user("keiyaku", Role.procurement)
    await login(client, "keiyaku")
    token = re.search(
        r'id="new-token">([^<]+)<',
        (
            await client.post(
                "/account/tokens", data={"name": "t"}, headers={"x-csrftoken": client.cookies["gov_csrf"]}
            )
        ).text,
    ).group(1)
    auth = {"Authorization": f"Bearer {token}"}
    r = await anon.post("/api/v1/contractors", json={"name": "株式会社\u0000テスト"}, headers=auth)
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    r = await anon.get("/api/v1/contractors", params={"q": "a\u0000b"}, headers=auth)
    assert r.status_code in (200, 400)  # SQLite can search for it; PostgreSQL refuses it with a clear 400
    page = await client.get("/contractors", params={"q": "a\u0000b"})
    assert page.status_code in (200, 400)
