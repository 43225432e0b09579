"""Data shapes of the contracts domain."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec

from governance.contracts.tables import VERSION_KIND_LABELS
from governance.schema import Date, RequiredLine, Struct


class SignatureIn(Struct):
    """The signature of a finalized version."""

    signed_on: Annotated[Date, msgspec.Meta(title="締結日")]
    municipality_signatory: Annotated[RequiredLine, msgspec.Meta(title="甲の記名者", max_length=200)]
    contractor_signatory: Annotated[RequiredLine, msgspec.Meta(title="乙の記名者", max_length=200)]


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
    number: str = ""
    lines: list[str] = []


class ContractVersion(Struct):
    """A contract version as the API shows it."""

    id: int
    version: int
    status: str
    status_label: str
    kind: str
    kind_label: str
    amends_version: int | None
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
        kind=row["kind"], kind_label=VERSION_KIND_LABELS.get(row["kind"], row["kind"]),
        amends_version=row["amends_version"],
        library_version=row["library_version"], library_hash=row["library_hash"],
        document_sha256=row["document_sha256"], created_at=row["created_at"], finalized_at=row["finalized_at"],
        signed_on=row["signed_on"], clauses=[ClauseRef(**c) for c in row["clauses"]],
        added=[ClauseRef(**c) for c in row["added"]], removed=[ClauseRef(**c) for c in row["removed"]],
    )  # fmt: skip


class EvaluationItem(Struct):
    """One item of a subcontractor's evaluation, with the answer recorded (empty until decided)."""

    criterion: str
    text: str
    requirements: list[str]
    may_be_not_applicable: bool
    answer: str
    answer_label: str
    note: str


class SubcontractorApproval(Struct):
    """A subcontractor approval (再委託の承認, or 番号法第10条の許諾 for マイナンバー work) as the API shows it."""

    id: int
    name: str
    mynumber_permission: bool
    status: str
    status_label: str
    requested_at: dt.datetime
    decided_at: dt.datetime | None
    decided_by_name: str | None
    note: str
    evaluation: list[EvaluationItem]


def approval_out(row: dict[str, Any]) -> SubcontractorApproval:
    """Build the API shape from a row of ``ContractService.approvals``."""
    return SubcontractorApproval(
        id=row["id"], name=row["name"], mynumber_permission=bool(row["mynumber_permission"]), status=row["status"],
        status_label=row["status_label"], requested_at=row["requested_at"], decided_at=row["decided_at"],
        decided_by_name=row["decided_by_name"], note=row["note"],
        evaluation=[
            EvaluationItem(
                criterion=c["id"], text=c["text"], requirements=c["requirements"],
                may_be_not_applicable=c["may_be_not_applicable"], answer=c["answer"], answer_label=c["answer_label"],
                note=c["note"],
            )
            for c in row["criteria"]
        ],
    )  # fmt: skip
