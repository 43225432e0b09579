"""Usage applications (利用申請): 下書き → 申請 → 審査 → 承認 / 却下 / 差戻し; approval appoints the administrator."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from governance.accounts.roles import holders_of
from governance.accounts.tables import User, UserRole
from governance.actor import Actor
from governance.approvals import ensure_not_requester
from governance.audit.services import AuditService
from governance.calendar import today_tokyo
from governance.db import write_transaction
from governance.errors import ConflictError, PermissionDeniedError, ValidationError
from governance.external import schemas
from governance.external.checklist import applicant_items
from governance.external.codes import ApplicationStatus, Regime, ServiceStatus
from governance.external.regime import TransitionRefused, add_months, higher, next_status, regime_for
from governance.external.services._common import (
    APPLICANT_ROLES,
    application_flags,
    approver_label,
    approver_roles,
    audit_application,
    audit_service,
    check_level,
    level_label,
    locked_application,
    locked_service,
    require_role,
)
from governance.external.tables import ExternalService, ServiceApplication, ServiceUsage
from governance.reminders.events import Event, notify, people, role_holders
from governance.reminders.notify import Recipient

_TEXT_FIELDS = ("purpose", "information", "users", "terms_version", "measures")


def _step(row: dict[str, Any], action: str) -> str:
    try:
        return next_status(row["status"], action)
    except TransitionRefused as exc:
        raise ConflictError(exc.message) from exc


async def _tell(
    rule: str, row: dict[str, Any], service_name: str, recipients: list[Recipient], actor: Actor, now: dt.datetime,
    detail: str = "",
) -> None:  # fmt: skip
    """Notify the next person to act on a usage application (inside the step's transaction)."""
    subject = f"「{service_name}」の利用申請"
    event = Event(rule, "external_application", row["id"], subject, f"/external-services/applications/{row['id']}",
                  detail)  # fmt: skip
    await notify(event, recipients, now=now, actor_id=actor.id)


class ApplicationService:
    """The application workflow; the approver is a security officer and never the applicant."""

    def __init__(self, audit: AuditService | None = None) -> None:
        self.audit = audit or AuditService()

    @staticmethod
    def _columns(data: schemas.ApplicationCreate, scheme: str) -> dict[str, Any]:
        check_level(scheme, data.confidentiality, "confidentiality")
        errors: dict[str, str] = {}
        if data.period_start and data.period_end and data.period_end < data.period_start:
            errors["period_end"] = "利用期間の終了日は開始日以降の日付にしてください。"
        allowed = {c.id for c in applicant_items(regime_for(scheme, data.confidentiality).regime)}
        if set(data.checklist) - allowed:
            errors["checklist"] = "確認項目に、この手続にない項目が含まれています。"
        if errors:
            raise ValidationError(errors)
        values: dict[str, Any] = {f: getattr(data, f).strip() for f in _TEXT_FIELDS}
        values.update(
            scheme=scheme, confidentiality=data.confidentiality, account_count=data.account_count,
            period_start=data.period_start, period_end=data.period_end, terms_reviewed=data.terms_reviewed,
            checklist=sorted(set(data.checklist)),
        )  # fmt: skip
        return values

    async def create(
        self,
        service_id: int,
        data: schemas.ApplicationCreate,
        *,
        scheme: str,
        actor: Actor,
        now: dt.datetime | None = None,
    ) -> int:
        """Start a draft application of the actor's department to use a service.

        Raises:
            PermissionDeniedError: the actor holds no applying role or belongs to no department.
            NotFoundError: no such service.
            ConflictError: the service has ended.
            ValidationError: invalid values.
        """
        now = now or dt.datetime.now(dt.UTC)
        require_role(actor, *APPLICANT_ROLES, message="利用申請は各課の職員が行います。")
        if actor.department_id is None or actor.id is None:
            raise PermissionDeniedError("所属のない利用者は利用申請できません。")
        async with write_transaction():
            service = await locked_service(service_id)
            if service["status"] == ServiceStatus.ended:
                raise ConflictError("利用終了したサービスには利用申請できません。")
            values = self._columns(data, scheme)
            row = (
                await ServiceApplication.insert(
                    ServiceApplication(**values, service=service_id, department=actor.department_id,
                                       applicant=actor.id, status=ApplicationStatus.draft, created_at=now,
                                       updated_at=now)
                ).returning(ServiceApplication.id)
            )[0]  # fmt: skip
            await audit_application(
                self.audit, "external_application.created", row, service["name"], actor, now,
                after={**_audit_values(values), "status": ApplicationStatus.draft},
            )  # fmt: skip
        return row["id"]

    async def update(
        self, application_id: int, data: schemas.ApplicationUpdate, *, scheme: str, actor: Actor,
        now: dt.datetime | None = None,
    ) -> None:  # fmt: skip
        """Change a draft or returned application (the applicant only).

        Raises:
            PermissionDeniedError: not the applicant.
            ConflictError: not a draft or returned application.
            ValidationError: invalid values.
        """
        now = now or dt.datetime.now(dt.UTC)
        async with write_transaction():
            row = await locked_application(application_id)
            self._require_applicant(row, actor)
            _step(row, "edit")
            values = self._columns(data, scheme)
            row["checklist"] = json.loads(row["checklist"] or "[]")
            before = {k: row[k] for k in values if row[k] != values[k]}
            await ServiceApplication.update({**values, "updated_at": now}).where(
                ServiceApplication.id == application_id
            )
            await audit_application(
                self.audit, "external_application.updated", row, await _service_name(row), actor, now,
                before=_audit_values(before), after=_audit_values({k: values[k] for k in before}),
            )  # fmt: skip

    @staticmethod
    def _require_applicant(row: dict[str, Any], actor: Actor) -> None:
        if row["applicant"] != actor.id:
            raise PermissionDeniedError("利用申請の編集・申請は、申請者本人が行います。")

    async def submit(self, application_id: int, *, actor: Actor, now: dt.datetime | None = None) -> None:
        """Apply (申請): the terms must have been read and every item of the regime's checklist confirmed.

        Raises:
            PermissionDeniedError: not the applicant.
            ConflictError: not a draft or returned application.
            ValidationError: what is still missing.
        """
        now = now or dt.datetime.now(dt.UTC)
        async with write_transaction():
            row = await locked_application(application_id)
            self._require_applicant(row, actor)
            target = _step(row, "submit")
            service = await locked_service(row["service"])
            if service["status"] == ServiceStatus.ended:
                raise ConflictError("利用終了したサービスには利用申請できません。")
            problems: dict[str, str] = {}
            if not row["terms_reviewed"]:
                problems["terms_reviewed"] = "利用規約（約款）を確認したうえで申請してください。"
            confirmed = set(json.loads(row["checklist"] or "[]"))
            missing = [c.id for c in applicant_items(regime_for(row["scheme"], row["confidentiality"]).regime)
                       if c.id not in confirmed]  # fmt: skip
            if missing:
                problems["checklist"] = f"確認していない項目があります：{'、'.join(missing)}"
            if problems:
                raise ValidationError(problems, message="申請できません。次の点を確認してください。")
            await ServiceApplication.update(
                {ServiceApplication.status: target, ServiceApplication.submitted_at: now,
                 ServiceApplication.updated_at: now}
            ).where(ServiceApplication.id == application_id)  # fmt: skip
            _, _, flags = application_flags(row, service)
            await audit_application(
                self.audit, "external_application.submitted", row, service["name"], actor, now,
                before={"status": row["status"]}, after={"status": target, "flags": flags},
            )  # fmt: skip
            # the 許可権限者; a departmental role among them only in the applying department
            deciders = await role_holders(*sorted(approver_roles()), department_id=row["department"])
            deciders = [r for r in deciders if r.user_id != row["applicant"]]
            await _tell("external_application.submitted", row, service["name"], deciders, actor, now)

    async def _reviewer_step(
        self, application_id: int, action: str, actor: Actor
    ) -> tuple[dict[str, Any], dict[str, Any], str]:
        message = f"利用申請の審査・承認は許可権限者（{approver_label()}）が行います。"
        require_role(actor, *approver_roles(), message=message)
        row = await locked_application(application_id)
        ensure_not_requester(row["applicant"], actor, what="利用申請")
        target = _step(row, action)
        service = await locked_service(row["service"])
        return row, service, target

    async def start_review(self, application_id: int, *, actor: Actor, now: dt.datetime | None = None) -> None:
        """Take a submitted application into review (審査).

        Raises:
            PermissionDeniedError: not a security officer, or the applicant (SelfApprovalError).
            ConflictError: not submitted.
        """
        now = now or dt.datetime.now(dt.UTC)
        async with write_transaction():
            row, service, target = await self._reviewer_step(application_id, "start_review", actor)
            await ServiceApplication.update(
                {ServiceApplication.status: target, ServiceApplication.reviewer: actor.id,
                 ServiceApplication.review_started_at: now, ServiceApplication.updated_at: now}
            ).where(ServiceApplication.id == application_id)  # fmt: skip
            await audit_application(
                self.audit, "external_application.review_started", row, service["name"], actor, now,
                before={"status": row["status"]}, after={"status": target},
            )  # fmt: skip

    async def approve(
        self, application_id: int, data: schemas.ApproveIn, *, actor: Actor, now: dt.datetime | None = None
    ) -> None:
        """Approve: record the service as approved for this use and appoint its administrator (EXT-APR-03).

        Raises:
            PermissionDeniedError: not a security officer, or the applicant (SelfApprovalError).
            ConflictError: not under review.
            ValidationError: no valid administrator, or information above what the service may handle.
        """
        now = now or dt.datetime.now(dt.UTC)
        async with write_transaction():
            row, service, target = await self._reviewer_step(application_id, "approve", actor)
            admin = await appointable(data.administrator_id)
            above_limit, _, _ = application_flags(row, service)
            if above_limit:
                raise ValidationError(
                    {"confidentiality": f"申請する情報の分類（{level_label(row['confidentiality'])}）は、台帳上この"
                     f"サービスで取り扱える分類（{level_label(service['max_confidentiality'])}）を超えているため"
                     "承認できません。台帳の内容を見直すか、却下・差戻ししてください。"},
                    message="承認できません。",
                )  # fmt: skip
            await ServiceApplication.update(
                {ServiceApplication.status: target, ServiceApplication.reviewer: actor.id,
                 ServiceApplication.decided_at: now, ServiceApplication.decision_comment: data.comment.strip(),
                 ServiceApplication.administrator: admin["id"], ServiceApplication.updated_at: now}
            ).where(ServiceApplication.id == application_id)  # fmt: skip
            await audit_application(
                self.audit, "external_application.approved", row, service["name"], actor, now,
                before={"status": row["status"]},
                after={"status": target, "administrator": admin["full_name"], "comment": data.comment.strip(),
                       "confidentiality": row["confidentiality"]},
            )  # fmt: skip
            await self._record_approval(service, row, admin, actor, now)
            note = f"外部サービス管理者：{admin['full_name']}"
            if data.comment.strip():
                note += f"\nコメント：{data.comment.strip()}"
            told = await people(row["applicant"], admin["id"])
            await _tell("external_application.approved", row, service["name"], told, actor, now, note)

    async def _record_approval(
        self, service: dict[str, Any], app: dict[str, Any], admin: dict[str, Any], actor: Actor, now: dt.datetime
    ) -> None:
        """Mark the service approved for the use, appoint the administrator, and record the department's usage."""
        changes: dict[str, Any] = {
            "approved_confidentiality": higher(service["approved_confidentiality"], app["confidentiality"]),
            "administrator": admin["id"], "updated_at": now,
        }  # fmt: skip
        if service["status"] == ServiceStatus.registered:
            # The 約款型 flow has no build-time check; the full flow waits for it (EXT-BLD-01).
            changes["status"] = ServiceStatus.operating if service["regime"] == Regime.low else ServiceStatus.approved
            changes["approved_at"] = now
        if service["next_review_on"] is None:
            changes["next_review_on"] = add_months(today_tokyo(now), service["review_cycle_months"])
        await ExternalService.update(changes).where(ExternalService.id == service["id"])
        await self._upsert_usage(service, app, now)
        before = {k: service[k] for k in changes if k != "updated_at"}
        after = {k: v for k, v in changes.items() if k != "updated_at"}
        after["administrator_name"] = admin["full_name"]
        await audit_service(
            self.audit, "external_service.approved", service, actor, now, before=_audit_values(before),
            after=_audit_values({**after, "department": app["department"], "application": app["id"]}),
        )  # fmt: skip

    @staticmethod
    async def _upsert_usage(service: dict[str, Any], app: dict[str, Any], now: dt.datetime) -> None:
        usage = await ServiceUsage.select().where(
            ServiceUsage.service == service["id"], ServiceUsage.department == app["department"]
        ).first()  # fmt: skip
        terms = app["terms_version"] or service["terms_version"]
        if usage is None:
            await ServiceUsage.insert(
                ServiceUsage(service=service["id"], department=app["department"], application=app["id"],
                             account_count=app["account_count"], approved_confidentiality=app["confidentiality"],
                             confidentiality_in_use=app["confidentiality"], terms_confirmed_version=terms,
                             active=True, created_at=now, updated_at=now)
            )  # fmt: skip
            return
        await ServiceUsage.update(
            {ServiceUsage.application: app["id"], ServiceUsage.account_count: app["account_count"],
             ServiceUsage.approved_confidentiality: higher(usage["approved_confidentiality"] if usage["active"]
                                                           else None, app["confidentiality"]),
             ServiceUsage.confidentiality_in_use: app["confidentiality"], ServiceUsage.terms_confirmed_version: terms,
             ServiceUsage.reconfirm_requested_at: None, ServiceUsage.active: True, ServiceUsage.updated_at: now}
        ).where(ServiceUsage.id == usage["id"])  # fmt: skip

    async def reject(
        self, application_id: int, data: schemas.CommentIn, *, actor: Actor, now: dt.datetime | None = None
    ) -> None:
        """Reject (却下) an application under review, with the reason.

        Raises:
            PermissionDeniedError: not a security officer, or the applicant.
            ConflictError: not under review.
            ValidationError: no reason.
        """
        await self._decide(application_id, "reject", data, actor, now, "external_application.rejected")

    async def return_to_applicant(
        self, application_id: int, data: schemas.CommentIn, *, actor: Actor, now: dt.datetime | None = None
    ) -> None:
        """Send an application under review back to the applicant (差戻し), with the reason.

        Raises:
            PermissionDeniedError: not a security officer, or the applicant.
            ConflictError: not under review.
            ValidationError: no reason.
        """
        await self._decide(application_id, "return", data, actor, now, "external_application.returned")

    async def _decide(
        self, application_id: int, action: str, data: schemas.CommentIn, actor: Actor, now: dt.datetime | None,
        audit_action: str,
    ) -> None:  # fmt: skip
        now = now or dt.datetime.now(dt.UTC)
        if not data.comment.strip():
            what = "却下" if action == "reject" else "差戻し"
            raise ValidationError({"comment": f"{what}の理由を入力してください。"})
        async with write_transaction():
            row, service, target = await self._reviewer_step(application_id, action, actor)
            await ServiceApplication.update(
                {ServiceApplication.status: target, ServiceApplication.reviewer: actor.id,
                 ServiceApplication.decided_at: now, ServiceApplication.decision_comment: data.comment.strip(),
                 ServiceApplication.updated_at: now}
            ).where(ServiceApplication.id == application_id)  # fmt: skip
            await audit_application(
                self.audit, audit_action, row, service["name"], actor, now, before={"status": row["status"]},
                after={"status": target, "comment": data.comment.strip()},
            )  # fmt: skip
            reason = f"{'却下' if action == 'reject' else '差戻し'}の理由：{data.comment.strip()}"
            await _tell(audit_action, row, service["name"], await people(row["applicant"]), actor, now, reason)


async def administrator_candidates() -> list[dict[str, Any]]:
    """Active staff who may be appointed 外部サービス管理者 (any applying role)."""
    staff_roles = sorted(set().union(*(holders_of(r) for r in APPLICANT_ROLES)))  # implied roles count too
    ids = {r["user"] for r in await UserRole.select(UserRole.user).where(UserRole.role.is_in(staff_roles))}
    if not ids:
        return []
    query = User.select(User.id, User.full_name, User.department.name.as_alias("department_name"))
    return await query.where(User.id.is_in(sorted(ids)), User.active.eq(True)).order_by(User.department, User.id)


async def appointable(user_id: int) -> dict[str, Any]:
    """The user to appoint as 外部サービス管理者: active and holding a staff role.

    Raises:
        ValidationError: anyone else.
    """
    row = await User.select(User.id, User.full_name, User.active).where(User.id == user_id).first()
    ok = row is not None and row["active"] and await UserRole.exists().where(
        UserRole.user == user_id, UserRole.role.is_in(sorted(set().union(*(holders_of(r) for r in APPLICANT_ROLES))))
    )  # fmt: skip
    if not ok:
        raise ValidationError({"administrator_id": "外部サービス管理者には、在職中の職員を選んでください。"})
    return row


async def _service_name(row: dict[str, Any]) -> str:
    service = await ExternalService.select(ExternalService.name).where(ExternalService.id == row["service"]).first()
    return service["name"] if service else ""


def _audit_values(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in values.items()}
