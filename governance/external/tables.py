"""Tables for external services (外部サービス): registry, usage applications, usage per department, records.

Social media platforms are registered here too (``kind == "social_media"`` with a ``platform`` code); per-account
social media records reference ``ExternalService``.
"""

from __future__ import annotations

from piccolo.columns import JSON, Boolean, Date, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from governance.accounts.tables import Department, User
from governance.contractors.tables import Contractor
from governance.contracts.tables import Contract
from governance.engagements.tables import Engagement
from governance.external.codes import (
    APPLICATION_STATUS_LABELS,
    CONTRACT_TYPE_LABELS,
    DATA_LOCATION_LABELS,
    ISMAP_LABELS,
    PLATFORM_LABELS,
    RECORD_KIND_LABELS,
    REGIME_LABELS,
    SERVICE_KIND_LABELS,
    SERVICE_STATUS_LABELS,
    ApplicationStatus,
    ContractType,
    DataLocation,
    IsmapRegistration,
    Platform,
    RecordKind,
    Regime,
    ServiceKind,
    ServiceStatus,
)

__all__ = [
    "APPLICATION_STATUS_LABELS",
    "CONTRACT_TYPE_LABELS",
    "DATA_LOCATION_LABELS",
    "ISMAP_LABELS",
    "PLATFORM_LABELS",
    "RECORD_KIND_LABELS",
    "REGIME_LABELS",
    "SERVICE_KIND_LABELS",
    "SERVICE_STATUS_LABELS",
    "ApplicationStatus",
    "ContractType",
    "DataLocation",
    "ExternalService",
    "IsmapRegistration",
    "Platform",
    "RecordKind",
    "Regime",
    "ServiceApplication",
    "ServiceKind",
    "ServiceRecord",
    "ServiceStatus",
    "ServiceUsage",
]


class ExternalService(Table, tablename="external_service"):
    """A registered external service (cloud, SaaS, 約款型 service or social media platform)."""

    name = Varchar(length=200, required=True)
    provider_name = Varchar(length=200, default="")
    contractor = ForeignKey(Contractor, on_delete=OnDelete.restrict, null=True, default=None)
    kind = Varchar(length=20, choices=ServiceKind, default=ServiceKind.saas)
    contract_type = Varchar(length=20, choices=ContractType, default=ContractType.terms_of_use)
    platform = Varchar(length=20, choices=Platform, null=True, default=None)
    url = Varchar(length=500, default="")
    purpose = Text(default="")
    data_location = Varchar(length=20, choices=DataLocation, default=DataLocation.unknown)
    governing_law = Varchar(length=200, default="")
    jurisdiction = Varchar(length=200, default="")
    ismap = Varchar(length=20, choices=IsmapRegistration, default=IsmapRegistration.none)
    ismap_number = Varchar(length=100, default="")
    ismap_valid_until = Date(null=True, default=None)
    other_certifications = Text(default="")
    terms_version = Varchar(length=100, default="")
    terms_reviewed_on = Date(null=True, default=None)
    scheme = Varchar(length=4, default="R6")
    max_confidentiality = Varchar(length=4, default="1")
    regime = Varchar(length=10, choices=Regime, default=Regime.low)
    engagement = ForeignKey(Engagement, on_delete=OnDelete.restrict, null=True, default=None)
    contract = ForeignKey(Contract, on_delete=OnDelete.restrict, null=True, default=None)
    status = Varchar(length=20, choices=ServiceStatus, default=ServiceStatus.registered)
    administrator = ForeignKey(User, on_delete=OnDelete.restrict, null=True, default=None)
    approved_confidentiality = Varchar(length=4, null=True, default=None)
    approved_at = Timestamptz(null=True, default=None)
    review_cycle_months = Integer(default=12)
    last_review_on = Date(null=True, default=None)
    next_review_on = Date(null=True, default=None)
    build_confirmed_on = Date(null=True, default=None)
    exit_confirmed_on = Date(null=True, default=None)
    ended_on = Date(null=True, default=None)
    notes = Text(default="")
    created_by = ForeignKey(User, on_delete=OnDelete.restrict, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class ServiceApplication(Table, tablename="external_service_application"):
    """A department's application to use a service for stated information, users and period."""

    service = ForeignKey(ExternalService, on_delete=OnDelete.restrict, required=True)
    department = ForeignKey(Department, on_delete=OnDelete.restrict, required=True)
    applicant = ForeignKey(User, on_delete=OnDelete.restrict, required=True)
    status = Varchar(length=20, choices=ApplicationStatus, default=ApplicationStatus.draft)
    purpose = Text(default="")
    information = Text(default="")
    scheme = Varchar(length=4, default="R6")
    confidentiality = Varchar(length=4, default="1")
    users = Text(default="")
    account_count = Integer(default=1)
    period_start = Date(null=True, default=None)
    period_end = Date(null=True, default=None)
    terms_reviewed = Boolean(default=False)
    terms_version = Varchar(length=100, default="")
    measures = Text(default="")
    checklist = JSON(default=[])
    submitted_at = Timestamptz(null=True, default=None)
    reviewer = ForeignKey(User, on_delete=OnDelete.restrict, null=True, default=None)
    review_started_at = Timestamptz(null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)
    decision_comment = Text(default="")
    administrator = ForeignKey(User, on_delete=OnDelete.restrict, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class ServiceUsage(Table, tablename="external_service_usage"):
    """A department using an approved service: accounts, approved classification, terms re-confirmation."""

    service = ForeignKey(ExternalService, on_delete=OnDelete.restrict, required=True)
    department = ForeignKey(Department, on_delete=OnDelete.restrict, required=True)
    application = ForeignKey(ServiceApplication, on_delete=OnDelete.restrict, null=True, default=None)
    account_count = Integer(default=0)
    approved_confidentiality = Varchar(length=4, default="1")
    confidentiality_in_use = Varchar(length=4, default="1")
    terms_confirmed_version = Varchar(length=100, default="")
    reconfirm_requested_at = Timestamptz(null=True, default=None)
    reconfirmed_at = Timestamptz(null=True, default=None)
    reconfirmed_by = ForeignKey(User, on_delete=OnDelete.restrict, null=True, default=None)
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class ServiceRecord(Table, tablename="external_service_record"):
    """A lifecycle record: build-time check, periodic review, exit measures, or a terms-of-use change."""

    service = ForeignKey(ExternalService, on_delete=OnDelete.restrict, required=True)
    kind = Varchar(length=20, choices=RecordKind, required=True)
    performed_on = Date(required=True)
    checked_items = JSON(default=[])
    terms_version = Varchar(length=100, default="")
    note = Text(default="")
    recorded_by = ForeignKey(User, on_delete=OnDelete.restrict, required=True)
    recorded_at = Timestamptz(default=TimestamptzNow())
