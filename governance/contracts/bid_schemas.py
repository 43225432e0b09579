"""Data shapes of the bid packages (調達用一式) over the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from governance.contracts.schemas import ClauseRef
from governance.schema import Struct


class BidPackageFile(Struct):
    """One file of a 調達用一式, as recorded when the package was generated."""

    name: str
    title: str
    sha256: str
    size: int


class BidPackage(Struct):
    """A recorded 調達用一式: what it was built from (facts, library version and hash), its 特記事項 and its files."""

    id: int
    engagement_id: int
    number: int
    library_version: str
    library_hash: str
    document_sha256: str
    created_at: dt.datetime
    created_by_name: str | None
    facts: dict[str, Any]
    files: list[BidPackageFile]
    clauses: list[ClauseRef]


def package_out(row: dict[str, Any]) -> BidPackage:
    """Build the API shape from a row of ``BidService.packages``."""
    return BidPackage(
        id=row["id"], engagement_id=row["engagement"], number=row["number"], library_version=row["library_version"],
        library_hash=row["library_hash"], document_sha256=row["document_sha256"], created_at=row["created_at"],
        created_by_name=row["created_by_name"], facts=msgspec.json.decode(row["facts_json"] or "{}"),
        files=msgspec.convert(row["contents"], list[BidPackageFile]),
        clauses=msgspec.convert(row["annex"], list[ClauseRef]),
    )  # fmt: skip
