"""The audit log table."""

from __future__ import annotations

from piccolo.columns import Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class AuditEntry(Table, tablename="audit_entry"):
    """One recorded change; ``entry_hash`` covers the fields and the previous entry's hash.

    ``actor_id`` is deliberately not a foreign key: users may be deleted, their audit trail may not.
    """

    occurred_at = Timestamptz(required=True, index=True)
    actor_id = Integer(null=True, default=None, index=True)
    actor_label = Varchar(length=200, required=True)
    action = Varchar(length=100, required=True, index=True)
    target_type = Varchar(length=50, required=True, index=True)
    target_id = Varchar(length=50, default="", index=True)
    target_label = Varchar(length=300, default="")
    before_json = Text(default="")
    after_json = Text(default="")
    prev_hash = Varchar(length=64, required=True)
    entry_hash = Varchar(length=64, unique=True, required=True)
