"""``governance reminders run [--today YYYY-MM-DD] [--dry-run]``: lists, records once, sends, reports failures."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from click.testing import CliRunner

from governance.reminders.cli import reminders_group
from governance.reminders.tables import Notification
from governance.settings import get_settings
from tests.helpers import cancel_before_start, checks_by_key, sign_contract
from tests.helpers import run_sync as _run
from tests.integration.test_reminders import Inbox, free_port
from tests.integration.test_reminders import fx_inbox as fx_inbox  # the fixture, for this module

RUN = ["run", "--today", "2026-04-01"]  # 7 days before the 締結時 check of a contract signed on 2026-03-25


def _statuses() -> list[str]:
    async def rows():
        return [r["status"] for r in await Notification.select(Notification.status).order_by(Notification.id)]

    return _run(rows())


@pytest.fixture(name="signed")
def fx_signed():
    async def setup():
        sc = await sign_contract()
        # its 開始前 check (due 3/31) would be reminded as overdue on 4/1 too: these tests follow one notice
        await cancel_before_start(sc)
        return (await checks_by_key(sc.engagement_id))["at_signing:v1"]

    return _run(setup())


def invoke(args: list[str]):
    return CliRunner().invoke(reminders_group, args)


def test_dry_run_lists_then_a_run_records_once_and_a_second_records_nothing(signed):
    dry = invoke([*RUN, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "2026-04-01: 期限の通知 1件" in dry.output
    assert "  - check 2026-04-08:before-7 → tantou 氏: 【確認の期限のお知らせ】契約締結時の確認" in dry.output
    assert "（--dry-run のため、記録も送信もしていません）" in dry.output and "新たに記録" not in dry.output
    assert _statuses() == []

    first = invoke(RUN)
    assert first.exit_code == 0, first.output
    assert "期限の通知 1件" in first.stdout and "新たに記録 1件 / 送信 0件 / 失敗 0件" in first.stdout
    assert "GOVERNANCE_SMTP_HOST が未設定" in first.stderr  # recorded, waiting for mail to be configured
    assert _statuses() == ["pending"]
    second = invoke(RUN)
    assert second.exit_code == 0 and "新たに記録 0件 / 送信 0件 / 失敗 0件" in second.stdout
    assert _statuses() == ["pending"]


def test_a_run_sends_through_smtp_and_a_failure_exits_with_status_2(signed, inbox: Inbox, monkeypatch):
    settings = get_settings()
    monkeypatch.setattr(
        "governance.settings.get_settings",
        lambda: dataclasses.replace(settings, smtp_host="127.0.0.1", smtp_port=free_port()),  # nothing listens
    )
    failed = invoke(RUN)
    assert failed.exit_code == 2 and "新たに記録 1件 / 送信 0件 / 失敗 1件" in failed.stdout
    assert _statuses() == ["failed"]
    monkeypatch.setattr(
        "governance.settings.get_settings",
        lambda: dataclasses.replace(settings, smtp_host="127.0.0.1", smtp_port=inbox.port),
    )
    # the failed notification waits for its retry time (5 minutes from now) ...
    waiting = invoke(RUN)
    assert waiting.exit_code == 0 and "新たに記録 0件 / 送信 0件 / 失敗 0件" in waiting.stdout
    assert inbox.envelopes == []

    async def five_minutes_later():
        await Notification.update(
            {Notification.next_attempt_at: Notification.next_attempt_at - dt.timedelta(minutes=5)}, force=True
        )

    # ... and then goes out once
    _run(five_minutes_later())
    sent = invoke(RUN)
    assert sent.exit_code == 0 and "新たに記録 0件 / 送信 1件 / 失敗 0件" in sent.stdout, sent.output
    assert [e.rcpt_tos for e in inbox.envelopes] == [["tantou@city.example.jp"]]
    assert _statuses() == ["sent"]


def test_the_date_must_be_a_real_date():
    for bad in ("2026-02-30", "令和8年4月1日", "2026/04/01"):
        result = invoke(["run", "--today", bad])
        assert result.exit_code == 2 and "--today" in result.output, result.output


def test_signing_the_demo_mynumber_contract_plans_its_checks_and_the_run_lists_the_first():
    from governance.accounts.tables import User
    from governance.actor import Actor
    from governance.calendar import today_tokyo
    from governance.cli import demo_data_command
    from governance.contracts.tables import ContractVersion
    from governance.engagements.tables import Engagement
    from tests.helpers import contract_service, items_of

    assert CliRunner().invoke(demo_data_command).exit_code == 0

    async def sign() -> tuple[dict, dict]:
        engagement = await Engagement.select().where(Engagement.title == "住民情報システム運用保守業務").first()
        assert engagement["personal_info"] and engagement["specific_personal_info"]
        draft = await ContractVersion.select(ContractVersion.id).where(
            ContractVersion.contract.engagement == engagement["id"], ContractVersion.status == "draft"
        ).first()  # fmt: skip
        keiyaku = await User.select(User.id).where(User.username == "demo-keiyaku").first()
        actor = Actor(id=keiyaku["id"], label="契約 花子", roles=frozenset({"procurement"}))
        await contract_service().finalize(draft["id"], actor=actor)
        await contract_service().sign(draft["id"], signed_on=today_tokyo(), municipality_signatory="みどり市長",
                                      contractor_signatory="代表取締役", actor=actor)  # fmt: skip
        checks = await checks_by_key(engagement["id"])
        items = {key: {i["item_id"] for i in await items_of(c["id"])} for key, c in checks.items()}
        return checks, items

    checks, items = _run(sign())
    [yearly] = [k for k in checks if k.startswith("yearly:")]
    assert "CHK-PI-ONSITE-INSPECTION" in items[yearly] and "CHK-RETURN-DISPOSAL" in items["at_end"]
    first = checks["at_signing:v1"]
    day = first["due_on"] - dt.timedelta(days=7)
    dry = invoke(["run", "--today", day.isoformat(), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    # no supervisor is named in the demo: the department's staff (市民課: 市民 一郎) is reminded
    assert (
        f"check {first['due_on']}:before-7 → 市民 一郎: 【確認の期限のお知らせ】契約締結時の確認（住民情報"
        in dry.output
    )
