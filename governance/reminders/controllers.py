"""The notification log (pages and API), personal and department calendar feeds, and the feed itself."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Stream, Template

from governance.accounts.roles import ALL_ROLES, Role
from governance.errors import DomainError, NotFoundError
from governance.exports import field
from governance.reminders.events import EVENT_LABELS
from governance.reminders.ical import CalendarFeedService, build_ics_in_thread
from governance.reminders.rules import SUBJECT_LABELS
from governance.reminders.services import NotificationLog, ReminderService
from governance.reminders.tables import NOTIFICATION_STATUS_LABELS
from governance.verification.schemas import NotificationOut
from governance.web.access import PUBLIC, access
from governance.web.exporting import ExportOperation, ExportParam, export_links, export_response, wanted_format
from governance.web.pages import notice_of, principal, redirect, render
from governance.web.params import PathId, query_page

LOG_READERS = access(Role.admin, Role.security_officer, Role.auditor)
LOG_ADMIN = access(Role.admin, Role.security_officer)
PER_PAGE = 100
RULE_LABELS = {
    **SUBJECT_LABELS, **EVENT_LABELS, "escalation": "重大な指摘事項の報告", "department-report": "重要な指摘事項の報告",
    "report_submitted": "報告の提出",
}  # fmt: skip
EXPORT_TITLE = "通知の記録"
NOTIFICATION_COLUMNS = (
    field("id", "番号", 8),
    field("created_at", "記録日時", 18),
    field("sent_at", "送信日時", 18),
    field("rule", "種類", 24, labels=RULE_LABELS),
    field("recipient_name", "宛先", 16),
    field("email", "メールアドレス", 28),
    field("title", "件名", 40),
    field("status", "状態", 16, labels=NOTIFICATION_STATUS_LABELS),
    field("attempts", "試行回数", 8),
    field("next_attempt_at", "次の送信予定", 18),
    field("last_error", "エラー", 40),
    field("subject_type", "対象の種類", 14),
    field("subject_id", "対象の番号", 8),
    field("occurrence", "回", 20),
    field("link", "リンク", 30),
)
"""通知の記録 as exported: what was sent to whom, when, and whether it got through."""


def _status(value: str | None) -> str | None:
    """The state filter (an unknown state filters nothing, as the list has always read it)."""
    return value if value in NOTIFICATION_STATUS_LABELS else None


class NotificationPageController(Controller):
    """通知の記録: every reminder and notice, with its delivery state."""

    path = "/notifications"
    include_in_schema = False

    @get("/", opt=LOG_READERS)
    async def index(self, request: Request[Any, Any, Any]) -> Template | Stream:
        """The log, newest first, filtered by delivery state (``?format=xlsx|csv``: every entry as a file)."""
        status = str(request.query_params.get("status", ""))[:20]
        if fmt := wanted_format(request):
            rows = NotificationLog().export_rows(_status(status))
            return await export_response(fmt, EXPORT_TITLE, NOTIFICATION_COLUMNS, rows, fallback="notifications")
        page = query_page(request.query_params)
        items, total = await NotificationLog().page(_status(status), PER_PAGE, (page - 1) * PER_PAGE)
        return render(
            "reminders/notifications.html", items=items, total=total, status=status, page=page,
            pages=max(1, -(-total // PER_PAGE)), statuses=NOTIFICATION_STATUS_LABELS, rules=RULE_LABELS,
            can_retry=principal(request).has_any(Role.admin, Role.security_officer),
            smtp=bool(request.app.state.settings.smtp_host), notice=notice_of(request), active_nav="verification",
            exports=export_links(request),
        )  # fmt: skip

    @post("/{notification_id:int}/retry", opt=LOG_ADMIN)
    async def retry(self, request: Request[Any, Any, Any], notification_id: PathId) -> Redirect:
        """Send a failed notification again at the next run."""
        await ReminderService(request.app.state.settings).retry(notification_id, actor=principal(request).actor)
        return redirect("/notifications", "saved")


class NotificationApiController(Controller):
    """The notification log over the API."""

    path = "/api/v1/notifications"
    tags = ["reminders"]

    @get("/", opt=LOG_READERS, operation_class=ExportOperation)
    async def list_notifications(
        self,
        request: Request[Any, Any, Any],
        status: Annotated[str | None, QueryParameter(max_length=20)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
        offset: Annotated[int, QueryParameter(ge=0, le=10_000_000)] = 0,
        format: ExportParam = None,  # read through wanted_format(), with Accept
    ) -> list[NotificationOut] | Stream:
        """Notifications, newest first (``format=xlsx`` or ``csv``: every one of the state as a file)."""
        if fmt := wanted_format(request):
            rows = NotificationLog().export_rows(_status(status))
            return await export_response(fmt, EXPORT_TITLE, NOTIFICATION_COLUMNS, rows, fallback="notifications")
        rows, _ = await NotificationLog().page(_status(status), limit, offset)
        return [
            NotificationOut(
                id=r["id"], subject_type=r["subject_type"], subject_id=r["subject_id"], rule=r["rule"],
                occurrence=r["occurrence"], recipient_id=r["recipient"], email=r["email"], title=r["title"],
                status=r["status"], attempts=r["attempts"], last_error=r["last_error"], created_at=r["created_at"],
                sent_at=r["sent_at"],
            )
            for r in rows
        ]  # fmt: skip


class CalendarSettingsController(Controller):
    """予定表の購読: private feed URLs for oneself and one's department."""

    path = "/account/calendar"
    include_in_schema = False
    opt = access(ALL_ROLES)

    async def _page(self, request: Request[Any, Any, Any], *, new_url: str | None = None) -> Template:
        me = principal(request)
        feeds = await CalendarFeedService().feeds(user_id=me.id, department_id=me.department_id)
        return render(
            "reminders/calendar.html", feeds=feeds, me=me, new_url=new_url, notice=notice_of(request),
            active_nav="home",
        )  # fmt: skip

    @get("/")
    async def show(self, request: Request[Any, Any, Any]) -> Template:
        """The feeds of the user and of their department."""
        return await self._page(request)

    @post("/")
    async def create(self, request: Request[Any, Any, Any]) -> Template:
        """Issue a feed URL (shown once) for oneself or for one's department."""
        me = principal(request)
        scope = (await request.form()).get("scope")
        svc = CalendarFeedService()
        if scope == "department":
            token = await svc.create(actor=me.actor, department_id=me.department_id)
        else:
            token = await svc.create(actor=me.actor, user_id=me.id)
        return await self._page(request, new_url=f"{request.app.state.settings.public_base_url}/calendar/{token}.ics")

    @post("/{feed_id:int}/revoke")
    async def revoke(self, request: Request[Any, Any, Any], feed_id: PathId) -> Redirect:
        """Revoke a feed URL (a calendar subscribed to it stops updating)."""
        me = principal(request)
        await CalendarFeedService().revoke(feed_id, actor=me.actor, user_id=me.id, department_id=me.department_id)
        return redirect("/account/calendar", "saved")


class CalendarFeedController(Controller):
    """The feed itself: its unguessable URL is the credential (calendar programs cannot sign in)."""

    path = "/calendar"
    include_in_schema = False
    opt = access(PUBLIC)

    @get("/{token:str}")
    async def feed(self, request: Request[Any, Any, Any], token: FromPath[str]) -> Response[bytes]:
        """The iCalendar (.ics) of the feed's due dates."""
        import datetime as dt

        token = token.removesuffix(".ics")
        svc = CalendarFeedService()
        try:
            if len(token) > 100:
                raise NotFoundError("予定表", "指定のURL")
            feed = await svc.resolve(token)
        except DomainError:
            return Response(b"not found\n", status_code=404, media_type="text/plain")
        name = f"期限（{feed['user_name'] or feed['department_name']}）"
        settings = request.app.state.settings
        body = await build_ics_in_thread(
            await svc.events(feed), name=name, base_url=settings.public_base_url, now=dt.datetime.now(dt.UTC)
        )
        return Response(
            body, media_type="text/calendar; charset=utf-8",
            headers={"Cache-Control": "private, max-age=300", "Content-Disposition": 'inline; filename="due.ics"'},
        )  # fmt: skip
