"""Takeover and impersonation incidents, walked through their response steps (SNS-11, SNS-12)."""

from __future__ import annotations

import datetime as dt

from governance.actor import Actor
from governance.audit.services import AuditService
from governance.calendar import TOKYO
from governance.db import for_update, write_transaction
from governance.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from governance.social import schemas
from governance.social.incidents import INCIDENT_KIND_LABELS, progress, step
from governance.social.services._common import INCIDENT_ROLES, audit_account, locked_account
from governance.social.tables import SocialIncident, SocialIncidentStep
from governance.social.url import AccountRefError, parse_profile


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.UTC)


def _ensure_role(actor: Actor) -> None:
    if not actor.has_any(*INCIDENT_ROLES):
        raise PermissionDeniedError("事案を記録できるのは、広報担当、所管課の職員、情報セキュリティ担当者です。")


class IncidentService:
    """Incidents and the steps done, each with who and when; the incident closes when every step is done."""

    def __init__(self, audit: AuditService | None = None) -> None:
        self.audit = audit or AuditService()

    async def create(
        self, account_id: int, data: schemas.IncidentCreate, *, actor: Actor, now: dt.datetime | None = None
    ) -> int:
        """Record a takeover or impersonation of an account.

        Raises:
            NotFoundError: no such account.
            PermissionDeniedError: the actor may not record incidents.
            ValidationError: unknown kind, a detection in the future, or an unreadable fake account URL.
        """
        now = _now(now)
        _ensure_role(actor)
        errors: dict[str, str] = {}
        if data.kind not in INCIDENT_KIND_LABELS:
            errors["kind"] = "種類を選んでください。"
        time = dt.time.fromisoformat(data.detected_time) if data.detected_time else dt.time(0, 0)
        detected = dt.datetime.combine(data.detected_on, time, tzinfo=TOKYO)
        if detected > now + dt.timedelta(minutes=5):
            errors["detected_on"] = "発見日時に未来の日時は入力できません。"
        fake = data.fake_account_url.strip()
        if fake:
            try:
                fake = parse_profile(fake).url
            except AccountRefError as exc:
                errors["fake_account_url"] = exc.message
        if errors:
            raise ValidationError(errors)
        async with write_transaction():
            row = await locked_account(account_id)
            values = {"kind": data.kind, "detected_at": detected, "summary": data.summary.strip(),
                      "fake_account_url": fake}  # fmt: skip
            new = await SocialIncident.insert(
                SocialIncident(account=account_id, **values, reported_by=actor.id, reported_by_label=actor.label,
                               created_at=now)
            ).returning(SocialIncident.id)  # fmt: skip
            await audit_account(self.audit, "social_incident.created", row, actor, now,
                                after={**values, "incident_id": new[0]["id"]})  # fmt: skip
        return new[0]["id"]

    async def record_step(
        self, account_id: int, incident_id: int, data: schemas.StepRecord, *, actor: Actor,
        now: dt.datetime | None = None,
    ) -> bool:  # fmt: skip
        """Record a response step as done by the actor now; close the incident when it was the last one.

        Returns:
            Whether the incident is now closed.

        Raises:
            NotFoundError: no such account or incident.
            PermissionDeniedError: the actor may not record incidents.
            ValidationError: a step the incident's kind does not have.
            ConflictError: the step was already recorded, or the incident is closed.
        """
        now = _now(now)
        _ensure_role(actor)
        async with write_transaction():
            row = await locked_account(account_id)
            incident = await for_update(
                SocialIncident.select().where(SocialIncident.id == incident_id, SocialIncident.account == account_id)
            ).first()
            if incident is None:
                raise NotFoundError("事案", incident_id)
            the_step = step(incident["kind"], data.step)
            if the_step is None:
                raise ValidationError({"step": "この事案の対応から選んでください。"})
            if incident["closed_at"] is not None:
                raise ConflictError("この事案は対応を完了しています。")
            done = {
                r["step"]
                for r in await SocialIncidentStep.select(SocialIncidentStep.step).where(
                    SocialIncidentStep.incident == incident_id
                )
            }
            if data.step in done:
                raise ConflictError(f"「{the_step.label}」は既に記録されています。")
            await SocialIncidentStep.insert(
                SocialIncidentStep(incident=incident_id, step=data.step, done_at=now, done_by=actor.id,
                                   done_by_label=actor.label, note=data.note.strip())
            )  # fmt: skip
            closed = progress(incident["kind"], done | {data.step}).complete
            if closed:
                await SocialIncident.update({SocialIncident.closed_at: now}).where(SocialIncident.id == incident_id)
            await audit_account(
                self.audit, "social_incident.step_done", row, actor, now,
                after={"incident_id": incident_id, "step": data.step, "label": the_step.label,
                       "note": data.note.strip(), "closed": closed},
            )  # fmt: skip
        return closed
