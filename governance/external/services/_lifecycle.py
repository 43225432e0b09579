"""The life of an approved service: build check, periodic reviews, usage, re-confirmation, exit and end."""

from __future__ import annotations

import datetime as dt
from typing import Any

from governance.accounts.roles import Role
from governance.actor import Actor
from governance.audit.services import AuditService
from governance.calendar import today_tokyo
from governance.db import for_update, write_transaction
from governance.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from governance.external import schemas
from governance.external.codes import RecordKind, Regime, ServiceStatus
from governance.external.regime import (
    BUILD_ITEMS,
    EXIT_ITEMS,
    REVIEW_ITEMS,
    add_months,
    end_refusal,
    is_above,
    missing_items,
)
from governance.external.services._applications import appointable
from governance.external.services._common import (
    ACTIVE_STATUSES,
    APPLICANT_ROLES,
    approver_label,
    approver_roles,
    audit_service,
    check_level,
    level_label,
    locked_service,
    require_administrator,
    require_role,
)
from governance.external.tables import ExternalService, ServiceRecord, ServiceUsage


def _check_record(data: schemas.RecordIn, allowed: dict[str, str], today: dt.date, *, all_required: bool) -> None:
    errors: dict[str, str] = {}
    if set(data.checked_items) - set(allowed):
        errors["checked_items"] = "確認項目に、選択肢にない項目が含まれています。"
    elif all_required and (missing := missing_items(allowed, data.checked_items)):
        errors["checked_items"] = f"次の項目が確認されていません：{'、'.join(missing)}"
    if data.performed_on > today:
        errors["performed_on"] = "実施日に未来の日付は入力できません。"
    if errors:
        raise ValidationError(errors, message="記録できません。次の点を確認してください。")


