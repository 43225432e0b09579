"""Run the reminders inside the app, every interval (GOVERNANCE_REMINDERS_AUTORUN), instead of cron.

Every instance may run it: the notification log's unique key and the claim before sending keep each reminder to
one mail, however many instances run at the same time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

logger = logging.getLogger("governance.reminders")


async def _loop(settings: Any) -> None:
    from governance.reminders.services import ReminderService

    service = ReminderService(settings)
    while True:
        try:
            report = await service.run()
            if report.recorded or report.sent or report.failed:
                logger.info("reminders: %s recorded, %s sent, %s failed", report.recorded, report.sent, report.failed)
        except Exception:  # a failed run must not stop the next one
            logger.exception("reminder run failed")
        await asyncio.sleep(settings.reminders_interval_minutes * 60)


@contextlib.asynccontextmanager
async def reminders_lifespan(app: Any) -> AsyncIterator[None]:
    """Start the loop with the app when autorun is on; stop it when the app stops."""
    settings = app.state.settings
    if not settings.reminders_autorun:
        yield
        return
    task = asyncio.create_task(_loop(settings), name="governance-reminders")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
