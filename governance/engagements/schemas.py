"""Data shapes of the engagements domain (engagements, facts, selections)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec

from governance.engagements.criteria import ANSWER_LABELS, CATALOG_BY_ID, SELECTION_METHODS
from governance.engagements.facts import (
    CONFIDENTIALITY_LABELS,
    CONTRACT_TYPE_LABELS,
    SEGMENT_LABELS,
    WORK_KIND_LABELS,
    WORK_LOCATION_LABELS,
    Scheme,
)
from governance.engagements.tables import ENGAGEMENT_STATUS_LABELS
from governance.engagements.term import RENEWAL_LABELS
from governance.schema import Date, MultiLine, RequiredLine, SingleLine, Struct, choice, id_field

LongText = Annotated[MultiLine, msgspec.Meta(max_length=4000)]
ContractTypeChoice = choice(["", *CONTRACT_TYPE_LABELS])
WorkKindCode = choice(WORK_KIND_LABELS)
SelectionMethodCode = choice(SELECTION_METHODS)
WorkLocationCode = choice(WORK_LOCATION_LABELS)
SegmentCode = choice(SEGMENT_LABELS)
SchemeCode = choice(Scheme)
ConfidentialityCode = choice(CONFIDENTIALITY_LABELS)
RenewalCode = choice(RENEWAL_LABELS)
EngagementStatusCode = choice(ENGAGEMENT_STATUS_LABELS)
CriterionCode = choice(CATALOG_BY_ID)
AnswerCode = choice(ANSWER_LABELS)
BondChoice = Literal["exempt", "required"]
PaymentChoice = Literal["lump_sum", "partial"]
RenewalBasisChoice = Literal["", "long_term", "debt_burden"]


class EngagementCreate(Struct):
    """A new engagement with its security facts."""

    title: Annotated[RequiredLine, msgspec.Meta(title="業務名", max_length=200)]
    department_id: Annotated[int, id_field("所管課")]
    start_date: Annotated[Date, msgspec.Meta(title="契約期間（開始）")]
    end_date: Annotated[Date, msgspec.Meta(title="契約期間（終了）")]
    work_kinds: Annotated[list[WorkKindCode], msgspec.Meta(title="業務の種類", min_length=1, max_length=7)]
    work_locations: Annotated[list[WorkLocationCode], msgspec.Meta(title="作業場所", min_length=1, max_length=3)]
    supervisor_id: Annotated[int, id_field("監督職員")] | None = None
    purpose: Annotated[MultiLine, msgspec.Meta(title="目的", max_length=4000)] = ""
    scope: Annotated[MultiLine, msgspec.Meta(title="業務の範囲", max_length=4000)] = ""
    renewal: Annotated[RenewalCode, msgspec.Meta(title="更新")] = "none"
    renewal_months: Annotated[int, msgspec.Meta(title="更新期間（月）", ge=0, le=120)] = 12
    notice_days: Annotated[int, msgspec.Meta(title="解約の申出期間（日）", ge=0, le=730)] = 0
    contract_value: Annotated[int, msgspec.Meta(title="契約金額（円）", ge=0, le=10**13)] | None = None
    scheme: Annotated[SchemeCode, msgspec.Meta(title="分類の基準")] = "R6"
    confidentiality: Annotated[ConfidentialityCode, msgspec.Meta(title="機密性")] = "1"
    integrity: Annotated[int, msgspec.Meta(title="完全性", ge=1, le=2)] = 1
    availability: Annotated[int, msgspec.Meta(title="可用性", ge=1, le=2)] = 1
    personal_info: bool = False
    specific_personal_info: bool = False
    segments: Annotated[list[SegmentCode], msgspec.Meta(title="接続するネットワーク", max_length=3)] = []
    remote_access: bool = False
    off_premises: bool = False
    subcontracting: bool = False
    subcontractors: Annotated[MultiLine, msgspec.Meta(title="再委託先（予定）", max_length=2000)] = ""
    contract_type: Annotated[
        ContractTypeChoice, msgspec.Meta(title="契約の性質", description="空欄の場合は業務の種類から判定します")
    ] = ""
    work_place: Annotated[SingleLine, msgspec.Meta(title="履行場所", max_length=400)] = ""
    tax_amount: Annotated[int, msgspec.Meta(title="うち消費税及び地方消費税の額（円）", ge=0, le=10**13)] | None = None
    bond: Annotated[BondChoice, msgspec.Meta(title="契約保証金")] = "exempt"
    bond_amount: Annotated[int, msgspec.Meta(title="契約保証金の額（円）", ge=0, le=10**13)] | None = None
    bond_note: Annotated[SingleLine, msgspec.Meta(title="契約保証金を免除する根拠", max_length=400)] = ""
    payment_terms: Annotated[PaymentChoice, msgspec.Meta(title="支払条件")] = "lump_sum"
    payment_note: Annotated[SingleLine, msgspec.Meta(title="支払条件の詳細", max_length=400)] = ""
    renewal_basis: Annotated[RenewalBasisChoice, msgspec.Meta(title="自動更新の根拠")] = ""
    status: Annotated[EngagementStatusCode, msgspec.Meta(title="状態")] = "planning"
    tier_change_reason: Annotated[MultiLine, msgspec.Meta(title="重要度が上がる理由", max_length=2000)] = ""


class EngagementUpdate(EngagementCreate):
    """Changes to an engagement (every field)."""


class TierChange(Struct):
    """One entry of the tier history."""

    old_tier: int | None
    new_tier: int
    reason: str
    changed_by: str
    changed_at: dt.datetime


class Engagement(Struct):
    """An engagement with its facts, flags, tier and term arithmetic."""

    id: int
    title: str
    department_id: int
    department_name: str
    supervisor_id: int | None
    supervisor_name: str
    purpose: str
    scope: str
    start_date: dt.date
    end_date: dt.date
    renewal: str
    renewal_months: int
    notice_days: int
    contract_value: int | None
    status: str
    status_label: str
    scheme: str
    confidentiality: str
    integrity: int
    availability: int
    personal_info: bool
    specific_personal_info: bool
    segments: list[str]
    work_kinds: list[str]
    work_locations: list[str]
    remote_access: bool
    off_premises: bool
    subcontracting: bool
    subcontractors: list[str]
    contract_type_choice: str
    contract_type: str
    contract_type_label: str
    work_place: str
    tax_amount: int | None
    bond: str
    bond_amount: int | None
    bond_note: str
    payment_terms: str
    payment_note: str
    renewal_basis: str
    mynumber_suggestion: str
    flags: list[str]
    tier: int
    tier_label: str
    tier_reasons: list[str]
    current_term_start: dt.date
    current_term_end: dt.date
    cancel_by: dt.date | None
    fiscal_years: str
    tier_history: list[TierChange]


class EngagementSummary(Struct):
    """An engagement as listed."""

    id: int
    title: str
    department_name: str
    status: str
    status_label: str
    tier: int
    tier_label: str
    start_date: dt.date
    end_date: dt.date


class SelectionSummary(Struct):
    """A selection version as listed across engagements."""

    id: int
    engagement: int
    engagement_title: str
    department_name: str
    version: int
    method: str
    method_label: str
    status: str
    status_label: str
    evaluated_on: dt.date
    selected_contractor: int | None
    selected_contractor_name: str | None
    prepared_by: str | None
    submitted_at: dt.datetime | None
    reviewed_by: str | None
    reviewed_at: dt.datetime | None
    updated_at: dt.datetime


class SelectionPage(Struct):
    """One page of selection versions."""

    items: list[SelectionSummary]
    total: int
    page: int
    per_page: int


class SelectionCreate(Struct):
    """A new selection record (method and its legal ground)."""

    method: Annotated[SelectionMethodCode, msgspec.Meta(title="選定方法")]
    legal_ground: Annotated[MultiLine, msgspec.Meta(title="根拠・説明", max_length=2000)] = ""
    evaluated_on: Annotated[Date, msgspec.Meta(title="評価日")] | None = None


class CandidateAdd(Struct):
    """A contractor added as a candidate."""

    contractor_id: Annotated[int, id_field("候補者")]


class EvaluationIn(Struct):
    """One answer to one criterion for one candidate."""

    candidate_id: Annotated[int, id_field("候補者")]
    criterion_id: Annotated[CriterionCode, msgspec.Meta(title="評価項目")]
    answer: Annotated[AnswerCode, msgspec.Meta(title="評価")] | None = None
    note: Annotated[MultiLine, msgspec.Meta(title="備考", max_length=2000)] = ""


class Decision(Struct):
    """The selected contractor and the reason."""

    contractor_id: Annotated[int, id_field("選定する事業者")] | None = None
    rationale: Annotated[MultiLine, msgspec.Meta(title="選定理由", max_length=4000)] = ""


class ReviewIn(Struct):
    """A reviewer's comment (required when returning a selection)."""

    comment: Annotated[MultiLine, msgspec.Meta(title="コメント", max_length=2000)] = ""


class EvaluationOut(Struct):
    """An answer as stored, with the pre-fill suggestion next to it."""

    criterion_id: str
    answer: str | None
    note: str
    evidence_id: int | None
    suggested: str | None
    suggestion_note: str


class CandidateOut(Struct):
    """A candidate with its evaluations and warnings."""

    id: int
    contractor_id: int
    contractor_name: str
    suspended: bool
    evaluations: list[EvaluationOut]


class CriterionOut(Struct):
    """A criterion that applies, with why."""

    id: str
    label: str
    description: str
    reasons: list[str]


class Selection(Struct):
    """A selection record."""

    id: int
    engagement_id: int
    engagement_title: str
    version: int
    method: str
    method_label: str
    legal_ground: str
    status: str
    status_label: str
    evaluated_on: dt.date
    criteria: list[CriterionOut]
    candidates: list[CandidateOut]
    selected_contractor_id: int | None
    rationale: str
    prepared_by_id: int
    prepared_by: str
    submitted_at: dt.datetime | None
    reviewed_by: str | None
    reviewed_at: dt.datetime | None
    review_comment: str
    supersedes: int | None
    editable: bool
