"""Migration 2026-12-05T14:40: the SNS incidents and their steps are copied into the incident record, nothing lost."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

from governance.external.tables import ExternalService
from governance.incidents.tables import Incident, IncidentStep
from governance.social.tables import SocialAccount, SocialIncident, SocialIncidentStep
from tests.helpers import make_department, make_user

PATH = Path(__file__).resolve().parents[1] / "piccolo_migrations" / "governance_2026_12_05t14_40_00_000000.py"
JST = dt.timezone(dt.timedelta(hours=9))


def migration():
    spec = importlib.util.spec_from_file_location("copy_social_incidents", PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def run(step: str = "raw") -> None:
    manager = await migration().forwards()
    for fn in getattr(manager, step):
        await fn()


async def old_data() -> dict:
    dept = await make_department("KOHO", "企画部 秘書広報課")
    user = await make_user("koho", "pr_staff", dept="KOHO")
    service = (
        await ExternalService.insert(ExternalService(name="X", kind="social_media", platform="x")).returning(
            ExternalService.id
        )
    )[0]["id"]
    account = (
        await SocialAccount.insert(
            SocialAccount(service=service, handle="@midori_city", profile_url="https://x.com/midori_city",
                          lookup_key="x:midori_city", display_name="みどり市公式", department=dept, status="active")
        ).returning(SocialAccount.id)
    )[0]["id"]  # fmt: skip
    detected = dt.datetime(2026, 3, 31, 23, 45, 12, 345000, tzinfo=JST)
    closed = dt.datetime(2026, 4, 2, 9, 0, tzinfo=JST)
    incidents = await SocialIncident.insert(
        SocialIncident(account=account, kind="takeover", detected_at=detected, summary="身に覚えのない投稿\n2件",
                       reported_by=user, reported_by_label="koho 氏（koho）", closed_at=closed,
                       created_at=detected + dt.timedelta(minutes=5)),
        SocialIncident(account=account, kind="impersonation", detected_at=detected + dt.timedelta(days=1),
                       summary="偽アカウント", fake_account_url="https://x.com/midori_fake"),
    ).returning(SocialIncident.id)  # fmt: skip
    takeover, fake = incidents[0]["id"], incidents[1]["id"]
    steps = [("secure_account", "全端末でログアウト"), ("contact_platform", ""), ("delete_posts", "2件削除"),
             ("warn_public", "HPに掲載"), ("report_ciso", "報告済み")]  # fmt: skip
    await SocialIncidentStep.insert(
        *[SocialIncidentStep(incident=takeover, step=k, done_at=detected + dt.timedelta(hours=i + 1), done_by=user,
                             done_by_label="koho 氏（koho）", note=n) for i, (k, n) in enumerate(steps)],
        SocialIncidentStep(incident=fake, step="report_platform", done_at=detected + dt.timedelta(days=1, hours=2)),
    )  # fmt: skip
    return {"dept": dept, "user": user, "account": account, "takeover": takeover, "fake": fake, "steps": steps,
            "detected": detected, "closed": closed}  # fmt: skip


async def test_every_incident_and_step_is_copied_once_with_its_facts():
    old = await old_data()
    await run()
    await run()  # again: nothing twice
    rows = {r["legacy_social_incident"]: r for r in await Incident.select().order_by(Incident.id)}
    assert set(rows) == {old["takeover"], old["fake"]}
    taken, fake = rows[old["takeover"]], rows[old["fake"]]
    assert taken["id"] < fake["id"]  # the old order is kept
    assert taken["kind"] == "sns_takeover" and fake["kind"] == "sns_impersonation"
    assert taken["title"] == "SNSアカウント「みどり市公式」の乗っ取り（不正アクセス）"
    assert fake["title"] == "SNSアカウント「みどり市公式」のなりすまし"
    assert {taken["department"], fake["department"]} == {old["dept"]}
    assert {taken["social_account"], fake["social_account"]} == {old["account"]}
    assert taken["source"] == fake["source"] == "migrated"
    assert taken["discovered_at"] == old["detected"]  # to the millisecond, in any time zone
    assert taken["summary"] == "身に覚えのない投稿\n2件" and fake["fake_account_url"] == "https://x.com/midori_fake"
    assert taken["reported_by"] == old["user"] and taken["reported_by_label"] == "koho 氏（koho）"
    assert (taken["status"], taken["closed_at"]) == ("closed", old["closed"])
    assert (fake["status"], fake["closed_at"]) == ("open", None)
    assert taken["created_at"] == old["detected"] + dt.timedelta(minutes=5)
    assert taken["report_required"] is False and not taken["personal_info"]
    steps = await IncidentStep.select().where(IncidentStep.incident == taken["id"]).order_by(IncidentStep.id)
    assert [(s["step"], s["note"]) for s in steps] == old["steps"]
    assert {(s["status"], s["done_by"], s["done_by_label"]) for s in steps} == {
        ("done", old["user"], "koho 氏（koho）")
    }
    assert steps[0]["done_at"] == old["detected"] + dt.timedelta(hours=1)
    fake_steps = await IncidentStep.select().where(IncidentStep.incident == fake["id"])
    assert [(s["step"], s["done_by"]) for s in fake_steps] == [("report_platform", None)]
    # the old tables are kept as they were
    assert await SocialIncident.count() == 2 and await SocialIncidentStep.count() == 6


async def test_the_copied_incidents_read_as_before_on_the_account():
    from governance.social.services import AccountQueries

    old = await old_data()
    await run()
    shown = await AccountQueries.incidents(old["account"])
    assert [i.kind for i in shown] == ["impersonation", "takeover"]  # newest first, in the SNS words
    takeover = shown[1]
    assert takeover.detected_at == old["detected"] and takeover.closed_at == old["closed"]
    assert all(s.done for s in takeover.steps) and takeover.steps[2].note == "2件削除"
    assert [s.done for s in shown[0].steps] == [True, False, False, False]


async def test_backwards_removes_only_the_copies():
    old = await old_data()
    await run()
    await run("raw_backwards")
    assert await Incident.count() == 0 and await IncidentStep.count() == 0
    assert await SocialIncident.count() == 2 and await SocialIncidentStep.count() == 6
    await run()
    assert await Incident.count() == 2 and old["fake"] in {
        r["legacy_social_incident"] for r in await Incident.select(Incident.legacy_social_incident)
    }


async def test_new_sns_incidents_are_written_to_the_incident_record_only():
    from governance.actor import Actor
    from governance.social import schemas
    from governance.social.services import IncidentService

    old = await old_data()
    koho = Actor(id=old["user"], label="koho 氏（koho）", roles=frozenset({"pr_staff"}))
    day = dt.date(2026, 4, 10)
    new_id = await IncidentService().create(
        old["account"], schemas.IncidentCreate(kind="impersonation", detected_on=day, detected_time="08:15",
                                               summary="偽物", fake_account_url="https://x.com/midori_fake2"),
        actor=koho, now=dt.datetime(2026, 4, 10, 9, 0, tzinfo=JST),
    )  # fmt: skip
    row = await Incident.select().where(Incident.id == new_id).first()
    assert (row["kind"], row["source"], row["status"]) == ("sns_impersonation", "staff", "open")
    assert row["department"] == old["dept"] and row["social_account"] == old["account"]
    assert row["discovered_at"] == dt.datetime(2026, 4, 10, 8, 15, tzinfo=JST) and row["legacy_social_incident"] is None
    assessment = (
        row["assessment"] if isinstance(row["assessment"], dict) else __import__("json").loads(row["assessment"])
    )
    assert assessment["report_required"] is False and row["report_required"] is False  # decided, not left blank
    assert await SocialIncident.count() == 2  # the old table is not written any more
    for key in ("report_platform", "warn_public", "stop_campaigns", "report_ciso"):
        closed = await IncidentService().record_step(
            old["account"], new_id, schemas.StepRecord(step=key, note=key), actor=koho,
            now=dt.datetime(2026, 4, 10, 12, 0, tzinfo=JST),
        )  # fmt: skip
    assert closed
    row = await Incident.select().where(Incident.id == new_id).first()
    assert row["status"] == "closed" and row["closed_by"] == old["user"]
    assert await IncidentStep.count() == 4 and await SocialIncidentStep.count() == 6


async def test_an_sns_incident_that_needs_a_report_stays_open_after_its_sns_steps():
    from governance.actor import Actor
    from governance.social import schemas
    from governance.social.services import IncidentService

    old = await old_data()
    koho = Actor(id=old["user"], label="koho 氏（koho）", roles=frozenset({"pr_staff"}))
    at = dt.datetime(2026, 4, 10, 9, 0, tzinfo=JST)
    new_id = await IncidentService().create(
        old["account"], schemas.IncidentCreate(kind="impersonation", detected_on=dt.date(2026, 4, 10),
                                               detected_time="08:15", summary="DMで個人情報を詐取"),
        actor=koho, now=at,
    )  # fmt: skip
    # the facts learnt later: residents' personal data was taken by the impersonator (不正の目的)
    await Incident.update({Incident.report_required: True}).where(Incident.id == new_id)
    for key in ("report_platform", "warn_public", "stop_campaigns", "report_ciso"):
        closed = await IncidentService().record_step(
            old["account"], new_id, schemas.StepRecord(step=key, note=key), actor=koho, now=at
        )
    assert closed is False
    assert (await Incident.select(Incident.status).where(Incident.id == new_id).first())["status"] == "open"
