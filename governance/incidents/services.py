"""Incident use cases: open, change facts (recomputing the decision), record steps, close; and the reads.

Roles: department staff (and PR staff for SNS accounts) open incidents and record steps of their department; the
security office (情報セキュリティ担当者, 統括情報セキュリティ責任者, CISO) decides: it records the statutory steps
(委員会への速報・確報, 本人への通知) and the contract measures it alone may take, and closes incidents; auditors read.
Every change is one write transaction with its audit entry; a change of facts also writes ``incident_fact_change``
with the facts and the decision (``rules.assess``) before and after.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from governance.accounts.roles import Role, is_department_scoped
from governance.actor import Actor
from governance.audit.services import AuditService
from governance.calendar import TOKYO, today_tokyo
from governance.db import locked_row, write_transaction
from governance.errors import ConflictError, PermissionDeniedError, ValidationError
from governance.incidents import rules, steps
from governance.incidents.schemas import IncidentOpen
from governance.incidents.tables import Incident, IncidentFactChange, IncidentStatus, IncidentStep, StepStatus
from governance.scoping import ensure_own_department

RECORD_ROLES: frozenset[str] = frozenset({Role.department_staff, Role.pr_staff, Role.security_officer})
"""Who opens incidents and records their steps (scoped users: their own department's)."""
DECIDE_ROLES: frozenset[str] = frozenset({Role.security_officer})
"""Who records the statutory steps and the security office's contract measures, and closes incidents."""
READ_ROLES: frozenset[str] = RECORD_ROLES | {Role.auditor, Role.procurement}
MAY_RECORD = "事故・インシデントを記録できるのは、所管課の職員、広報担当、情報セキュリティ担当者です。"

FACT_FIELDS = (
    "title", "summary", "occurred_at", "discovered_at", "personal_info", "sensitive_info", "ordinance_sensitive_info",
    "specific_personal_info", "people_min", "people_max", "unauthorised_purpose", "property_damage", "containment",
    "fake_account_url",
)  # fmt: skip
FACT_LABELS = {
    "title": "件名", "summary": "概要", "occurred_at": "発生日時", "discovered_at": "発覚日時",
    "personal_info": "個人情報", "sensitive_info": "要配慮個人情報", "ordinance_sensitive_info": "条例要配慮個人情報",
    "specific_personal_info": "特定個人情報", "people_min": "人数（下限）", "people_max": "人数（上限）",
    "unauthorised_purpose": "不正の目的のおそれ", "property_damage": "財産的被害のおそれ",
    "containment": "封じ込めの措置", "fake_account_url": "なりすましアカウントのURL",
}  # fmt: skip


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.UTC)


def loaded(value: Any) -> Any:
    """A JSON column's value as Python (Piccolo returns text on some engines)."""
    return json.loads(value) if isinstance(value, str) else (value or {})


def plain(value: Any) -> Any:
    """A fact as JSON (instants in ISO form)."""
    return value.isoformat() if isinstance(value, dt.datetime | dt.date) else value


def at_tokyo(day: dt.date, time_text: str) -> dt.datetime:
    """A Tokyo date and optional ``HH:MM`` as an aware instant."""
    time = dt.time.fromisoformat(time_text) if time_text else dt.time(0, 0)
    return dt.datetime.combine(day, time, tzinfo=TOKYO)


def _ensure(actor: Actor, roles: frozenset[str], message: str) -> None:
    if actor.id is not None and not actor.has_any(*roles):
        raise PermissionDeniedError(message)


def _ensure_department(actor: Actor, department_id: int) -> None:
    if actor.id is not None and is_department_scoped(actor.roles) and actor.department_id != department_id:
        raise PermissionDeniedError("所属が異なるため、この事故・インシデントは変更できません。")


def check_facts(facts: dict[str, Any], now: dt.datetime) -> None:
    """Refuse facts that cannot be true together.

    Raises:
        ValidationError: a discovery in the future, an occurrence after the discovery, a range upside down.
    """
    errors: dict[str, str] = {}
    discovered, occurred = facts.get("discovered_at"), facts.get("occurred_at")
    if discovered and discovered > now + dt.timedelta(minutes=5):
        errors["discovered_on"] = "発覚日時に未来の日時は入力できません。"
    if occurred and discovered and occurred > discovered:
        errors["occurred_on"] = "発生日時は発覚日時より前にしてください。"
    low, high = facts.get("people_min"), facts.get("people_max")
    if high is not None and low is None:
        errors["people_min"] = "人数の範囲を入力するときは、下限も入力してください。"
    elif high is not None and low is not None and high < low:
        errors["people_max"] = "人数の上限は下限以上にしてください。"
    if not str(facts.get("title", "x")).strip():
        errors["title"] = "件名を入力してください。"
    if errors:
        raise ValidationError(errors)


def assessment_of(row: dict[str, Any]) -> dict[str, Any]:
    """The decision on a row's facts (rules.assess), as stored."""
    return rules.assess(rules.facts_of(row)).to_json()


async def _entries(incident_id: int) -> list[dict[str, Any]]:
    return await IncidentStep.select().where(IncidentStep.incident == incident_id).order_by(IncidentStep.id)


