"""Event notices: the one way a workflow step tells the person(s) who must act next.

A service calls ``notify`` inside the transaction of its decision, so a decision rolled back sends nothing. The
notice goes into the notification log (exactly once per event and recipient, by its unique key) and the reminder
run mails it; the home page lists the signed-in user's recent ones (``recent_for``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from governance.accounts.roles import SCOPED_ROLES
from governance.reminders.notify import Notice, Recipient, enqueue, recipients_by_id, users_with_role
from governance.reminders.tables import Notification

FOOTER = "※このメールは情報セキュリティ管理システム（governance）から自動で送信しています。\n"


@dataclass(frozen=True)
class EventText:
    """How an event reads: the heading of the subject line, what happened, and what the reader should do."""

    heading: str
    lead: str
    action: str


EVENTS: dict[str, EventText] = {
    "selection.submitted": EventText(
        "選定の承認依頼", "委託事業者の選定記録が提出されました。", "内容を確認し、承認又は差戻しをしてください。"
    ),
    "selection.approved": EventText("選定の承認", "提出した選定記録が承認されました。", "契約書案の作成に進めます。"),
    "selection.returned": EventText(
        "選定の差戻し", "提出した選定記録が差し戻されました。", "差戻しの理由を確認し、修正して再度提出してください。"
    ),
    "external_application.submitted": EventText(
        "外部サービス利用申請の審査依頼",
        "外部サービスの利用申請が提出されました。",
        "内容を確認し、審査のうえ承認・却下又は差戻しをしてください。",
    ),
    "external_application.approved": EventText(
        "外部サービス利用申請の承認",
        "外部サービスの利用申請が承認されました。",
        "外部サービス管理者は、利用の開始に必要な確認を行ってください。",
    ),
    "external_application.rejected": EventText(
        "外部サービス利用申請の却下", "外部サービスの利用申請が却下されました。", "却下の理由を確認してください。"
    ),
    "external_application.returned": EventText(
        "外部サービス利用申請の差戻し",
        "外部サービスの利用申請が差し戻されました。",
        "差戻しの理由を確認し、修正して再度申請してください。",
    ),
    "social_application.submitted": EventText(
        "SNSアカウントの申請の承認依頼",
        "SNSアカウントの開設・廃止の申請が提出されました。",
        "内容を確認し、承認又は差戻しをしてください。",
    ),
    "social_application.approved": EventText(
        "SNSアカウントの申請の承認",
        "SNSアカウントの開設・廃止の申請が承認されました。",
        "アカウントの状態を確認してください。",
    ),
    "social_application.returned": EventText(
        "SNSアカウントの申請の差戻し",
        "SNSアカウントの開設・廃止の申請が差し戻されました。",
        "差戻しの理由を確認し、必要に応じて再度申請してください。",
    ),
    "subcontractor.requested": EventText(
        "再委託の承認依頼",
        "契約書案に再委託先が記載され、再委託の承認を待っています。",
        "再委託先を評価し、承認又は不承認を判断してください。",
    ),
    "subcontractor.approved": EventText(
        "再委託の承認", "再委託先が承認されました。", "契約書案の手続を進めてください。"
    ),
    "incident.reported": EventText(
        "委託事業者からの事故報告",
        "委託事業者から事故報告用リンクで事故報告書（第一報）が提出され、事故・インシデントの記録を作成しました。",
        "事実関係を確認し、個人情報保護委員会への報告の要否と期限を確認のうえ、対応を記録してください。",
    ),
    "subcontractor.refused": EventText(
        "再委託の不承認", "再委託先が承認されませんでした。", "所見を確認し、再委託先又は契約書案を見直してください。"
    ),
}
"""Every workflow event that notifies someone, by its rule (the audit action of the step, where there is one)."""

EVENT_LABELS: dict[str, str] = {rule: text.heading for rule, text in EVENTS.items()}


@dataclass(frozen=True)
class Event:
    """One occurrence of a workflow event about one record."""

    rule: str
    subject_type: str
    subject_id: int
    subject: str
    """What it is about, as a person names it (「住民情報システム運用保守業務」の選定記録（第1版）)."""
    link: str
    detail: str = ""
    """More lines for the body (a comment, a reason), or empty."""


def notice_of(event: Event, now: dt.datetime) -> Notice:
    """The notice of an event; its occurrence is the event's instant, so a later, new event is told again."""
    text = EVENTS[event.rule]
    lines = [text.lead, "", f"件名：{event.subject}", *([event.detail.strip()] if event.detail.strip() else [])]
    lines += ["", text.action, "詳しくは次のページでご確認ください。", "{url}", "", ""]
    body = "\n".join(lines)
    return Notice(
        event.subject_type, event.subject_id, event.rule, now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S.%f"),
        f"【{text.heading}】{event.subject}", body + FOOTER, event.link,
    )  # fmt: skip


def unique(people: Iterable[Recipient]) -> list[Recipient]:
    """Each person once, in the order first met."""
    seen: dict[int, Recipient] = {}
    for person in people:
        seen.setdefault(person.user_id, person)
    return list(seen.values())


async def role_holders(*roles: str, department_id: int | None = None) -> list[Recipient]:
    """Active holders of any of the roles, each once.

    A departmental role (情報セキュリティ管理者, 所管課担当者 …) counts only in the record's department.
    """
    out: list[Recipient] = []
    for role in roles:
        scoped = str(role) in SCOPED_ROLES and department_id is not None
        out += await users_with_role(role, department_id=department_id if scoped else None)
    return unique(out)


async def people(*user_ids: int | None) -> list[Recipient]:
    """The active users among these ids, as recipients (a missing id or a left user is skipped)."""
    found = await recipients_by_id([i for i in user_ids if i is not None])
    return unique(found[i] for i in user_ids if i in found)


async def notify(
    event: Event, recipients: Iterable[Recipient], *, now: dt.datetime, actor_id: int | None = None
) -> list[Recipient]:
    """Record the event's notice for each recipient but the one who acted; returns who will be told.

    Call it inside the decision's transaction. The same event recorded twice (a retried request) is one notice.
    """
    told = [r for r in unique(recipients) if r.user_id != actor_id]
    if told:
        notice = notice_of(event, now)
        await enqueue([(notice, r) for r in told], now=now)
    return told


async def recent_for(user_id: int, *, now: dt.datetime, days: int = 30, limit: int = 20) -> list[dict[str, Any]]:
    """The user's notices (events and reminders) of the last ``days`` days, newest first."""
    return await (
        Notification.select(
            Notification.id, Notification.title, Notification.link, Notification.rule, Notification.created_at
        )
        .where(Notification.recipient == user_id, Notification.created_at >= now - dt.timedelta(days=days))
        .order_by(Notification.created_at, ascending=False)
        .order_by(Notification.id, ascending=False)
        .limit(limit)
    )
