"""Tables for verification: check plans, checks and their checklists, findings, measures and contractor reports."""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import JSON, Date, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from governance.accounts.tables import Department, User
from governance.contracts.tables import ContractVersion
from governance.engagements.tables import Engagement
from governance.files.tables import StoredFile


class CheckStatus(StrEnum):
    """Where a check stands; 期限超過 is not stored but derived (open and past its due date)."""

    planned = "planned"
    in_progress = "in_progress"
    reviewing = "reviewing"
    done = "done"
    cancelled = "cancelled"


OPEN_CHECK_STATUSES = (CheckStatus.planned, CheckStatus.in_progress, CheckStatus.reviewing)
"""A check in one of these still has to be performed or signed off (and can become overdue)."""


def check_status_in_sql(statuses: tuple[CheckStatus, ...]) -> str:
    """``verification_check.status IN ('…', …)`` with the states as literals, in the order given.

    The partial indexes of open checks (migrations 2026-12-05T17:50 and 17:55) hold exactly the rows of such a
    condition; a query must write it the same way, with literals, for the planners to read them: with bound parameters
    neither SQLite nor PostgreSQL (generic plans) can prove that the query's rows are within the index.
    """
    return "verification_check.status IN ({})".format(", ".join(f"'{CheckStatus(s).value}'" for s in statuses))

CHECK_STATUS_LABELS: dict[str, str] = {
    CheckStatus.planned: "予定",
    CheckStatus.in_progress: "実施中",
    CheckStatus.reviewing: "確認待ち",
    CheckStatus.done: "完了",
    CheckStatus.cancelled: "中止",
    "overdue": "期限超過",
}


class ItemResult(StrEnum):
    """The result of one checklist item."""

    conforming = "conforming"
    nonconforming = "nonconforming"
    not_applicable = "not_applicable"


ITEM_RESULT_LABELS: dict[str, str] = {
    ItemResult.conforming: "適合",
    ItemResult.nonconforming: "不適合",
    ItemResult.not_applicable: "該当なし",
}


class CheckPlan(Table, tablename="check_plan"):
    """The plan made when a contract version was signed: the check items it was built from, frozen."""

    engagement = ForeignKey(Engagement, on_delete=OnDelete.restrict, required=True)
    contract_version = ForeignKey(ContractVersion, on_delete=OnDelete.restrict, required=True, unique=True)
    library_version = Varchar(length=40, default="")
    library_hash = Varchar(length=64, default="")
    items_json = Text(default="")
    events_json = Text(default="")
    term_start = Date(required=True)
    term_end = Date(required=True)
    created_at = Timestamptz(default=TimestamptzNow())


class Check(Table, tablename="verification_check"):
    """One check to perform by a due date (the index on status and due date is made by a migration)."""

    engagement = ForeignKey(Engagement, on_delete=OnDelete.restrict, required=True)
    department = ForeignKey(Department, on_delete=OnDelete.restrict, required=True)
    plan = ForeignKey(CheckPlan, on_delete=OnDelete.restrict, null=True, default=None)
    plan_key = Varchar(length=80, default="")
    kind = Varchar(length=20, required=True)
    title = Varchar(length=200, required=True)
    due_on = Date(required=True)
    assignee = ForeignKey(User, on_delete=OnDelete.set_null, null=True, default=None)
    status = Varchar(length=20, choices=CheckStatus, default=CheckStatus.planned)
    cancel_reason = Text(default="")
    event_note = Text(default="")
    performed_by = ForeignKey(User, on_delete=OnDelete.restrict, null=True, default=None)
    performed_at = Timestamptz(null=True, default=None)
    reviewed_by = ForeignKey(User, on_delete=OnDelete.restrict, null=True, default=None)
    reviewed_at = Timestamptz(null=True, default=None)
    review_note = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class ChecklistItem(Table, tablename="checklist_item"):
    """A line of a check's checklist, traceable to its clause and requirements, with its result."""

    check = ForeignKey(Check, on_delete=OnDelete.cascade, required=True)
    position = Integer(default=0)
    item_id = Varchar(length=60, required=True)
    what = Text(required=True)
    clause_id = Varchar(length=80, default="")
    requirements = JSON(default=[])
    result = Varchar(length=20, null=True, default=None)
    note = Text(default="")
    evidence = ForeignKey(StoredFile, on_delete=OnDelete.set_null, null=True, default=None)
    recorded_by = ForeignKey(User, on_delete=OnDelete.set_null, null=True, default=None)
    recorded_at = Timestamptz(null=True, default=None)


class Severity(StrEnum):
    """How serious a finding is; 重大 findings are escalated to the security officers (OUT-CHK-02)."""

    minor = "minor"
    major = "major"
    serious = "serious"


SEVERITY_LABELS: dict[str, str] = {Severity.minor: "軽微", Severity.major: "重要", Severity.serious: "重大"}


class FindingStatus(StrEnum):
    """Where a finding stands."""

    open = "open"
    closed = "closed"


