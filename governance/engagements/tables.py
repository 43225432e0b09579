"""Tables for engagements (with their facts and tier history) and versioned contractor selections."""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from governance.accounts.tables import Department, User
from governance.contractors.tables import Contractor
from governance.files.tables import StoredFile


class EngagementStatus(StrEnum):
    """Where an engagement stands."""

    planning = "planning"
    selecting = "selecting"
    preparing = "preparing"
    contracted = "contracted"
    ended = "ended"


ENGAGEMENT_STATUS_LABELS: dict[str, str] = {
    EngagementStatus.planning: "計画中",
    EngagementStatus.selecting: "選定中",
    EngagementStatus.preparing: "契約準備",
    EngagementStatus.contracted: "契約中",
    EngagementStatus.ended: "終了",
}


class Engagement(Table, tablename="engagement"):
    """An outsourcing engagement (委託業務) and the facts that drive its security requirements."""

    title = Varchar(length=200, required=True)
    department = ForeignKey(Department, on_delete=OnDelete.restrict, required=True)
    supervisor = ForeignKey(User, on_delete=OnDelete.set_null, null=True, default=None)
    purpose = Text(default="")
    scope = Text(default="")
    start_date = Date(required=True)
    end_date = Date(required=True)
    renewal = Varchar(length=20, default="none")
    renewal_months = Integer(default=12)
    notice_days = Integer(default=0)
    contract_value = BigInt(null=True, default=None)
    status = Varchar(length=20, choices=EngagementStatus, default=EngagementStatus.planning)
    # the facts
    scheme = Varchar(length=4, default="R6")
    confidentiality = Varchar(length=4, default="1")
    integrity = Integer(default=1)
    availability = Integer(default=1)
    personal_info = Boolean(default=False)
    specific_personal_info = Boolean(default=False)
    segments = JSON(default=[])
    work_kinds = JSON(default=[])
    work_locations = JSON(default=[])
    remote_access = Boolean(default=False)
    off_premises = Boolean(default=False)
    subcontracting = Boolean(default=False)
    subcontractors = JSON(default=[])
    contract_type = Varchar(length=20, default="")  # "" = derived from the kinds of work
    # the contract's front matter (頭書), filled once by the contract officer
    work_place = Text(default="")
    tax_amount = BigInt(null=True, default=None)
    bond = Varchar(length=20, default="exempt")
    bond_amount = BigInt(null=True, default=None)
    bond_note = Text(default="")
    payment_terms = Varchar(length=20, default="lump_sum")
    payment_note = Text(default="")
    renewal_basis = Varchar(length=20, default="")
    # derived
    tier = Integer(default=1)
    tier_reasons = JSON(default=[])
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class EngagementTierChange(Table, tablename="engagement_tier_change"):
    """The history of an engagement's tier: every change with the facts behind it, who and why."""

    engagement = ForeignKey(Engagement, on_delete=OnDelete.cascade, required=True)
    old_tier = Integer(null=True, default=None)
    new_tier = Integer(required=True)
    facts_json = Text(default="")
    reason = Text(default="")
    changed_by_id = Integer(null=True, default=None)
    changed_by_label = Varchar(length=200, default="")
    changed_at = Timestamptz(default=TimestamptzNow())


class SelectionStatus(StrEnum):
    """Where a selection record stands."""

    draft = "draft"
    submitted = "submitted"
    approved = "approved"
    superseded = "superseded"


OPEN_SELECTION_STATUSES = (SelectionStatus.draft, SelectionStatus.submitted)
"""A selection in one of these is being prepared or reviewed; an engagement has at most one."""

SELECTION_STATUS_LABELS: dict[str, str] = {
    SelectionStatus.draft: "作成中",
    SelectionStatus.submitted: "承認待ち",
    SelectionStatus.approved: "承認済み",
    SelectionStatus.superseded: "訂正により失効",
}


class Selection(Table, tablename="selection"):
    """One version of the contractor selection for an engagement; approved versions are read-only."""

    engagement = ForeignKey(Engagement, on_delete=OnDelete.restrict, required=True)
    version = Integer(required=True)
    method = Varchar(length=40, required=True)
    legal_ground = Text(default="")
    status = Varchar(length=20, choices=SelectionStatus, default=SelectionStatus.draft)
    evaluated_on = Date(required=True)
    criteria_json = Text(default="")
    facts_json = Text(default="")
    selected_contractor = ForeignKey(Contractor, on_delete=OnDelete.restrict, null=True, default=None)
    rationale = Text(default="")
    prepared_by = ForeignKey(User, on_delete=OnDelete.restrict, required=True)
    submitted_at = Timestamptz(null=True, default=None)
    reviewed_by = ForeignKey(User, on_delete=OnDelete.restrict, null=True, default=None)
    reviewed_at = Timestamptz(null=True, default=None)
    review_comment = Text(default="")
    supersedes = Integer(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class SelectionCandidate(Table, tablename="selection_candidate"):
    """A contractor considered in a selection (unique per selection; the index is made by a migration)."""

    selection = ForeignKey(Selection, on_delete=OnDelete.cascade, required=True)
    contractor = ForeignKey(Contractor, on_delete=OnDelete.restrict, required=True)
    note = Text(default="")


class CriterionEvaluation(Table, tablename="criterion_evaluation"):
    """A candidate's answer to one criterion: 適合 / 不適合 / 該当なし, with a note and evidence."""

    candidate = ForeignKey(SelectionCandidate, on_delete=OnDelete.cascade, required=True)
    criterion_id = Varchar(length=20, required=True)
    answer = Varchar(length=20, null=True, default=None)
    note = Text(default="")
    evidence = ForeignKey(StoredFile, on_delete=OnDelete.set_null, null=True, default=None)
