"""Data shapes of the social media accounts domain (requests, responses, the public verify answer)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec

from governance.schema import Date, MultiLine, RequiredLine, RequiredText, SingleLine, Struct, choice, id_field
from governance.social.checklist import BADGE_LABELS
from governance.social.incidents import INCIDENT_KIND_LABELS, STEPS
from governance.social.lifecycle import APPLICATION_KIND_LABELS
from governance.social.rules import APPROVAL_LABELS, FOLLOW_LABELS, REPLY_LABELS
from governance.social.tables import PersonRole

ApprovalCode = choice(APPROVAL_LABELS)
ReplyCode = choice(REPLY_LABELS)
FollowCode = choice(FOLLOW_LABELS)
BadgeCode = choice(BADGE_LABELS)
GrantedRoleCode = choice([PersonRole.operator, PersonRole.credential_holder])
"""The roles granted through PersonAdd (the responsible person changes through ResponsibleChange)."""
ApplicationKindCode = choice(APPLICATION_KIND_LABELS)
IncidentKindCode = choice(INCIDENT_KIND_LABELS)
StepCode = choice(s.key for steps in STEPS.values() for s in steps)

_TIME = r"^(?:(?:[01][0-9]|2[0-3]):[0-5][0-9])?(?!\n)$"
Lines = Annotated[MultiLine, msgspec.Meta(title="一覧（1行に1つ）", max_length=4000)]
Category = Annotated[RequiredLine, msgspec.Meta(title="発信する情報の分類", max_length=200)]
Time = Annotated[str, msgspec.Meta(title="時刻", max_length=5, pattern=_TIME, description="「08:30」の形式")]


class RulesUpdate(Struct, kw_only=True):
    """An account's posting rules (they may only tighten the municipal template)."""

    content_categories: Annotated[list[Category], msgspec.Meta(title="発信する情報の分類", min_length=1, max_length=30)]
    extra_prohibited_content: Annotated[MultiLine, msgspec.Meta(title="追加で発信しない内容", max_length=4000)] = ""
    prohibited_terms: Annotated[MultiLine, msgspec.Meta(title="発信しない語句", max_length=4000)] = ""
    extra_classified_markers: Annotated[MultiLine, msgspec.Meta(title="追加の機密表示", max_length=2000)] = ""
    allowed_link_domains: Annotated[MultiLine, msgspec.Meta(title="リンクを認めるドメイン", max_length=2000)] = ""
    allowed_contacts: Annotated[MultiLine, msgspec.Meta(title="掲載してよい連絡先", max_length=2000)] = ""
    hours_start: Annotated[str, msgspec.Meta(title="投稿時間帯（開始）", max_length=5, pattern=_TIME)] = ""
    hours_end: Annotated[str, msgspec.Meta(title="投稿時間帯（終了）", max_length=5, pattern=_TIME)] = ""
    approval: Annotated[ApprovalCode, msgspec.Meta(title="投稿前の承認")] = "none"
    reply_policy: Annotated[ReplyCode, msgspec.Meta(title="返信の方針")] = "none"
    follow_policy: Annotated[FollowCode, msgspec.Meta(title="フォローの方針")] = "none"
    availability2_on_website: Annotated[bool, msgspec.Meta(title="可用性2の情報を市のウェブサイトにも掲載する")] = True


ServiceId = Annotated[int, id_field("プラットフォーム（登録済みの外部サービス）")]
ProfileUrl = Annotated[RequiredLine, msgspec.Meta(title="プロフィールのURLまたはアカウント名", max_length=500)]
DisplayName = Annotated[RequiredLine, msgspec.Meta(title="表示名", max_length=200)]
DepartmentId = Annotated[int, id_field("運用する所属")]
Purpose = Annotated[RequiredText, msgspec.Meta(title="運用の目的", max_length=2000)]
Audience = Annotated[SingleLine, msgspec.Meta(title="主な対象", max_length=200)]
PublicContact = Annotated[SingleLine, msgspec.Meta(title="公開する問い合わせ先", max_length=200)]
ByContractor = Annotated[bool, msgspec.Meta(title="運用の一部を委託している")]
EngagementId = Annotated[int, id_field("委託業務（委託している場合）")]


