"""Checking and inserting the rows of a 委託事業者 list (up to three certifications per row)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import msgspec

from governance.contractors import schemas
from governance.contractors.services import ContractorService
from governance.contractors.tables import CERTIFICATION_LABELS, Certification, Contractor
from governance.imports.columns import CERT_FIELDS, CERT_SLOTS, CONTRACTOR_COLUMNS, JOINED_CERTS
from governance.imports.reading import Table
from governance.imports.report import FormValues, Progress, RowError, field_errors, read_row
from governance.web.forms import parse_form

FIELD_HEADERS = {c.field: c.header for c in CONTRACTOR_COLUMNS}
_JOINED_ITEM = re.compile(r"^(?: (?P<number>.*?))?（有効期限(?: (?P<until>[^）]+)|なし)）$")


@dataclass(frozen=True)
class ContractorRecord:
    """A checked row: the contractor and its certifications, ready to insert."""

    row: int
    data: schemas.ContractorCreate
    number: str | None
    certifications: tuple[schemas.CertificationCreate, ...]


def _joined_certs(text: str) -> tuple[list[dict[str, str]], str | None]:
    """Read the export's certifications cell back into (kind, number, valid_until) items.

    The cell reads 「ISMS（ISO/IEC 27001） IS 1（有効期限 2027-03-31）、プライバシーマーク（有効期限なし）」.
    """
    labels = sorted(CERTIFICATION_LABELS.items(), key=lambda kv: -len(kv[1]))
    out: list[dict[str, str]] = []
    for item in (i.strip() for i in text.lstrip("'").split("、")):
        if not item:
            continue
        code = next((c for c, label in labels if item.startswith(label)), None)
        match = _JOINED_ITEM.match(item[len(CERTIFICATION_LABELS[code]) :]) if code else None
        if code is None or match is None:
            return [], (
                f"「{item[:40]}」を読み取れません。「種類 登録番号（有効期限 2027-03-31）」の形にするか、"
                "認証1〜3の列に分けて入力してください。"
            )
        out.append({"kind": code, "number": match["number"] or "", "valid_until": match["until"] or ""})
    return out, None


def _certification(
    number: int, values: dict[str, Any], headers: dict[str, str], errors: list[RowError]
) -> schemas.CertificationCreate | None:
    result = parse_form(FormValues(values), schemas.CertificationCreate, multiline=frozenset({"scope"}))
    if not result.ok:
        field_errors(number, result.errors, headers, errors)
        return None
    cert = result.value
    if cert.valid_from and cert.valid_until and cert.valid_until < cert.valid_from:
        errors.append(RowError(number, headers["valid_until"], "有効期間の終了日は開始日以降にしてください。"))
        return None
    return cert


async def check_contractor_rows(
    table: Table, *, service: ContractorService, errors: list[RowError], progress: Progress | None = None
) -> list[ContractorRecord]:
    """Check every row (cells, 法人番号 check digit and duplicates in the file and the register, certifications).

    Returns the records of the rows that passed; ``errors`` receives the rest, by row and column.
    """
    columns = {c.header: c for c in CONTRACTOR_COLUMNS}
    records: list[ContractorRecord] = []
    seen: dict[str, int] = {}
    for number, cells in table.rows:
        before = len(errors)
        values = read_row(number, cells, columns, errors)
        result = parse_form(FormValues(values), schemas.ContractorCreate, multiline=frozenset({"notes"}))
        field_errors(number, result.errors, FIELD_HEADERS, errors, since=before)
        certs: list[schemas.CertificationCreate] = []
        for slot in range(1, CERT_SLOTS + 1):
            prefix = f"cert{slot}_"
            own = {name: values.get(prefix + name, "") for name, _, _ in CERT_FIELDS}
            if not any(own.values()):
                continue
            headers = {name: f"認証{slot}{suffix}" for name, suffix, _ in CERT_FIELDS}
            if any(e.row == number and e.column in headers.values() for e in errors[before:]):
                continue  # a cell of this certification could not be read: said once already
            if cert := _certification(number, own, headers, errors):
                certs.append(cert)
        if joined := values.get("certs_joined", ""):
            items, problem = _joined_certs(joined)
            if problem:
                errors.append(RowError(number, JOINED_CERTS, problem))
            for item in items:
                headers = dict.fromkeys(item, JOINED_CERTS)
                if cert := _certification(number, item, headers, errors):
                    certs.append(cert)
        if result.ok:
            corporate_number, found = await service._check(result.value, contractor_id=None)
            field_errors(number, found, FIELD_HEADERS, errors, since=before)
            if corporate_number and not found:
                if corporate_number in seen:
                    errors.append(
                        RowError(number, "法人番号", f"この法人番号は{seen[corporate_number]}行目と重複しています。")
                    )
                seen.setdefault(corporate_number, number)
            if len(errors) == before:
                records.append(ContractorRecord(number, result.value, corporate_number, tuple(certs)))
        if progress:
            progress(1)
    return records


def contractor_preview(record: ContractorRecord) -> dict[str, Any]:
    """What the preview table shows for a checked row."""
    return {
        "row": record.row,
        "cells": [
            record.number or "（個人事業者）",
            record.data.name,
            record.data.address,
            "、".join(CERTIFICATION_LABELS[c.kind] for c in record.certifications) or "—",
        ],
    }


CONTRACTOR_PREVIEW_HEADERS = ("法人番号", "名称", "所在地", "認証")


async def insert_contractors(records: list[ContractorRecord], *, now: dt.datetime) -> dict[str, Any]:
    """Insert the checked rows inside the caller's transaction; return what the one audit entry records."""
    ids: list[int] = []
    cert_count = 0
    for record in records:
        values = ContractorService._values(record.data, record.number)
        new_id = (
            await Contractor.insert(Contractor(**values, created_at=now, updated_at=now)).returning(Contractor.id)
        )[0]["id"]
        ids.append(new_id)
        if record.certifications:
            await Certification.insert(
                *(
                    Certification(contractor=new_id, created_at=now, **msgspec.structs.asdict(c))
                    for c in record.certifications
                )
            )
            cert_count += len(record.certifications)
    return {"count": len(ids), "certifications": cert_count, "ids": ids}
