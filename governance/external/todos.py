"""To-do items of the external services domain: reviews due, build checks, applications to decide, re-confirmations."""

from __future__ import annotations

import datetime as dt

from governance.accounts.roles import Role
from governance.actor import Actor
from governance.external.codes import ApplicationStatus, Regime, ServiceStatus
from governance.external.services import APPLICANT_ROLES, DUE_SOON_DAYS, is_approver
from governance.external.tables import ExternalService, ServiceApplication, ServiceUsage
from governance.system.todos import TodoGroup, TodoItem, bounded, register_todo_provider

_ACTIVE = [ServiceStatus.approved, ServiceStatus.operating]


async def review_due_dates(today: dt.date, *, horizon_days: int = DUE_SOON_DAYS) -> list[dict]:
    """Services in use whose periodic review (EXT-OPS-01) falls within the horizon or is overdue, earliest first."""
    return await ExternalService.select(
        ExternalService.id, ExternalService.name, ExternalService.administrator, ExternalService.next_review_on,
    ).where(
        ExternalService.status.is_in(_ACTIVE), ExternalService.next_review_on.is_not_null(),
        ExternalService.next_review_on <= today + dt.timedelta(days=horizon_days),
    ).order_by(ExternalService.next_review_on)  # fmt: skip


async def external_service_todos(actor: Actor, today: dt.date) -> list[TodoGroup]:
    """What the actor must do about external services, each kind chosen, ordered and bounded in SQL."""
    if not actor.has_any(*APPLICANT_ROLES):
        return []
    # The administrator runs the review; security officers see the overdue ones of every service.
    whose = ExternalService.administrator == actor.id
    if actor.has_any(Role.security_officer):
        whose = whose | (ExternalService.next_review_on < today)
    due = (ExternalService.status.is_in(_ACTIVE), ExternalService.next_review_on.is_not_null(),
           ExternalService.next_review_on <= today + dt.timedelta(days=DUE_SOON_DAYS), whose)  # fmt: skip
    rows, total = await bounded(
        ExternalService.select(ExternalService.id, ExternalService.name, ExternalService.next_review_on)
        .where(*due).order_by(ExternalService.next_review_on).order_by(ExternalService.id),
        ExternalService.count().where(*due),
    )  # fmt: skip
    groups = [TodoGroup("外部サービスの定期確認", [
        TodoItem(title=f"外部サービスの定期確認：{r['name']}", href=f"/external-services/{r['id']}#records",
                 due=r["next_review_on"], kind="外部サービスの定期確認", overdue=r["next_review_on"] < today)
        for r in rows
    ], total, "/external-services/?review=soon")]  # fmt: skip
    build = (ExternalService.status == ServiceStatus.approved, ExternalService.regime == Regime.full,
             ExternalService.administrator == actor.id)  # fmt: skip
    rows, total = await bounded(
        ExternalService.select(ExternalService.id, ExternalService.name).where(*build).order_by(ExternalService.id),
        ExternalService.count().where(*build),
    )
    groups.append(TodoGroup("外部サービスの構築時確認", [
        TodoItem(title=f"構築時の確認の記録：{r['name']}", href=f"/external-services/{r['id']}#records",
                 kind="外部サービスの構築時確認")
        for r in rows
    ], total, "/external-services/"))  # fmt: skip
    if is_approver(actor):
        waiting = (ServiceApplication.status.is_in([ApplicationStatus.submitted, ApplicationStatus.under_review]),
                   (ServiceApplication.applicant != actor.id) | ServiceApplication.applicant.is_null())  # fmt: skip
        rows, total = await bounded(
            ServiceApplication.select(
                ServiceApplication.id, ServiceApplication.service.name.as_alias("service_name"),
                ServiceApplication.department.name.as_alias("department_name"),
            ).where(*waiting).order_by(ServiceApplication.id),
            ServiceApplication.count().where(*waiting),
        )  # fmt: skip
        groups.append(TodoGroup("外部サービスの利用申請の審査", [
            TodoItem(title=f"外部サービス利用申請の審査：{r['service_name']}（{r['department_name']}）",
                     href=f"/external-services/applications/{r['id']}", kind="外部サービスの利用申請")
            for r in rows
        ], total, "/external-services/applications"))  # fmt: skip
    returned = (ServiceApplication.applicant == actor.id, ServiceApplication.status == ApplicationStatus.returned)
    rows, total = await bounded(
        ServiceApplication.select(ServiceApplication.id, ServiceApplication.service.name.as_alias("service_name"))
        .where(*returned).order_by(ServiceApplication.id),
        ServiceApplication.count().where(*returned),
    )  # fmt: skip
    groups.append(TodoGroup("差し戻された利用申請", [
        TodoItem(title=f"差し戻された利用申請の修正：{r['service_name']}",
                 href=f"/external-services/applications/{r['id']}", kind="外部サービスの利用申請")
        for r in rows
    ], total, "/external-services/applications"))  # fmt: skip
    if actor.department_id is not None:
        pending = (ServiceUsage.department == actor.department_id, ServiceUsage.active.eq(True),
                   ServiceUsage.reconfirm_requested_at.is_not_null())  # fmt: skip
        rows, total = await bounded(
            ServiceUsage.select(ServiceUsage.service, ServiceUsage.service.name.as_alias("service_name"))
            .where(*pending).order_by(ServiceUsage.id),
            ServiceUsage.count().where(*pending),
        )  # fmt: skip
        groups.append(TodoGroup("外部サービスの利用規約", [
            TodoItem(title=f"利用規約の変更の再確認：{r['service_name']}",
                     href=f"/external-services/{r['service']}#usage", kind="外部サービスの利用規約")
            for r in rows
        ], total, f"/external-services/?department_id={actor.department_id}"))  # fmt: skip
    return groups


def register() -> None:
    """Register this domain's to-do provider and its reminder source for review due dates (idempotent)."""
    from governance.external.reminders import register as register_reminders

    register_todo_provider(external_service_todos)
    register_reminders()
