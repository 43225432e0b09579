"""Data shapes of the external services domain: registry, usage applications, lifecycle records."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec

from governance.engagements.facts import CONFIDENTIALITY_LABELS
from governance.external.checklist import applicant_items
from governance.external.codes import (
    CONTRACT_TYPE_LABELS,
    DATA_LOCATION_LABELS,
    ISMAP_LABELS,
    PLATFORM_LABELS,
    SERVICE_KIND_LABELS,
    Regime,
)
from governance.external.regime import BUILD_ITEMS, EXIT_ITEMS, REVIEW_ITEMS
from governance.schema import (
    CONTROL_CHARACTERS,
    Date,
    MultiLine,
    RequiredLine,
    RequiredText,
    SingleLine,
    Struct,
    choice,
    id_field,
)

ServiceKindCode = choice(SERVICE_KIND_LABELS)
ContractTypeCode = choice(CONTRACT_TYPE_LABELS)
PlatformCode = choice(PLATFORM_LABELS)
DataLocationCode = choice(DATA_LOCATION_LABELS)
IsmapCode = choice(ISMAP_LABELS)
LevelCode = choice(CONFIDENTIALITY_LABELS)
ApplicantItemCode = choice(c.id for regime in Regime for c in applicant_items(regime))
RecordItemCode = choice([*BUILD_ITEMS, *REVIEW_ITEMS, *EXIT_ITEMS])

_URL = rf"^(https?://[^\s{CONTROL_CHARACTERS}]+)?(?!\n)$"

Short = Annotated[SingleLine, msgspec.Meta(max_length=200)]
Level = Annotated[LevelCode, msgspec.Meta(title="機密性")]


class ServiceCreate(Struct):
    """A service to register (the classification scheme in force is a setting, not a field)."""

    name: Annotated[RequiredLine, msgspec.Meta(title="サービス名", max_length=200)]
    kind: Annotated[ServiceKindCode, msgspec.Meta(title="種類")] = "saas"
    contract_type: Annotated[ContractTypeCode, msgspec.Meta(title="契約の形態")] = "terms_of_use"
    platform: Annotated[PlatformCode, msgspec.Meta(title="プラットフォーム")] | None = None
    provider_name: Annotated[SingleLine, msgspec.Meta(title="提供者", max_length=200)] = ""
    contractor_id: Annotated[int, id_field("提供者（登録済みの事業者）")] | None = None
    url: Annotated[str, msgspec.Meta(title="URL", max_length=500, pattern=_URL)] = ""
    purpose: Annotated[MultiLine, msgspec.Meta(title="利用目的・用途", max_length=4000)] = ""
    data_location: Annotated[DataLocationCode, msgspec.Meta(title="データの保存場所")] = "unknown"
    governing_law: Annotated[SingleLine, msgspec.Meta(title="準拠法", max_length=200)] = ""
    jurisdiction: Annotated[SingleLine, msgspec.Meta(title="裁判管轄", max_length=200)] = ""
    ismap: Annotated[IsmapCode, msgspec.Meta(title="ISMAP登録")] = "none"
    ismap_number: Annotated[SingleLine, msgspec.Meta(title="ISMAP登録番号", max_length=100)] = ""
    ismap_valid_until: Annotated[Date, msgspec.Meta(title="ISMAP登録の有効期限")] | None = None
    other_certifications: Annotated[MultiLine, msgspec.Meta(title="その他の認証", max_length=2000)] = ""
    terms_version: Annotated[SingleLine, msgspec.Meta(title="確認した利用規約の版", max_length=100)] = ""
    terms_reviewed_on: Annotated[Date, msgspec.Meta(title="利用規約の確認日")] | None = None
    max_confidentiality: Annotated[LevelCode, msgspec.Meta(title="取り扱える情報の最高の分類")] = "1"
    engagement_id: Annotated[int, id_field("委託業務")] | None = None
    contract_id: Annotated[int, id_field("契約")] | None = None
    review_cycle_months: Annotated[int, msgspec.Meta(title="定期確認の周期（月）", ge=1, le=60)] = 12
    notes: Annotated[MultiLine, msgspec.Meta(title="備考", max_length=4000)] = ""


class ServiceUpdate(ServiceCreate):
    """Changes to a service (every field); a new terms-of-use version asks every using department to re-confirm."""


class CheckItem(Struct):
    """One item of the regime's checklist with its state according to the registry."""

    id: str
    label: str
    phase: str
    phase_label: str
    text: str
    state: str
    state_label: str
    note: str


