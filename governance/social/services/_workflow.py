"""An account's life: opening and closing applications (SNS-09), suspension, and re-attestation."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from governance.accounts.roles import Role
from governance.actor import Actor
from governance.approvals import ensure_not_requester
from governance.audit.services import AuditService
from governance.calendar import today_tokyo, wareki
from governance.db import for_update, write_transaction
from governance.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from governance.reminders.events import people, role_holders
from governance.social import schemas
from governance.social.checklist import evaluate
from governance.social.lifecycle import (
    APPLICATION_KIND_LABELS,
    RESULT_OF,
    STATUS_LABELS,
    AccountStatus,
    ApplicationKind,
    ApplicationStatus,
    can_apply,
)
from governance.social.services._common import (
    APPROVER_ROLES,
    audit_account,
    ensure_may_edit,
    load_settings,
    locked_account,
    notify_application,
    security_facts,
)
from governance.social.tables import PersonRole, SocialAccount, SocialApplication, SocialAssignment, SocialAttestation


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.UTC)


class WorkflowService:
    """Applications decided by someone other than the applicant; suspension; re-attestation; all audited."""

    def __init__(self, audit: AuditService | None = None) -> None:
        self.audit = audit or AuditService()

    async def apply(
        self, account_id: int, data: schemas.ApplicationCreate, *, actor: Actor, now: dt.datetime | None = None
    ) -> int:
        """Submit an application to open (again, after a return) or close the account.

        Raises:
            NotFoundError: no such account.
            PermissionDeniedError: the actor may not edit the account.
            ValidationError: an unknown kind.
            ConflictError: the account's status does not allow it, or an application already waits.
        """
        now = _now(now)
        if data.kind not in APPLICATION_KIND_LABELS:
            raise ValidationError({"kind": "申請の種類を選んでください。"})
        async with write_transaction():
            row = await locked_account(account_id)
            ensure_may_edit(row["department"], actor)
            if not can_apply(data.kind, row["status"]):
                raise ConflictError(
                    f"「{STATUS_LABELS.get(row['status'], row['status'])}」のアカウントについて"
                    f"{APPLICATION_KIND_LABELS[data.kind]}の申請はできません。"
                )
            if await SocialApplication.exists().where(
                SocialApplication.account == account_id, SocialApplication.status == ApplicationStatus.submitted
            ):
                raise ConflictError("このアカウントには承認待ちの申請があります。")
            values = {"kind": data.kind, "reason": data.reason.strip(), "effective_on": data.effective_on}
            new = await SocialApplication.insert(
                SocialApplication(account=account_id, **values, status=ApplicationStatus.submitted,
                                  applicant=actor.id, applicant_label=actor.label, submitted_at=now)
            ).returning(SocialApplication.id)  # fmt: skip
            await audit_account(self.audit, "social_application.submitted", row, actor, now, after=values)
            approvers = await role_holders(*APPROVER_ROLES)
            await notify_application(
                "social_application.submitted", row, new[0]["id"], data.kind, approvers, actor, now
            )
        return new[0]["id"]

    async def _locked_application(self, account_id: int, application_id: int) -> dict[str, Any]:
        app = await for_update(
            SocialApplication.select().where(
                SocialApplication.id == application_id, SocialApplication.account == account_id
            )
        ).first()
        if app is None:
            raise NotFoundError("申請", application_id)
        if app["status"] != ApplicationStatus.submitted:
            raise ConflictError("この申請は既に決定されています。")
        return app

    async def approve(
        self, account_id: int, application_id: int, data: schemas.DecisionIn, *, actor: Actor,
        now: dt.datetime | None = None,
    ) -> None:  # fmt: skip
        """Approve an application (security officers; never the applicant): the account opens or closes.

        Raises:
            NotFoundError: no such account or application.
            PermissionDeniedError: not a security officer.
            SelfApprovalError: the applicant approving their own application.
            ConflictError: already decided, or the account's status changed meanwhile.
        """
        now = _now(now)
        today = today_tokyo(now)
        if not actor.has_any(Role.security_officer):
            raise PermissionDeniedError("申請を承認できるのは情報セキュリティ担当者です。")
        async with write_transaction():
            row = await locked_account(account_id)
            app = await self._locked_application(account_id, application_id)
            ensure_not_requester(app["applicant"], actor)
            if not can_apply(app["kind"], row["status"]):
                raise ConflictError("アカウントの状態が変わったため、この申請は承認できません。")
            day = app["effective_on"] or today
            changes: dict[str, Any] = {"status": RESULT_OF[app["kind"]], "updated_at": now}
            if app["kind"] == ApplicationKind.open:
                await ensure_platform_use_approved(row)
                changes["opened_on"] = day
            elif day > today:
                # a closing on a future date is scheduled: the account stays official until then
                # (close_scheduled_accounts, run daily, closes it; the public answers follow closed_on meanwhile)
                changes = {"closed_on": day, "updated_at": now}
            else:
                changes["closed_on"] = day
                # access ends with the account; the responsible person's history stays as it was
                await SocialAssignment.update({SocialAssignment.end_date: day}).where(
                    SocialAssignment.account == account_id,
                    SocialAssignment.role != PersonRole.responsible,
                    SocialAssignment.end_date.is_null(),
                )
            await SocialAccount.update(changes).where(SocialAccount.id == account_id)
            await SocialApplication.update(
                {SocialApplication.status: ApplicationStatus.approved, SocialApplication.decided_by: actor.id,
                 SocialApplication.decided_by_label: actor.label, SocialApplication.decided_at: now,
                 SocialApplication.decision_comment: data.comment.strip()}
            ).where(SocialApplication.id == application_id)  # fmt: skip
            await audit_account(
                self.audit, "social_application.approved", row, actor, now,
                before={"status": row["status"]},
                after={"kind": app["kind"], "status": changes.get("status", row["status"]), "date": day,
                   "comment": data.comment.strip()},
            )  # fmt: skip
            note = f"実施日：{wareki(day)}" + (f"\nコメント：{data.comment.strip()}" if data.comment.strip() else "")
            applicant = await people(app["applicant"])
            await notify_application(
                "social_application.approved", row, app["id"], app["kind"], applicant, actor, now, note
            )

    async def return_(
        self, account_id: int, application_id: int, data: schemas.DecisionIn, *, actor: Actor,
        now: dt.datetime | None = None,
    ) -> None:  # fmt: skip
        """Return an application with a reason; the account stays as it was.

        Raises:
            NotFoundError, PermissionDeniedError, SelfApprovalError, ConflictError: as for ``approve``.
            ValidationError: no reason given.
        """
        now = _now(now)
        if not actor.has_any(Role.security_officer):
            raise PermissionDeniedError("申請を差し戻せるのは情報セキュリティ担当者です。")
        if not data.comment.strip():
            raise ValidationError({"comment": "差戻しの理由を入力してください。"})
        async with write_transaction():
            row = await locked_account(account_id)
            app = await self._locked_application(account_id, application_id)
            ensure_not_requester(app["applicant"], actor)
            await SocialApplication.update(
                {SocialApplication.status: ApplicationStatus.returned, SocialApplication.decided_by: actor.id,
                 SocialApplication.decided_by_label: actor.label, SocialApplication.decided_at: now,
                 SocialApplication.decision_comment: data.comment.strip()}
            ).where(SocialApplication.id == application_id)  # fmt: skip
            await audit_account(self.audit, "social_application.returned", row, actor, now,
                                after={"kind": app["kind"], "comment": data.comment.strip()})  # fmt: skip
            reason = f"差戻しの理由：{data.comment.strip()}"
            applicant = await people(app["applicant"])
            await notify_application(
                "social_application.returned", row, app["id"], app["kind"], applicant, actor, now, reason
            )

    async def set_suspended(
        self, account_id: int, suspended: bool, data: schemas.StatusChange, *, actor: Actor,
        now: dt.datetime | None = None,
    ) -> None:  # fmt: skip
        """Suspend (休止) an account in operation, or resume a suspended one.

        Raises:
            NotFoundError: no such account.
            PermissionDeniedError: the actor may not edit it.
            ConflictError: the account is not in the status the change starts from.
        """
        now = _now(now)
        start, end = (
            (AccountStatus.active, AccountStatus.suspended) if suspended
            else (AccountStatus.suspended, AccountStatus.active)
        )  # fmt: skip
        async with write_transaction():
            row = await locked_account(account_id)
            ensure_may_edit(row["department"], actor)
            if row["status"] != start:
                raise ConflictError(
                    f"「{STATUS_LABELS[start]}」のアカウントだけを{'休止' if suspended else '再開'}できます。"
                )
            await SocialAccount.update({"status": end, "updated_at": now}).where(SocialAccount.id == account_id)
            await audit_account(
                self.audit, "social_account.suspended" if suspended else "social_account.resumed", row, actor, now,
                before={"status": start}, after={"status": end, "reason": data.reason.strip()},
            )  # fmt: skip

    async def attest(
        self, account_id: int, data: schemas.AttestationIn, *, actor: Actor, now: dt.datetime | None = None
    ) -> int:
        """Record the responsible person's re-attestation (renews the account's cycle).

        When the responsible person is a user of this system, only they may attest; otherwise an editor of the
        account records it on their behalf, and the entry names both.

        Raises:
            NotFoundError: no such account.
            PermissionDeniedError: someone other than the responsible user, or not an editor.
            ConflictError: the account is not in operation or suspended.
            ValidationError: the confirmation is not ticked, or the last post date is in the future.
        """
        now = _now(now)
        today = today_tokyo(now)
        if not data.confirmed:
            raise ValidationError({"confirmed": "運用状況と安全対策を確認したうえで、確認欄にチェックしてください。"})
        if data.last_post_on is not None and data.last_post_on > today:
            raise ValidationError({"last_post_on": "今日より後の日付は入力できません。"})
        settings = await load_settings()
        async with write_transaction():
            row = await locked_account(account_id)
            if row["status"] not in (AccountStatus.active, AccountStatus.suspended):
                raise ConflictError("再確認できるのは、運用中または休止中のアカウントです。")
            responsible = (
                await SocialAssignment.select()
                .where(
                    SocialAssignment.account == account_id,
                    SocialAssignment.role == PersonRole.responsible,
                    SocialAssignment.start_date <= today,
                )
                .order_by(SocialAssignment.start_date, ascending=False)
                .first()
            )
            if responsible and responsible["user"] is not None:
                if responsible["user"] != actor.id:
                    raise PermissionDeniedError(f"再確認は責任者（{responsible['person_name']}）が行います。")
            else:
                ensure_may_edit(row["department"], actor)
            checklist = evaluate(security_facts(row), platform_code=row["lookup_key"].split(":")[0],
                                 policy=settings.checklist, today=today)  # fmt: skip
            snapshot = [{"key": i.key, "ok": i.ok, "applicable": i.applicable} for i in checklist.items]
            last_post = data.last_post_on or row["last_post_on"]
            name = responsible["person_name"] if responsible else ""
            new = await SocialAttestation.insert(
                SocialAttestation(account=account_id, attested_on=today, responsible_name=name,
                                  last_post_on=data.last_post_on, checklist=json.dumps(snapshot),
                                  note=data.note.strip(), attested_by=actor.id, attested_by_label=actor.label,
                                  created_at=now)
            ).returning(SocialAttestation.id)  # fmt: skip
            await SocialAccount.update({"last_attested_on": today, "last_post_on": last_post, "updated_at": now}).where(
                SocialAccount.id == account_id
            )
            await audit_account(
                self.audit, "social_account.attested", row, actor, now,
                after={"attested_on": today, "responsible": name, "last_post_on": data.last_post_on,
                       "compliant": checklist.compliant},
            )  # fmt: skip
        return new[0]["id"]


async def ensure_platform_use_approved(account: dict[str, Any]) -> None:
    """An account opens only on a platform whose use as an external service is approved for its department.

    The platform is registered as an external service (ソーシャルメディアサービス); its use must have been approved
    through a usage application of the account's department (EXT-APR-01…03, SNS-01) and not ended.

    Raises:
        ConflictError: the platform's use is not approved for the department (with what to do).
    """
    from governance.external.codes import ServiceStatus
    from governance.external.tables import ExternalService, ServiceUsage

    service = await ExternalService.select(ExternalService.status, ExternalService.name).where(
        ExternalService.id == account["service"]
    ).first()
    approved = service is not None and service["status"] in (ServiceStatus.approved, ServiceStatus.operating)
    used = approved and await ServiceUsage.exists().where(
        ServiceUsage.service == account["service"], ServiceUsage.department == account["department"],
        ServiceUsage.active.eq(True),
    )  # fmt: skip
    if not used:
        name = service["name"] if service else "このプラットフォーム"
        raise ConflictError(
            f"{name}の外部サービスとしての利用が、この所属について承認されていないため、開設を承認できません。"
            "先に外部サービスの利用申請を行い、承認を受けてください。"
        )


async def close_scheduled_accounts(
    today: dt.date, *, now: dt.datetime | None = None, audit: AuditService | None = None
) -> int:
    """Close the accounts whose approved closing date has come (run daily by the reminder run); return how many.

    Their operators' and credential holders' access ends on that date, as at an immediate closing.
    """
    now = _now(now)
    audit = audit or AuditService()
    closed = 0
    due = await SocialAccount.select(SocialAccount.id).where(
        SocialAccount.closed_on.is_not_null(), SocialAccount.closed_on <= today,
        SocialAccount.status.is_in([AccountStatus.active, AccountStatus.suspended]),
    )  # fmt: skip
    for candidate in due:
        async with write_transaction():
            row = await locked_account(candidate["id"])
            if row["status"] not in (AccountStatus.active, AccountStatus.suspended) or row["closed_on"] > today:
                continue  # another run closed it meanwhile
            await SocialAssignment.update({SocialAssignment.end_date: row["closed_on"]}).where(
                SocialAssignment.account == row["id"],
                SocialAssignment.role != PersonRole.responsible,
                SocialAssignment.end_date.is_null(),
            )
            closing = {SocialAccount.status: AccountStatus.closed, SocialAccount.updated_at: now}
            await SocialAccount.update(closing).where(SocialAccount.id == row["id"])
            await audit_account(
                audit, "social_account.closed_as_scheduled", row, Actor.system("廃止予定日の到来"), now,
                before={"status": row["status"]}, after={"status": AccountStatus.closed, "date": row["closed_on"]},
            )  # fmt: skip
            closed += 1
    return closed
