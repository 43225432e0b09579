"""Hash chain over audit entries (pure: no database)."""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS_HASH = "0" * 64


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds") if value.tzinfo else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"cannot record {type(value).__name__} in the audit log")


def canonical_json(value: Mapping[str, Any] | None) -> str:
    """Serialize a snapshot deterministically (sorted keys, no spaces); ``None`` becomes ''."""
    if value is None:
        return ""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_default)


def format_time(value: dt.datetime) -> str:
    """The one textual form of an entry's time that goes into its hash."""
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class EntryFields:
    """The hashed fields of an audit entry, as stored."""

    occurred_at: dt.datetime
    actor_id: int | None
    actor_label: str
    action: str
    target_type: str
    target_id: str
    target_label: str
    before_json: str
    after_json: str


def entry_hash(prev_hash: str, fields: EntryFields) -> str:
    """Compute an entry's hash from the previous entry's hash and its own fields."""
    payload = json.dumps(
        [
            prev_hash,
            format_time(fields.occurred_at),
            fields.actor_id,
            fields.actor_label,
            fields.action,
            fields.target_type,
            fields.target_id,
            fields.target_label,
            fields.before_json,
            fields.after_json,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    """The outcome of verifying the chain."""

    ok: bool
    checked: int
    head_hash: str
    broken_id: int | None = None
    reason: str = ""


class ChainVerifier:
    """Checks entries one at a time, in id order, so a long chain is verified in constant memory."""

    def __init__(self) -> None:
        self.head = GENESIS_HASH
        self.checked = 0
        self.broken: ChainReport | None = None

    def feed(self, row: Mapping[str, Any]) -> bool:
        """Check the next entry; return False (and keep the first failure) once the chain is broken."""
        if self.broken is not None:
            return False
        if row["prev_hash"] != self.head:
            reason = "直前の記録とのつながりが一致しません（記録の削除・挿入の可能性）"
        elif (
            entry_hash(self.head, EntryFields(**{k: row[k] for k in EntryFields.__dataclass_fields__}))
            != row["entry_hash"]
        ):
            reason = "記録の内容がハッシュと一致しません（記録の改ざんの可能性）"
        else:
            self.head = row["entry_hash"]
            self.checked += 1
            return True
        self.broken = ChainReport(False, self.checked, self.head, row["id"], reason)
        return False

    def report(self) -> ChainReport:
        """The outcome so far."""
        return self.broken or ChainReport(True, self.checked, self.head)


def verify_chain(rows: Iterable[Mapping[str, Any]]) -> ChainReport:
    """Walk entries in id order and name the first one whose link or hash does not hold.

    Args:
        rows: mappings with ``id``, ``prev_hash``, ``entry_hash`` and the fields of ``EntryFields``.

    Returns:
        The report; ``broken_id`` is the first entry that was edited, inserted or follows a deleted one.
    """
    verifier = ChainVerifier()
    for row in rows:
        if not verifier.feed(row):
            break
    return verifier.report()
