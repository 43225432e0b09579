"""Date fields on pages take 和暦 typed as text; an impossible date is a Japanese 422 that keeps what was typed."""

from __future__ import annotations

import datetime as dt

from governance.accounts.roles import Role
from governance.contractors.tables import Suspension
from tests.helpers import login, make_contractor, make_user, post_form


async def test_a_suspension_typed_in_wareki_is_stored_and_shown_in_wareki(client) -> None:
    await make_user("keiyaku", Role.procurement)
    await login(client, "keiyaku")
    cid = await make_contractor()
    page = await client.get(f"/contractors/{cid}")
    assert 'id="f-start_date" name="start_date" type="text"' in page.text  # typed as text, not a date picker
    assert "例：令和8年4月1日、R8.4.1、2026-04-01" in page.text
    r = await post_form(
        client,
        f"/contractors/{cid}/suspensions",
        {"start_date": "令和8年4月1日", "end_date": "R8.9.30", "reason": "談合"},
    )
    assert r.status_code == 303, r.text
    row = await Suspension.select().first()
    assert (row["start_date"], row["end_date"]) == (dt.date(2026, 4, 1), dt.date(2026, 9, 30))
    page = await client.get(f"/contractors/{cid}")
    assert "令和8年4月1日〜令和8年9月30日" in page.text


async def test_an_impossible_or_past_era_date_is_refused_in_japanese_and_keeps_the_input(client) -> None:
    await make_user("keiyaku", Role.procurement)
    await login(client, "keiyaku")
    cid = await make_contractor()
    for typed in ("令和8年2月30日", "平成32年1月1日"):
        r = await post_form(client, f"/contractors/{cid}/suspensions", {"start_date": typed, "reason": "談合"})
        assert r.status_code == 422
        assert (
            "開始日は「令和8年4月1日」「R8.4.1」「2026-04-01」のいずれかの形で、実在する日付を入力してください。"
            in r.text
        )
        assert f'value="{typed}"' in r.text and "談合" in r.text
    assert await Suspension.count() == 0