class AccountBasics(Struct, kw_only=True):
    """What identifies an account and who runs it."""

    service_id: ServiceId
    url: ProfileUrl
    display_name: DisplayName
    department_id: DepartmentId
    purpose: Purpose
    audience: Audience = ""
    public_contact: PublicContact = ""
    operated_by_contractor: ByContractor = False
    engagement_id: EngagementId | None = None


class AccountUpdate(AccountBasics, kw_only=True):
    """Changes to an account's basics."""


class AccountCreate(RulesUpdate, kw_only=True):
    """A new account (開設申請) with its basics, responsible person and rules."""

    service_id: ServiceId
    url: ProfileUrl
    display_name: DisplayName
    department_id: DepartmentId
    purpose: Purpose
    audience: Audience = ""
    public_contact: PublicContact = ""
    operated_by_contractor: ByContractor = False
    engagement_id: EngagementId | None = None
    responsible_name: Annotated[RequiredLine, msgspec.Meta(title="責任者の氏名", max_length=100)]
    responsible_title: Annotated[SingleLine, msgspec.Meta(title="責任者の役職", max_length=100)] = ""
    responsible_user_id: Annotated[int, id_field("責任者（システムの利用者の場合）")] | None = None
    responsible_from: Annotated[Date, msgspec.Meta(title="責任者の就任日")] | None = None


class ChecklistUpdate(Struct):
    """The account's security settings as the department confirmed them."""

    mfa_enabled: Annotated[bool, msgspec.Meta(title="多要素認証")] = False
    recovery_email: Annotated[SingleLine, msgspec.Meta(title="復旧用メールアドレス", max_length=254)] = ""
    login_alerts: Annotated[bool, msgspec.Meta(title="ログイン通知")] = False
    third_party_apps_reviewed_on: Annotated[Date, msgspec.Meta(title="連携アプリを確認した日")] | None = None
    listed_on_website: Annotated[bool, msgspec.Meta(title="市のウェブサイトに掲載")] = False
    badge: Annotated[BadgeCode, msgspec.Meta(title="認証バッジ")] = "missing"
    password_changed_on: Annotated[Date, msgspec.Meta(title="パスワードを変更した日")] | None = None


class PersonAdd(Struct):
    """An operator or credential holder granted access on a date."""

    role: Annotated[GrantedRoleCode, msgspec.Meta(title="区分")]
    person_name: Annotated[RequiredLine, msgspec.Meta(title="氏名", max_length=100)]
    title: Annotated[SingleLine, msgspec.Meta(title="所属・役職", max_length=100)] = ""
    user_id: Annotated[int, id_field("利用者")] | None = None
    start_date: Annotated[Date, msgspec.Meta(title="付与日")] | None = None


class PersonEnd(Struct):
    """The date a person's access was removed (the last day in the role)."""

    end_date: Annotated[Date, msgspec.Meta(title="削除日")] | None = None


class ResponsibleChange(Struct):
    """A new responsible person from a date; the current one's period ends the day before."""

    person_name: Annotated[RequiredLine, msgspec.Meta(title="責任者の氏名", max_length=100)]
    title: Annotated[SingleLine, msgspec.Meta(title="責任者の役職", max_length=100)] = ""
    user_id: Annotated[int, id_field("利用者")] | None = None
    start_date: Annotated[Date, msgspec.Meta(title="就任日")] | None = None


class ApplicationCreate(Struct):
    """An application to open or close the account."""

    kind: Annotated[ApplicationKindCode, msgspec.Meta(title="申請の種類")]
    reason: Annotated[MultiLine, msgspec.Meta(title="理由・補足", max_length=2000)] = ""
    effective_on: Annotated[Date, msgspec.Meta(title="開設日・廃止日（予定）")] | None = None


