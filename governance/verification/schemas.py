"""Data shapes of the verification domain (forms and /api/v1)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec

from governance.schema import Date, MultiLine, RequiredLine, RequiredText, SingleLine, Struct, choice, id_field
from governance.verification.tables import ITEM_RESULT_LABELS, MEASURE_KIND_LABELS, SEVERITY_LABELS, MeasureStatus

Note = Annotated[MultiLine, msgspec.Meta(title="所見", max_length=4000)]
Reason = Annotated[MultiLine, msgspec.Meta(title="理由", max_length=2000)]
ResultCode = Annotated[choice(ITEM_RESULT_LABELS), msgspec.Meta(title="結果")]
SeverityCode = Annotated[choice(SEVERITY_LABELS), msgspec.Meta(title="重要度")]
MeasureKindCode = choice(MEASURE_KIND_LABELS)
OutcomeCode = choice([MeasureStatus.done, MeasureStatus.cancelled])
"""How a measure closes: carried out (done) or withdrawn (cancelled)."""


class ItemResultIn(Struct):
    """The result of one checklist item."""

    item_id: Annotated[int, id_field("項目")]
    result: ResultCode
    note: Note = ""
    severity: SeverityCode = "minor"
    evidence_file_id: Annotated[int, id_field("証跡ファイル")] | None = None


class ResultsIn(Struct):
    """Results to record on a check's items (a 不適合 opens a finding)."""

    results: list[ItemResultIn]


class ItemResultForm(Struct):
    """The result form of one item on the check page."""

    result: ResultCode
    note: Note = ""
    severity: SeverityCode = "minor"


class ReviewIn(Struct):
    """A sign-off or a return by someone other than the performer."""

    approve: bool
    note: Reason = ""


class CancelIn(Struct):
    """Cancelling a check, with the reason."""

    reason: Annotated[RequiredLine, msgspec.Meta(title="中止の理由", max_length=2000)]


class AssignIn(Struct):
    """Who performs the check (null: nobody yet)."""

    assignee_id: Annotated[int, id_field("担当者")] | None = None


class EventCheckIn(Struct):
    """Opening a check for an event (事故, 再委託先の変更 …)."""

    template_id: Annotated[RequiredLine, msgspec.Meta(title="確認の種類", max_length=60)]
    note: Annotated[RequiredText, msgspec.Meta(title="発生した事象", max_length=4000)]
    due_on: Annotated[Date, msgspec.Meta(title="期限")] | None = None


class MeasureIn(Struct):
    """A measure decided on a finding."""

    kind: Annotated[MeasureKindCode, msgspec.Meta(title="措置の種類")]
    description: Annotated[RequiredText, msgspec.Meta(title="措置の内容", max_length=4000)]
    owner_id: Annotated[int, id_field("担当者")]
    due_on: Annotated[Date, msgspec.Meta(title="期限")]


class MeasureCloseIn(Struct):
    """Closing a measure: carried out (done) or withdrawn."""

    note: Annotated[RequiredText, msgspec.Meta(title="完了の内容", max_length=4000)]
    done: bool = True
    evidence_file_id: Annotated[int, id_field("証跡ファイル")] | None = None


class MeasureCloseForm(Struct):
    """The measure closing form on the finding page."""

    note: Annotated[RequiredText, msgspec.Meta(title="完了の内容", max_length=4000)]
    outcome: Annotated[OutcomeCode, msgspec.Meta(title="結果")] = "done"


class FindingCloseIn(Struct):
    """Closing a finding, with how the correction was verified."""

    verification_note: Annotated[RequiredText, msgspec.Meta(title="是正の確認", max_length=4000)]


class ReportLinkIn(Struct):
    """Issuing a report link."""

    days: Annotated[int, msgspec.Meta(title="有効日数", ge=1, le=365)] | None = None


class ReportLinkOut(Struct):
    """A link issued: the URL is shown once."""

    id: int
    url: str
    expires_at: dt.datetime


class ReportForm(Struct):
    """The contractor's report form (files come with it as multipart)."""

    reporter_name: Annotated[RequiredLine, msgspec.Meta(title="報告者の氏名", max_length=100)]
    reporter_email: Annotated[SingleLine, msgspec.Meta(title="連絡先メールアドレス", max_length=254)] = ""
    body: Annotated[MultiLine, msgspec.Meta(title="報告の内容", max_length=20000)] = ""


