"""`governance demo-data` includes external services of both regimes, every application state and an overdue review."""

from __future__ import annotations

from governance.demo import load_demo_data
from governance.external.services import RegistryService, ServiceQuery


async def test_demo_data_covers_the_external_services_domain():
    await load_demo_data()
    registry = RegistryService()
    services = (await registry.list(ServiceQuery())).items
    assert {s.regime for s in services} == {"full", "low"}
    assert {s.platform for s in services if s.is_social_media} >= {"x", "line", "youtube", "instagram"}
    overdue = (await registry.list(ServiceQuery(review="overdue"))).items
    assert [s.name for s in overdue] == ["くもストレージ（ファイル共有）"] and overdue[0].review_overdue
    states = {a.status for a in await registry.applications()}
    assert states == {"draft", "submitted", "under_review", "approved", "rejected", "returned"}
    forms = next(s for s in services if s.name.startswith("かんたんフォーム"))
    assert any("再確認" in f for f in forms.flags)
    assert await load_demo_data() == []  # a second run changes nothing
