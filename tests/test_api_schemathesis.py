"""Property-based API tests: schemathesis generates requests from /schema; no answer may be a 5xx.

Two tests: every operation on its own (25 examples each), and stateful workflows that follow the links schemathesis
infers from the schema (create → read → update …) with a token holding every role, for
``GOVERNANCE_SCHEMATHESIS_SECONDS`` (default 20; CI runs 600 on PostgreSQL). The workflows run in rounds seeded from
``GOVERNANCE_SCHEMATHESIS_SEED`` (round *n* uses seed + *n*), so a failure names the seed that reproduces it.
"""

from __future__ import annotations

import asyncio
import os
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, seed, settings
from hypothesis.stateful import run_state_machine_as_test

from governance.accounts import schemas
from governance.accounts.services import TokenService
from governance.actor import Actor
from governance.app import create_app
from governance.db import close_connections, get_engine, is_sqlite
from tests.helpers import make_user

APP = create_app()
SCHEMA = schemathesis.openapi.from_asgi("/schema/openapi.json", APP)
SECONDS = float(os.environ.get("GOVERNANCE_SCHEMATHESIS_SECONDS", "20"))
"""How long the stateful workflows run (CI: 600)."""
SEED = int(os.environ.get("GOVERNANCE_SCHEMATHESIS_SEED", "20261205"))
"""The seed of the first round of workflows; round n uses SEED + n."""
WRITER_ROLES = ("admin", "auditor", "procurement", "security_officer", "department_staff", "pr_staff")


def _token(monkeypatch, username: str, roles: tuple[str, ...]) -> str:
    """A personal API token of a new user with the roles, made on the test's fresh database."""
    if is_sqlite():
        # schemathesis drives the app through a synchronous client on its own event loop; connections pooled
        # on that loop could not be closed afterwards, so this test opens one per query, as stock Piccolo does.
        monkeypatch.setattr(get_engine(), "pooling", False)

    async def make() -> str:
        try:
            uid = await make_user(username, *roles)
            actor = Actor(id=uid, label=username, roles=frozenset(roles))
            return (await TokenService().create(schemas.ApiTokenCreate(name="schemathesis"), actor=actor)).token
        finally:
            await close_connections()

    return asyncio.run(make())


@pytest.fixture(name="api_token")
def fx_api_token(monkeypatch):
    """An administrator's and auditor's token: every read of the API, most writes refused."""
    return _token(monkeypatch, "api-admin", ("admin", "auditor"))


@pytest.fixture(name="writer_token")
def fx_writer_token(monkeypatch):
    """A token holding every role the API's writes need, so workflows get past the guards."""
    return _token(monkeypatch, "api-writer", WRITER_ROLES)


@SCHEMA.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_answers_5xx(case, api_token):
    response = case.call(headers={"Authorization": f"Bearer {api_token}"})
    assert response.status_code < 500, f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text}"


def test_api_workflows_never_answer_5xx(writer_token):
    """Follow the inferred links (create → read → update …) in seeded rounds until the time is up."""

    class Workflow(SCHEMA.as_state_machine()):
        def before_call(self, case):
            # On the case itself: a header schemathesis generated for the bearer scheme would win over call kwargs.
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {writer_token}"}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            __tracebackhide__ = True
            assert response.status_code < 500, (
                f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:2000]}"
            )

    config = settings(
        max_examples=10, stateful_step_count=8, deadline=None, database=None, phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck), print_blob=False,
    )  # fmt: skip
    end = time.monotonic() + SECONDS
    rounds = 0
    while rounds == 0 or time.monotonic() < end:
        round_seed = SEED + rounds
        try:
            run_state_machine_as_test(seed(round_seed)(Workflow), settings=config)
        except BaseException as exc:
            exc.add_note(f"reproduce with GOVERNANCE_SCHEMATHESIS_SEED={round_seed} GOVERNANCE_SCHEMATHESIS_SECONDS=0")
            raise
        rounds += 1
