"""The one code path of every import (page, API, CLI): read the file, check every row, insert all rows or none."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

from governance.actor import Actor
from governance.audit.services import AuditService
from governance.contractors.services import ContractorService
from governance.db import write_transaction
from governance.engagements.services import EngagementService
from governance.errors import NotFoundError
from governance.imports.columns import KINDS, header_problems
from governance.imports.contractor_rows import (
    CONTRACTOR_PREVIEW_HEADERS,
    check_contractor_rows,
    contractor_preview,
    insert_contractors,
)
from governance.imports.engagement_rows import (
    ENGAGEMENT_PREVIEW_HEADERS,
    check_engagement_rows,
    engagement_preview,
    insert_engagements,
)
from governance.imports.reading import FileRefused, read_table
from governance.imports.report import ImportReport, Progress

PREVIEW_HEADERS = {"contractors": CONTRACTOR_PREVIEW_HEADERS, "engagements": ENGAGEMENT_PREVIEW_HEADERS}
AUDIT = {"contractors": ("contractor.imported", "contractor"), "engagements": ("engagement.imported", "engagement")}


class ImportService:
    """Check and import lists of contractors or engagements; an import is one transaction with one audit entry."""

    def __init__(self, *, scheme: str = "R6", cert_warn_days: int = 60, audit: AuditService | None = None) -> None:
        self.scheme = scheme
        self.audit = audit or AuditService()
        self.contractors = ContractorService(cert_warn_days=cert_warn_days, audit=self.audit)
        self.engagements = EngagementService(audit=self.audit)

    @staticmethod
    def kind(name: str) -> Any:
        """The import kind by name.

        Raises:
            NotFoundError: not ``contractors`` or ``engagements``.
        """
        if name not in KINDS:
            raise NotFoundError("取込みの種類", name)
        return KINDS[name]

    async def check(
        self, kind: str, data: bytes, filename: str, *, actor: Actor, progress: Progress | None = None
    ) -> ImportReport:
        """Read the file and check every row; nothing is written. The report says what is wrong, by row and column."""
        spec = self.kind(kind)
        report = ImportReport(kind=kind, filename=filename, sha256=hashlib.sha256(data).hexdigest())
        try:
            table = read_table(data)
        except FileRefused as exc:
            report.problems.append(str(exc))
            return report
        report.rows = len(table.rows)
        key = "名称" if kind == "contractors" else "業務名"
        report.row_labels = {number: cells.get(key, "")[:60] for number, cells in table.rows}
        report.ignored = [h for h in table.headers if h in spec.ignored]
        report.problems.extend(header_problems(spec, table.headers))
        if report.problems:
            return report
        if kind == "contractors":
            records: list[Any] = await check_contractor_rows(
                table, service=self.contractors, errors=report.errors, progress=progress
            )
            report.preview = [contractor_preview(r) for r in records[:200]]
        else:
            records = await check_engagement_rows(
                table, service=self.engagements, actor=actor, scheme=self.scheme, errors=report.errors,
                progress=progress,
            )  # fmt: skip
            report.preview = [engagement_preview(r) for r in records[:200]]
        report.records = records
        return report

    async def run(
        self,
        kind: str,
        data: bytes,
        filename: str,
        *,
        actor: Actor,
        now: dt.datetime | None = None,
        progress: Progress | None = None,
    ) -> ImportReport:
        """Check the file again and, when every row is right, insert them all in one transaction with one audit entry.

        When any row is wrong nothing is inserted and the report lists the errors.
        """
        now = now or dt.datetime.now(dt.UTC)
        async with write_transaction():
            report = await self.check(kind, data, filename, actor=actor, progress=progress)
            if not report.ok:
                return report
            if kind == "contractors":
                summary = await insert_contractors(report.records, now=now)
            else:
                summary = await insert_engagements(report.records, service=self.engagements, actor=actor, now=now)
            action, target_type = AUDIT[kind]
            await self.audit.record(
                action, actor=actor, target_type=target_type, target_label=Path(filename).name[:200],
                after={"file_name": filename, "sha256": report.sha256, **summary}, now=now,
            )  # fmt: skip
            report.imported_ids = summary["ids"]
        return report
