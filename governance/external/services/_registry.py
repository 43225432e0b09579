"""The registry of external services: register, change, and terms-of-use changes that ask for re-confirmation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from governance.accounts.roles import Role, is_department_scoped
from governance.actor import Actor
from governance.audit.services import AuditService
from governance.contractors.tables import Contractor
from governance.contracts.tables import Contract
from governance.db import write_transaction
from governance.engagements.tables import Engagement
from governance.errors import ConflictError, PermissionDeniedError, ValidationError
from governance.external import schemas
from governance.external.codes import (
    CONTRACT_TYPE_LABELS,
    DATA_LOCATION_LABELS,
    ISMAP_LABELS,
    PLATFORM_LABELS,
    SERVICE_KIND_LABELS,
    IsmapRegistration,
    RecordKind,
    ServiceKind,
    ServiceStatus,
)
from governance.external.regime import level_problem, regime_for
from governance.external.services._common import audit_service, locked_service
from governance.external.services._queries import RegistryQueries
from governance.external.tables import ExternalService, ServiceRecord, ServiceUsage

_FIELDS = (
    "name", "provider_name", "kind", "contract_type", "platform", "url", "purpose", "data_location", "governing_law",
    "jurisdiction", "ismap", "ismap_number", "ismap_valid_until", "other_certifications", "terms_version",
    "terms_reviewed_on", "max_confidentiality", "review_cycle_months", "notes",
)  # fmt: skip


class RegistryService(RegistryQueries):
    """Register and change external services; every change audited."""

    def __init__(self, audit: AuditService | None = None) -> None:
        self.audit = audit or AuditService()

    async def _columns(self, data: schemas.ServiceCreate, scheme: str) -> dict[str, Any]:
        """Validate the registry data and turn it into column values.

        Raises:
            ValidationError: every problem, by field.
        """
        errors: dict[str, str] = {}
        for field, value, allowed, message in (
            ("kind", data.kind, SERVICE_KIND_LABELS, "種類を選んでください。"),
            ("contract_type", data.contract_type, CONTRACT_TYPE_LABELS, "契約の形態を選んでください。"),
            ("data_location", data.data_location, DATA_LOCATION_LABELS, "データの保存場所を選んでください。"),
            ("ismap", data.ismap, ISMAP_LABELS, "ISMAPの登録状況を選んでください。"),
        ):
            if value not in allowed:
                errors[field] = message
        platform = (data.platform or "").strip() or None
        if data.kind == ServiceKind.social_media and platform not in PLATFORM_LABELS:
            errors["platform"] = "ソーシャルメディアの場合は、プラットフォームを選んでください。"
        elif data.kind != ServiceKind.social_media and platform is not None:
            errors["platform"] = "プラットフォームは、種類がソーシャルメディアの場合にだけ選びます。"
        if data.ismap != IsmapRegistration.none and not data.ismap_number.strip():
            errors["ismap_number"] = "ISMAPまたはISMAP-LIUに登録されている場合は、登録番号を入力してください。"
        if data.ismap == IsmapRegistration.none and (data.ismap_number.strip() or data.ismap_valid_until):
            errors["ismap"] = "登録番号・有効期限を入力する場合は、ISMAPまたはISMAP-LIUを選んでください。"
        problem = level_problem(scheme, data.max_confidentiality)
        if problem:
            errors["max_confidentiality"] = problem
        if data.contractor_id is not None and not await Contractor.exists().where(Contractor.id == data.contractor_id):
            errors["contractor_id"] = "提供者には登録済みの委託事業者を選んでください。"
        if data.engagement_id is not None and not await Engagement.exists().where(Engagement.id == data.engagement_id):
            errors["engagement_id"] = "委託業務が見つかりません。"
        if data.contract_id is not None:
            contract = await Contract.select(Contract.engagement).where(Contract.id == data.contract_id).first()
            if contract is None:
                errors["contract_id"] = "契約が見つかりません。"
            elif data.engagement_id is not None and contract["engagement"] != data.engagement_id:
                errors["contract_id"] = "契約は、選んだ委託業務の契約を指定してください。"
        if errors:
            raise ValidationError(errors)
        values = {f: getattr(data, f) for f in _FIELDS}
        for f, v in values.items():
            if isinstance(v, str):
                values[f] = v.strip()
        values.update(
            platform=platform, scheme=scheme, regime=regime_for(scheme, data.max_confidentiality).regime,
            contractor=data.contractor_id, engagement=data.engagement_id, contract=data.contract_id,
        )  # fmt: skip
        return values

    async def create(
        self, data: schemas.ServiceCreate, *, scheme: str, actor: Actor, now: dt.datetime | None = None
    ) -> int:
        """Register a service (not yet approved); the regime follows its highest classification.

        Raises:
            ValidationError: invalid registry data.
        """
        now = now or dt.datetime.now(dt.UTC)
        async with write_transaction():
            values = await self._columns(data, scheme)
            await _ensure_own_engagement(data.engagement_id, actor)
            row = (
                await ExternalService.insert(
                    ExternalService(**values, status=ServiceStatus.registered, created_by=actor.id,
                                    created_at=now, updated_at=now)
                ).returning(ExternalService.id)
            )[0]  # fmt: skip
            await audit_service(
                self.audit, "external_service.created", {"id": row["id"], "name": values["name"]}, actor, now,
                after=_snapshot(values),
            )  # fmt: skip
        return row["id"]

    @staticmethod
    def _may_edit(row: dict[str, Any], actor: Actor) -> None:
        if actor.has_any(Role.security_officer) or actor.id == row["administrator"]:
            return
        if row["status"] == ServiceStatus.registered and row["created_by"] == actor.id:
            return
        raise PermissionDeniedError(
            "台帳の内容を変更できるのは、情報セキュリティ担当者、このサービスの外部サービス管理者、"
            "または承認前のサービスを登録した職員です。"
        )

    async def update(
        self, service_id: int, data: schemas.ServiceUpdate, *, scheme: str, actor: Actor, now: dt.datetime | None = None
    ) -> None:
        """Change a service's registry data; a new terms-of-use version asks every using department to re-confirm.

        Raises:
            NotFoundError: no such service.
            PermissionDeniedError: the actor may not change it.
            ConflictError: the service has ended.
            ValidationError: invalid registry data.
        """
        now = now or dt.datetime.now(dt.UTC)
        async with write_transaction():
            row = await locked_service(service_id)
            self._may_edit(row, actor)
            _refuse_ended(row)
            values = await self._columns(data, scheme)
            await _ensure_own_engagement(data.engagement_id, actor)
            before = {k: row[k] for k in values if row.get(k) != values[k]}
            after = {k: values[k] for k in before}
            if not after:
                return
            await ExternalService.update({**values, "updated_at": now}).where(ExternalService.id == service_id)
            await audit_service(
                self.audit, "external_service.updated", row, actor, now, before=_snapshot(before),
                after=_snapshot(after),
            )  # fmt: skip
            if "terms_version" in after and values["terms_version"]:
                await self._terms_changed(
                    row, values["terms_version"], values["terms_reviewed_on"] or now.date(), "", actor, now
                )

    async def record_terms_change(
        self, service_id: int, data: schemas.TermsChangeIn, *, actor: Actor, now: dt.datetime | None = None
    ) -> int:
        """Record a new version of the provider's terms of use; every using department is asked to re-confirm.

        Raises:
            NotFoundError: no such service.
            PermissionDeniedError: neither its administrator nor a security officer.
            ConflictError: the service has ended.
            ValidationError: the same version as now.
        """
        now = now or dt.datetime.now(dt.UTC)
        async with write_transaction():
            row = await locked_service(service_id)
            if not (actor.has_any(Role.security_officer) or actor.id == row["administrator"]):
                raise PermissionDeniedError(
                    "利用規約の変更は、このサービスの外部サービス管理者または情報セキュリティ担当者が記録します。"
                )
            _refuse_ended(row)
            version = data.terms_version.strip()
            if version == row["terms_version"]:
                raise ValidationError({"terms_version": "現在の版と同じです。新しい利用規約の版を入力してください。"})
            await ExternalService.update(
                {ExternalService.terms_version: version, ExternalService.terms_reviewed_on: data.changed_on,
                 ExternalService.updated_at: now}
            ).where(ExternalService.id == service_id)  # fmt: skip
            return await self._terms_changed(row, version, data.changed_on, data.note.strip(), actor, now)

    async def _terms_changed(
        self, row: dict[str, Any], version: str, changed_on: dt.date, note: str, actor: Actor, now: dt.datetime
    ) -> int:
        record_id = (
            await ServiceRecord.insert(
                ServiceRecord(service=row["id"], kind=RecordKind.terms_change, performed_on=changed_on,
                              terms_version=version, note=note, recorded_by=actor.id, recorded_at=now)
            ).returning(ServiceRecord.id)
        )[0]["id"]  # fmt: skip
        usages = await ServiceUsage.select(ServiceUsage.id, ServiceUsage.department.name.as_alias("name")).where(
            ServiceUsage.service == row["id"], ServiceUsage.active.eq(True)
        )
        if usages:
            await ServiceUsage.update(
                {ServiceUsage.reconfirm_requested_at: now, ServiceUsage.reconfirmed_at: None,
                 ServiceUsage.reconfirmed_by: None, ServiceUsage.updated_at: now}
            ).where(ServiceUsage.id.is_in([u["id"] for u in usages]))  # fmt: skip
        await audit_service(
            self.audit, "external_service.terms_changed", row, actor, now,
            before={"terms_version": row["terms_version"]},
            after={"terms_version": version, "changed_on": changed_on.isoformat(), "note": note,
                   "reconfirmation_requested": [u["name"] for u in usages]},
        )  # fmt: skip
        return record_id


def _refuse_ended(row: dict[str, Any]) -> None:
    if row["status"] == ServiceStatus.ended:
        raise ConflictError("利用終了したサービスは変更できません。")


def _snapshot(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in values.items()}


async def _ensure_own_engagement(engagement_id: int | None, actor: Actor) -> None:
    """A department user links a service only to their own department's engagement (need-to-know).

    Raises:
        ValidationError: on ``engagement_id``.
    """
    if engagement_id is None or not is_department_scoped(actor.roles):
        return
    row = await Engagement.select(Engagement.department).where(Engagement.id == engagement_id).first()
    if row is not None and row["department"] != actor.department_id:
        raise ValidationError({"engagement_id": "ご自身の所属の委託業務を選んでください。"})
