"""Reading and saving the municipality settings; the one accessor every document and page goes through."""

from __future__ import annotations

import datetime as dt
from typing import Any

from governance.actor import Actor
from governance.audit.services import AuditService
from governance.db import write_transaction
from governance.municipality import schemas
from governance.municipality.profile import FIELDS, Municipality, merged
from governance.municipality.tables import MunicipalityProfile


async def stored_settings() -> dict[str, Any] | None:
    """The stored row (the first, if ever there were more), or None before anything was saved."""
    return await MunicipalityProfile.select().order_by(MunicipalityProfile.id).first()


async def current_municipality(defaults: Municipality) -> Municipality:
    """The municipality in force: the stored settings, each empty field taken from ``defaults`` (the environment).

    One small query; pages that need it more than once per request keep it on the request
    (``governance.municipality.controllers.municipality_of``).
    """
    return merged(await stored_settings(), defaults)


def as_schema(m: Municipality) -> schemas.Municipality:
    """The API shape of the municipality in force."""
    values = m.form_values()
    return schemas.Municipality(
        name=m.name, head=m.head, head_title=values["head_title"], head_name=values["head_name"], address=m.address,
        contact_department=m.contact_department, contact_phone=m.contact_phone, contact_email=m.contact_email,
        public_heading=m.public_heading, heading=m.heading, complete=m.complete,
    )  # fmt: skip


class MunicipalityService:
    """Saves the settings in one transaction with their audit entry (before and after)."""

    def __init__(self) -> None:
        self.audit = AuditService()

    async def save(self, data: schemas.MunicipalityUpdate, *, actor: Actor, now: dt.datetime | None = None) -> None:
        """Store the settings; the audit entry keeps what was stored before and after."""
        now = now or dt.datetime.now(dt.UTC)
        after = {f: str(getattr(data, f)).strip() for f in FIELDS}
        async with write_transaction():
            row = await stored_settings()
            before = {f: row[f] for f in FIELDS} if row else {f: "" for f in FIELDS}
            if row is None:
                await MunicipalityProfile.insert(MunicipalityProfile(**after, updated_at=now))
            else:
                values = {getattr(MunicipalityProfile, f): v for f, v in after.items()}
                await MunicipalityProfile.update({**values, MunicipalityProfile.updated_at: now}).where(
                    MunicipalityProfile.id == row["id"]
                )
            await self.audit.record(
                "municipality.updated", actor=actor, target_type="municipality", target_id=1,
                target_label=after["name"] or "団体の設定", before=before, after=after, now=now,
            )  # fmt: skip