class LifecycleService:
    """Records kept by a service's administrator (外部サービス管理者), and the end of its use."""

    def __init__(self, audit: AuditService | None = None) -> None:
        self.audit = audit or AuditService()

    async def _insert_record(
        self, service_id: int, kind: str, data: schemas.RecordIn, actor: Actor, now: dt.datetime
    ) -> int:
        return (
            await ServiceRecord.insert(
                ServiceRecord(service=service_id, kind=kind, performed_on=data.performed_on,
                              checked_items=sorted(set(data.checked_items)), note=data.note.strip(),
                              recorded_by=actor.id, recorded_at=now)
            ).returning(ServiceRecord.id)
        )[0]["id"]  # fmt: skip

    async def confirm_build(
        self, service_id: int, data: schemas.RecordIn, *, actor: Actor, now: dt.datetime | None = None
    ) -> int:
        """Record the build-time measures (EXT-BLD-01); the service then is in operation.

        Raises:
            PermissionDeniedError: not the service's administrator.
            ConflictError: not a full-regime service waiting for its build check.
            ValidationError: an item not confirmed, or a future date.
        """
        now = now or dt.datetime.now(dt.UTC)
        async with write_transaction():
            row = await locked_service(service_id)
            await require_administrator(row, actor, what="構築時の確認")
            if row["regime"] != Regime.full:
                raise ConflictError("構築時の確認（EXT-BLD-01）は、機密性2以上を取り扱うサービスで行います。")
            if row["status"] != ServiceStatus.approved:
                raise ConflictError("構築時の確認は、承認後・運用開始前のサービスについて記録します。")
            _check_record(data, BUILD_ITEMS, today_tokyo(now), all_required=True)
            record_id = await self._insert_record(service_id, RecordKind.build, data, actor, now)
            await ExternalService.update(
                {ExternalService.status: ServiceStatus.operating, ExternalService.build_confirmed_on: data.performed_on,
                 ExternalService.updated_at: now}
            ).where(ExternalService.id == service_id)  # fmt: skip
            await audit_service(
                self.audit, "external_service.build_confirmed", row, actor, now, before={"status": row["status"]},
                after={"status": ServiceStatus.operating, "performed_on": data.performed_on.isoformat(),
                       "items": sorted(data.checked_items), "note": data.note.strip()},
            )  # fmt: skip
        return record_id

    async def record_review(
        self, service_id: int, data: schemas.RecordIn, *, actor: Actor, now: dt.datetime | None = None
    ) -> int:
        """Record a periodic operational review (EXT-OPS-01); the next one falls one cycle later.

        Items not confirmed are kept as findings (要対応) on the record.

        Raises:
            PermissionDeniedError: not the service's administrator.
            ConflictError: the service is not in operation.
            ValidationError: an unknown item, or a future date.
        """
        now = now or dt.datetime.now(dt.UTC)
        async with write_transaction():
            row = await locked_service(service_id)
            await require_administrator(row, actor, what="定期確認")
            if row["status"] != ServiceStatus.operating:
                if row["status"] == ServiceStatus.approved:
                    raise ConflictError("先に構築時の確認（EXT-BLD-01）を記録してください。")
                raise ConflictError("定期確認は運用中のサービスについて記録します。")
            _check_record(data, REVIEW_ITEMS, today_tokyo(now), all_required=False)
            record_id = await self._insert_record(service_id, RecordKind.review, data, actor, now)
            next_on = add_months(data.performed_on, row["review_cycle_months"])
            last = max(filter(None, (row["last_review_on"], data.performed_on)))
            if last != data.performed_on:  # a late entry of an older review leaves the schedule as it was
                next_on = row["next_review_on"]
            await ExternalService.update(
                {ExternalService.last_review_on: last, ExternalService.next_review_on: next_on,
                 ExternalService.updated_at: now}
            ).where(ExternalService.id == service_id)  # fmt: skip
            await audit_service(
                self.audit, "external_service.reviewed", row, actor, now,
                before={"next_review_on": row["next_review_on"].isoformat() if row["next_review_on"] else None},
                after={"performed_on": data.performed_on.isoformat(),
                       "next_review_on": next_on.isoformat() if next_on else None,
                       "findings": missing_items(REVIEW_ITEMS, data.checked_items), "note": data.note.strip()},
            )  # fmt: skip
        return record_id

    async def confirm_exit(
        self, service_id: int, data: schemas.RecordIn, *, actor: Actor, now: dt.datetime | None = None
    ) -> int:
        """Record the exit measures (EXT-END-01): data deleted, accounts deleted, migration done.

        Raises:
            PermissionDeniedError: not the service's administrator.
            ConflictError: the service is not approved or already ended.
            ValidationError: an item not confirmed, or a future date.
        """
        now = now or dt.datetime.now(dt.UTC)
        async with write_transaction():
            row = await locked_service(service_id)
            await require_administrator(row, actor, what="終了時の確認")
            if row["status"] not in ACTIVE_STATUSES:
                raise ConflictError("終了時の確認は、承認済みで利用終了前のサービスについて記録します。")
            _check_record(data, EXIT_ITEMS, today_tokyo(now), all_required=True)
            record_id = await self._insert_record(service_id, RecordKind.exit, data, actor, now)
            await ExternalService.update(
                {ExternalService.exit_confirmed_on: data.performed_on, ExternalService.updated_at: now}
            ).where(ExternalService.id == service_id)
            await audit_service(
                self.audit, "external_service.exit_confirmed", row, actor, now,
                after={"performed_on": data.performed_on.isoformat(), "items": sorted(data.checked_items),
                       "note": data.note.strip()},
            )  # fmt: skip
        return record_id

    async def end(self, service_id: int, data: schemas.EndIn, *, actor: Actor, now: dt.datetime | None = None) -> None:
        """Mark the service's use ended; refused until the exit measures are confirmed (EXT-END-01).

        Raises:
            PermissionDeniedError: neither its administrator nor a security officer.
            ConflictError: exit measures not confirmed, or not an approved service.
            ValidationError: a future date, or one before the exit check.
        """
        now = now or dt.datetime.now(dt.UTC)
        today = today_tokyo(now)
        ended_on = data.ended_on or today
        async with write_transaction():
            row = await locked_service(service_id)
            if not (actor.has_any(Role.security_officer) or actor.id == row["administrator"]):
                raise PermissionDeniedError(
                    "利用終了は、このサービスの外部サービス管理者または情報セキュリティ担当者が行います。"
                )
            refusal = end_refusal(row["status"], row["exit_confirmed_on"])
            if refusal:
                raise ConflictError(refusal)
            if ended_on > today:
                raise ValidationError({"ended_on": "利用終了日に未来の日付は入力できません。"})
            await ExternalService.update(
                {ExternalService.status: ServiceStatus.ended, ExternalService.ended_on: ended_on,
                 ExternalService.next_review_on: None, ExternalService.updated_at: now}
            ).where(ExternalService.id == service_id)  # fmt: skip
            await ServiceUsage.update({ServiceUsage.active: False, ServiceUsage.updated_at: now}).where(
                ServiceUsage.service == service_id
            )
            await audit_service(
                self.audit, "external_service.ended", row, actor, now, before={"status": row["status"]},
                after={"status": ServiceStatus.ended, "ended_on": ended_on.isoformat()},
            )  # fmt: skip

    async def change_administrator(
        self, service_id: int, data: schemas.AdministratorIn, *, actor: Actor, now: dt.datetime | None = None
    ) -> None:
        """Appoint another administrator (外部サービス管理者) for an approved service (security officers).

        Raises:
            PermissionDeniedError: not a security officer.
            ConflictError: the service is not approved or has ended.
            ValidationError: not an active staff member.
        """
        now = now or dt.datetime.now(dt.UTC)
        require_role(
            actor, *approver_roles(), message=f"外部サービス管理者の指名は許可権限者（{approver_label()}）が行います。"
        )
        async with write_transaction():
            row = await locked_service(service_id)
            if row["status"] not in ACTIVE_STATUSES:
                raise ConflictError("外部サービス管理者は、承認済みで利用中のサービスについて指名します。")
            admin = await appointable(data.administrator_id)
            await ExternalService.update(
                {ExternalService.administrator: admin["id"], ExternalService.updated_at: now}
            ).where(ExternalService.id == service_id)
            await audit_service(
                self.audit, "external_service.administrator_changed", row, actor, now,
                before={"administrator": row["administrator"]},
                after={"administrator": admin["id"], "administrator_name": admin["full_name"]},
            )  # fmt: skip

    @staticmethod
    async def _locked_usage(service_id: int, usage_id: int) -> dict[str, Any]:
        row = await for_update(
            ServiceUsage.select(ServiceUsage.all_columns(), ServiceUsage.department.name.as_alias("department_name"))
            .where(ServiceUsage.id == usage_id, ServiceUsage.service == service_id)
        ).first()  # fmt: skip
        if row is None:
            raise NotFoundError("利用状況", usage_id)
        return row

    async def reconfirm_terms(
        self, service_id: int, usage_id: int, *, actor: Actor, now: dt.datetime | None = None
    ) -> None:
        """A using department re-confirms the service after a terms-of-use change.

        Raises:
            PermissionDeniedError: the actor is not staff of that department.
            ConflictError: no re-confirmation is pending.
        """
        now = now or dt.datetime.now(dt.UTC)
        async with write_transaction():
            service = await locked_service(service_id)
            usage = await self._locked_usage(service_id, usage_id)
            if actor.department_id != usage["department"] or not actor.has_any(*APPLICANT_ROLES):
                raise PermissionDeniedError(f"再確認は、利用している課（{usage['department_name']}）の職員が行います。")
            if usage["reconfirm_requested_at"] is None or not usage["active"]:
                raise ConflictError("再確認が必要な利用規約の変更はありません。")
            await ServiceUsage.update(
                {ServiceUsage.reconfirm_requested_at: None, ServiceUsage.reconfirmed_at: now,
                 ServiceUsage.reconfirmed_by: actor.id, ServiceUsage.terms_confirmed_version: service["terms_version"],
                 ServiceUsage.updated_at: now}
            ).where(ServiceUsage.id == usage_id)  # fmt: skip
            await audit_service(
                self.audit, "external_usage.reconfirmed", service, actor, now,
                after={"department": usage["department_name"], "terms_version": service["terms_version"]},
            )  # fmt: skip

    async def update_usage(
        self, service_id: int, usage_id: int, data: schemas.UsageUpdate, *, actor: Actor, now: dt.datetime | None = None
    ) -> bool:
        """Record a department's current use; returns whether it is above the approved classification (flagged).

        Raises:
            PermissionDeniedError: neither the service's administrator nor staff of that department.
            ConflictError: the use has ended.
            ValidationError: an invalid classification.
        """
        now = now or dt.datetime.now(dt.UTC)
        async with write_transaction():
            service = await locked_service(service_id)
            usage = await self._locked_usage(service_id, usage_id)
            own_department = actor.department_id == usage["department"] and actor.has_any(*APPLICANT_ROLES)
            if not (actor.id == service["administrator"] or own_department):
                raise PermissionDeniedError(
                    "利用状況は、このサービスの外部サービス管理者または利用している課の職員が更新します。"
                )
            if not usage["active"]:
                raise ConflictError("利用を終了した課の利用状況は更新できません。")
            check_level(service["scheme"], data.confidentiality_in_use, "confidentiality_in_use")
            flagged = is_above(data.confidentiality_in_use, usage["approved_confidentiality"])
            await ServiceUsage.update(
                {ServiceUsage.account_count: data.account_count,
                 ServiceUsage.confidentiality_in_use: data.confidentiality_in_use, ServiceUsage.updated_at: now}
            ).where(ServiceUsage.id == usage_id)  # fmt: skip
            after: dict[str, Any] = {"department": usage["department_name"], "account_count": data.account_count,
                                     "confidentiality_in_use": data.confidentiality_in_use}  # fmt: skip
            if flagged:
                after["flag"] = (
                    f"承認された分類（{level_label(usage['approved_confidentiality'])}）を超える利用"
                    f"（{level_label(data.confidentiality_in_use)}）"
                )
            await audit_service(
                self.audit, "external_usage.updated", service, actor, now,
                before={"account_count": usage["account_count"],
                        "confidentiality_in_use": usage["confidentiality_in_use"]},
                after=after,
            )  # fmt: skip
        return flagged
