"""Tables for contracts, their immutable versions, and approvals of subcontractors (再委託)."""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import Boolean, Date, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from governance.accounts.tables import User
from governance.contractors.tables import Contractor
from governance.engagements.tables import Engagement
from governance.files.tables import StoredFile


class VersionStatus(StrEnum):
    """Where a contract version stands; finalized and signed versions never change."""

    draft = "draft"
    finalized = "finalized"
    signed = "signed"
    superseded = "superseded"


VERSION_STATUS_LABELS: dict[str, str] = {
    VersionStatus.draft: "案",
    VersionStatus.finalized: "確定",
    VersionStatus.signed: "締結済み",
    VersionStatus.superseded: "旧版",
}


class Contract(Table, tablename="contract"):
    """The contract of an engagement with its contractor (one per engagement)."""

    engagement = ForeignKey(Engagement, on_delete=OnDelete.restrict, required=True, unique=True)
    contractor = ForeignKey(Contractor, on_delete=OnDelete.restrict, required=True)
    created_at = Timestamptz(default=TimestamptzNow())


class VersionKind(StrEnum):
    """What a contract version is: the contract itself, or an amendment (覚書) that changes a signed version."""

    contract = "contract"
    amendment = "amendment"


VERSION_KIND_LABELS: dict[str, str] = {VersionKind.contract: "契約書", VersionKind.amendment: "変更契約書（覚書）"}


class ContractVersion(Table, tablename="contract_version"):
    """One generated version: what it was built from (facts, library version and hash, clauses) and its document.

    ``clauses_json`` holds, per clause, its id, title, requirements, reasons, checks and (since 2026.3) the printed
    lines, so that any two versions can be compared as a 新旧対照表 without the library they were drafted with. An
    amendment (``kind`` = amendment) holds the whole contract text after the change; ``amends_version`` is the id of
    the signed version it changes, and its document is the 覚書 with the 新旧対照表.
    """

    contract = ForeignKey(Contract, on_delete=OnDelete.restrict, required=True)
    version = Integer(required=True)
    kind = Varchar(length=20, choices=VersionKind, default=VersionKind.contract)
    amends_version = Integer(null=True, default=None)
    status = Varchar(length=20, choices=VersionStatus, default=VersionStatus.draft)
    facts_json = Text(default="")
    context_json = Text(default="")
    library_version = Varchar(length=40, required=True)
    library_hash = Varchar(length=64, required=True)
    clauses_json = Text(default="")
    document = ForeignKey(StoredFile, on_delete=OnDelete.restrict, required=True)
    document_sha256 = Varchar(length=64, required=True)
    created_by = ForeignKey(User, on_delete=OnDelete.restrict, required=True)
    created_at = Timestamptz(default=TimestamptzNow())
    finalized_by = ForeignKey(User, on_delete=OnDelete.restrict, null=True, default=None)
    finalized_at = Timestamptz(null=True, default=None)
    signed_on = Date(null=True, default=None)
    signatory_municipality = Varchar(length=200, default="")
    signatory_contractor = Varchar(length=200, default="")
    signed_recorded_by = ForeignKey(User, on_delete=OnDelete.restrict, null=True, default=None)


class ApprovalStatus(StrEnum):
    """Where a subcontractor approval stands."""

    pending = "pending"
    approved = "approved"
    refused = "refused"


APPROVAL_STATUS_LABELS: dict[str, str] = {
    ApprovalStatus.pending: "未承認",
    ApprovalStatus.approved: "承認済み",
    ApprovalStatus.refused: "不承認",
}


class SubcontractorApproval(Table, tablename="subcontractor_approval"):
    """The municipality's approval of one subcontractor (番号法第10条の許諾 when マイナンバー is handled)."""

    engagement = ForeignKey(Engagement, on_delete=OnDelete.restrict, required=True)
    name = Varchar(length=200, required=True)
    mynumber_permission = Boolean(default=False)
    status = Varchar(length=20, choices=ApprovalStatus, default=ApprovalStatus.pending)
    requested_by = ForeignKey(User, on_delete=OnDelete.restrict, null=True, default=None)
    requested_at = Timestamptz(default=TimestamptzNow())
    decided_by = ForeignKey(User, on_delete=OnDelete.restrict, null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)
    note = Text(default="")
    evaluation = Text(default="")  # JSON: per item of SUBCONTRACTOR_CRITERIA, {"answer": ..., "note": ...}


class BidPackage(Table, tablename="bid_package"):
    """A 調達用一式 generated for an engagement before a contractor is chosen (OUT-SEL-08, EXT-PRC-01).

    Recorded like a contract version: the facts, the library version and hash it was built from, the 特記事項 as
    printed (per clause, to compare the contract later drafted for the chosen contractor), the files in the zip with
    their SHA-256, and the zip itself.
    """

    engagement = ForeignKey(Engagement, on_delete=OnDelete.restrict, required=True)
    number = Integer(required=True)
    facts_json = Text(default="")
    library_version = Varchar(length=40, required=True)
    library_hash = Varchar(length=64, required=True)
    annex_json = Text(default="")
    contents_json = Text(default="")
    document = ForeignKey(StoredFile, on_delete=OnDelete.restrict, required=True)
    document_sha256 = Varchar(length=64, required=True)
    created_by = ForeignKey(User, on_delete=OnDelete.restrict, required=True)
    created_at = Timestamptz(default=TimestamptzNow())
