"""Property-based API test: schemathesis generates requests from /schema; no answer may be a 5xx."""

from __future__ import annotations

import asyncio

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from governance.accounts import schemas
from governance.accounts.services import TokenService
from governance.actor import Actor
from governance.app import create_app
from governance.db import close_connections, get_engine, is_sqlite
from tests.helpers import make_user

APP = create_app()
SCHEMA = schemathesis.openapi.from_asgi("/schema/openapi.json", APP)


@pytest.fixture(name="api_token")
def fx_api_token(monkeypatch):
    """An administrator's token (the widest API access), made on a fresh database."""
    if is_sqlite():
        # schemathesis drives the app through a synchronous client on its own event loop; connections pooled
        # on that loop could not be closed afterwards, so this test opens one per query, as stock Piccolo does.
        monkeypatch.setattr(get_engine(), "pooling", False)

    async def make() -> str:
        try:
            uid = await make_user("api-admin", "admin", "auditor")
            actor = Actor(id=uid, label="api-admin", roles=frozenset({"admin", "auditor"}))
            return (await TokenService().create(schemas.ApiTokenCreate(name="schemathesis"), actor=actor)).token
        finally:
            await close_connections()

    return asyncio.run(make())


@SCHEMA.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_answers_5xx(case, api_token):
    response = case.call(headers={"Authorization": f"Bearer {api_token}"})
    assert response.status_code < 500, f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text}"