class Usage(Struct):
    """A department using the service."""

    id: int
    department_id: int
    department_name: str
    account_count: int
    approved_confidentiality: str
    confidentiality_in_use: str
    above_approval: bool
    terms_confirmed_version: str
    reconfirm_requested_at: dt.datetime | None
    reconfirmed_at: dt.datetime | None
    reconfirmed_by: str
    active: bool


class Record(Struct):
    """A lifecycle record: build check, periodic review, exit measures or terms-of-use change."""

    id: int
    kind: str
    kind_label: str
    performed_on: dt.date
    checked_items: list[str]
    checked_labels: list[str]
    unchecked_labels: list[str]
    terms_version: str
    note: str
    recorded_by: str
    recorded_at: dt.datetime


class ApplicationSummary(Struct):
    """A usage application as listed."""

    id: int
    service_id: int
    service_name: str
    department_id: int
    department_name: str
    applicant_id: int
    applicant_name: str
    status: str
    status_label: str
    confidentiality: str
    confidentiality_label: str
    regime: str
    above_service_limit: bool
    above_approval: bool
    submitted_at: dt.datetime | None
    updated_at: dt.datetime


class ServiceSummary(Struct):
    """A service as listed in the registry."""

    id: int
    name: str
    provider_name: str
    kind: str
    kind_label: str
    is_social_media: bool
    platform: str | None
    platform_label: str
    contract_type: str
    contract_type_label: str
    regime: str
    regime_label: str
    status: str
    status_label: str
    max_confidentiality: str
    max_confidentiality_label: str
    approved_confidentiality: str | None
    administrator_id: int | None
    administrator_name: str
    departments: list[str]
    account_total: int
    next_review_on: dt.date | None
    review_overdue: bool
    flags: list[str]


class Service(ServiceSummary):
    """A service with its registry data, regime and checklist, usage, applications and records."""

    contractor_id: int | None
    contractor_name: str
    url: str
    purpose: str
    data_location: str
    data_location_label: str
    governing_law: str
    jurisdiction: str
    ismap: str
    ismap_label: str
    ismap_number: str
    ismap_valid_until: dt.date | None
    other_certifications: str
    terms_version: str
    terms_reviewed_on: dt.date | None
    scheme: str
    regime_reason: str
    engagement_id: int | None
    engagement_title: str
    contract_id: int | None
    review_cycle_months: int
    last_review_on: dt.date | None
    build_confirmed_on: dt.date | None
    exit_confirmed_on: dt.date | None
    ended_on: dt.date | None
    approved_at: dt.datetime | None
    notes: str
    created_by_id: int | None
    checklist: list[CheckItem]
    usages: list[Usage]
    applications: list[ApplicationSummary]
    records: list[Record]


class ServicePage(Struct):
    """One page of the registry."""

    items: list[ServiceSummary]
    total: int
    page: int
    per_page: int


