"""To-do items of the contracts domain: subcontractors waiting for approval."""

from __future__ import annotations

import datetime as dt

from governance.accounts.roles import Role
from governance.actor import Actor
from governance.contracts.tables import ApprovalStatus, SubcontractorApproval
from governance.system.todos import TodoItem, register_todo_provider

_KIND = {True: "許諾（番号法第10条）", False: "承認"}


async def subcontractors_to_approve(actor: Actor, today: dt.date) -> list[TodoItem]:
    """Pending approvals the actor may decide (番号法第10条の許諾 only for security officers; never one's own)."""
    if not actor.has_any(Role.security_officer, Role.procurement):
        return []
    rows = await SubcontractorApproval.select(
        SubcontractorApproval.id, SubcontractorApproval.engagement, SubcontractorApproval.name,
        SubcontractorApproval.mynumber_permission, SubcontractorApproval.requested_by,
        SubcontractorApproval.engagement.title.as_alias("engagement_title"),
    ).where(SubcontractorApproval.status == ApprovalStatus.pending).order_by(SubcontractorApproval.id)  # fmt: skip
    return [
        TodoItem(
            title=f"再委託の{_KIND[r['mynumber_permission']]}：{r['name']}（{r['engagement_title']}）",
            href=f"/engagements/{r['engagement']}/contract",
            kind="再委託の承認",
        )
        for r in rows
        if r["requested_by"] != actor.id and (not r["mynumber_permission"] or actor.has_any(Role.security_officer))
    ]


def register() -> None:
    """Register this domain's to-do providers (idempotent)."""
    register_todo_provider(subcontractors_to_approve)
