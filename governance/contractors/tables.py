"""Tables for contractors, their contact persons, certifications and bidding suspensions (指名停止)."""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import Date, ForeignKey, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from governance.files.tables import StoredFile


class ContractorStatus(StrEnum):
    """Where the municipality stands with a contractor."""

    candidate = "candidate"
    active = "active"
    stopped = "stopped"


CONTRACTOR_STATUS_LABELS: dict[str, str] = {
    ContractorStatus.candidate: "候補",
    ContractorStatus.active: "取引中",
    ContractorStatus.stopped: "取引停止",
}


class CertificationKind(StrEnum):
    """Certifications the selection criteria can rely on."""

    isms = "isms"
    iso27017 = "iso27017"
    iso27701 = "iso27701"
    privacy_mark = "privacy_mark"
    ismap = "ismap"
    ismap_liu = "ismap_liu"
    soc2 = "soc2"
    other = "other"


CERTIFICATION_LABELS: dict[str, str] = {
    CertificationKind.isms: "ISMS（ISO/IEC 27001）",
    CertificationKind.iso27017: "ISO/IEC 27017",
    CertificationKind.iso27701: "ISO/IEC 27701",
    CertificationKind.privacy_mark: "プライバシーマーク",
    CertificationKind.ismap: "ISMAP",
    CertificationKind.ismap_liu: "ISMAP-LIU",
    CertificationKind.soc2: "SOC 2",
    CertificationKind.other: "その他",
}


class Contractor(Table, tablename="contractor"):
    """A company or person the municipality may outsource work to."""

    name = Varchar(length=200, required=True)
    name_kana = Varchar(length=200, default="")
    corporate_number = Varchar(length=13, null=True, default=None, unique=True)
    address = Varchar(length=300, default="")
    representative = Varchar(length=100, default="")
    status = Varchar(length=20, choices=ContractorStatus, default=ContractorStatus.candidate)
    notes = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class ContactPerson(Table, tablename="contractor_contact"):
    """A person to contact at a contractor."""

    contractor = ForeignKey(Contractor, on_delete=OnDelete.cascade, required=True)
    name = Varchar(length=100, required=True)
    role = Varchar(length=100, default="")
    email = Varchar(length=254, default="")
    phone = Varchar(length=30, default="")


class Certification(Table, tablename="certification"):
    """A certification held by a contractor (ISMS, Pマーク, ISMAP …) with its validity."""

    contractor = ForeignKey(Contractor, on_delete=OnDelete.cascade, required=True)
    kind = Varchar(length=20, choices=CertificationKind, required=True)
    number = Varchar(length=100, default="")
    scope = Text(default="")
    issuer = Varchar(length=200, default="")
    valid_from = Date(null=True, default=None)
    valid_until = Date(null=True, default=None)
    evidence = ForeignKey(StoredFile, on_delete=OnDelete.set_null, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class Suspension(Table, tablename="suspension"):
    """A bidding suspension (指名停止): the contractor cannot be selected while it runs."""

    contractor = ForeignKey(Contractor, on_delete=OnDelete.cascade, required=True)
    start_date = Date(required=True)
    end_date = Date(null=True, default=None)
    reason = Text(required=True)
    created_at = Timestamptz(default=TimestamptzNow())
