"""Reads of incidents: the list (open first, nearest open deadline first), one incident with its clock, exports."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

from governance.calendar import today_tokyo
from governance.errors import NotFoundError
from governance.incidents import schemas, steps
from governance.incidents.services import IncidentQuery, loaded
from governance.incidents.tables import Incident, IncidentFactChange, IncidentStep, StepStatus


def open_deadlines(row: dict[str, Any], current: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The deadlines of an open incident whose step has no entry yet (done or not applicable ends a deadline)."""
    if row["status"] != "open":
        return []
    return [d for d in steps.deadlines_of(loaded(row["assessment"])) if d["key"] not in current]


def nearest(deadlines: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The deadline due first (one without a fixed day — 速やかに — counts as due now)."""
    if not deadlines:
        return None
    return min(deadlines, key=lambda d: d["due"] or "")


async def current_steps(incident_ids: list[int]) -> dict[int, dict[str, dict[str, Any]]]:
    """The latest entry per step of each incident."""
    if not incident_ids:
        return {}
    rows = await IncidentStep.select().where(IncidentStep.incident.is_in(incident_ids))
    out: dict[int, list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault(r["incident"], []).append(r)
    return {i: steps.latest(out.get(i, [])) for i in incident_ids}


def _select() -> Any:
    return Incident.select(Incident.all_columns(), Incident.department.name.as_alias("department_name"))


async def _rows(query: IncidentQuery) -> list[dict[str, Any]]:
    select = _select()
    if query.department_id is not None:
        select = select.where(Incident.department == query.department_id)
    if query.kind:
        select = select.where(Incident.kind == query.kind)
    if query.status:
        select = select.where(Incident.status == query.status)
    rows = await select
    current = await current_steps([r["id"] for r in rows])
    for r in rows:
        d = nearest(open_deadlines(r, current[r["id"]]))
        r["next_deadline"] = dt.date.fromisoformat(d["due"]) if d and d["due"] else None
        r["next_deadline_label"] = d["label"] if d else ""
        r["next_deadline_now"] = d is not None and d["due"] is None
    # open first; then the nearest deadline (速やかに first), then the newest discovery
    rows.sort(key=lambda r: (r["status"] != "open", not r["next_deadline_now"], r["next_deadline"] or dt.date.max,
                             -r["discovered_at"].timestamp()))  # fmt: skip
    return rows


def _summary(r: dict[str, Any]) -> schemas.IncidentSummary:
    return schemas.IncidentSummary(
        id=r["id"], kind=r["kind"], kind_label=schemas.KIND_LABELS.get(r["kind"], r["kind"]), title=r["title"],
        department_id=r["department"], department_name=r["department_name"] or "", status=r["status"],
        discovered_at=r["discovered_at"], report_required=r["report_required"], next_deadline=r["next_deadline"],
        next_deadline_label=r["next_deadline_label"],
    )  # fmt: skip


async def list_incidents(query: IncidentQuery) -> schemas.IncidentPage:
    """A page of incidents, open first and the nearest open deadline first."""
    rows = await _rows(query)
    start = (query.page - 1) * query.per_page
    return schemas.IncidentPage(items=[_summary(r) for r in rows[start : start + query.per_page]], total=len(rows),
                                page=query.page, per_page=query.per_page)  # fmt: skip


async def export_rows(query: IncidentQuery) -> AsyncIterator[dict[str, Any]]:
    """Every matching incident as an export row, in the list's order."""
    for r in await _rows(query):
        yield {
            **r, "kind_label": schemas.KIND_LABELS.get(r["kind"], r["kind"]),
            "status_label": schemas.STATUS_LABELS.get(r["status"], r["status"]),
            "report_required_label": "必要" if r["report_required"] else "不要",
            "people": _people(r["people_min"], r["people_max"]),
        }  # fmt: skip


def _people(low: int | None, high: int | None) -> str:
    if low is None:
        return "不明"
    return f"{low}人" if high is None or high == low else f"{low}〜{high}人"


async def get_incident(incident_id: int, *, today: dt.date | None = None) -> schemas.Incident:
    """One incident with its clock (days since discovery, each deadline and the days left), steps and history.

    Raises:
        NotFoundError: no such incident.
    """
    r = await _select().where(Incident.id == incident_id).first()
    if r is None:
        raise NotFoundError("事故・インシデント", incident_id)
    today = today or today_tokyo()
    assessment = loaded(r["assessment"])
    entries = await IncidentStep.select().where(IncidentStep.incident == incident_id).order_by(IncidentStep.id)
    current = steps.latest(entries)
    engagement = r["engagement"] is not None
    catalogue = steps.catalogue(r["kind"], assessment, engagement=engagement)
    needed = {s.key for s in steps.required(r["kind"], assessment, engagement=engagement)}
    labels = {s.key: s.label for s in catalogue}
    deadlines = []
    for d in steps.deadlines_of(assessment):
        due = dt.date.fromisoformat(d["due"]) if d.get("due") else None
        deadlines.append(schemas.Deadline(
            key=d["key"], label=d["label"], due=due, note=d.get("note", ""), citation=d.get("citation", ""),
            done=d["key"] in current, days_left=(due - today).days if due else None,
        ))  # fmt: skip
    history = await IncidentFactChange.select(
        IncidentFactChange.all_columns()
    ).where(IncidentFactChange.incident == incident_id).order_by(IncidentFactChange.id, ascending=False)  # fmt: skip
    discovered = r["discovered_at"].astimezone(dt.timezone(dt.timedelta(hours=9))).date()
    return schemas.Incident(
        id=r["id"], kind=r["kind"], kind_label=schemas.KIND_LABELS.get(r["kind"], r["kind"]), title=r["title"],
        department_id=r["department"], department_name=r["department_name"] or "", engagement_id=r["engagement"],
        external_service_id=r["external_service"], social_account_id=r["social_account"], status=r["status"],
        source=r["source"], occurred_at=r["occurred_at"], discovered_at=r["discovered_at"],
        days_since_discovery=(today - discovered).days, summary=r["summary"], personal_info=r["personal_info"],
        sensitive_info=r["sensitive_info"], ordinance_sensitive_info=r["ordinance_sensitive_info"],
        specific_personal_info=r["specific_personal_info"], people_min=r["people_min"], people_max=r["people_max"],
        unauthorised_purpose=r["unauthorised_purpose"], property_damage=r["property_damage"],
        containment=r["containment"], fake_account_url=r["fake_account_url"], report_required=r["report_required"],
        reasons=[schemas.Reason(code=x["code"], text=x["text"], citation=x["citation"])
                 for x in assessment.get("reasons", [])],
        deadlines=deadlines,
        steps=[schemas.StepState(key=s.key, label=s.label, group=s.group, required=s.key in needed,
                                 evidence_required=s.evidence, status=current.get(s.key, {}).get("status"),
                                 evidence_file_id=current.get(s.key, {}).get("evidence")) for s in catalogue],
        entries=[schemas.StepEntry(id=e["id"], step=e["step"], label=labels.get(e["step"], e["step"]),
                                   status=e["status"], done_at=e["done_at"], done_on=e["done_on"],
                                   done_by=e["done_by_label"], note=e["note"], evidence_file_id=e["evidence"],
                                   measure_id=e["measure_id"]) for e in entries],
        history=[schemas.FactChange(changed_at=h["changed_at"], changed_by=h["changed_by_label"],
                                    before=loaded(h["before"]), after=loaded(h["after"]),
                                    decision_changes=steps.decision_changes(loaded(h["assessment_before"]),
                                                                            loaded(h["assessment_after"])),
                                    note=h["note"]) for h in history],
        closed_at=r["closed_at"], closing_note=r["closing_note"],
        missing_to_close=steps.missing([s for s in catalogue if s.key in needed], current)
        if r["status"] == "open" else [],
    )  # fmt: skip


STEP_DONE = StepStatus.done
