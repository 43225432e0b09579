"""One error format for every 4xx of the API (problem+json, Japanese, per field); the OpenAPI document is valid;
subcontractor approvals and single contract versions have API operations."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

from governance.accounts.roles import Role
from governance.contracts.subcontracting import criteria_for
from tests.helpers import api_token, make_user
from tests.integration.test_contracts import _approved_engagement

ENGLISH = re.compile(r"Expected|got `|Object |field `|Invalid|Validation failed|JSON is|[`]")


def assert_problem(r, status: int) -> dict:
    """The answer is problem+json with the status, a Japanese title and detail, and Japanese field messages."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == status and body["type"] == "about:blank"
    for text in [body["title"], body["detail"], *(e["message"] for e in body.get("errors", []))]:
        assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", text), text
        assert not ENGLISH.search(text), text
    return body


@pytest.fixture(name="auth")
async def fx_auth(client):
    """An Authorization header for a user with every outsourcing role."""
    await make_user("api-all", Role.admin, Role.procurement, Role.auditor, Role.security_officer)
    return await api_token(client, "api-all")


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"name": 5}, "name", "「名称」は文字列で指定してください。"),
        ({}, "name", "「名称」は必須です。"),
        ({"name": "株式会社みどり", "zzz": 1}, "zzz", "「zzz」という項目はありません。項目名を確認してください。"),
        ({"name": "x" * 1000}, "name", "「名称」は200文字以内で入力してください。"),
    ],
)
async def test_schema_errors_are_japanese_per_field_and_422_like_the_pages(anon, auth, body, field, message):
    r = await anon.post("/api/v1/contractors", json=body, headers=auth)
    problem = assert_problem(r, 422)
    assert {"field": field, "message": message} in problem["errors"]


async def test_a_body_that_is_not_an_object_names_the_body(anon, auth):
    problem = assert_problem(await anon.post("/api/v1/contractors", json=[1, 2], headers=auth), 422)
    assert problem["errors"][0]["message"].startswith("「送信内容」は")


async def test_nested_fields_are_named_by_their_path_and_title(anon, auth):
    eid, _, _ = await _approved_engagement()
    r = await anon.post(
        f"/api/v1/engagements/{eid}/contract/approvals/1",
        json={"decision": "approve", "evaluation": [{"criterion": "scope", "answer": "maybe"}]},
        headers=auth,
    )
    problem = assert_problem(r, 422)
    assert problem["errors"] == [
        {"field": "evaluation[0].answer", "message": "「評価」は選択肢から選んでください。"}
    ]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"page": "abc"}, "page", "「ページ番号」は整数で指定してください。"),
        ({"page": "0"}, "page", "「ページ番号」は1以上の数値で指定してください。"),
        ({"per_page": "1000"}, "per_page", "「1ページの件数」は100以下の数値で指定してください。"),
    ],
)
async def test_bad_query_parameters_are_400_in_japanese(anon, auth, query, field, message):
    problem = assert_problem(await anon.get("/api/v1/contractors", params=query, headers=auth), 400)
    assert problem["errors"] == [{"field": field, "message": message}]


async def test_bad_path_ids_and_malformed_json_are_400_in_japanese(anon, auth):
    problem = assert_problem(await anon.get("/api/v1/contractors/99999999999", headers=auth), 400)
    assert problem["errors"][0]["field"] == "contractor_id"
    r = await anon.post(
        "/api/v1/contractors", content=b'{"name": "x"', headers={**auth, "content-type": "application/json"}
    )
    assert_problem(r, 400)


async def test_other_4xx_of_the_api_share_the_format(anon, auth):
    assert_problem(await anon.get("/api/v1/contractors"), 401)
    assert_problem(await anon.get("/api/v1/no-such-thing", headers=auth), 404)
    assert_problem(await anon.delete("/api/v1/contractors", headers=auth), 405)
    assert_problem(await anon.get("/api/v1/contractors/999999", headers=auth), 404)


async def test_pages_keep_their_html_error_pages(client):
    await make_user("keiyaku", Role.procurement)
    from tests.helpers import login

    await login(client, "keiyaku")
    r = await client.get("/contractors/99999999999")
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/html")
    assert "は2147483647以下の数値で指定してください。" in r.text and "Expected" not in r.text


async def test_the_openapi_document_is_valid(anon):
    r = await anon.get("/schema/openapi.json")
    assert r.status_code == 200
    validate(r.json())  # raises OpenAPIValidationError with the path of the first problem


# -- subcontractor approvals and single versions over the API ---------------------------------------------------------


async def test_subcontractor_approvals_can_be_read_and_decided_through_the_api(client, anon):
    eid, _, _ = await _approved_engagement()
    keiyaku = await api_token(client, "keiyaku")
    draft = await anon.post(f"/api/v1/engagements/{eid}/contract/drafts", headers=keiyaku)
    assert draft.status_code == 201
    version = draft.json()
    one = await anon.get(f"/api/v1/engagements/{eid}/contract/versions/{version['id']}", headers=keiyaku)
    assert one.status_code == 200 and one.json() == version
    assert_problem(await anon.get(f"/api/v1/engagements/{eid}/contract/versions/999999", headers=keiyaku), 404)

    listed = await anon.get(f"/api/v1/engagements/{eid}/contract/approvals", headers=keiyaku)
    assert listed.status_code == 200
    [approval] = listed.json()
    assert approval["name"] == "株式会社下請システム" and approval["status"] == "pending"
    assert approval["mynumber_permission"] is True
    assert [i["criterion"] for i in approval["evaluation"]] == [c.id for c in criteria_for(True)]
    url = f"/api/v1/engagements/{eid}/contract/approvals/{approval['id']}"
    everything = [{"criterion": c.id, "answer": "conforms"} for c in criteria_for(True)]

    # the procurement officer may not give the 番号法第10条 permission (the page's rule), and the requester never may
    assert_problem(await anon.post(url, json={"decision": "approve", "evaluation": everything}, headers=keiyaku), 403)
    await make_user("kansa", Role.auditor)
    auditor = await api_token(client, "kansa")
    assert_problem(await anon.post(url, json={"decision": "approve", "evaluation": everything}, headers=auditor), 403)
    assert (await anon.get(f"/api/v1/engagements/{eid}/contract/approvals", headers=auditor)).status_code == 200

    ciso = await api_token(client, "ciso")
    partial = {"decision": "approve", "evaluation": everything[:2]}
    problem = assert_problem(await anon.post(url, json=partial, headers=ciso), 422)
    assert {"field": "evaluation.mynumber_equivalent.answer",
            "message": "承認するには、すべての項目を評価してください。"} in problem["errors"]  # fmt: skip
    other = f"/api/v1/engagements/{eid + 1000}/contract/approvals/{approval['id']}"
    assert_problem(await anon.post(other, json={"decision": "approve", "evaluation": everything}, headers=ciso), 404)

    decided = await anon.post(
        url, json={"decision": "approve", "evaluation": everything, "note": "確認済み"}, headers=ciso
    )
    assert decided.status_code == 200, decided.text
    body = decided.json()
    assert body["status"] == "approved" and body["note"] == "確認済み" and body["decided_at"]
    assert {i["answer_label"] for i in body["evaluation"]} == {"適合"}
    again = await anon.post(url, json={"decision": "refuse", "note": "やはり不可"}, headers=ciso)
    assert_problem(again, 409)
