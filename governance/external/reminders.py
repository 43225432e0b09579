"""The reminder source of this domain: periodic reviews (EXT-OPS-01) of services in use, for their administrator."""

from __future__ import annotations

import datetime as dt

from governance.accounts.roles import Role
from governance.external.codes import ServiceStatus
from governance.external.tables import ExternalService
from governance.reminders.notify import recipients_by_id, users_with_role
from governance.reminders.rules import Rule
from governance.reminders.sources import DueItem, register_source, window

SUBJECT = "ext_review"


async def due_reviews(rule: Rule, today: dt.date) -> list[DueItem]:
    """Services in use whose next periodic review falls in the rule's window.

    The reminder goes to the service's administrator (外部サービス管理者), or to the security officers when the
    administrator is no longer active.
    """
    start, end = window(rule, today)
    query = ExternalService.select(
        ExternalService.id, ExternalService.name, ExternalService.next_review_on, ExternalService.administrator
    ).where(
        ExternalService.status.is_in([ServiceStatus.approved, ServiceStatus.operating]),
        ExternalService.next_review_on.is_not_null(), ExternalService.next_review_on <= end,
    )  # fmt: skip
    if start:
        query = query.where(ExternalService.next_review_on >= start)
    rows = await query.order_by(ExternalService.next_review_on)
    admins = await recipients_by_id(r["administrator"] for r in rows)
    officers = tuple(await users_with_role(Role.security_officer)) if len(admins) < len(rows) else ()
    return [
        DueItem(
            "external_service", r["id"], r["next_review_on"], f"{r['name']}の定期確認（EXT-OPS-01）",
            f"/external-services/{r['id']}#records",
            (admins[r["administrator"]],) if r["administrator"] in admins else officers,
        )
        for r in rows
    ]  # fmt: skip


def register() -> None:
    """Register the source with the reminder machinery (idempotent)."""
    register_source(SUBJECT, due_reviews)
