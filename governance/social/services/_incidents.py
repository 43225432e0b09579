"""Takeover and impersonation incidents, walked through their response steps (SNS-11, SNS-12).

They are kinds of the one incident record (``governance.incidents.tables``: kind ``sns_takeover`` /
``sns_impersonation``, linked to the account, in the account's department); the former ``social_incident`` tables
are kept read-only after their data migration (2026-12-05T14:40). An SNS incident still closes itself when its last
step is done, and each step is recorded once.
"""

from __future__ import annotations

import datetime as dt

from governance.actor import Actor
from governance.audit.services import AuditService
from governance.calendar import TOKYO
from governance.db import for_update, write_transaction
from governance.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from governance.incidents.services import assessment_of
from governance.incidents.tables import Incident, IncidentSource, IncidentStatus, IncidentStep, StepStatus
from governance.social import schemas
from governance.social.incidents import INCIDENT_KIND_LABELS, RECORD_KINDS, SOCIAL_KINDS, incident_title, progress, step
from governance.social.services._common import INCIDENT_ROLES, audit_account, locked_account
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
        # the facts an SNS incident records name no personal data: the rules decide on them all the same
        assessment = assessment_of({"kind": RECORD_KINDS[data.kind], "discovered_at": detected})
        async with write_transaction():
            row = await locked_account(account_id)
            values = {"kind": data.kind, "detected_at": detected, "summary": data.summary.strip(),
                      "fake_account_url": fake}  # fmt: skip
            new = await Incident.insert(
                Incident(
                    kind=RECORD_KINDS[data.kind], title=incident_title(row["display_name"], data.kind),
                    department=row["department"], social_account=account_id, status=IncidentStatus.open,
                    source=IncidentSource.staff, discovered_at=detected, summary=values["summary"],
                    fake_account_url=fake, report_required=assessment["report_required"], assessment=assessment,
                    reported_by=actor.id, reported_by_label=actor.label, created_at=now,
                    updated_at=now,
                )
            ).returning(Incident.id)  # fmt: skip
            await audit_account(self.audit, "social_incident.created", row, actor, now,
                                after={**values, "incident_id": new[0]["id"]})  # fmt: skip
        return new[0]["id"]

    async def record_step(
        self, account_id: int, incident_id: int, data: schemas.StepRecord, *, actor: Actor,
        now: dt.datetime | None = None,
    ) -> bool:  # fmt: skip
        """Record a response step as done by the actor now; close the incident when it was the last one.

        An incident whose facts make a report to the 委員会 required stays open after its last SNS step: it is
        closed on the incident page, where the statutory steps (速報, 確報, 本人通知) are required.

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
                Incident.select().where(
                    Incident.id == incident_id, Incident.social_account == account_id,
                    Incident.kind.is_in(list(SOCIAL_KINDS)),
                )
            ).first()  # fmt: skip
            if incident is None:
                raise NotFoundError("事案", incident_id)
            kind = SOCIAL_KINDS[incident["kind"]]
            the_step = step(kind, data.step)
            if the_step is None:
                raise ValidationError({"step": "この事案の対応から選んでください。"})
            if incident["status"] == IncidentStatus.closed:
                raise ConflictError("この事案は対応を完了しています。")
            done = {
                r["step"]
                for r in await IncidentStep.select(IncidentStep.step).where(
                    IncidentStep.incident == incident_id, IncidentStep.status == StepStatus.done
                )
            }
            if data.step in done:
                raise ConflictError(f"「{the_step.label}」は既に記録されています。")
            await IncidentStep.insert(
                IncidentStep(incident=incident_id, step=data.step, status=StepStatus.done, done_at=now,
                             done_by=actor.id, done_by_label=actor.label, note=data.note.strip(), created_at=now)
            )  # fmt: skip
            # Where the facts recorded since make a report to the 委員会 required, the SNS steps are not enough:
            # the incident then closes through the incident page, which asks for the statutory steps too.
            closed = progress(kind, done | {data.step}).complete and not incident["report_required"]
            changes = {Incident.updated_at: now}
            if closed:
                changes |= {
                    Incident.status: IncidentStatus.closed,
                    Incident.closed_at: now,
                    Incident.closed_by: actor.id,
                }
            await Incident.update(changes).where(Incident.id == incident_id)
            await audit_account(
                self.audit, "social_incident.step_done", row, actor, now,
                after={"incident_id": incident_id, "step": data.step, "label": the_step.label,
                       "note": data.note.strip(), "closed": closed},
            )  # fmt: skip
        return closed
