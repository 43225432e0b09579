"""Checking and inserting the rows of a 委託業務 list: names resolved, facts checked as on the form."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from typing import Any

from governance.accounts.tables import Department, User
from governance.actor import Actor
from governance.engagements import schemas
from governance.engagements.facts import EngagementFacts
from governance.engagements.services import EngagementService
from governance.engagements.tables import Engagement
from governance.engagements.term import Term
from governance.engagements.tier import TIER_LABELS
from governance.errors import ValidationError
from governance.imports.columns import ENGAGEMENT_COLUMNS
from governance.imports.reading import Table
from governance.imports.report import FormValues, Progress, RowError, field_errors, read_row
from governance.scoping import ensure_own_department
from governance.web.forms import parse_form

FIELD_HEADERS = {
    **{c.field: c.header for c in ENGAGEMENT_COLUMNS},
    "department_id": "所管課",
    "supervisor_id": "監督職員",
    "contract_type": "業務の種類",
}
MULTILINE = frozenset({"purpose", "scope", "subcontractors"})


@dataclass(frozen=True)
class EngagementRecord:
    """A checked row: the engagement with its facts and term, ready to insert."""

    row: int
    data: schemas.EngagementCreate
    facts: EngagementFacts
    term: Term
    department_name: str


def _key(name: str) -> str:
    return unicodedata.normalize("NFKC", name).replace(" ", "").replace("\u3000", "")


async def _directory() -> tuple[dict[str, tuple[int, str]], dict[str, list[int]]]:
    """Active departments by name (and code), active staff ids by full name, compared without spaces."""
    departments: dict[str, tuple[int, str]] = {}
    for d in await Department.select(Department.id, Department.name, Department.code).where(Department.active.eq(True)):
        departments[_key(d["name"])] = (d["id"], d["name"])
        departments.setdefault(_key(d["code"]), (d["id"], d["name"]))
    staff: dict[str, list[int]] = {}
    for u in await User.select(User.id, User.full_name).where(User.active.eq(True)):
        staff.setdefault(_key(u["full_name"]), []).append(u["id"])
    return departments, staff


async def check_engagement_rows(
    table: Table,
    *,
    service: EngagementService,
    actor: Actor,
    scheme: str,
    errors: list[RowError],
    progress: Progress | None = None,
) -> list[EngagementRecord]:
    """Check every row: cells, department and supervisor names, the facts and term as the form checks them, duplicates.

    Returns the records of the rows that passed; ``errors`` receives the rest, by row and column.
    """
    columns = {c.header: c for c in ENGAGEMENT_COLUMNS}
    departments, staff = await _directory()
    records: list[EngagementRecord] = []
    seen: dict[tuple[str, int, str], int] = {}
    for number, cells in table.rows:
        before = len(errors)
        values = read_row(number, cells, columns, errors)
        values["scheme"] = scheme
        department = departments.get(_key(values.pop("department", "")))
        if department is None and cells.get("所管課", "").strip():
            errors.append(
                RowError(
                    number,
                    "所管課",
                    f"「{cells['所管課'][:40]}」という所属は登録されていません"
                    "（管理 → 所属の名称と同じにしてください）。",
                )
            )
        elif department is not None:
            values["department_id"] = str(department[0])
            try:
                ensure_own_department(actor, department[0])
            except ValidationError as exc:
                field_errors(number, exc.field_errors, FIELD_HEADERS, errors)
        if supervisor := values.pop("supervisor", "").strip():
            ids = staff.get(_key(supervisor), [])
            if len(ids) == 1:
                values["supervisor_id"] = str(ids[0])
            else:
                errors.append(RowError(number, "監督職員", (
                    f"「{supervisor[:40]}」という職員は登録されていません。" if not ids else
                    f"「{supervisor[:40]}」という職員が{len(ids)}人います。空欄で取り込み、画面で選んでください。"
                )))  # fmt: skip
        result = parse_form(FormValues(values), schemas.EngagementCreate, multiline=MULTILINE)
        field_errors(number, result.errors, FIELD_HEADERS, errors, since=before)
        if result.ok and len(errors) == before:
            try:
                facts, term = await service._validate(result.value)
            except ValidationError as exc:
                field_errors(number, exc.field_errors, FIELD_HEADERS, errors, since=before)
            else:
                key = (_key(result.value.title), result.value.department_id, result.value.start_date.isoformat())
                existing = (
                    await Engagement.select(Engagement.id)
                    .where(
                        Engagement.title == result.value.title.strip(),
                        Engagement.department == result.value.department_id,
                        Engagement.start_date == result.value.start_date,
                    )
                    .first()
                )
                if existing:
                    errors.append(RowError(number, "業務名", (
                        "同じ所管課・業務名・履行期間（開始）の委託業務が既に登録されています"
                        f"（番号 {existing['id']}）。"
                    )))  # fmt: skip
                elif key in seen:
                    errors.append(
                        RowError(
                            number, "業務名", f"{seen[key]}行目と同じ委託業務です（所管課・業務名・開始日が同じ）。"
                        )
                    )
                else:
                    seen[key] = number
                    records.append(EngagementRecord(number, result.value, facts, term, department[1]))
        if progress:
            progress(1)
    return records


def engagement_preview(record: EngagementRecord) -> dict[str, Any]:
    """What the preview table shows for a checked row."""
    from governance.engagements.tier import criticality

    return {
        "row": record.row,
        "cells": [
            record.data.title,
            record.department_name,
            f"{record.data.start_date.isoformat()}〜{record.data.end_date.isoformat()}",
            TIER_LABELS[criticality(record.facts).tier],
        ],
    }


ENGAGEMENT_PREVIEW_HEADERS = ("業務名", "所管課", "履行期間", "重要度（判定）")


async def insert_engagements(
    records: list[EngagementRecord], *, service: EngagementService, actor: Actor, now: dt.datetime
) -> dict[str, Any]:
    """Insert the checked rows (each with its first tier entry) inside the caller's transaction."""
    ids: list[int] = []
    for record in records:
        values = service._columns(record.data, record.facts, record.term)
        new_id = (
            await Engagement.insert(Engagement(**values, created_at=now, updated_at=now)).returning(Engagement.id)
        )[0]["id"]
        await service._record_tier(
            new_id, None, values["tier"], record.facts, "登録時の判定（一覧の取込み）", actor, now
        )
        ids.append(new_id)
    return {"count": len(ids), "ids": ids}
