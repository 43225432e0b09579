"""Data shapes of the contracts domain."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec

from governance.schema import Struct


class SignatureIn(Struct):
    """The signature of a finalized version."""

    signed_on: Annotated[dt.date, msgspec.Meta(title="締結日")]
    municipality_signatory: Annotated[str, msgspec.Meta(title="甲の記名者", min_length=1, max_length=200)]
    contractor_signatory: Annotated[str, msgspec.Meta(title="乙の記名者", min_length=1, max_length=200)]


class ClauseCheck(Struct):
    """A verification the clause creates after signing (planned into checks)."""

    id: str
    what: str
    when: str
    requirements: list[str]


class ClauseRef(Struct):
    """A clause in a version, with why it is there."""

    id: str
    title: str
    section: str
    requirements: list[str]
    reasons: list[str]
    checks: list[ClauseCheck] = []


class ContractVersion(Struct):
    """A contract version as the API shows it."""

    id: int
    version: int
    status: str
    status_label: str
    library_version: str
    library_hash: str
    document_sha256: str
    created_at: dt.datetime
    finalized_at: dt.datetime | None
    signed_on: dt.date | None
    clauses: list[ClauseRef]
    added: list[ClauseRef]
    removed: list[ClauseRef]


def version_out(row: dict[str, Any]) -> ContractVersion:
    """Build the API shape from a service row."""
    return ContractVersion(
        id=row["id"], version=row["version"], status=row["status"], status_label=row["status_label"],
        library_version=row["library_version"], library_hash=row["library_hash"],
        document_sha256=row["document_sha256"], created_at=row["created_at"], finalized_at=row["finalized_at"],
        signed_on=row["signed_on"], clauses=[ClauseRef(**c) for c in row["clauses"]],
        added=[ClauseRef(**c) for c in row["added"]], removed=[ClauseRef(**c) for c in row["removed"]],
    )  # fmt: skip
