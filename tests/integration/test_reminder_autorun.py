"""The app runs the reminders by itself when GOVERNANCE_REMINDERS_AUTORUN is on, and not otherwise."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from types import SimpleNamespace

from governance.accounts.roles import Role
from governance.calendar import today_tokyo
from governance.reminders.scheduler import reminders_lifespan
from governance.reminders.tables import Notification
from governance.settings import get_settings
from tests.helpers import make_contractor, make_person


async def _expiring_certificate() -> None:
    await make_person("keiyaku", Role.procurement)
    expiry = today_tokyo() + dt.timedelta(days=20)
    await make_contractor("株式会社みどり情報", certs=(("isms", "IS 1", None, expiry),))


async def test_autorun_records_the_reminders_due():
    await _expiring_certificate()
    app = SimpleNamespace(state=SimpleNamespace(settings=dataclasses.replace(get_settings(), reminders_autorun=True)))
    async with reminders_lifespan(app):
        for _ in range(100):
            if await Notification.count():
                break
            await asyncio.sleep(0.05)
    rows = await Notification.select(Notification.rule, Notification.occurrence, Notification.status)
    assert [(r["rule"], r["occurrence"].split(":")[1]) for r in rows] == [("certificate", "before-30")]
    assert rows[0]["status"] == "pending"  # no SMTP server configured: recorded, not sent


async def test_without_autorun_nothing_runs():
    await _expiring_certificate()
    app = SimpleNamespace(state=SimpleNamespace(settings=get_settings()))
    async with reminders_lifespan(app):
        await asyncio.sleep(0.2)
    assert await Notification.count() == 0
