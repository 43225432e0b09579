"""``governance reminders run``: compute what is due today, record it once, send it (cron or systemd timer)."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

import click


@click.group("reminders", help="期限（確認、措置、認証の有効期限、契約の終了など）の通知を扱います。")
def reminders_group() -> None:
    """Reminders of due dates (checks, measures, certificates, contract ends …)."""


@reminders_group.command(
    "run", help="今日期限の通知を1回だけ記録し、未送信の通知をすべて送信します（何度実行しても安全です）。"
)
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="通知を計算する日（YYYY-MM-DD。既定は東京の今日）")  # fmt: skip
@click.option("--dry-run", is_flag=True, help="記録も送信もせず、期限のものを一覧表示する")
def reminders_run(today: dt.datetime | None, dry_run: bool) -> None:
    """Record the reminders due and send every waiting notification; safe to run any number of times."""
    from governance.cli_common import run_async
    from governance.db import refresh_statistics
    from governance.reminders.services import ReminderService
    from governance.settings import get_settings

    service = ReminderService(get_settings())

    async def run() -> Any:
        report = await service.run(today.date() if today else None, dry_run=dry_run)
        if not dry_run:
            await refresh_statistics(full=False)  # SQLite: PRAGMA optimize, analyzes only what the run showed to need
        return report

    report = run_async(run)
    click.echo(f"{report.today.isoformat()}: 期限の通知 {len(report.due)}件")
    for notice, person in report.due:
        click.echo(f"  - {notice.rule} {notice.occurrence} → {person.name or person.user_id}: {notice.title}")
    if dry_run:
        click.echo("（--dry-run のため、記録も送信もしていません）")
        return
    click.echo(f"新たに記録 {report.recorded}件 / 送信 {report.sent}件 / 失敗 {report.failed}件")
    if not report.smtp_enabled:
        click.secho("GOVERNANCE_SMTP_HOST が未設定のため、メールは送信していません（通知は記録されています）。",
                    fg="yellow", err=True)  # fmt: skip
    if report.failed:
        sys.exit(2)
