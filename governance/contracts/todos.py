"""To-do items of the contracts domain: subcontractors waiting for approval, and one's own contract drafts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from governance.accounts.roles import Role
from governance.actor import Actor
from governance.contracts.tables import (
    VERSION_KIND_LABELS,
    ApprovalStatus,
    ContractVersion,
    SubcontractorApproval,
    VersionStatus,
)
from governance.system.todos import TodoGroup, TodoItem, bounded, register_todo_provider

_KIND = {True: "許諾（番号法第10条）", False: "承認"}


async def subcontractors_to_approve(actor: Actor, today: dt.date) -> list[TodoGroup]:
    """Pending approvals the actor may decide (番号法第10条の許諾 only for security officers; never one's own)."""
    if not actor.has_any(Role.security_officer, Role.procurement):
        return []
    where: list[Any] = [
        SubcontractorApproval.status == ApprovalStatus.pending,
        (SubcontractorApproval.requested_by != actor.id) | SubcontractorApproval.requested_by.is_null(),
    ]
    if not actor.has_any(Role.security_officer):
        where.append(SubcontractorApproval.mynumber_permission.eq(False))
    rows, total = await bounded(
        SubcontractorApproval.select(
            SubcontractorApproval.id, SubcontractorApproval.engagement, SubcontractorApproval.name,
            SubcontractorApproval.mynumber_permission,
            SubcontractorApproval.engagement.title.as_alias("engagement_title"),
        ).where(*where).order_by(SubcontractorApproval.id),
        SubcontractorApproval.count().where(*where),
    )  # fmt: skip
    return [TodoGroup("再委託の承認", [
        TodoItem(
            title=f"再委託の{_KIND[r['mynumber_permission']]}：{r['name']}（{r['engagement_title']}）",
            href=f"/engagements/{r['engagement']}/contract",
            kind="再委託の承認",
        )
        for r in rows
    ], total, "/engagements/")]  # fmt: skip


async def contract_drafts(actor: Actor, today: dt.date) -> list[TodoGroup]:
    """Contract and 覚書 drafts the actor made that are not yet finalized, and finalized ones awaiting signature."""
    if actor.id is None or not actor.has_any(Role.procurement):
        return []
    where = (ContractVersion.created_by == actor.id,
             ContractVersion.status.is_in([VersionStatus.draft, VersionStatus.finalized]))  # fmt: skip
    rows, total = await bounded(
        ContractVersion.select(
            ContractVersion.id, ContractVersion.version, ContractVersion.kind, ContractVersion.status,
            ContractVersion.contract.engagement.as_alias("engagement"),
            ContractVersion.contract.engagement.title.as_alias("engagement_title"),
        ).where(*where).order_by(ContractVersion.id),
        ContractVersion.count().where(*where),
    )  # fmt: skip
    items = []
    for r in rows:
        kind = VERSION_KIND_LABELS.get(r["kind"], "契約書")
        if r["status"] == VersionStatus.draft:
            title, what = f"{kind}案の確定：{r['engagement_title']}（第{r['version']}版）", "契約書案"
        else:
            title, what = f"{kind}の締結の記録：{r['engagement_title']}（第{r['version']}版）", "契約の締結"
        items.append(TodoItem(title=title, href=f"/engagements/{r['engagement']}/contract", kind=what))
    return [TodoGroup("契約書案・契約の締結", items, total, "/engagements/")]


def register() -> None:
    """Register this domain's to-do providers (idempotent)."""
    register_todo_provider(subcontractors_to_approve)
    register_todo_provider(contract_drafts)