async def _check_links(data: IncidentOpen) -> None:
    """Refuse a department, engagement, external service or SNS account that does not exist.

    Raises:
        ValidationError: on the field naming the missing record.
    """
    from governance.accounts.tables import Department
    from governance.engagements.tables import Engagement
    from governance.external.tables import ExternalService
    from governance.social.tables import SocialAccount

    errors = {}
    for name, table, value, what in (
        ("department_id", Department, data.department_id, "所管課"),
        ("engagement_id", Engagement, data.engagement_id, "委託業務"),
        ("external_service_id", ExternalService, data.external_service_id, "外部サービス"),
        ("social_account_id", SocialAccount, data.social_account_id, "SNSアカウント"),
    ):
        if value is not None and not await table.exists().where(table.id == value):
            errors[name] = f"その番号の{what}はありません。"
    if errors:
        raise ValidationError(errors)


class IncidentService:
    """The incident workflow (open → facts as known → steps → close), each change audited."""

    def __init__(self, audit: AuditService | None = None) -> None:
        self.audit = audit or AuditService()

    async def _audit(self, action: str, row: dict[str, Any], actor: Actor, now: dt.datetime, **kw: Any) -> None:
        await self.audit.record(action, actor=actor, target_type="incident", target_id=row["id"],
                                target_label=row["title"], now=now, **kw)  # fmt: skip

    async def open(
        self, data: IncidentOpen, *, actor: Actor, now: dt.datetime | None = None, source: str = "staff",
        report: dict[str, Any] | None = None,
    ) -> int:  # fmt: skip
        """Open an incident with the facts known now; the decision is computed at once.

        ``report`` (the contractor's 第一報 as sent) is audited with the opening when the incident came from a link.

        Raises:
            PermissionDeniedError: the actor may not record incidents.
            ValidationError: facts that cannot be true, or another department for a scoped user.
        """
        now = _now(now)
        _ensure(actor, RECORD_ROLES, MAY_RECORD)
        ensure_own_department(actor, data.department_id)
        facts: dict[str, Any] = {f: getattr(data, f) for f in FACT_FIELDS if hasattr(data, f)}
        facts["title"] = data.title.strip()
        facts["discovered_at"] = at_tokyo(data.discovered_on, data.discovered_time)
        facts["occurred_at"] = at_tokyo(data.occurred_on, data.occurred_time) if data.occurred_on else None
        check_facts(facts, now)
        await _check_links(data)
        row = {**facts, "kind": data.kind}
        assessment = assessment_of(row)
        async with write_transaction():
            new = await Incident.insert(
                Incident(
                    **facts, kind=data.kind, department=data.department_id, engagement=data.engagement_id,
                    external_service=data.external_service_id, social_account=data.social_account_id, source=source,
                    report_required=assessment["report_required"], assessment=assessment, reported_by=actor.id,
                    reported_by_label=actor.label[:200], created_at=now, updated_at=now,
                )
            ).returning(Incident.id)  # fmt: skip
            row = {"id": new[0]["id"], "title": facts["title"]}
            after = {**{k: plain(v) for k, v in facts.items()}, "kind": data.kind, "source": source,
                     "department_id": data.department_id, "report_required": assessment["report_required"]}  # fmt: skip
            if report is not None:
                after["report"] = report
            await self._audit("incident.opened", row, actor, now, after=after)
        return new[0]["id"]

    async def update_facts(
        self, incident_id: int, changes: dict[str, Any], *, actor: Actor, now: dt.datetime | None = None, note: str = ""
    ) -> bool:
        """Change facts as they become known; recompute the decision and record the change with both decisions.

        Returns:
            Whether anything changed (the same facts again write nothing).

        Raises:
            NotFoundError, PermissionDeniedError, ValidationError, ConflictError (a closed incident).
        """
        now = _now(now)
        _ensure(actor, RECORD_ROLES, MAY_RECORD)
        unknown = set(changes) - set(FACT_FIELDS)
        if unknown:
            raise ValidationError({sorted(unknown)[0]: "変更できない項目です。"})
        async with write_transaction():
            row = await locked_row(Incident, incident_id, "事故・インシデント")
            _ensure_department(actor, row["department"])
            if row["status"] == IncidentStatus.closed:
                raise ConflictError("この事故・インシデントは完了しています。")
            changed = {k: v for k, v in changes.items() if row[k] != v}
            if not changed:
                return False
            new_row = {**row, **changed}
            check_facts(new_row, now)
            before_assessment = loaded(row["assessment"])
            after_assessment = assessment_of(new_row)
            await Incident.update(
                {**{getattr(Incident, k): v for k, v in changed.items()}, Incident.updated_at: now,
                 Incident.report_required: after_assessment["report_required"],
                 Incident.assessment: after_assessment}
            ).where(Incident.id == incident_id)  # fmt: skip
            before = {k: plain(row[k]) for k in changed}
            after = {k: plain(v) for k, v in changed.items()}
            await IncidentFactChange.insert(
                IncidentFactChange(
                    incident=incident_id, changed_at=now, changed_by=actor.id, changed_by_label=actor.label[:200],
                    before=before, after=after, assessment_before=before_assessment,
                    assessment_after=after_assessment, note=note.strip(),
                )
            )  # fmt: skip
            decision = steps.decision_changes(before_assessment, after_assessment)
            await self._audit("incident.facts_changed", row, actor, now, before=before,
                              after={**after, "decision_changes": decision, "note": note.strip()})  # fmt: skip
        return True

    async def record_step(
        self, incident_id: int, step: str, *, actor: Actor, now: dt.datetime | None = None, status: str = "done",
        note: str = "", evidence_file_id: int | None = None, done_on: dt.date | None = None,
        measure_id: int | None = None,
    ) -> int:  # fmt: skip
        """Add an entry on a step (a later entry supersedes an earlier one; nothing is deleted).

        Raises:
            NotFoundError, PermissionDeniedError (a step for the security office), ValidationError (unknown step,
            not applicable without its reason, a day in the future), ConflictError (a closed incident).
        """
        now = _now(now)
        _ensure(actor, RECORD_ROLES, "対応を記録できるのは、所管課の職員、広報担当、情報セキュリティ担当者です。")
        if status not in (StepStatus.done, StepStatus.not_applicable):
            raise ValidationError({"status": "「実施済み」か「該当なし」を選んでください。"})
        if status == StepStatus.not_applicable and not note.strip():
            raise ValidationError({"note": "該当なしとする理由を入力してください。"})
        if done_on is not None and done_on > today_tokyo(now):
            raise ValidationError({"done_on": "実施日に未来の日付は入力できません。"})
        async with write_transaction():
            row = await locked_row(Incident, incident_id, "事故・インシデント")
            _ensure_department(actor, row["department"])
            if row["status"] == IncidentStatus.closed:
                raise ConflictError("この事故・インシデントは完了しています。")
            engagement = row["engagement"] is not None
            the_step = steps.find(row["kind"], loaded(row["assessment"]), step, engagement=engagement)
            if the_step is None:
                raise ValidationError({"step": "この事故・インシデントの対応から選んでください。"})
            if the_step.officer:
                _ensure(actor, DECIDE_ROLES, f"「{the_step.label}」を記録できるのは、情報セキュリティ担当者です。")
            if evidence_file_id is not None:
                from governance.files.tables import StoredFile

                if not await StoredFile.exists().where(StoredFile.id == evidence_file_id):
                    raise ValidationError({"evidence_file_id": "その番号のファイルはありません。"})
            if measure_id is not None:
                from governance.verification.tables import Measure

                if not await Measure.exists().where(Measure.id == measure_id):
                    raise ValidationError({"measure_id": "その番号の措置はありません。"})
            new = await IncidentStep.insert(
                IncidentStep(
                    incident=incident_id, step=step, status=status, done_at=now, done_on=done_on, done_by=actor.id,
                    done_by_label=actor.label[:200], note=note.strip(), evidence=evidence_file_id,
                    measure_id=measure_id,
                )
            ).returning(IncidentStep.id)  # fmt: skip
            await Incident.update({Incident.updated_at: now}).where(Incident.id == incident_id)
            await self._audit(
                "incident.step_recorded", row, actor, now,
                after={"step": step, "label": the_step.label, "status": status, "note": note.strip(),
                       "evidence_file_id": evidence_file_id, "done_on": plain(done_on), "measure_id": measure_id},
            )  # fmt: skip
        return new[0]["id"]

    async def close(self, incident_id: int, *, actor: Actor, now: dt.datetime | None = None, note: str) -> None:
        """Close an incident: every required step done (or not applicable with its reason), with evidence where asked.

        Raises:
            NotFoundError, PermissionDeniedError (only the security office closes), ValidationError (no note),
            ConflictError (closed already, or steps missing: each named).
        """
        now = _now(now)
        _ensure(actor, DECIDE_ROLES, "事故・インシデントを完了とするのは、情報セキュリティ担当者です。")
        if not note.strip():
            raise ValidationError({"note": "完了の所見を入力してください。"})
        async with write_transaction():
            row = await locked_row(Incident, incident_id, "事故・インシデント")
            if row["status"] == IncidentStatus.closed:
                raise ConflictError("この事故・インシデントは既に完了しています。")
            needed = steps.required(row["kind"], loaded(row["assessment"]), engagement=row["engagement"] is not None)
            missing = steps.missing(needed, steps.latest(await _entries(incident_id)))
            if missing:
                raise ConflictError("完了にできません。" + "、".join(missing) + "。")
            await Incident.update(
                {Incident.status: IncidentStatus.closed, Incident.closed_at: now, Incident.closed_by: actor.id,
                 Incident.closing_note: note.strip(), Incident.updated_at: now}
            ).where(Incident.id == incident_id)  # fmt: skip
            await self._audit("incident.closed", row, actor, now, after={"note": note.strip()})


@dataclass(frozen=True)
class IncidentQuery:
    """The filters of the incident list (department is the scoped one, see web.scope.listing_department)."""

    department_id: int | None = None
    kind: str = ""
    status: str = ""
    page: int = 1
    per_page: int = 50
