"""Incidents (事故・インシデント): one record for the whole product, its facts as they become known, its steps.

An incident concerns an engagement (and its contract), an external service or an official SNS account, or none of
them. Its facts decide, through the pure rules of ``governance.incidents.rules``, whether a report to the 個人情報保護
委員会 is required and by when; every change of a fact is kept in ``incident_fact_change`` with the decision before
and after. Steps are never deleted: a step done in error is followed by a correcting entry.
"""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import JSON, Boolean, Date, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from governance.accounts.tables import Department, User
from governance.engagements.tables import Engagement
from governance.external.tables import ExternalService
from governance.files.tables import StoredFile
from governance.social.tables import SocialAccount


class IncidentKind(StrEnum):
    """What happened (the SNS kinds are the former social_incident kinds)."""

    data_breach = "data_breach"  # 漏えい・滅失・毀損（そのおそれを含む）
    security_event = "security_event"  # 不正アクセス・マルウェア・障害など、情報の漏えい等を伴わないもの
    sns_takeover = "sns_takeover"
    sns_impersonation = "sns_impersonation"


class IncidentStatus(StrEnum):
    """Where an incident stands."""

    open = "open"
    closed = "closed"


class IncidentSource(StrEnum):
    """How the incident was first known."""

    staff = "staff"  # recorded by staff
    contractor_link = "contractor_link"  # the contractor's 第一報 through a report link
    migrated = "migrated"  # carried over from social_incident


class Incident(Table, tablename="incident"):
    """One incident and the facts known of it now (their history is in IncidentFactChange)."""

    kind = Varchar(length=30, choices=IncidentKind, required=True)
    title = Varchar(length=200, required=True)
    department = ForeignKey(Department, on_delete=OnDelete.restrict, required=True)
    engagement = ForeignKey(Engagement, on_delete=OnDelete.restrict, null=True, default=None)
    external_service = ForeignKey(ExternalService, on_delete=OnDelete.restrict, null=True, default=None)
    social_account = ForeignKey(SocialAccount, on_delete=OnDelete.restrict, null=True, default=None)
    status = Varchar(length=20, choices=IncidentStatus, default=IncidentStatus.open)
    source = Varchar(length=20, choices=IncidentSource, default=IncidentSource.staff)
    # the facts (発生日時, 発覚日時 — the legal clock starts when the municipality knows, 内容, 情報, 人数 …)
    occurred_at = Timestamptz(null=True, default=None)
    discovered_at = Timestamptz(required=True)
    summary = Text(default="")
    personal_info = Boolean(default=False)  # 保有個人情報
    sensitive_info = Boolean(default=False)  # 要配慮個人情報
    ordinance_sensitive_info = Boolean(default=False)  # 条例要配慮個人情報
    specific_personal_info = Boolean(default=False)  # 特定個人情報
    people_min = Integer(null=True, default=None)  # the number of people, or the lower end of a range
    people_max = Integer(null=True, default=None)  # the upper end of a range (None = exactly people_min)
    unauthorised_purpose = Boolean(default=False)  # 不正の目的をもって行われたおそれ
    property_damage = Boolean(default=False)  # 財産的被害が生じるおそれ
    containment = Text(default="")  # 封じ込め（二次被害の防止）に講じた措置
    fake_account_url = Varchar(length=500, default="")  # SNS impersonation: the fake account
    # the decision on the facts above, as last computed (rules.assess), kept for lists and reminders
    report_required = Boolean(default=False)
    assessment = JSON(default={})
    reported_by = ForeignKey(User, on_delete=OnDelete.restrict, null=True, default=None)
    reported_by_label = Varchar(length=200, default="")
    closed_at = Timestamptz(null=True, default=None)
    closed_by = ForeignKey(User, on_delete=OnDelete.restrict, null=True, default=None)
    closing_note = Text(default="")
    legacy_social_incident = Integer(null=True, default=None, unique=True)  # the social_incident row it came from
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class IncidentFactChange(Table, tablename="incident_fact_change"):
    """A change of an incident's facts, with the decision (report required, deadlines) before and after it."""

    incident = ForeignKey(Incident, on_delete=OnDelete.restrict, required=True)
    changed_at = Timestamptz(required=True)
    changed_by = ForeignKey(User, on_delete=OnDelete.restrict, null=True, default=None)
    changed_by_label = Varchar(length=200, default="")
    before = JSON(default={})
    after = JSON(default={})
    assessment_before = JSON(default={})
    assessment_after = JSON(default={})
    note = Text(default="")


class StepStatus(StrEnum):
    """An entry on a step: done, or not applicable (with its reason)."""

    done = "done"
    not_applicable = "not_applicable"


class IncidentStep(Table, tablename="incident_step"):
    """An entry on one step of an incident (who, when, evidence); never deleted, the latest entry of a step counts."""

    incident = ForeignKey(Incident, on_delete=OnDelete.restrict, required=True)
    step = Varchar(length=40, required=True)
    status = Varchar(length=20, choices=StepStatus, default=StepStatus.done)
    done_at = Timestamptz(required=True)
    done_on = Date(null=True, default=None)  # the day it was done, where it differs from the day it was recorded
    done_by = ForeignKey(User, on_delete=OnDelete.restrict, null=True, default=None)
    done_by_label = Varchar(length=200, default="")
    note = Text(default="")
    evidence = ForeignKey(StoredFile, on_delete=OnDelete.restrict, null=True, default=None)
    measure_id = Integer(null=True, default=None)  # a contract measure (verification.Measure) the step led to
    created_at = Timestamptz(default=TimestamptzNow())


class IncidentReportLink(Table, tablename="incident_report_link"):
    """A standing link a contractor uses to send the 事故報告書（第一報） of an engagement (token stored hashed)."""

    engagement = ForeignKey(Engagement, on_delete=OnDelete.cascade, required=True)
    token_hash = Varchar(length=64, unique=True, required=True)
    token_prefix = Varchar(length=12, default="")
    expires_at = Timestamptz(required=True)
    revoked_at = Timestamptz(null=True, default=None)
    created_by = ForeignKey(User, on_delete=OnDelete.restrict, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class IncidentReport(Table, tablename="incident_report"):
    """A 第一報 a contractor sent through a link, kept as it was sent; it opened (or was added to) an incident."""

    link = ForeignKey(IncidentReportLink, on_delete=OnDelete.restrict, required=True)
    incident = ForeignKey(Incident, on_delete=OnDelete.restrict, required=True)
    reporter_name = Varchar(length=100, required=True)
    reporter_email = Varchar(length=254, default="")
    body = JSON(default={})
    files = JSON(default=[])
    submitted_at = Timestamptz(default=TimestamptzNow())
