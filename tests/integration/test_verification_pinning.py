"""A contract's checks come from the check items pinned in its version, not from whatever the library says later."""

from __future__ import annotations

import datetime as dt
import json

from governance.audit.chain import canonical_json
from governance.contracts.tables import ContractVersion
from tests.helpers import at_tokyo, checks_by_key, items_of, sign_contract

D = dt.date


async def test_the_plan_uses_the_check_items_the_version_was_drafted_with():
    sc = await sign_contract()
    now = at_tokyo(D(2026, 5, 1))
    vid = await sc.contracts.create_draft(sc.engagement_id, actor=sc.procurement, now=now)
    row = await ContractVersion.select(ContractVersion.clauses_json).where(ContractVersion.id == vid).first()
    clauses = json.loads(row["clauses_json"])["items"]
    assert all("checks" in c for c in clauses)
    # As if the library had changed since drafting: the version's own items decide (here one extra, and none of the
    # monthly ones: the 定期報告 and, for 機密性3B work, the 作業ログ).
    monthly = {k["id"] for c in clauses for k in c["checks"] if k["when"] == "monthly"}
    assert monthly == {"CHK-MONTHLY-REPORT", "CHK-WORK-LOG"}
    for c in clauses:
        c["checks"] = [k for k in c["checks"] if k["id"] not in monthly]
    clauses[0]["checks"].append(
        {"id": "CHK-PINNED", "what": "版に固定された確認項目", "when": "at_end", "requirements": ["OUT-CHK-10"]}
    )
    await ContractVersion.update({ContractVersion.clauses_json: canonical_json({"items": clauses})}).where(
        ContractVersion.id == vid
    )
    await sc.contracts.finalize(vid, actor=sc.procurement, now=now)
    await sc.contracts.sign(vid, signed_on=D(2026, 5, 1), municipality_signatory="市長", contractor_signatory="社長",
                            actor=sc.procurement, now=now)  # fmt: skip
    checks = await checks_by_key(sc.engagement_id)
    end_items = [i["item_id"] for i in await items_of(checks["at_end"]["id"])]
    assert "CHK-PINNED" in end_items
    future_monthly = [c for k, c in checks.items() if k.startswith("monthly:") and c["due_on"] >= D(2026, 5, 1)]
    assert future_monthly and all(c["status"] == "cancelled" for c in future_monthly)
