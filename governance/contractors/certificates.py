"""Certificate validity on a date (pure): valid, expiring soon, expired, not yet valid."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class CertificateFact:
    """A contractor's certificate as the pre-fill needs it."""

    kind: str
    label: str
    number: str
    valid_from: dt.date | None
    valid_until: dt.date | None


def certification_status(
    valid_from: dt.date | None, valid_until: dt.date | None, on: dt.date, *, warn_days: int
) -> str:
    """Classify a certificate on a date: ``not_yet``, ``expired``, ``expiring`` (within warn_days) or ``valid``."""
    if valid_from is not None and on < valid_from:
        return "not_yet"
    if valid_until is None:
        return "valid"
    if on > valid_until:
        return "expired"
    if (valid_until - on).days <= warn_days:
        return "expiring"
    return "valid"


CERT_STATUS_LABELS: dict[str, str] = {
    "valid": "有効",
    "expiring": "期限間近",
    "expired": "期限切れ",
    "not_yet": "有効期間前",
}
