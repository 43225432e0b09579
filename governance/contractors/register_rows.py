"""The contractor register as exported: every matching contractor with its contacts, certifications and suspension.

A mixin of ``ContractorService`` (it reads the list's ``conditions``), kept apart from the use cases that change
contractors; the columns are in ``governance.contractors.register``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from governance.calendar import TOKYO, today_tokyo
from governance.contractors.tables import (
    CERTIFICATION_LABELS,
    CONTRACTOR_STATUS_LABELS,
    Certification,
    ContactPerson,
    Contractor,
    Suspension,
)
from governance.db import keyset_chunks

if TYPE_CHECKING:  # the query is defined beside the service that inherits this mixin
    from governance.contractors.services import ContractorQuery


def suspended_on(rows: list[dict[str, Any]], day: dt.date) -> bool:
    """Tell whether any suspension period covers the day."""
    return any(r["start_date"] <= day and (r["end_date"] is None or day <= r["end_date"]) for r in rows)


class ContractorRegisterRows:
    """The rows of the contractor register (.xlsx and CSV); ``conditions`` is the list's, from ContractorService."""

    conditions: Any

    async def export_rows(
        self, query: ContractorQuery, *, today: dt.date | None = None, chunk: int = 500
    ) -> AsyncIterator[dict[str, Any]]:
        """Every contractor matching the list's filters, in registration order, a chunk at a time (for the register).

        Each row carries its contacts, certifications (kind, number, validity) and whether a suspension runs today,
        read for the whole chunk at once.
        """
        today = today or today_tokyo()
        columns = (
            Contractor.id, Contractor.corporate_number, Contractor.name, Contractor.name_kana, Contractor.address,
            Contractor.representative, Contractor.status, Contractor.notes, Contractor.created_at,
            Contractor.updated_at,
        )  # fmt: skip
        async for rows in keyset_chunks(
            lambda: Contractor.select(*columns), Contractor, self.conditions(query), chunk=chunk
        ):
            ids = [r["id"] for r in rows]
            suspensions = await self._suspensions(ids)
            contacts: dict[int, list[str]] = {}
            for c in await ContactPerson.select().where(ContactPerson.contractor.is_in(ids)).order_by(ContactPerson.id):
                parts = [f"{c['name']}（{c['role']}）" if c["role"] else c["name"], c["email"], c["phone"]]
                contacts.setdefault(c["contractor"], []).append(" ".join(p for p in parts if p))
            certs: dict[int, list[str]] = {}
            for c in await Certification.select().where(Certification.contractor.is_in(ids)).order_by(Certification.id):
                until = f"（有効期限 {c['valid_until'].isoformat()}）" if c["valid_until"] else "（有効期限なし）"
                label = CERTIFICATION_LABELS.get(c["kind"], c["kind"])
                certs.setdefault(c["contractor"], []).append(" ".join(p for p in (label, c["number"]) if p) + until)
            for r in rows:
                in_force = [s for s in suspensions.get(r["id"], []) if suspended_on([s], today)]
                ends = [s["end_date"] for s in in_force]  # blank when none runs, or one runs without an end
                yield {
                    **r,
                    "status_label": CONTRACTOR_STATUS_LABELS.get(r["status"], r["status"]),
                    "suspended": "指名停止中" if in_force else "",
                    "suspension_end": max(ends) if ends and None not in ends else None,
                    "contacts": contacts.get(r["id"], []),
                    "certifications": certs.get(r["id"], []),
                    "registered_on": r["created_at"].astimezone(TOKYO).date(),
                }

    @staticmethod
    async def _suspensions(ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        out: dict[int, list[dict[str, Any]]] = {}
        if ids:
            for r in await Suspension.select().where(Suspension.contractor.is_in(ids)).order_by(Suspension.start_date):
                out.setdefault(r["contractor"], []).append(r)
        return out
