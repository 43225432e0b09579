"""Data shapes of the contractors domain."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec

from governance.contractors.tables import CERTIFICATION_LABELS, CONTRACTOR_STATUS_LABELS
from governance.schema import Date, MultiLine, RequiredLine, RequiredText, SingleLine, Struct, choice

ContractorStatusCode = choice(CONTRACTOR_STATUS_LABELS)
CertificationKindCode = choice(CERTIFICATION_LABELS)

Name = Annotated[RequiredLine, msgspec.Meta(title="名称", max_length=200)]
Kana = Annotated[SingleLine, msgspec.Meta(title="名称（カナ）", max_length=200)]
CorporateNumber = Annotated[
    SingleLine, msgspec.Meta(title="法人番号", max_length=20, description="13桁の数字（個人事業者は空欄）")
]
Address = Annotated[SingleLine, msgspec.Meta(title="所在地", max_length=300)]
Representative = Annotated[SingleLine, msgspec.Meta(title="代表者", max_length=100)]
Status = Annotated[ContractorStatusCode, msgspec.Meta(title="状態")]
Notes = Annotated[MultiLine, msgspec.Meta(title="備考", max_length=4000)]


class ContractorCreate(Struct):
    """A new contractor."""

    name: Name
    name_kana: Kana = ""
    corporate_number: CorporateNumber = ""
    address: Address = ""
    representative: Representative = ""
    status: Status = "candidate"
    notes: Notes = ""


class ContractorUpdate(ContractorCreate):
    """Changes to a contractor (every field)."""


class ContactCreate(Struct):
    """A contact person at a contractor."""

    name: Annotated[RequiredLine, msgspec.Meta(title="担当者名", max_length=100)]
    role: Annotated[SingleLine, msgspec.Meta(title="役職・担当", max_length=100)] = ""
    email: Annotated[SingleLine, msgspec.Meta(title="メールアドレス", max_length=254)] = ""
    phone: Annotated[
        str, msgspec.Meta(title="電話番号", max_length=30, pattern=r"^[0-9０-９()（）+\-－ ]*(?!\n)$")
    ] = ""


class CertificationCreate(Struct):
    """A certification held by a contractor."""

    kind: Annotated[CertificationKindCode, msgspec.Meta(title="認証の種類")]
    number: Annotated[SingleLine, msgspec.Meta(title="登録番号", max_length=100)] = ""
    scope: Annotated[MultiLine, msgspec.Meta(title="適用範囲", max_length=2000)] = ""
    issuer: Annotated[SingleLine, msgspec.Meta(title="認証機関", max_length=200)] = ""
    valid_from: Annotated[Date, msgspec.Meta(title="有効期間（開始）")] | None = None
    valid_until: Annotated[Date, msgspec.Meta(title="有効期間（終了）")] | None = None


class SuspensionCreate(Struct):
    """A bidding suspension period."""

    start_date: Annotated[Date, msgspec.Meta(title="開始日")]
    reason: Annotated[RequiredText, msgspec.Meta(title="理由", max_length=2000)]
    end_date: Annotated[Date, msgspec.Meta(title="終了日")] | None = None


class SuspensionEnd(Struct):
    """The end date of a suspension."""

    end_date: Annotated[Date, msgspec.Meta(title="終了日")]


class Contact(Struct):
    """A contact person."""

    id: int
    name: str
    role: str
    email: str
    phone: str


class CertificationOut(Struct):
    """A certification with its status on the day it was read."""

    id: int
    kind: str
    kind_label: str
    number: str
    scope: str
    issuer: str
    valid_from: dt.date | None
    valid_until: dt.date | None
    status: str
    status_label: str
    evidence_id: int | None


class SuspensionOut(Struct):
    """A bidding suspension period."""

    id: int
    start_date: dt.date
    end_date: dt.date | None
    reason: str
    in_force: bool


class ContractorSummary(Struct):
    """A contractor as listed."""

    id: int
    name: str
    name_kana: str
    corporate_number: str | None
    status: str
    status_label: str
    suspended: bool
    updated_at: dt.datetime


class Contractor(ContractorSummary):
    """A contractor with its contacts, certifications and suspensions."""

    address: str
    representative: str
    notes: str
    contacts: list[Contact]
    certifications: list[CertificationOut]
    suspensions: list[SuspensionOut]


class ContractorPage(Struct):
    """One page of contractors."""

    items: list[ContractorSummary]
    total: int
    page: int
    per_page: int
