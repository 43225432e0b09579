"""`governance demo-data` adds accounts on several platforms: one missing MFA, one dormant, one closed."""

from __future__ import annotations

from governance.demo import load_demo_data
from governance.social.services import AccountQueries


async def test_demo_data_covers_the_social_accounts_domain(anon):
    await load_demo_data()
    accounts = {a.platform: a for a in await AccountQueries().list()}
    assert set(accounts) >= {"x", "line", "instagram", "youtube", "facebook"}
    assert accounts["x"].status == "active" and accounts["x"].compliant and not accounts["x"].dormant
    assert accounts["line"].status == "active" and not accounts["line"].compliant
    assert "多要素認証（二段階認証）を有効にしている" in accounts["line"].missing
    assert accounts["instagram"].status == "active" and accounts["instagram"].dormant
    assert accounts["youtube"].status == "closed"
    assert accounts["facebook"].status == "applying"
    detail = await AccountQueries().get(accounts["x"].id)
    assert detail.incidents and detail.incidents[0].kind == "impersonation"
    assert [s.done for s in detail.incidents[0].steps][:2] == [True, True]
    closed = (await anon.get("/api/public/v1/official-accounts/verify", params={"q": "youtube.com/@MidoriCity"})).json()
    assert closed["result"] == "closed"
    assert (await anon.get("/api/public/v1/official-accounts/verify", params={"q": "@midori_city"})).json()[
        "result"
    ] == "official"
    assert await load_demo_data() == []
