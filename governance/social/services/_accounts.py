"""Registering accounts and keeping their rules, security checklist, people and the municipal template."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from governance.accounts.roles import Role
from governance.accounts.tables import Department, User
from governance.actor import Actor
from governance.audit.services import AuditService
from governance.calendar import today_tokyo
from governance.db import for_update, write_transaction
from governance.engagements.tables import Engagement
from governance.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from governance.external.codes import ServiceKind
from governance.external.tables import ExternalService
from governance.reminders.events import role_holders
from governance.social import schemas
from governance.social.checklist import BADGE_LABELS
from governance.social.lifecycle import AccountStatus, ApplicationKind, ApplicationStatus
from governance.social.rules import RuleTemplate, effective_rules
from governance.social.services._common import (
    APPROVER_ROLES,
    account_rules,
    audit_account,
    ensure_may_edit,
    join_lines,
    lines,
    load_settings,
    locked_account,
    notify_application,
    parse_time,
)
from governance.social.tables import (
    PERSON_ROLE_LABELS,
    PersonRole,
    SocialAccount,
    SocialApplication,
    SocialAssignment,
    SocialRuleTemplate,
)
from governance.social.url import AccountRefError, parse_profile

_RULE_FIELDS = ("extra_prohibited_content", "prohibited_terms", "extra_classified_markers", "allowed_link_domains",
                "allowed_contacts", "hours_start", "hours_end", "approval", "reply_policy", "follow_policy",
                "availability2_on_website")  # fmt: skip


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.UTC)


class AccountService:
    """Accounts and their records; every change audited, edits limited to PR staff and the owning department."""

    def __init__(self, audit: AuditService | None = None) -> None:
        self.audit = audit or AuditService()

    # -- validation ----------------------------------------------------------------------------------------------

    async def _basics(self, data: schemas.AccountBasics, *, account_id: int | None) -> dict[str, Any]:
        errors: dict[str, str] = {}
        service = (
            await ExternalService.select(ExternalService.id, ExternalService.kind, ExternalService.platform)
            .where(ExternalService.id == data.service_id)
            .first()
        )
        ref = None
        if service is None or service.get("kind") != ServiceKind.social_media or not service.get("platform"):
            errors["service_id"] = "プラットフォームには、外部サービスに登録されたソーシャルメディアを選んでください。"
        else:
            try:
                ref = parse_profile(data.url, service["platform"])
            except AccountRefError as exc:
                errors["url"] = exc.message
        if not await Department.exists().where(Department.id == data.department_id):
            errors["department_id"] = "運用する所属を選んでください。"
        if data.engagement_id is not None and not await Engagement.exists().where(Engagement.id == data.engagement_id):
            errors["engagement_id"] = "委託業務が見つかりません。"
        if data.engagement_id is not None and not data.operated_by_contractor:
            errors["operated_by_contractor"] = "委託業務を指定する場合は「運用の一部を委託している」を選んでください。"
        if ref is not None:
            query = SocialAccount.select(SocialAccount.id, SocialAccount.display_name).where(
                SocialAccount.lookup_key == ref.lookup, SocialAccount.status != AccountStatus.closed
            )
            if account_id is not None:
                query = query.where(SocialAccount.id != account_id)
            if other := await query.first():
                errors["url"] = f"このアカウントは既に登録されています（{other['display_name']}、番号 {other['id']}）。"
        if errors:
            raise ValidationError(errors)
        assert ref is not None
        return {
            "service": data.service_id, "handle": ref.handle, "profile_url": ref.url, "lookup_key": ref.lookup,
            "display_name": data.display_name.strip(), "department": data.department_id,
            "purpose": data.purpose.strip(), "audience": data.audience.strip(),
            "public_contact": data.public_contact.strip(), "operated_by_contractor": data.operated_by_contractor,
            "engagement": data.engagement_id,
        }  # fmt: skip

    @staticmethod
    def _rules(data: schemas.RulesUpdate, template: RuleTemplate) -> dict[str, Any]:
        values: dict[str, Any] = {f: getattr(data, f) for f in _RULE_FIELDS}
        for f, v in values.items():
            if isinstance(v, str):
                values[f] = v.strip()
        values["content_categories"] = join_lines(dict.fromkeys(c.strip() for c in data.content_categories if c))
        probe = account_rules({**values, "allowed_link_domains": values["allowed_link_domains"]})
        loosened = effective_rules(template, probe).loosened
        if loosened:
            raise ValidationError(loosened)
        values["allowed_link_domains"] = join_lines(probe.allowed_link_domains or ())
        values["prohibited_terms"] = join_lines(lines(values["prohibited_terms"], commas=True))
        values["extra_classified_markers"] = join_lines(lines(values["extra_classified_markers"], commas=True))
        values["extra_prohibited_content"] = join_lines(lines(values["extra_prohibited_content"]))
        values["allowed_contacts"] = join_lines(lines(values["allowed_contacts"]))
        return values

    @staticmethod
    async def _user_exists(user_id: int | None, field: str) -> None:
        if user_id is not None and not await User.exists().where(User.id == user_id):
            raise ValidationError({field: "利用者が見つかりません。"})

    # -- accounts ------------------------------------------------------------------------------------------------

    async def create(self, data: schemas.AccountCreate, *, actor: Actor, now: dt.datetime | None = None) -> int:
        """Register an account and submit its opening application (SNS-09) with its responsible person (SNS-08).

        Raises:
            ValidationError: invalid data, an unknown platform, an account already registered, or rules that
                loosen the municipal template.
            PermissionDeniedError: department staff registering for another department.
        """
        now = _now(now)
        settings = await load_settings()
        async with write_transaction():
            errors: dict[str, str] = {}
            try:
                values = await self._basics(data, account_id=None)
            except ValidationError as exc:
                errors.update(exc.field_errors)
            try:
                rules = self._rules(data, settings.template)
            except ValidationError as exc:
                errors.update(exc.field_errors)
            try:
                await self._user_exists(data.responsible_user_id, "responsible_user_id")
            except ValidationError as exc:
                errors.update(exc.field_errors)
            if errors:
                raise ValidationError(errors)
            ensure_may_edit(data.department_id, actor)
            row = (
                await SocialAccount.insert(
                    SocialAccount(**values, **rules, status=AccountStatus.applying, created_by=actor.id,
                                  created_at=now, updated_at=now)
                ).returning(SocialAccount.id)
            )[0]  # fmt: skip
            account_id = row["id"]
            start = data.responsible_from or today_tokyo(now)
            await SocialAssignment.insert(
                SocialAssignment(account=account_id, role=PersonRole.responsible,
                                 person_name=data.responsible_name.strip(), title=data.responsible_title.strip(),
                                 user=data.responsible_user_id, start_date=start, recorded_by=actor.id,
                                 recorded_at=now)
            )  # fmt: skip
            app = await SocialApplication.insert(
                SocialApplication(account=account_id, kind=ApplicationKind.open, status=ApplicationStatus.submitted,
                                  reason="新規登録による開設申請", applicant=actor.id, applicant_label=actor.label,
                                  submitted_at=now)
            ).returning(SocialApplication.id)  # fmt: skip
            await audit_account(
                self.audit, "social_account.created", {**values, "id": account_id}, actor, now,
                after={**values, **rules, "responsible": data.responsible_name.strip()},
            )  # fmt: skip
            await notify_application(
                "social_application.submitted", {**values, "id": account_id}, app[0]["id"], ApplicationKind.open,
                await role_holders(*APPROVER_ROLES), actor, now,
            )  # fmt: skip
        return account_id

    async def update(
        self, account_id: int, data: schemas.AccountUpdate, *, actor: Actor, now: dt.datetime | None = None
    ) -> None:
        """Change an account's basics (a new handle re-normalizes its URL).

        Raises:
            NotFoundError: no such account.
            PermissionDeniedError: the actor may not edit it (or move it to another department).
            ConflictError: the account is closed.
            ValidationError: invalid data.
        """
        now = _now(now)
        async with write_transaction():
            row = await locked_account(account_id)
            ensure_may_edit(row["department"], actor)
            if row["status"] == AccountStatus.closed:
                raise ConflictError("廃止したアカウントは変更できません。")
            values = await self._basics(data, account_id=account_id)
            ensure_may_edit(values["department"], actor)
            await SocialAccount.update({**values, "updated_at": now}).where(SocialAccount.id == account_id)
            before = {k: row[k] for k in values}
            await audit_account(self.audit, "social_account.updated", {**row, **values}, actor, now,
                                before=before, after=values)  # fmt: skip

    async def update_rules(
        self, account_id: int, data: schemas.RulesUpdate, *, actor: Actor, now: dt.datetime | None = None
    ) -> None:
        """Change an account's posting rules (they may only tighten the municipal template).

        Raises:
            NotFoundError, PermissionDeniedError, ConflictError, ValidationError: as for ``update``.
        """
        now = _now(now)
        settings = await load_settings()
        async with write_transaction():
            row = await locked_account(account_id)
            ensure_may_edit(row["department"], actor)
            if row["status"] == AccountStatus.closed:
                raise ConflictError("廃止したアカウントは変更できません。")
            values = self._rules(data, settings.template)
            await SocialAccount.update({**values, "updated_at": now}).where(SocialAccount.id == account_id)
            await audit_account(self.audit, "social_account.rules_updated", row, actor, now,
                                before={k: row[k] for k in values}, after=values)  # fmt: skip

    async def update_checklist(
        self, account_id: int, data: schemas.ChecklistUpdate, *, actor: Actor, now: dt.datetime | None = None
    ) -> None:
        """Record the account's security settings (SNS-02/03/15).

        Raises:
            NotFoundError, PermissionDeniedError, ConflictError: as for ``update``.
            ValidationError: an unknown badge state or dates in the future.
        """
        now = _now(now)
        today = today_tokyo(now)
        errors: dict[str, str] = {}
        if data.badge not in BADGE_LABELS:
            errors["badge"] = "認証バッジの状況を選んでください。"
        for f in ("third_party_apps_reviewed_on", "password_changed_on"):
            day = getattr(data, f)
            if day is not None and day > today:
                errors[f] = "今日より後の日付は入力できません。"
        email = data.recovery_email.strip()
        if email and ("@" not in email or " " in email):
            errors["recovery_email"] = "メールアドレスの形式が正しくありません。"
        if errors:
            raise ValidationError(errors)
        values = {**msgspec.structs.asdict(data), "recovery_email": email}
        async with write_transaction():
            row = await locked_account(account_id)
            ensure_may_edit(row["department"], actor)
            if row["status"] == AccountStatus.closed:
                raise ConflictError("廃止したアカウントは変更できません。")
            await SocialAccount.update({**values, "updated_at": now}).where(SocialAccount.id == account_id)
            await audit_account(self.audit, "social_account.checklist_updated", row, actor, now,
                                before={k: row[k] for k in values}, after=values)  # fmt: skip

    # -- people --------------------------------------------------------------------------------------------------

    async def add_person(
        self, account_id: int, data: schemas.PersonAdd, *, actor: Actor, now: dt.datetime | None = None
    ) -> int:
        """Grant an operator (発信者) or a credential holder access from a date.

        Raises:
            NotFoundError, PermissionDeniedError, ConflictError: as for ``update``.
            ValidationError: an unknown role (the responsible person is changed with ``change_responsible``).
        """
        now = _now(now)
        if data.role not in (PersonRole.operator, PersonRole.credential_holder):
            raise ValidationError({"role": "区分は発信者または認証情報の管理者を選んでください。"})
        async with write_transaction():
            row = await locked_account(account_id)
            ensure_may_edit(row["department"], actor)
            if row["status"] == AccountStatus.closed:
                raise ConflictError("廃止したアカウントには追加できません。")
            await self._user_exists(data.user_id, "user_id")
            values = {"role": data.role, "person_name": data.person_name.strip(), "title": data.title.strip(),
                      "user": data.user_id, "start_date": data.start_date or today_tokyo(now)}  # fmt: skip
            new = await SocialAssignment.insert(
                SocialAssignment(account=account_id, **values, recorded_by=actor.id, recorded_at=now)
            ).returning(SocialAssignment.id)
            await audit_account(self.audit, "social_account.person_added", row, actor, now,
                                after={**values, "role_label": PERSON_ROLE_LABELS[data.role]})  # fmt: skip
        return new[0]["id"]

    async def end_person(
        self, account_id: int, assignment_id: int, data: schemas.PersonEnd, *, actor: Actor,
        now: dt.datetime | None = None,
    ) -> None:  # fmt: skip
        """Record the date an operator's or credential holder's access was removed.

        Raises:
            NotFoundError: no such account or person.
            PermissionDeniedError: the actor may not edit the account.
            ConflictError: the person is the responsible person (replace instead), or already removed.
            ValidationError: the date is before the grant.
        """
        now = _now(now)
        end = data.end_date or today_tokyo(now)
        async with write_transaction():
            row = await locked_account(account_id)
            ensure_may_edit(row["department"], actor)
            person = await for_update(
                SocialAssignment.select().where(
                    SocialAssignment.id == assignment_id, SocialAssignment.account == account_id
                )
            ).first()
            if person is None:
                raise NotFoundError("担当者", assignment_id)
            if person["role"] == PersonRole.responsible:
                raise ConflictError("責任者は外せません。新しい責任者を指名すると、前の責任者の期間が終わります。")
            if person["end_date"] is not None:
                raise ConflictError("この担当者は既に削除されています。")
            if end < person["start_date"]:
                raise ValidationError({"end_date": "削除日は付与日以降にしてください。"})
            await SocialAssignment.update({SocialAssignment.end_date: end}).where(SocialAssignment.id == assignment_id)
            after: dict[str, Any] = {"end_date": end}
            if person["role"] == PersonRole.credential_holder:
                # whoever knew the password no longer may: it must be changed (a task on the account until recorded)
                removed = max(end, row["credential_removed_on"] or end)
                await SocialAccount.update({SocialAccount.credential_removed_on: removed}).where(
                    SocialAccount.id == account_id
                )
                after["password_change_required_since"] = removed
            await audit_account(self.audit, "social_account.person_removed", row, actor, now,
                                before={"person_name": person["person_name"], "role": person["role"]},
                                after=after)  # fmt: skip

    async def change_responsible(
        self, account_id: int, data: schemas.ResponsibleChange, *, actor: Actor, now: dt.datetime | None = None
    ) -> None:
        """Name a new responsible person from a date; the current one's period ends the day before (SNS-08).

        Raises:
            NotFoundError, PermissionDeniedError, ConflictError: as for ``update``.
            ValidationError: the start date is not after the current responsible person's start.
        """
        now = _now(now)
        start = data.start_date or today_tokyo(now)
        async with write_transaction():
            row = await locked_account(account_id)
            ensure_may_edit(row["department"], actor)
            if row["status"] == AccountStatus.closed:
                raise ConflictError("廃止したアカウントは変更できません。")
            await self._user_exists(data.user_id, "user_id")
            current = await for_update(
                SocialAssignment.select().where(
                    SocialAssignment.account == account_id,
                    SocialAssignment.role == PersonRole.responsible,
                    SocialAssignment.end_date.is_null(),
                )
            ).first()
            if current is not None:
                if start <= current["start_date"]:
                    since = current["start_date"]
                    raise ValidationError(
                        {"start_date": f"就任日は、現在の責任者の就任日（{since}）より後にしてください。"}
                    )
                await SocialAssignment.update({SocialAssignment.end_date: start - dt.timedelta(days=1)}).where(
                    SocialAssignment.id == current["id"]
                )
            await SocialAssignment.insert(
                SocialAssignment(account=account_id, role=PersonRole.responsible, person_name=data.person_name.strip(),
                                 title=data.title.strip(), user=data.user_id, start_date=start, recorded_by=actor.id,
                                 recorded_at=now)
            )  # fmt: skip
            await audit_account(self.audit, "social_account.responsible_changed", row, actor, now,
                                before={"responsible": current["person_name"] if current else None},
                                after={"responsible": data.person_name.strip(), "start_date": start})  # fmt: skip

    # -- template ------------------------------------------------------------------------------------------------

    async def update_template(
        self, data: schemas.TemplateUpdate, *, actor: Actor, now: dt.datetime | None = None
    ) -> None:
        """Save the municipal template (security officers only).

        Raises:
            PermissionDeniedError: the actor is not a security officer.
            ValidationError: contradictory values.
        """
        now = _now(now)
        if not actor.has_any(Role.security_officer):
            raise PermissionDeniedError("市の雛形を変更できるのは情報セキュリティ担当者です。")
        errors: dict[str, str] = {}
        if bool(data.hours_start) != bool(data.hours_end):
            errors["hours_end"] = "投稿時間帯は開始と終了の両方を入力するか、両方とも空欄にしてください。"
        elif data.hours_start and parse_time(data.hours_end) <= parse_time(data.hours_start):  # type: ignore[operator]
            errors["hours_end"] = "投稿時間帯の終了は開始より後にしてください。"
        if not lines(data.content_categories):
            errors["content_categories"] = "発信できる情報の分類を1つ以上入力してください（SNS-05）。"
        for f, allowed in (("approval", ("none", "responsible")), ("reply_policy", ("none", "as_needed")),
                           ("follow_policy", ("none", "public_bodies", "related"))):  # fmt: skip
            if getattr(data, f) not in allowed:
                errors[f] = "選択肢から選んでください。"
        if errors:
            raise ValidationError(errors)
        values = msgspec.structs.asdict(data)
        for f in ("content_categories", "prohibited_content", "allowed_contacts"):
            values[f] = join_lines(lines(values[f]))
        for f in ("classified_markers", "allowed_link_domains", "shortener_hosts", "municipal_mail_domains"):
            values[f] = join_lines(lines(values[f], commas=True))
        async with write_transaction():
            existing = await for_update(SocialRuleTemplate.select().order_by(SocialRuleTemplate.id)).first()
            if existing is None:
                await SocialRuleTemplate.insert(SocialRuleTemplate(**values, updated_by=actor.id, updated_at=now))
            else:
                await SocialRuleTemplate.update({**values, "updated_by": actor.id, "updated_at": now}).where(
                    SocialRuleTemplate.id == existing["id"]
                )
            await self.audit.record(
                "social_template.updated", actor=actor, target_type="social_template", target_id=1,
                target_label="SNS投稿ルールの市の雛形", before={k: existing[k] for k in values} if existing else None,
                after=values, now=now,
            )  # fmt: skip
