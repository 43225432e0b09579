"""The contractor's 第一報 through a standing 事故報告用リンク of an engagement (TK-15, OUT-CON-10).

Staff issue one link per engagement for its contractor; the link is not used up by a report (an incident may happen
more than once), it works until it expires or is revoked. Tokens and refusals are those of every link
(``governance.links``). A report through the link opens an incident (``IncidentService.open`` with
``source="contractor_link"``) with the facts the contractor gave, keeps the report as sent (``IncidentReport``) with
its files, and tells the engagement's department and the security officers at once, in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from governance.accounts.roles import Role
from governance.actor import Actor
from governance.audit.services import AuditService
from governance.calendar import display_date
from governance.db import for_update, locked_row, write_transaction
from governance.engagements.tables import Engagement
from governance.errors import ConflictError, NotFoundError, ValidationError
from governance.files.services import FileService
from governance.incidents.report_form import IncidentReportForm
from governance.incidents.schemas import IncidentOpen
from governance.incidents.services import IncidentService
from governance.incidents.tables import IncidentKind, IncidentReport, IncidentReportLink
from governance.links import LinkGoneError, digest_of, issue_token, refuse_unusable
from governance.reminders.events import Event, notify, role_holders
from governance.scoping import ensure_own_department

MAX_FILES = 5
LINK_DAYS = 365
"""How long a new 事故報告用リンク works (a standing link for the engagement's term; it can be revoked sooner)."""
CONTRACTOR = Actor(id=None, label="委託事業者（事故報告用リンク）")
INFO_FIELDS = ("personal_info", "sensitive_info", "specific_personal_info")


@dataclass(frozen=True)
class ReportFile:
    """A file attached to a report."""

    data: bytes
    name: str


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.UTC)


def incident_of(form: IncidentReportForm, engagement: dict[str, Any]) -> IncidentOpen:
    """The incident a 第一報 opens: its facts as the contractor gave them (staff correct them as they learn more)."""
    touches_data = any(getattr(form, f) for f in INFO_FIELDS)
    summary = form.summary.strip()
    if form.data_description.strip():
        summary += f"\n\n対象となる情報：{form.data_description.strip()}"
    return IncidentOpen(
        kind=IncidentKind.data_breach if touches_data else IncidentKind.security_event,
        title=f"{engagement['title']}（委託事業者からの事故報告）"[:200],
        department_id=engagement["department"], engagement_id=engagement["id"],
        discovered_on=form.discovered_on, discovered_time=form.discovered_time, occurred_on=form.occurred_on,
        occurred_time=form.occurred_time, summary=summary[:4000], personal_info=form.personal_info,
        sensitive_info=form.sensitive_info, specific_personal_info=form.specific_personal_info,
        people_min=form.people_min, people_max=form.people_max, unauthorised_purpose=form.unauthorised_purpose,
        property_damage=form.property_damage, containment=form.containment.strip(),
    )  # fmt: skip


def report_body(form: IncidentReportForm) -> dict[str, Any]:
    """The 第一報 as sent, as JSON (dates as ISO text)."""
    body: dict[str, Any] = {}
    for name in IncidentReportForm.__struct_fields__:
        value = getattr(form, name)
        body[name] = value.isoformat() if isinstance(value, dt.date) else value
    return body


