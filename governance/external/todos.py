"""To-do items of the external services domain: reviews due, build checks, applications to decide, re-confirmations."""

from __future__ import annotations

import datetime as dt

from governance.accounts.roles import Role
from governance.actor import Actor
from governance.external.codes import ApplicationStatus, Regime, ServiceStatus
from governance.external.services import APPLICANT_ROLES, DUE_SOON_DAYS, RegistryService, is_approver
from governance.external.tables import ExternalService, ServiceApplication, ServiceUsage
from governance.system.todos import TodoItem, register_todo_provider

_ACTIVE = [ServiceStatus.approved, ServiceStatus.operating]


async def review_due_dates(today: dt.date, *, horizon_days: int = DUE_SOON_DAYS) -> list[dict]:
    """Services in use whose periodic review (EXT-OPS-01) falls within the horizon or is overdue, earliest first."""
    return await ExternalService.select(
        ExternalService.id, ExternalService.name, ExternalService.administrator, ExternalService.next_review_on,
    ).where(
        ExternalService.status.is_in(_ACTIVE), ExternalService.next_review_on.is_not_null(),
        ExternalService.next_review_on <= today + dt.timedelta(days=horizon_days),
    ).order_by(ExternalService.next_review_on)  # fmt: skip


async def external_service_todos(actor: Actor, today: dt.date) -> list[TodoItem]:
    """What the actor must do about external services (overdue reviews first, through the home page's sort)."""
    if not actor.has_any(*APPLICANT_ROLES):
        return []
    items: list[TodoItem] = []
    officer = actor.has_any(Role.security_officer)
    for row in await review_due_dates(today):
        overdue = row["next_review_on"] < today
        # The administrator runs the review; security officers see the overdue ones of every service.
        if row["administrator"] == actor.id or (officer and overdue):
            items.append(
                TodoItem(title=f"外部サービスの定期確認：{row['name']}", href=f"/external-services/{row['id']}#records",
                         due=row["next_review_on"], kind="外部サービスの定期確認", overdue=overdue)
            )  # fmt: skip
    builds = await ExternalService.select(ExternalService.id, ExternalService.name).where(
        ExternalService.status == ServiceStatus.approved, ExternalService.regime == Regime.full,
        ExternalService.administrator == actor.id,
    )  # fmt: skip
    items += [
        TodoItem(title=f"構築時の確認の記録：{r['name']}", href=f"/external-services/{r['id']}#records",
                 kind="外部サービスの構築時確認")
        for r in builds
    ]  # fmt: skip
    if is_approver(actor):
        items += [
            TodoItem(title=f"外部サービス利用申請の審査：{r['service_name']}（{r['department_name']}）",
                     href=f"/external-services/applications/{r['id']}", kind="外部サービスの利用申請")
            for r in await RegistryService().awaiting_review()
            if r["applicant"] != actor.id
        ]  # fmt: skip
    returned = await ServiceApplication.select(
        ServiceApplication.id, ServiceApplication.service.name.as_alias("service_name")
    ).where(
        ServiceApplication.applicant == actor.id, ServiceApplication.status == ApplicationStatus.returned
    )  # fmt: skip
    items += [
        TodoItem(title=f"差し戻された利用申請の修正：{r['service_name']}",
                 href=f"/external-services/applications/{r['id']}", kind="外部サービスの利用申請")
        for r in returned
    ]  # fmt: skip
    if actor.department_id is not None:
        pending = await ServiceUsage.select(
            ServiceUsage.service, ServiceUsage.service.name.as_alias("service_name")
        ).where(
            ServiceUsage.department == actor.department_id, ServiceUsage.active.eq(True),
            ServiceUsage.reconfirm_requested_at.is_not_null(),
        )  # fmt: skip
        items += [
            TodoItem(title=f"利用規約の変更の再確認：{r['service_name']}",
                     href=f"/external-services/{r['service']}#usage", kind="外部サービスの利用規約")
            for r in pending
        ]  # fmt: skip
    return items


def register() -> None:
    """Register this domain's to-do provider and its reminder source for review due dates (idempotent)."""
    from governance.external.reminders import register as register_reminders

    register_todo_provider(external_service_todos)
    register_reminders()
