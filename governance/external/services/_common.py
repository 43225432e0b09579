"""Helpers shared by the external services use cases: locked reads, permissions, audit, flags."""

from __future__ import annotations

import datetime as dt
from typing import Any

from governance.accounts.roles import Role
from governance.accounts.tables import User
from governance.actor import Actor
from governance.audit.services import AuditService
from governance.calendar import display_date
from governance.db import locked_row
from governance.engagements.facts import CONFIDENTIALITY_LABELS
from governance.errors import PermissionDeniedError, ValidationError
from governance.external.codes import ServiceStatus
from governance.external.regime import is_above, level_problem
from governance.external.tables import ExternalService, ServiceApplication

APPLICANT_ROLES: frozenset[str] = frozenset(
    {Role.security_officer, Role.procurement, Role.department_staff, Role.pr_staff}
)
"""Who may apply to use a service (every staff role; not the system administrator, not auditors)."""

ACTIVE_STATUSES = (ServiceStatus.approved, ServiceStatus.operating)


def level_label(level: str | None) -> str:
    """The Japanese name of a confidentiality level ("—" for none)."""
    return CONFIDENTIALITY_LABELS.get(level or "", level or "—")


def check_level(scheme: str, level: str, field: str) -> None:
    """Refuse a confidentiality level outside the scheme in force.

    Raises:
        ValidationError: with the field's message.
    """
    problem = level_problem(scheme, level)
    if problem:
        raise ValidationError({field: problem})


def service_flags(row: dict[str, Any], usages: list[dict[str, Any]], today: dt.date) -> list[str]:
    """What needs attention on a service: use above its approval, approval above its limit, an overdue review."""
    flags = []
    for u in usages:
        if u["active"] and is_above(u["confidentiality_in_use"], u["approved_confidentiality"]):
            flags.append(
                f"{u['department_name']}が承認された分類（{level_label(u['approved_confidentiality'])}）を超える"
                f"{level_label(u['confidentiality_in_use'])}の情報を取り扱っています。"
            )
        if u["active"] and u["reconfirm_requested_at"] is not None:
            flags.append(f"{u['department_name']}が利用規約の変更を再確認していません。")
    if row["status"] in ACTIVE_STATUSES and is_above(row["approved_confidentiality"], row["max_confidentiality"]):
        flags.append(
            f"承認された分類（{level_label(row['approved_confidentiality'])}）が、台帳上このサービスで取り扱える"
            f"分類（{level_label(row['max_confidentiality'])}）を超えています。"
        )
    if row["status"] in ACTIVE_STATUSES and row["next_review_on"] and row["next_review_on"] < today:
        flags.append(f"定期確認の期限（{display_date(row['next_review_on'])}）を過ぎています。")
    return flags


def application_flags(app: dict[str, Any], service: dict[str, Any]) -> tuple[bool, bool, list[str]]:
    """Whether an application asks for more than the service may handle, or more than its approval covers."""
    above_limit = is_above(app["confidentiality"], service["max_confidentiality"])
    above_approval = service["status"] in ACTIVE_STATUSES and is_above(
        app["confidentiality"], service["approved_confidentiality"]
    )
    flags = []
    if above_limit:
        flags.append(
            f"申請する情報の分類（{level_label(app['confidentiality'])}）は、台帳上このサービスで取り扱える分類"
            f"（{level_label(service['max_confidentiality'])}）を超えています。このままでは承認できません。"
        )
    elif above_approval:
        flags.append(
            f"申請する情報の分類（{level_label(app['confidentiality'])}）は、このサービスの現在の承認範囲"
            f"（{level_label(service['approved_confidentiality'])}）を超えています。承認すると承認範囲が広がります。"
        )
    return above_limit, above_approval, flags


async def locked_service(service_id: int) -> dict[str, Any]:
    """Read a service for update (row lock on PostgreSQL).

    Raises:
        NotFoundError: no such service.
    """
    return await locked_row(ExternalService, service_id, "外部サービス")


async def locked_application(application_id: int) -> dict[str, Any]:
    """Read an application for update.

    Raises:
        NotFoundError: no such application.
    """
    return await locked_row(ServiceApplication, application_id, "利用申請")


async def user_name(user_id: int | None) -> str:
    """A user's full name (empty for none)."""
    if user_id is None:
        return ""
    row = await User.select(User.full_name).where(User.id == user_id).first()
    return row["full_name"] if row else ""


async def require_administrator(service: dict[str, Any], actor: Actor, *, what: str) -> None:
    """Let only the service's administrator (外部サービス管理者) do ``what``.

    Raises:
        PermissionDeniedError: someone else asked.
    """
    if service["administrator"] is None:
        raise PermissionDeniedError(
            f"{what}は外部サービス管理者が行いますが、このサービスにはまだ管理者が指名されていません。"
        )
    if actor.id != service["administrator"]:
        name = await user_name(service["administrator"])
        raise PermissionDeniedError(f"{what}は、このサービスの外部サービス管理者（{name}）が行います。")


def approver_roles() -> frozenset[str]:
    """The roles that act as 許可権限者 (GOVERNANCE_EXTERNAL_SERVICE_APPROVERS; the security office by default)."""
    from governance.settings import get_settings

    return frozenset(get_settings().external_service_approvers)


def approver_label() -> str:
    """The 許可権限者 as pages and messages name them."""
    from governance.accounts.roles import ROLE_LABELS, Role

    return "・".join(ROLE_LABELS[Role(r)] for r in sorted(approver_roles()))


def is_approver(actor: Actor) -> bool:
    """Whether the actor may review and approve usage applications and appoint administrators."""
    return actor.has_any(*approver_roles())


def require_role(actor: Actor, *roles: str, message: str) -> None:
    """Refuse an actor holding none of the roles.

    Raises:
        PermissionDeniedError: with the message.
    """
    if not actor.has_any(*roles):
        raise PermissionDeniedError(message)


async def audit_service(
    audit: AuditService, action: str, row: dict[str, Any], actor: Actor, now: dt.datetime, **kw: Any
) -> None:
    """Record an audit entry about a service."""
    await audit.record(
        action, actor=actor, target_type="external_service", target_id=row["id"], target_label=row["name"], now=now,
        **kw,
    )  # fmt: skip


async def audit_application(
    audit: AuditService, action: str, row: dict[str, Any], service_name: str, actor: Actor, now: dt.datetime, **kw: Any
) -> None:
    """Record an audit entry about a usage application."""
    await audit.record(
        action, actor=actor, target_type="external_application", target_id=row["id"],
        target_label=f"{service_name} 利用申請{row['id']}", now=now, **kw,
    )  # fmt: skip
