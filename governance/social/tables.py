"""Tables for official social media accounts, their rules, people, applications, incidents and kept post checks.

Lists typed one item a line (content categories, markers, domains, contacts) are stored as newline-separated text.
"""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import JSON, Boolean, Date, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from governance.accounts.tables import Department, User
from governance.engagements.tables import Engagement
from governance.external.tables import ExternalService
from governance.social.checklist import Badge
from governance.social.incidents import IncidentKind
from governance.social.lifecycle import AccountStatus, ApplicationKind, ApplicationStatus
from governance.social.rules import Approval, FollowPolicy, ReplyPolicy


class PersonRole(StrEnum):
    """What a person is on an account."""

    responsible = "responsible"
    operator = "operator"
    credential_holder = "credential_holder"


PERSON_ROLE_LABELS: dict[str, str] = {
    PersonRole.responsible: "責任者",
    PersonRole.operator: "発信者（運用担当）",
    PersonRole.credential_holder: "認証情報の管理者（ID・パスワードを知る者）",
}


class SocialRuleTemplate(Table, tablename="social_rule_template"):
    """The municipal template of posting rules and checklist settings (one row; defaults until first saved)."""

    content_categories = Text(default="")
    prohibited_content = Text(default="")
    classified_markers = Text(default="")
    allowed_link_domains = Text(default="")
    shortener_hosts = Text(default="")
    allowed_contacts = Text(default="")
    municipal_mail_domains = Text(default="")
    hours_start = Varchar(length=5, default="")
    hours_end = Varchar(length=5, default="")
    approval = Varchar(length=20, choices=Approval, default=Approval.none)
    reply_policy = Varchar(length=20, choices=ReplyPolicy, default=ReplyPolicy.as_needed)
    follow_policy = Varchar(length=20, choices=FollowPolicy, default=FollowPolicy.related)
    availability2_on_website = Boolean(default=True)
    cycle_months = Integer(default=6)
    inactive_months = Integer(default=6)
    password_max_days = Integer(null=True, default=90)
    app_review_days = Integer(default=183)
    updated_by = ForeignKey(User, on_delete=OnDelete.restrict, null=True, default=None)
    updated_at = Timestamptz(default=TimestamptzNow())


