"""Demo data for official social media accounts: several platforms, one missing MFA, one dormant, one closed."""

from __future__ import annotations

import datetime as dt

from governance.accounts.roles import Role
from governance.actor import Actor
from governance.calendar import TOKYO, today_tokyo
from governance.external.codes import ServiceKind
from governance.external.schemas import ServiceCreate
from governance.external.services import RegistryService
from governance.external.tables import ExternalService
from governance.social import schemas
from governance.social.services import AccountService, IncidentService, WorkflowService
from governance.social.tables import SocialApplication

PLATFORM_NAMES = {"x": "X（旧Twitter）", "line": "LINE", "instagram": "Instagram", "youtube": "YouTube",
                  "facebook": "Facebook"}  # fmt: skip


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10), tzinfo=TOKYO)


async def _platforms(koho: Actor) -> dict[str, int]:
    """The registered social media services by platform, registering those the external demo did not."""
    rows = await ExternalService.select(ExternalService.id, ExternalService.platform).where(
        ExternalService.kind == ServiceKind.social_media
    )
    ids = {r["platform"]: r["id"] for r in rows}
    for code, name in PLATFORM_NAMES.items():
        if code not in ids:
            ids[code] = await RegistryService().create(
                ServiceCreate(name=name, kind="social_media", platform=code, purpose="市政情報の発信"),
                scheme="R6",
                actor=koho,
            )
    return ids


def _complete(today: dt.date, **changes: object) -> schemas.ChecklistUpdate:
    values: dict[str, object] = {
        "mfa_enabled": True, "recovery_email": "koho@city.midori.lg.jp", "login_alerts": True,
        "third_party_apps_reviewed_on": today - dt.timedelta(days=20), "listed_on_website": True,
        "badge": "obtained", "password_changed_on": today - dt.timedelta(days=30),
    }  # fmt: skip
    values.update(changes)
    return schemas.ChecklistUpdate(**values)  # type: ignore[arg-type]


async def _open(account_id: int, officer: Actor, on: dt.date) -> None:
    app = await SocialApplication.select(SocialApplication.id).where(SocialApplication.account == account_id).first()
    await SocialApplication.update({SocialApplication.effective_on: on}).where(SocialApplication.id == app["id"])
    await WorkflowService().approve(account_id, app["id"], schemas.DecisionIn(comment="開設を承認します。"),
                                    actor=officer)  # fmt: skip


