"""Data shapes of incidents (事故・インシデント): open, change facts, record a step, close; the API's answers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec

from governance.incidents.tables import IncidentKind, StepStatus
from governance.schema import Date, MultiLine, RequiredLine, RequiredText, SingleLine, Struct, choice, id_field

KIND_LABELS: dict[str, str] = {
    IncidentKind.data_breach: "個人情報等の漏えい・滅失・毀損（そのおそれを含む）",
    IncidentKind.security_event: "情報セキュリティ事故（漏えい等を伴わないもの）",
    IncidentKind.sns_takeover: "SNSアカウントの乗っ取り",
    IncidentKind.sns_impersonation: "SNSアカウントのなりすまし",
}
STATUS_LABELS: dict[str, str] = {"open": "対応中", "closed": "完了"}
STEP_STATUS_LABELS: dict[str, str] = {StepStatus.done: "実施済み", StepStatus.not_applicable: "該当なし"}

KindCode = choice(KIND_LABELS)
StepStatusCode = choice(STEP_STATUS_LABELS)
_TIME = r"^(?:(?:[01][0-9]|2[0-3]):[0-5][0-9])?(?!\n)$"
Time = Annotated[str, msgspec.Meta(title="時刻", max_length=5, pattern=_TIME, description="「08:30」の形式")]
People = Annotated[int, msgspec.Meta(title="人数", ge=0, le=100_000_000)]
Title = Annotated[RequiredLine, msgspec.Meta(title="件名", max_length=200)]
Summary = Annotated[MultiLine, msgspec.Meta(title="発生した事態の概要", max_length=4000)]
Containment = Annotated[MultiLine, msgspec.Meta(title="封じ込めに講じた措置", max_length=4000)]
FakeUrl = Annotated[SingleLine, msgspec.Meta(title="なりすましアカウントのURL", max_length=500)]


class IncidentFactFields(Struct, kw_only=True):
    """The facts of an incident, as the opening form, the facts form and the API take them."""

    discovered_on: Annotated[Date, msgspec.Meta(title="発覚日")]
    discovered_time: Time = ""
    occurred_on: Annotated[Date | None, msgspec.Meta(title="発生日")] = None
    occurred_time: Time = ""
    summary: Summary = ""
    personal_info: bool = False
    sensitive_info: bool = False
    ordinance_sensitive_info: bool = False
    specific_personal_info: bool = False
    people_min: People | None = None
    people_max: People | None = None
    unauthorised_purpose: bool = False
    property_damage: bool = False
    containment: Containment = ""
    fake_account_url: FakeUrl = ""


class IncidentOpen(IncidentFactFields, kw_only=True):
    """An incident as first known (facts may be added later as they become known)."""

    kind: Annotated[KindCode, msgspec.Meta(title="種類")]
    title: Title
    department_id: Annotated[int, id_field("所管課")]
    engagement_id: Annotated[int, id_field("委託業務")] | None = None
    external_service_id: Annotated[int, id_field("外部サービス")] | None = None
    social_account_id: Annotated[int, id_field("SNSアカウント")] | None = None


class FactsForm(IncidentFactFields, kw_only=True):
    """The facts form of the incident page: every fact as known now (unchecked boxes are 'no')."""

    title: Title
    note: Annotated[MultiLine, msgspec.Meta(title="変更の理由・経緯", max_length=2000)] = ""


class FactsPatch(Struct, kw_only=True):
    """A change of facts through the API: only the fields given change (null or absent: unchanged)."""

    title: Title | None = None
    discovered_at: Annotated[dt.datetime, msgspec.Meta(title="発覚日時", tz=True)] | None = None
    occurred_at: Annotated[dt.datetime, msgspec.Meta(title="発生日時", tz=True)] | None = None
    summary: Summary | None = None
    personal_info: bool | None = None
    sensitive_info: bool | None = None
    ordinance_sensitive_info: bool | None = None
    specific_personal_info: bool | None = None
    people_min: People | None = None
    people_max: People | None = None
    unauthorised_purpose: bool | None = None
    property_damage: bool | None = None
    containment: Containment | None = None
    fake_account_url: FakeUrl | None = None
    note: Annotated[MultiLine, msgspec.Meta(title="変更の理由・経緯", max_length=2000)] = ""


class StepIn(Struct, kw_only=True):
    """An entry on a step: done (with evidence where the step asks for it) or not applicable (with the reason)."""

    step: Annotated[RequiredLine, msgspec.Meta(title="対応", max_length=40)]
    status: StepStatusCode = "done"
    note: Annotated[MultiLine, msgspec.Meta(title="内容・理由", max_length=4000)] = ""
    done_on: Annotated[Date | None, msgspec.Meta(title="実施日")] = None
    evidence_file_id: Annotated[int, id_field("証跡ファイル")] | None = None
    measure_id: Annotated[int, id_field("関連する措置の番号")] | None = None


class CloseIn(Struct, kw_only=True):
    """Closing an incident."""

    note: Annotated[RequiredText, msgspec.Meta(title="完了の所見", max_length=4000)]


class Deadline(Struct, kw_only=True):
    """A deadline of the assessment, with whether its step is done."""

    key: str
    label: str
    due: dt.date | None
    note: str
    citation: str
    done: bool
    days_left: int | None


class Reason(Struct, kw_only=True):
    """Why a report is (or is not) required, with its legal citation."""

    code: str
    text: str
    citation: str


class StepEntry(Struct, kw_only=True):
    """An entry on a step (entries are never deleted; the latest of a step counts)."""

    id: int
    step: str
    label: str
    status: str
    done_at: dt.datetime
    done_on: dt.date | None
    done_by: str
    note: str
    evidence_file_id: int | None
    measure_id: int | None


class StepState(Struct, kw_only=True):
    """A step of the incident and where it stands."""

    key: str
    label: str
    group: str
    required: bool
    evidence_required: bool
    status: str | None
    evidence_file_id: int | None


class FactChange(Struct, kw_only=True):
    """A change of facts with the decision before and after."""

    changed_at: dt.datetime
    changed_by: str
    before: dict[str, Any]
    after: dict[str, Any]
    decision_changes: list[str]
    note: str


class IncidentSummary(Struct, kw_only=True):
    """An incident in the list."""

    id: int
    kind: str
    kind_label: str
    title: str
    department_id: int
    department_name: str
    status: str
    discovered_at: dt.datetime
    report_required: bool
    next_deadline: dt.date | None
    next_deadline_label: str


class IncidentPage(Struct, kw_only=True):
    """A page of incidents."""

    items: list[IncidentSummary]
    total: int
    page: int
    per_page: int


class Incident(Struct, kw_only=True):
    """An incident with its facts, decision, deadlines, steps and history."""

    id: int
    kind: str
    kind_label: str
    title: str
    department_id: int
    department_name: str
    engagement_id: int | None
    external_service_id: int | None
    social_account_id: int | None
    status: str
    source: str
    occurred_at: dt.datetime | None
    discovered_at: dt.datetime
    days_since_discovery: int
    summary: str
    personal_info: bool
    sensitive_info: bool
    ordinance_sensitive_info: bool
    specific_personal_info: bool
    people_min: int | None
    people_max: int | None
    unauthorised_purpose: bool
    property_damage: bool
    containment: str
    fake_account_url: str
    report_required: bool
    reasons: list[Reason]
    deadlines: list[Deadline]
    steps: list[StepState]
    entries: list[StepEntry]
    history: list[FactChange]
    closed_at: dt.datetime | None
    closing_note: str
    missing_to_close: list[str]