class SocialAccount(Table, tablename="social_account"):
    """An official account on a registered social media platform, with its rules and security checklist."""

    service = ForeignKey(ExternalService, on_delete=OnDelete.restrict, required=True)
    handle = Varchar(length=200, required=True)
    profile_url = Varchar(length=500, required=True)
    lookup_key = Varchar(length=300, required=True, index=True)
    display_name = Varchar(length=200, required=True)
    department = ForeignKey(Department, on_delete=OnDelete.restrict, required=True)
    purpose = Text(default="")
    audience = Varchar(length=200, default="")
    public_contact = Varchar(length=200, default="")
    status = Varchar(length=20, choices=AccountStatus, default=AccountStatus.applying)
    opened_on = Date(null=True, default=None)
    closed_on = Date(null=True, default=None)
    operated_by_contractor = Boolean(default=False)
    engagement = ForeignKey(Engagement, on_delete=OnDelete.restrict, null=True, default=None)
    # posting rules: the account's own, tightening the template
    content_categories = Text(default="")
    extra_prohibited_content = Text(default="")
    prohibited_terms = Text(default="")
    extra_classified_markers = Text(default="")
    allowed_link_domains = Text(default="")
    allowed_contacts = Text(default="")
    hours_start = Varchar(length=5, default="")
    hours_end = Varchar(length=5, default="")
    approval = Varchar(length=20, choices=Approval, default=Approval.none)
    reply_policy = Varchar(length=20, choices=ReplyPolicy, default=ReplyPolicy.none)
    follow_policy = Varchar(length=20, choices=FollowPolicy, default=FollowPolicy.none)
    availability2_on_website = Boolean(default=True)
    # security checklist
    mfa_enabled = Boolean(default=False)
    recovery_email = Varchar(length=254, default="")
    login_alerts = Boolean(default=False)
    third_party_apps_reviewed_on = Date(null=True, default=None)
    listed_on_website = Boolean(default=False)
    badge = Varchar(length=20, choices=Badge, default=Badge.missing)
    password_changed_on = Date(null=True, default=None)
    credential_removed_on = Date(null=True, default=None)  # the last removal of a credential holder
    # re-attestation and activity
    last_attested_on = Date(null=True, default=None)
    last_post_on = Date(null=True, default=None)
    created_by = ForeignKey(User, on_delete=OnDelete.restrict, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class SocialAssignment(Table, tablename="social_assignment"):
    """A person's period as responsible person, operator or credential holder of an account."""

    account = ForeignKey(SocialAccount, on_delete=OnDelete.restrict, required=True)
    role = Varchar(length=20, choices=PersonRole, required=True)
    person_name = Varchar(length=100, required=True)
    title = Varchar(length=100, default="")
    user = ForeignKey(User, on_delete=OnDelete.restrict, null=True, default=None)
    start_date = Date(required=True)
    end_date = Date(null=True, default=None)
    note = Varchar(length=500, default="")
    recorded_by = ForeignKey(User, on_delete=OnDelete.restrict, null=True, default=None)
    recorded_at = Timestamptz(default=TimestamptzNow())


class SocialApplication(Table, tablename="social_application"):
    """An application to open or close an account (SNS-09), decided by someone other than the applicant."""

    account = ForeignKey(SocialAccount, on_delete=OnDelete.restrict, required=True)
    kind = Varchar(length=10, choices=ApplicationKind, required=True)
    status = Varchar(length=20, choices=ApplicationStatus, default=ApplicationStatus.submitted)
    reason = Text(default="")
    effective_on = Date(null=True, default=None)
    applicant = ForeignKey(User, on_delete=OnDelete.restrict, null=True, default=None)
    applicant_label = Varchar(length=200, default="")
    submitted_at = Timestamptz(default=TimestamptzNow())
    decided_by = ForeignKey(User, on_delete=OnDelete.restrict, null=True, default=None)
    decided_by_label = Varchar(length=200, default="")
    decided_at = Timestamptz(null=True, default=None)
    decision_comment = Text(default="")


class SocialAttestation(Table, tablename="social_attestation"):
    """The responsible person's periodic confirmation that the account is needed, run by the rules and secure."""

    account = ForeignKey(SocialAccount, on_delete=OnDelete.restrict, required=True)
    attested_on = Date(required=True)
    responsible_name = Varchar(length=100, default="")
    last_post_on = Date(null=True, default=None)
    checklist = JSON(default="[]")
    note = Text(default="")
    attested_by = ForeignKey(User, on_delete=OnDelete.restrict, null=True, default=None)
    attested_by_label = Varchar(length=200, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class SocialIncident(Table, tablename="social_incident"):
    """A takeover (SNS-11) or impersonation (SNS-12) of an account, walked through its response steps."""

    account = ForeignKey(SocialAccount, on_delete=OnDelete.restrict, required=True)
    kind = Varchar(length=20, choices=IncidentKind, required=True)
    detected_at = Timestamptz(required=True)
    summary = Text(default="")
    fake_account_url = Varchar(length=500, default="")
    reported_by = ForeignKey(User, on_delete=OnDelete.restrict, null=True, default=None)
    reported_by_label = Varchar(length=200, default="")
    closed_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class SocialIncidentStep(Table, tablename="social_incident_step"):
    """One response step done: who and when (one row per step; the index is in a migration)."""

    incident = ForeignKey(SocialIncident, on_delete=OnDelete.restrict, required=True)
    step = Varchar(length=40, required=True)
    done_at = Timestamptz(required=True)
    done_by = ForeignKey(User, on_delete=OnDelete.restrict, null=True, default=None)
    done_by_label = Varchar(length=200, default="")
    note = Text(default="")


class SocialPostCheck(Table, tablename="social_post_check"):
    """A post check kept because the user asked to keep it (the draft and what was found)."""

    account = ForeignKey(SocialAccount, on_delete=OnDelete.restrict, required=True)
    draft = Text(required=True)
    findings = JSON(default="[]")
    length = Integer(default=0)
    checked_by = ForeignKey(User, on_delete=OnDelete.restrict, null=True, default=None)
    checked_by_label = Varchar(length=200, default="")
    checked_at = Timestamptz(default=TimestamptzNow())
