"""Data shapes of the audit domain."""

from __future__ import annotations

import datetime as dt

from governance.schema import Struct


class AuditEntry(Struct):
    """One audit entry as served by the API."""

    id: int
    occurred_at: dt.datetime
    actor_id: int | None
    actor_label: str
    action: str
    target_type: str
    target_id: str
    target_label: str
    before_json: str
    after_json: str
    prev_hash: str
    entry_hash: str


class AuditPage(Struct):
    """A page of entries and the total that match the filter."""

    items: list[AuditEntry]
    total: int
    limit: int
    offset: int


class ChainStatus(Struct):
    """The result of verifying the hash chain."""

    ok: bool
    checked: int
    head_hash: str
    broken_id: int | None
    reason: str