class DecisionIn(Struct):
    """A decision's comment."""

    comment: Annotated[MultiLine, msgspec.Meta(title="コメント", max_length=2000)] = ""


class StatusChange(Struct):
    """Suspending or resuming an account."""

    reason: Annotated[RequiredText, msgspec.Meta(title="理由", max_length=2000)]


class AttestationIn(Struct):
    """The responsible person's re-attestation."""

    last_post_on: Annotated[Date, msgspec.Meta(title="最後に投稿した日")] | None = None
    note: Annotated[MultiLine, msgspec.Meta(title="確認事項・補足", max_length=2000)] = ""
    confirmed: Annotated[bool, msgspec.Meta(title="運用状況と安全対策を確認した")] = False


class IncidentCreate(Struct, kw_only=True):
    """A takeover or impersonation found."""

    kind: Annotated[IncidentKindCode, msgspec.Meta(title="種類")]
    detected_on: Annotated[Date, msgspec.Meta(title="発見日")]
    detected_time: Time = ""
    summary: Annotated[RequiredText, msgspec.Meta(title="概要", max_length=4000)]
    fake_account_url: Annotated[SingleLine, msgspec.Meta(title="なりすましアカウントのURL", max_length=500)] = ""


class StepRecord(Struct):
    """A response step done."""

    step: Annotated[StepCode, msgspec.Meta(title="対応")]
    note: Annotated[MultiLine, msgspec.Meta(title="内容・連絡先など", max_length=2000)] = ""


class PostCheckIn(Struct, kw_only=True):
    """A draft to check against an account's rules; kept only when ``keep`` is true."""

    account_id: Annotated[int, id_field("アカウント")]
    text: Annotated[RequiredText, msgspec.Meta(title="投稿の下書き", max_length=20000)]
    posting_time: Time = ""
    keep: Annotated[bool, msgspec.Meta(title="この確認結果を記録する")] = False


class TemplateUpdate(Struct):
    """The municipal template of posting rules and checklist settings."""

    content_categories: Annotated[RequiredText, msgspec.Meta(title="発信できる情報の分類", max_length=4000)]
    prohibited_content: Lines = ""
    classified_markers: Lines = ""
    allowed_link_domains: Lines = ""
    shortener_hosts: Lines = ""
    allowed_contacts: Lines = ""
    municipal_mail_domains: Lines = ""
    hours_start: Time = ""
    hours_end: Time = ""
    approval: Annotated[ApprovalCode, msgspec.Meta(title="投稿前の承認")] = "none"
    reply_policy: Annotated[ReplyCode, msgspec.Meta(title="返信の方針（上限）")] = "as_needed"
    follow_policy: Annotated[FollowCode, msgspec.Meta(title="フォローの方針（上限）")] = "related"
    availability2_on_website: Annotated[bool, msgspec.Meta(title="可用性2の情報をウェブサイトにも掲載")] = True
    cycle_months: Annotated[int, msgspec.Meta(title="再確認の周期（月）", ge=1, le=24)] = 6
    inactive_months: Annotated[int, msgspec.Meta(title="休眠とみなす無投稿期間（月）", ge=1, le=36)] = 6
    password_max_days: Annotated[int, msgspec.Meta(title="パスワード変更の期間（日）", ge=1, le=730)] | None = 90
    app_review_days: Annotated[int, msgspec.Meta(title="連携アプリ確認の期間（日）", ge=1, le=730)] = 183


# -- responses ----------------------------------------------------------------------------------------------------


class CheckItemOut(Struct):
    """One checklist item as measured today."""

    key: str
    label: str
    requirement_ids: list[str]
    ok: bool
    applicable: bool
    detail: str


class PersonOut(Struct):
    """A person's period in a role."""

    id: int
    role: str
    role_label: str
    person_name: str
    title: str
    user_id: int | None
    start_date: dt.date
    end_date: dt.date | None
    current: bool