class ChecklistItemOut(Struct):
    """A checklist line with its traceability and result."""

    id: int
    item_id: str
    what: str
    clause_id: str
    requirements: list[str]
    result: str | None
    note: str
    evidence_file_id: int | None


class CheckOut(Struct):
    """A check as listed."""

    id: int
    engagement_id: int
    engagement_title: str
    department_name: str
    kind: str
    title: str
    due_on: dt.date
    status: str
    status_label: str
    assignee_id: int | None
    assignee_name: str | None


class CheckDetailOut(CheckOut):
    """A check with its checklist, reports and findings."""

    cancel_reason: str
    event_note: str
    performed_by: int | None
    performed_at: dt.datetime | None
    reviewed_by: int | None
    reviewed_at: dt.datetime | None
    review_note: str
    checklist: list[ChecklistItemOut]
    finding_ids: list[int]
    report_count: int


class CheckPage(Struct):
    """A page of checks."""

    items: list[CheckOut]
    total: int


class MeasureOut(Struct):
    """A measure on a finding."""

    id: int
    kind: str
    kind_label: str
    description: str
    owner_id: int
    due_on: dt.date
    status: str
    closing_note: str
    requirements: list[str]


class FindingOut(Struct):
    """A finding."""

    id: int
    engagement_id: int
    check_id: int
    title: str
    description: str
    severity: str
    status: str
    escalated_at: dt.datetime | None
    opened_at: dt.datetime
    verification_note: str
    requirements: list[str]
    measures: list[MeasureOut]


class NotificationOut(Struct):
    """An entry of the notification log."""

    id: int
    subject_type: str
    subject_id: int
    rule: str
    occurrence: str
    recipient_id: int | None
    email: str
    title: str
    status: str
    attempts: int
    last_error: str
    created_at: dt.datetime
    sent_at: dt.datetime | None


def check_out(r: dict[str, Any]) -> CheckOut:
    """A listed check."""
    return CheckOut(
        id=r["id"], engagement_id=r["engagement"], engagement_title=r["engagement_title"],
        department_name=r["department_name"], kind=r["kind"], title=r["title"], due_on=r["due_on"],
        status=r["display_status"], status_label=r["status_label"], assignee_id=r["assignee"],
        assignee_name=r["assignee_name"],
    )  # fmt: skip


def check_detail_out(r: dict[str, Any]) -> CheckDetailOut:
    """A check with everything."""
    return CheckDetailOut(
        **msgspec.structs.asdict(check_out(r)), cancel_reason=r["cancel_reason"], event_note=r["event_note"],
        performed_by=r["performed_by"], performed_at=r["performed_at"], reviewed_by=r["reviewed_by"],
        reviewed_at=r["reviewed_at"], review_note=r["review_note"],
        checklist=[
            ChecklistItemOut(id=i["id"], item_id=i["item_id"], what=i["what"], clause_id=i["clause_id"],
                             requirements=list(i["requirements"] or []), result=i["result"], note=i["note"],
                             evidence_file_id=i["evidence"])
            for i in r["checklist"]
        ],
        finding_ids=[f["id"] for f in r["findings"]], report_count=len(r["reports"]),
    )  # fmt: skip


def finding_out(r: dict[str, Any]) -> FindingOut:
    """A finding with its measures."""
    return FindingOut(
        id=r["id"], engagement_id=r["engagement"], check_id=r["check"], title=r["title"],
        description=r["description"], severity=r["severity"], status=r["status"], escalated_at=r["escalated_at"],
        opened_at=r["opened_at"], verification_note=r["verification_note"],
        requirements=list(r.get("requirements") or []),
        measures=[
            MeasureOut(id=m["id"], kind=m["kind"], kind_label=m["kind_label"], description=m["description"],
                       owner_id=m["owner"], due_on=m["due_on"], status=m["status"], closing_note=m["closing_note"],
                       requirements=m["requirements"])
            for m in r["measures"]
        ],
    )  # fmt: skip
