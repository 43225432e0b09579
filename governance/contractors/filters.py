"""The contractor list's filters that look beyond the contractor: certificates about to expire, and who engages it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from piccolo.columns.combination import WhereRaw

from governance.contractors.tables import Certification, Contractor

CERT_EXPIRING_CHOICES = {90: "認証の有効期限が90日以内"}
"""``?cert_expiring=`` values the list offers (days from today)."""


def engaged_and_expiring(department_id: int | None, cert_days: int | None, today: dt.date) -> list[Any]:
    """Conditions: engaged by the department under a running contract; holding a certificate that ends soon.

    The department's contractors are those named by a contract of its engagements in force (状態「契約中」), read as
    raw SQL so that this domain need not import the contracts and engagements that depend on it. A certificate ends
    soon when its last valid day falls from today to ``cert_days`` days later (one already expired does not count).
    """
    where: list[Any] = []
    if department_id is not None:
        where.append(
            WhereRaw(
                "contractor.id IN (SELECT c.contractor FROM contract c JOIN engagement e ON e.id = c.engagement "
                "WHERE e.department = {} AND e.status = {})",
                department_id,
                "contracted",
            )
        )
    if cert_days is not None:
        expiring = Certification.select(Certification.contractor).where(
            Certification.valid_until >= today, Certification.valid_until <= today + dt.timedelta(days=cert_days)
        )
        where.append(Contractor.id.is_in(expiring))
    return where
