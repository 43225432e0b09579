"""Whether a leak must be reported to the 個人情報保護委員会, why, and by when (pure: no database, no web).

Work in progress (interface first): the citations and periods below are being checked against the stored texts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from governance.calendar import TOKYO

# A "more than N people" test (規則第43条第5号; 特定個人情報 規則第2条第4号) — to be verified.
PEOPLE_THRESHOLD = 100
FINAL_REPORT_DAYS = 30
FINAL_REPORT_DAYS_UNAUTHORISED = 60


@dataclass(frozen=True)
class IncidentFacts:
    """The facts of an incident the rules read (field names are the Incident columns)."""

    kind: str
    discovered_at: dt.datetime
    personal_info: bool = False
    sensitive_info: bool = False
    ordinance_sensitive_info: bool = False
    specific_personal_info: bool = False
    people_min: int | None = None
    people_max: int | None = None
    unauthorised_purpose: bool = False
    property_damage: bool = False


@dataclass(frozen=True)
class Reason:
    """One rule that makes a report required: a code, what it says, and its legal citation."""

    code: str
    text: str
    citation: str


@dataclass(frozen=True)
class Deadline:
    """A deadline: its key, label, the last day (None where the law says 速やかに), a note and the citation."""

    key: str
    label: str
    due: dt.date | None
    note: str
    citation: str


@dataclass(frozen=True)
class Assessment:
    """The decision on an incident's facts."""

    report_required: bool
    reasons: tuple[Reason, ...] = ()
    deadlines: tuple[Deadline, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The assessment as JSON (stored in Incident.assessment)."""
        return {
            "report_required": self.report_required,
            "reasons": [{"code": r.code, "text": r.text, "citation": r.citation} for r in self.reasons],
            "deadlines": [
                {
                    "key": d.key,
                    "label": d.label,
                    "due": d.due.isoformat() if d.due else None,
                    "note": d.note,
                    "citation": d.citation,
                }
                for d in self.deadlines
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Assessment:
        """An assessment from its JSON ({} = not assessed yet)."""
        data = data or {}
        return cls(
            report_required=bool(data.get("report_required", False)),
            reasons=tuple(Reason(r["code"], r["text"], r["citation"]) for r in data.get("reasons", [])),
            deadlines=tuple(
                Deadline(
                    d["key"],
                    d["label"],
                    dt.date.fromisoformat(d["due"]) if d.get("due") else None,
                    d.get("note", ""),
                    d.get("citation", ""),
                )
                for d in data.get("deadlines", [])
            ),
        )

    def deadline(self, key: str) -> Deadline | None:
        """The deadline with this key, if any."""
        return next((d for d in self.deadlines if d.key == key), None)


def facts_of(row: Mapping[str, Any]) -> IncidentFacts:
    """The facts of an Incident row (a dict from Piccolo)."""
    discovered = row["discovered_at"]
    if isinstance(discovered, str):
        discovered = dt.datetime.fromisoformat(discovered)
    if discovered.tzinfo is None:
        discovered = discovered.replace(tzinfo=dt.UTC)
    return IncidentFacts(
        kind=str(row.get("kind") or ""),
        discovered_at=discovered,
        personal_info=bool(row.get("personal_info")),
        sensitive_info=bool(row.get("sensitive_info")),
        ordinance_sensitive_info=bool(row.get("ordinance_sensitive_info")),
        specific_personal_info=bool(row.get("specific_personal_info")),
        people_min=row.get("people_min"),
        people_max=row.get("people_max"),
        unauthorised_purpose=bool(row.get("unauthorised_purpose")),
        property_damage=bool(row.get("property_damage")),
    )


def discovered_on(facts: IncidentFacts) -> dt.date:
    """The day (Japan time) the municipality knew of the leak."""
    return facts.discovered_at.astimezone(TOKYO).date()


def assess(facts: IncidentFacts) -> Assessment:
    """Decide whether a report is required, why, and by when (provisional until the texts are checked)."""
    reasons: list[Reason] = []
    people = facts.people_max if facts.people_max is not None else facts.people_min
    if facts.personal_info or facts.specific_personal_info:
        if facts.sensitive_info:
            reasons.append(Reason("sensitive", "要配慮個人情報", "規則第43条第1号"))
        if facts.property_damage:
            reasons.append(Reason("property_damage", "財産的被害", "規則第43条第2号"))
        if facts.unauthorised_purpose:
            reasons.append(Reason("unauthorised", "不正の目的", "規則第43条第3号"))
        if facts.ordinance_sensitive_info:
            reasons.append(Reason("ordinance_sensitive", "条例要配慮個人情報", "規則第43条第4号"))
        if people is not None and people > PEOPLE_THRESHOLD:
            reasons.append(Reason("people", "本人の数", "規則第43条第5号"))
    if not reasons:
        return Assessment(report_required=False)
    day = discovered_on(facts)
    days = FINAL_REPORT_DAYS_UNAUTHORISED if facts.unauthorised_purpose else FINAL_REPORT_DAYS
    deadlines = (
        Deadline("preliminary", "速報", None, "速やかに", "規則第44条第1項"),
        Deadline("final", "確報", day + dt.timedelta(days=days), "", "規則第44条第2項"),
        Deadline("notify_individuals", "本人への通知", None, "速やかに", "法第68条第2項"),
    )
    return Assessment(report_required=True, reasons=tuple(reasons), deadlines=deadlines)