async def load_social_demo(users: dict[str, int], depts: dict[str, int]) -> None:
    """Accounts on X, LINE, Instagram, YouTube and Facebook in every state, an impersonation incident."""
    today = today_tokyo()
    koho = Actor(id=users["demo-koho"], label="広報 美咲（demo-koho）", roles=frozenset({Role.pr_staff}),
                 department_id=depts["KOHO"])  # fmt: skip
    ciso = Actor(id=users["demo-ciso"], label="情報 守（demo-ciso）", roles=frozenset({Role.security_officer}))
    shimin = Actor(id=users["demo-shimin"], label="市民 一郎（demo-shimin）",
                   roles=frozenset({Role.department_staff}), department_id=depts["SHIMIN"])  # fmt: skip
    platforms = await _platforms(koho)
    accounts = AccountService()

    def account(service: str, url: str, name: str, purpose: str, **rules: object) -> schemas.AccountCreate:
        values: dict[str, object] = {
            "service_id": platforms[service], "url": url, "display_name": name, "department_id": depts["KOHO"],
            "purpose": purpose, "audience": "市民の皆さま、みどり市に関心のある皆さま",
            "public_contact": "企画部 秘書広報課 0574-00-0000", "responsible_name": "秘書 広報課長",
            "responsible_title": "秘書広報課長", "responsible_from": today - dt.timedelta(days=800),
            "content_categories": ["市政・行政のお知らせ", "防災・災害・緊急情報", "イベント・講座"],
            "hours_start": "08:30", "hours_end": "17:15", "allowed_contacts": "0574-00-0000",
        }  # fmt: skip
        values.update(rules)
        return schemas.AccountCreate(**values)  # type: ignore[arg-type]

    # X: in operation, compliant, attested recently, with an operator and an impersonation handled
    x = await accounts.create(
        account("x", "https://x.com/midori_city", "みどり市役所", "市政情報や防災情報を迅速にお知らせするため。",
                approval="responsible", follow_policy="public_bodies"),
        actor=koho,
    )  # fmt: skip
    await accounts.update_checklist(x, _complete(today), actor=koho)
    await _open(x, ciso, today - dt.timedelta(days=700))
    await accounts.add_person(x, schemas.PersonAdd(role="operator", person_name="広報 美咲", title="秘書広報課 主事",
                                                   user_id=users["demo-koho"],
                                                   start_date=today - dt.timedelta(days=700)), actor=koho)  # fmt: skip
    await accounts.add_person(x, schemas.PersonAdd(role="credential_holder", person_name="秘書 広報課長",
                                                   start_date=today - dt.timedelta(days=700)), actor=koho)  # fmt: skip
    await WorkflowService().attest(
        x,
        schemas.AttestationIn(last_post_on=today - dt.timedelta(days=2), note="運用状況を確認", confirmed=True),
        actor=koho,
    )
    incident = await IncidentService().create(
        x, schemas.IncidentCreate(kind="impersonation", detected_on=today - dt.timedelta(days=10),
                                  summary="市のロゴを使ったなりすましアカウントが、給付金の案内を装って個人情報を求めていた。",
                                  fake_account_url="https://x.com/midoricity_info"),
        actor=koho,
    )  # fmt: skip
    for step in ("report_platform", "warn_public"):
        await IncidentService().record_step(x, incident, schemas.StepRecord(step=step, note="実施済み"), actor=koho)

    # LINE: in operation, but multi-factor authentication is off (non-compliant)
    line = await accounts.create(
        account("line", "https://line.me/R/ti/p/@midoricity", "みどり市LINE公式アカウント",
                "ごみの収集日や子育て情報などを、登録した方にお届けするため。"),
        actor=koho,
    )  # fmt: skip
    await accounts.update_checklist(line, _complete(today, mfa_enabled=False, badge="missing"), actor=koho)
    await _open(line, ciso, today - dt.timedelta(days=300))
    await WorkflowService().attest(line, schemas.AttestationIn(last_post_on=today - dt.timedelta(days=7),
                                                                confirmed=True), actor=koho)  # fmt: skip

    # Instagram: in operation, not re-attested and not posting for months (dormant)
    insta = await accounts.create(
        account("instagram", "https://www.instagram.com/midori_kanko/", "みどり市観光",
                "市内の観光地や季節の行事の魅力を発信するため。",
                content_categories=["観光・魅力発信", "イベント・講座"]),
        actor=koho,
    )  # fmt: skip
    await accounts.update_checklist(insta, _complete(today), actor=koho)
    await _open(insta, ciso, today - dt.timedelta(days=600))
    long_ago = today - dt.timedelta(days=320)
    await WorkflowService().attest(insta, schemas.AttestationIn(last_post_on=long_ago, confirmed=True), actor=koho,
                                   now=_at(long_ago))  # fmt: skip

    # YouTube: closed (official once)
    youtube = await accounts.create(
        account("youtube", "https://www.youtube.com/@midoricity", "みどり市公式チャンネル（旧）",
                "市政の動画を配信するため（新しいチャンネルへ移行しました）。"),
        actor=koho,
    )  # fmt: skip
    await accounts.update_checklist(youtube, _complete(today, badge="unavailable"), actor=koho)
    await _open(youtube, ciso, today - dt.timedelta(days=900))
    await WorkflowService().apply(youtube, schemas.ApplicationCreate(kind="close", reason="新チャンネルへの移行のため",
                                                                     effective_on=today - dt.timedelta(days=30)),
                                  actor=koho)  # fmt: skip
    closing = (
        await SocialApplication.select(SocialApplication.id)
        .where(SocialApplication.account == youtube, SocialApplication.kind == "close")
        .first()
    )
    await WorkflowService().approve(youtube, closing["id"], schemas.DecisionIn(comment="廃止を承認します。"),
                                    actor=ciso)  # fmt: skip

    # Facebook: a department's opening application waiting for the security officer
    await accounts.create(
        account("facebook", "https://www.facebook.com/midori.shimin", "みどり市 市民課",
                "窓口の混雑状況や手続の案内をお知らせするため。", department_id=depts["SHIMIN"],
                responsible_name="市民 課長", responsible_title="市民課長", responsible_from=today),
        actor=shimin,
    )  # fmt: skip
