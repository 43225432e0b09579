"""The engagement register as exported: every matching engagement with its contractor and latest contract version.

A mixin of ``EngagementService`` (it reads the list's ``conditions``), kept apart from the use cases that change
engagements; the columns are in ``governance.engagements.register``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from governance.db import keyset_chunks
from governance.engagements.facts import CONFIDENTIALITY_LABELS
from governance.engagements.tables import ENGAGEMENT_STATUS_LABELS, Engagement, Selection, SelectionStatus
from governance.engagements.term import RENEWAL_LABELS
from governance.engagements.tier import TIER_LABELS

if TYPE_CHECKING:  # the query is defined beside the service that inherits this mixin
    from governance.engagements.services._engagements import EngagementQuery

JSON_FIELDS = ("segments", "work_kinds", "work_locations", "subcontractors", "tier_reasons")


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    for name in JSON_FIELDS:
        if isinstance(row.get(name), str):
            row[name] = json.loads(row[name] or "[]")
    return row


NO_CONTRACT: dict[str, Any] = {
    "contractor_name": "", "contract_version": "", "contract_status": "", "signed_on": None, "library_version": "",
}  # fmt: skip


async def _contract_facts(engagement_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Per engagement: its contractor (the contract's, else the approved selection's) and latest contract version."""
    # contracts build on engagements, not the other way round: their tables are read here only
    from governance.contracts.tables import VERSION_KIND_LABELS, VERSION_STATUS_LABELS, Contract, ContractVersion

    out: dict[int, dict[str, Any]] = {}
    approved = (
        Selection.select(Selection.engagement, Selection.selected_contractor.name.as_alias("name"))
        .where(Selection.engagement.is_in(engagement_ids), Selection.status == SelectionStatus.approved)
        .order_by(Selection.version)
    )
    contracts = Contract.select(Contract.engagement, Contract.contractor.name.as_alias("name")).where(
        Contract.engagement.is_in(engagement_ids)
    )
    versions = (
        ContractVersion.select(
            ContractVersion.contract.engagement.as_alias("engagement"), ContractVersion.version, ContractVersion.kind,
            ContractVersion.status, ContractVersion.library_version, ContractVersion.signed_on,
        )
        .where(ContractVersion.contract.engagement.is_in(engagement_ids))
        .order_by(ContractVersion.version)
    )  # fmt: skip
    for r in [*await approved, *await contracts]:  # the contract's contractor, read last, wins
        out.setdefault(r["engagement"], dict(NO_CONTRACT))["contractor_name"] = r["name"] or ""
    for v in await versions:  # in version order: the last one read is the latest
        out.setdefault(v["engagement"], dict(NO_CONTRACT)).update(
            contract_version=f"{VERSION_KIND_LABELS.get(v['kind'], v['kind'])} 第{v['version']}版",
            contract_status=VERSION_STATUS_LABELS.get(v["status"], v["status"]),
            signed_on=v["signed_on"],
            library_version=v["library_version"],
        )
    return out


class EngagementRegisterRows:
    """The rows of the engagement register (.xlsx and CSV); ``conditions`` is the list's, from EngagementService."""

    conditions: Any

    async def export_rows(self, query: EngagementQuery, *, chunk: int = 500) -> AsyncIterator[dict[str, Any]]:
        """Every engagement matching the list's filters, newest first, a chunk at a time (for the register).

        Each row carries its contractor (the contract's, else the approved selection's) and its latest contract
        version (kind, number, status, signing date, clause-library version), read for the whole chunk at once.
        """
        columns = (
            Engagement.id, Engagement.title, Engagement.department.name.as_alias("department_name"),
            Engagement.supervisor.full_name.as_alias("supervisor_name"), Engagement.start_date, Engagement.end_date,
            Engagement.renewal, Engagement.contract_value, Engagement.status, Engagement.tier,
            Engagement.confidentiality, Engagement.integrity, Engagement.availability, Engagement.personal_info,
            Engagement.specific_personal_info, Engagement.subcontracting, Engagement.subcontractors,
            Engagement.work_kinds, Engagement.work_locations, Engagement.segments, Engagement.remote_access,
            Engagement.off_premises, Engagement.renewal_months, Engagement.notice_days, Engagement.updated_at,
        )  # fmt: skip
        where = self.conditions(query)
        async for rows in keyset_chunks(
            lambda: Engagement.select(*columns), Engagement, where, chunk=chunk, newest_first=True
        ):
            contracts = await _contract_facts([r["id"] for r in rows])
            for r in rows:
                r = _decode(r)
                yield {
                    **r,
                    "tier_label": TIER_LABELS.get(r["tier"], str(r["tier"])),
                    "confidentiality_label": CONFIDENTIALITY_LABELS.get(r["confidentiality"], r["confidentiality"]),
                    "renewal_label": RENEWAL_LABELS.get(r["renewal"], r["renewal"]),
                    "status_label": ENGAGEMENT_STATUS_LABELS.get(r["status"], r["status"]),
                    **contracts.get(r["id"], NO_CONTRACT),
                }