class IncidentReportLinkService:
    """Issue, revoke and use an engagement's 事故報告用リンク."""

    def __init__(self, data_dir: Any, audit: AuditService | None = None) -> None:
        self.audit = audit or AuditService()
        self.files = FileService(data_dir)

    @staticmethod
    async def links_of(engagement_id: int) -> list[dict[str, Any]]:
        """The engagement's links, newest first, with the number of reports each brought."""
        links = IncidentReportLink.select(
            IncidentReportLink.id, IncidentReportLink.token_prefix, IncidentReportLink.expires_at,
            IncidentReportLink.revoked_at, IncidentReportLink.created_at,
            IncidentReportLink.created_by.full_name.as_alias("created_by_name"),
        ).where(IncidentReportLink.engagement == engagement_id)  # fmt: skip
        links = await links.order_by(IncidentReportLink.id, ascending=False)
        if links:
            reports = await IncidentReport.select(IncidentReport.link, IncidentReport.incident).where(
                IncidentReport.link.is_in([r["id"] for r in links])
            )
            for link in links:
                link["incidents"] = [r["incident"] for r in reports if r["link"] == link["id"]]
        return links

    async def create(
        self, engagement_id: int, *, actor: Actor, days: int = LINK_DAYS, now: dt.datetime | None = None
    ) -> str:
        """Issue a link for the engagement; returns the token (shown once, never stored in clear).

        Raises:
            NotFoundError: no such engagement.
            ValidationError: a department-scoped actor and another department's engagement.
        """
        now = _now(now)
        issued = issue_token()
        async with write_transaction():
            engagement = await locked_row(Engagement, engagement_id, "委託業務")
            ensure_own_department(actor, engagement["department"], field="engagement")
            link_id = (
                await IncidentReportLink.insert(
                    IncidentReportLink(
                        engagement=engagement_id, token_hash=issued.digest, token_prefix=issued.prefix,
                        expires_at=now + dt.timedelta(days=days), created_by=actor.id, created_at=now,
                    )
                ).returning(IncidentReportLink.id)
            )[0]["id"]  # fmt: skip
            await self.audit.record(
                "incident_report_link.created", actor=actor, target_type="engagement", target_id=engagement_id,
                target_label=engagement["title"], after={"link": link_id, "prefix": issued.prefix, "days": days},
                now=now,
            )  # fmt: skip
        return issued.token

    async def revoke(self, link_id: int, *, engagement_id: int, actor: Actor, now: dt.datetime | None = None) -> None:
        """Revoke a link (it stops working at once).

        Raises:
            NotFoundError: no such link for this engagement.
            ConflictError: already revoked.
            ValidationError: a department-scoped actor and another department's engagement.
        """
        now = _now(now)
        async with write_transaction():
            row = await for_update(IncidentReportLink.select().where(IncidentReportLink.id == link_id)).first()
            if row is None or row["engagement"] != engagement_id:
                raise NotFoundError("事故報告用リンク", link_id)
            engagement = await locked_row(Engagement, engagement_id, "委託業務")
            ensure_own_department(actor, engagement["department"], field="engagement")
            if row["revoked_at"]:
                raise ConflictError("この事故報告用リンクはすでに取り消されています。")
            await IncidentReportLink.update({IncidentReportLink.revoked_at: now}).where(
                IncidentReportLink.id == link_id
            )
            await self.audit.record(
                "incident_report_link.revoked", actor=actor, target_type="engagement", target_id=engagement_id,
                target_label=engagement["title"], before={"link": link_id, "prefix": row["token_prefix"]}, now=now,
            )  # fmt: skip

    async def open(self, token: str, *, now: dt.datetime | None = None) -> dict[str, Any]:
        """The engagement a valid token opens (title, department, contractor).

        Raises:
            NotFoundError: no such token.
            LinkGoneError: expired or revoked.
        """
        now = _now(now)
        digest = digest_of(token)
        row = None
        if digest is not None:
            row = await IncidentReportLink.select(
                IncidentReportLink.all_columns(), IncidentReportLink.engagement.title.as_alias("engagement_title"),
                IncidentReportLink.engagement.department.as_alias("department"),
                IncidentReportLink.engagement.department.name.as_alias("department_name"),
            ).where(IncidentReportLink.token_hash == digest).first()  # fmt: skip
        if row is None:
            raise NotFoundError("事故報告用リンク", "指定のリンク")
        refuse_unusable(row, now)
        return row

    async def submit(
        self, token: str, form: IncidentReportForm, *, files: list[ReportFile], now: dt.datetime | None = None
    ) -> int:
        """Open an incident from the contractor's 第一報, keep the report and its files, tell the department.

        Returns:
            The incident's id.

        Raises:
            ValidationError: too many files, a refused file, or facts that cannot be true (as IncidentService.open).
            NotFoundError / LinkGoneError: as ``open``.
        """
        now = _now(now)
        if len(files) > MAX_FILES:
            raise ValidationError({"files": f"添付できるファイルは{MAX_FILES}件までです。"})
        link = await self.open(token, now=now)  # clear errors before anything is stored
        engagement = {"id": link["engagement"], "title": link["engagement_title"], "department": link["department"]}
        data = incident_of(form, engagement)
        body = report_body(form)
        async with write_transaction():
            locked = await for_update(IncidentReportLink.select().where(IncidentReportLink.id == link["id"])).first()
            if locked["revoked_at"]:
                raise LinkGoneError("このリンクは取り消されています。担当課にお問い合わせください。")
            file_ids = [await self.files.save(f.data, f.name, actor=CONTRACTOR, field="files", now=now) for f in files]
            incident_id = await IncidentService(self.audit).open(
                data, actor=_reporter(form), now=now, source="contractor_link", report={**body, "files": file_ids}
            )
            report_id = (
                await IncidentReport.insert(
                    IncidentReport(
                        link=link["id"], incident=incident_id, reporter_name=form.reporter_name.strip()[:100],
                        reporter_email=form.reporter_email.strip()[:254], body=body, files=file_ids,
                        submitted_at=now,
                    )
                ).returning(IncidentReport.id)
            )[0]["id"]  # fmt: skip
            people = await role_holders(Role.department_staff, department_id=link["department"])
            people += await role_holders(Role.security_officer)
            detail = (
                f"委託業務：{link['engagement_title']}\n報告者：{form.reporter_name.strip()}"
                f"{'（' + form.reporter_org.strip() + '）' if form.reporter_org.strip() else ''}\n"
                f"発覚日：{display_date(form.discovered_on)}\n概要：{form.summary.strip()[:200]}"
            )
            await notify(
                Event("incident.reported", "incident", incident_id, data.title, f"/incidents/{incident_id}", detail),
                people, now=now,
            )  # fmt: skip
            await self.audit.record(
                "incident.reported", actor=_reporter(form), target_type="incident", target_id=incident_id,
                target_label=data.title, after={"report": report_id, "link": link["id"], "files": file_ids}, now=now,
            )  # fmt: skip
        return incident_id


def _reporter(form: IncidentReportForm) -> Actor:
    """The contractor as the actor of its report (no account: the name given on the form)."""
    org = form.reporter_org.strip()
    return Actor(
        id=None, label=f"{form.reporter_name.strip()}{'（' + org + '）' if org else ''}（事故報告用リンク）"[:200]
    )
