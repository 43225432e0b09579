"""The home page lists one's checks due soon, overdue first; the security officer sees escalated findings."""

from __future__ import annotations

import datetime as dt

from governance.calendar import today_tokyo
from governance.verification.services import CheckService, ResultInput
from tests.helpers import checks_by_key, items_of, login, sign_contract


async def test_home_lists_overdue_checks_first_and_escalations_for_officers(client):
    today = today_tokyo()
    sc = await sign_contract(signed_on=today - dt.timedelta(days=60), start_date=today - dt.timedelta(days=55),
                             end_date=today + dt.timedelta(days=300))  # fmt: skip
    checks = await checks_by_key(sc.engagement_id)
    overdue = [c for c in checks.values() if c["due_on"] < today]
    soon = [c for c in checks.values() if today <= c["due_on"] <= today + dt.timedelta(days=30)]
    assert overdue and soon
    await login(client, "tantou")
    page = (await client.get("/")).text
    first_overdue = page.index(overdue[0]["title"])
    assert "期限超過" in page[: first_overdue + 400]
    assert page.index(soon[0]["title"]) > first_overdue
    far = [c for c in checks.values() if c["due_on"] > today + dt.timedelta(days=31)]
    assert far and all(f'/checks/{c["id"]}"' not in page for c in far)

    item = (await items_of(overdue[0]["id"]))[0]
    await CheckService().record_results(
        overdue[0]["id"], [ResultInput(item["id"], "nonconforming", "名簿が未提出", severity="serious")],
        actor=sc.staff,
    )  # fmt: skip
    await client.post("/logout", headers={"x-csrftoken": client.cookies["gov_csrf"]})
    await login(client, "ciso")
    page = (await client.get("/")).text
    assert "報告された指摘事項" in page and item["what"][:20] in page