class ApplicationOut(Struct):
    """An application and its decision."""

    id: int
    kind: str
    kind_label: str
    status: str
    status_label: str
    reason: str
    effective_on: dt.date | None
    applicant_id: int | None
    applicant_label: str
    submitted_at: dt.datetime
    decided_by_label: str
    decided_at: dt.datetime | None
    decision_comment: str


class AttestationOut(Struct):
    """A past re-attestation."""

    id: int
    attested_on: dt.date
    responsible_name: str
    last_post_on: dt.date | None
    note: str
    attested_by_label: str


class StepOut(Struct):
    """A response step: done (who, when) or still to do."""

    key: str
    label: str
    requirement_ids: list[str]
    done: bool
    done_at: dt.datetime | None = None
    done_by_label: str = ""
    note: str = ""


class IncidentOut(Struct):
    """An incident and its response steps."""

    id: int
    account_id: int
    kind: str
    kind_label: str
    detected_at: dt.datetime
    summary: str
    fake_account_url: str
    reported_by_label: str
    closed_at: dt.datetime | None
    steps: list[StepOut]


class RulesOut(Struct):
    """The rules that bind the account's posts (template tightened by the account)."""

    content_categories: list[str]
    prohibited_content: list[str]
    prohibited_terms: list[str]
    classified_markers: list[str]
    allowed_link_domains: list[str]
    allowed_contacts: list[str]
    hours_start: str
    hours_end: str
    approval: str
    approval_label: str
    reply_policy: str
    reply_label: str
    follow_policy: str
    follow_label: str
    availability2_on_website: bool
    problems: dict[str, str]


class AccountSummary(Struct):
    """An account as listed, with its compliance and dormant flags."""

    id: int
    display_name: str
    handle: str
    profile_url: str
    platform: str
    platform_label: str
    service_id: int
    service_name: str
    department_id: int
    department_name: str
    status: str
    status_label: str
    responsible_name: str
    compliant: bool
    missing: list[str]
    dormant: bool
    dormant_reasons: list[str]
    attestation_due: dt.date | None
    attestation_due_soon: bool


class Account(AccountSummary):
    """An account with everything recorded about it."""

    purpose: str
    audience: str
    public_contact: str
    opened_on: dt.date | None
    closed_on: dt.date | None
    operated_by_contractor: bool
    engagement_id: int | None
    last_attested_on: dt.date | None
    last_post_on: dt.date | None
    responsible_problem: str | None
    rules: RulesOut
    own_rules: RulesUpdate
    security: ChecklistUpdate
    checklist: list[CheckItemOut]
    people: list[PersonOut]
    applications: list[ApplicationOut]
    attestations: list[AttestationOut]
    incidents: list[IncidentOut]


class FindingOut(Struct):
    """One finding of the post check."""

    rule: str
    label: str
    requirement_ids: list[str]
    severity: str
    message: str
    start: int | None
    end: int | None
    excerpt: str


class PostCheckOut(Struct):
    """The post check's answer."""

    account_id: int
    ok: bool
    length: int
    max_length: int | None
    length_note: str
    findings: list[FindingOut]
    notes: list[str]
    kept_id: int | None = None


class PublicAccount(Struct):
    """An official account as citizens see it."""

    id: int
    platform: str
    platform_label: str
    display_name: str
    handle: str
    url: str
    department: str
    purpose: str
    policy_url: str


class VerifyMatch(Struct):
    """An account the query names."""

    platform: str
    platform_label: str
    display_name: str
    handle: str
    url: str
    department: str
    status: str
    closed_on: dt.date | None = None
    policy_url: str | None = None


class VerifyAnswer(Struct):
    """Whether the URL or handle asked about is an official account of the municipality."""

    query: str
    result: str
    """``official``, ``closed`` (official once, now closed) or ``unknown`` (not on the municipality's list)."""
    message: str
    accounts: list[VerifyMatch]