FINDING_STATUS_LABELS: dict[str, str] = {FindingStatus.open: "対応中", FindingStatus.closed: "完了"}


class Finding(Table, tablename="finding"):
    """A nonconformity found by a check (指摘事項), to be corrected through measures."""

    engagement = ForeignKey(Engagement, on_delete=OnDelete.restrict, required=True)
    department = ForeignKey(Department, on_delete=OnDelete.restrict, required=True)
    check = ForeignKey(Check, on_delete=OnDelete.restrict, required=True)
    item = ForeignKey(ChecklistItem, on_delete=OnDelete.restrict, null=True, default=None, unique=True)
    title = Varchar(length=200, required=True)
    description = Text(default="")
    severity = Varchar(length=20, choices=Severity, default=Severity.minor)
    status = Varchar(length=20, choices=FindingStatus, default=FindingStatus.open)
    escalated_at = Timestamptz(null=True, default=None)
    opened_by = ForeignKey(User, on_delete=OnDelete.restrict, null=True, default=None)
    opened_at = Timestamptz(default=TimestamptzNow())
    verification_note = Text(default="")
    closed_by = ForeignKey(User, on_delete=OnDelete.restrict, null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)


class MeasureKind(StrEnum):
    """What the municipality does under the contract (契約に基づく措置)."""

    improvement_order = "improvement_order"
    prevention_plan = "prevention_plan"
    onsite_inspection = "onsite_inspection"
    incident_report = "incident_report"
    termination = "termination"
    damages = "damages"
    suspension = "suspension"
    publication = "publication"
    other = "other"


MEASURE_KIND_LABELS: dict[str, str] = {
    MeasureKind.improvement_order: "改善指示",
    MeasureKind.prevention_plan: "再発防止策の提出",
    MeasureKind.onsite_inspection: "立入検査",
    MeasureKind.incident_report: "事故報告・対応指示",
    MeasureKind.termination: "契約解除",
    MeasureKind.damages: "損害賠償請求",
    MeasureKind.suspension: "指名停止",
    MeasureKind.publication: "公表",
    MeasureKind.other: "その他の措置",
}

MEASURE_REQUIREMENTS: dict[str, tuple[str, ...]] = {
    MeasureKind.improvement_order: ("OUT-MSR-01",),
    MeasureKind.prevention_plan: ("OUT-MSR-01",),
    MeasureKind.onsite_inspection: ("OUT-CHK-05",),
    MeasureKind.incident_report: ("OUT-MSR-02",),
    MeasureKind.termination: ("OUT-MSR-04",),
    MeasureKind.damages: ("OUT-MSR-04",),
    MeasureKind.suspension: ("OUT-MSR-05",),
    MeasureKind.publication: ("OUT-MSR-03",),
    MeasureKind.other: ("OUT-MSR-01",),
}


class MeasureStatus(StrEnum):
    """Where a measure stands."""

    open = "open"
    done = "done"
    cancelled = "cancelled"


MEASURE_STATUS_LABELS: dict[str, str] = {
    MeasureStatus.open: "対応中",
    MeasureStatus.done: "完了",
    MeasureStatus.cancelled: "取りやめ",
}


class Measure(Table, tablename="measure"):
    """A measure taken on a finding, with its owner, due date and closing evidence (index made by a migration)."""

    finding = ForeignKey(Finding, on_delete=OnDelete.restrict, required=True)
    kind = Varchar(length=30, choices=MeasureKind, required=True)
    description = Text(default="")
    owner = ForeignKey(User, on_delete=OnDelete.restrict, required=True)
    due_on = Date(required=True)
    status = Varchar(length=20, choices=MeasureStatus, default=MeasureStatus.open)
    closing_note = Text(default="")
    evidence = ForeignKey(StoredFile, on_delete=OnDelete.set_null, null=True, default=None)
    created_by = ForeignKey(User, on_delete=OnDelete.restrict, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    closed_by = ForeignKey(User, on_delete=OnDelete.restrict, null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)


class ReportLink(Table, tablename="report_link"):
    """A link that lets a contractor submit the report of one check without an account (token stored hashed)."""

    check = ForeignKey(Check, on_delete=OnDelete.cascade, required=True)
    token_hash = Varchar(length=64, unique=True, required=True)
    token_prefix = Varchar(length=12, default="")
    expires_at = Timestamptz(required=True)
    revoked_at = Timestamptz(null=True, default=None)
    used_at = Timestamptz(null=True, default=None)
    created_by = ForeignKey(User, on_delete=OnDelete.restrict, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class ContractorReport(Table, tablename="contractor_report"):
    """A report a contractor submitted through a link, attached to the check for staff review."""

    check = ForeignKey(Check, on_delete=OnDelete.cascade, required=True)
    link = ForeignKey(ReportLink, on_delete=OnDelete.restrict, required=True, unique=True)
    reporter_name = Varchar(length=100, required=True)
    reporter_email = Varchar(length=254, default="")
    body = Text(default="")
    files = JSON(default=[])
    submitted_at = Timestamptz(default=TimestamptzNow())