class ApplicationCreate(Struct):
    """A usage application (利用申請); the department is the applicant's own."""

    purpose: Annotated[RequiredText, msgspec.Meta(title="利用目的", max_length=4000)]
    information: Annotated[RequiredText, msgspec.Meta(title="取り扱う情報", max_length=4000)]
    confidentiality: Annotated[LevelCode, msgspec.Meta(title="取り扱う情報の分類")]
    users: Annotated[MultiLine, msgspec.Meta(title="利用者の範囲", max_length=2000)] = ""
    account_count: Annotated[int, msgspec.Meta(title="アカウント数", ge=1, le=100000)] = 1
    period_start: Annotated[Date, msgspec.Meta(title="利用期間（開始）")] | None = None
    period_end: Annotated[Date, msgspec.Meta(title="利用期間（終了）")] | None = None
    terms_reviewed: bool = False
    terms_version: Annotated[SingleLine, msgspec.Meta(title="確認した利用規約の版", max_length=100)] = ""
    measures: Annotated[MultiLine, msgspec.Meta(title="予定している対策", max_length=4000)] = ""
    checklist: Annotated[list[ApplicantItemCode], msgspec.Meta(title="確認した項目", max_length=30)] = []


class ApplicationUpdate(ApplicationCreate):
    """Changes to a draft or returned application (every field)."""


class ApplicationCheck(Struct):
    """An item the applicant confirms, with the registry's view of it."""

    id: str
    label: str
    phase_label: str
    text: str
    confirmed: bool
    registry_state: str
    registry_note: str


class Application(ApplicationSummary):
    """A usage application with its checklist, flags and review."""

    purpose: str
    information: str
    scheme: str
    users: str
    account_count: int
    period_start: dt.date | None
    period_end: dt.date | None
    terms_reviewed: bool
    terms_version: str
    measures: str
    regime_label: str
    regime_reason: str
    checks: list[ApplicationCheck]
    service_checklist: list[CheckItem]
    flags: list[str]
    service_status: str
    service_max_confidentiality: str
    service_approved_confidentiality: str | None
    reviewer_id: int | None
    reviewer_name: str
    review_started_at: dt.datetime | None
    decided_at: dt.datetime | None
    decision_comment: str
    administrator_id: int | None
    administrator_name: str
    allowed_actions: list[str]


class ApproveIn(Struct):
    """Approval of an application: who becomes the service's administrator (外部サービス管理者)."""

    administrator_id: Annotated[int, id_field("外部サービス管理者")]
    comment: Annotated[SingleLine, msgspec.Meta(title="コメント", max_length=2000)] = ""


class CommentIn(Struct):
    """A reviewer's reason (required to reject or return)."""

    comment: Annotated[SingleLine, msgspec.Meta(title="理由", max_length=2000)] = ""


class RecordIn(Struct):
    """A build-time check, periodic review or exit check: the date, the items confirmed and a note."""

    performed_on: Annotated[Date, msgspec.Meta(title="実施日")]
    checked_items: Annotated[list[RecordItemCode], msgspec.Meta(title="確認した項目", max_length=20)] = []
    note: Annotated[MultiLine, msgspec.Meta(title="確認内容・指摘事項", max_length=4000)] = ""


class TermsChangeIn(Struct):
    """A change of the provider's terms of use."""

    terms_version: Annotated[RequiredLine, msgspec.Meta(title="新しい利用規約の版", max_length=100)]
    changed_on: Annotated[Date, msgspec.Meta(title="変更を確認した日")]
    note: Annotated[MultiLine, msgspec.Meta(title="変更の内容", max_length=4000)] = ""


class UsageUpdate(Struct):
    """A department's current use: accounts and the classification of the information it actually handles."""

    account_count: Annotated[int, msgspec.Meta(title="アカウント数", ge=0, le=100000)]
    confidentiality_in_use: Annotated[LevelCode, msgspec.Meta(title="現在取り扱っている情報の分類")]


class AdministratorIn(Struct):
    """A new administrator (外部サービス管理者) for the service."""

    administrator_id: Annotated[int, id_field("外部サービス管理者")]


class EndIn(Struct):
    """The day the service's use ended."""

    ended_on: Annotated[Date, msgspec.Meta(title="利用終了日")] | None = None
