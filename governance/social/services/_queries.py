"""Reading accounts as staff see them: the list and detail with their flags (public views: _public_queries)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from governance.calendar import today_tokyo
from governance.db import keyset_chunks
from governance.errors import NotFoundError
from governance.incidents.tables import Incident, IncidentStep, StepStatus
from governance.schema import MAX_DATE, MIN_DATE
from governance.social import schemas
from governance.social.checklist import evaluate
from governance.social.incidents import INCIDENT_KIND_LABELS, SOCIAL_KINDS, steps_of
from governance.social.lifecycle import (
    APPLICATION_KIND_LABELS,
    APPLICATION_STATUS_LABELS,
    STATUS_LABELS,
    AccountStatus,
    Assignment,
    dormancy,
    responsible_problem,
)
from governance.social.platforms import PLATFORM_LABELS
from governance.social.rules import APPROVAL_LABELS, FOLLOW_LABELS, REPLY_LABELS
from governance.social.services._common import Settings, account_rules, load_settings, rules_of, security_facts
from governance.social.services._public_queries import (
    PublicAccountQueries,
    account_columns,
)
from governance.social.tables import (
    PERSON_ROLE_LABELS,
    PersonRole,
    SocialAccount,
    SocialApplication,
    SocialAssignment,
    SocialAttestation,
)


def _enterable(day: dt.date | None) -> dt.date | None:
    """A stored date as the edit form may show it again.

    One stored before input was bounded (outside 1900–2200) is left out of the form instead of failing the page.
    """
    return day if day is None or MIN_DATE <= day <= MAX_DATE else None


@dataclass(frozen=True)
class AccountFilter:
    """Filters of the staff list."""

    status: str = ""
    department_id: int | None = None
    platform: str = ""
    flag: str = ""
    """``noncompliant``, ``dormant`` or empty."""


def _account_where(filters: AccountFilter) -> list[Any]:
    """The conditions of the staff list's filters, shared by the page, the API list and the export."""
    where: list[Any] = []
    if filters.status:
        where.append(SocialAccount.status == filters.status)
    if filters.department_id:
        where.append(SocialAccount.department == filters.department_id)
    if filters.platform:
        where.append(SocialAccount.service.platform == filters.platform)
    return where


def _flagged(summary: dict[str, Any], flag: str) -> bool:
    """Whether a listed account passes the ``flag`` filter (judged on its flags as of today, not in SQL)."""
    if flag == "noncompliant":
        return not summary["compliant"] and summary["status"] != AccountStatus.closed
    if flag == "dormant":
        return summary["dormant"]
    return True


class AccountQueries(PublicAccountQueries):
    """Read-only views of accounts."""

    # -- staff views ---------------------------------------------------------------------------------------------

    @staticmethod
    async def _responsibles(ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        out: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
        if ids:
            for r in await SocialAssignment.select().where(
                SocialAssignment.account.is_in(ids), SocialAssignment.role == PersonRole.responsible
            ):
                out[r["account"]].append(r)
        return out

    @staticmethod
    def _summary(
        row: dict[str, Any], people: list[dict[str, Any]], settings: Settings, today: dt.date
    ) -> dict[str, Any]:
        platform = row["platform"] or "other"
        checklist = evaluate(security_facts(row), platform_code=platform, policy=settings.checklist, today=today)
        flags = dormancy(
            status=row["status"], today=today, opened_on=row["opened_on"], last_attested_on=row["last_attested_on"],
            last_post_on=row["last_post_on"], cycle_months=settings.cycle_months,
            inactive_months=settings.inactive_months,
        )  # fmt: skip
        current = [p for p in people if p["start_date"] <= today and (p["end_date"] is None or today <= p["end_date"])]
        current = current or sorted(people, key=lambda p: p["start_date"])[-1:]
        return {
            "id": row["id"], "display_name": row["display_name"], "handle": row["handle"],
            "profile_url": row["profile_url"], "platform": platform,
            "platform_label": PLATFORM_LABELS.get(platform, platform), "service_id": row["service"],
            "service_name": row["service_name"], "department_id": row["department"],
            "department_name": row["department_name"], "status": row["status"],
            "status_label": STATUS_LABELS.get(row["status"], row["status"]),
            "responsible_name": "、".join(p["person_name"] for p in current),
            "compliant": checklist.compliant, "missing": [i.label for i in checklist.missing],
            "dormant": flags.dormant, "dormant_reasons": list(flags.reasons),
            "attestation_due": flags.attestation_due, "attestation_due_soon": flags.attestation_due_soon,
        }  # fmt: skip

    async def list(
        self, filters: AccountFilter | None = None, *, today: dt.date | None = None
    ) -> list[schemas.AccountSummary]:
        """Every account matching the filters, with compliance and dormant flags as of today."""
        filters = filters or AccountFilter()
        today = today or today_tokyo()
        settings = await load_settings()
        query = SocialAccount.select(*account_columns()).order_by(SocialAccount.department).order_by(SocialAccount.id)
        if where := _account_where(filters):
            query = query.where(*where)
        rows = await query
        people = await self._responsibles([r["id"] for r in rows])
        summaries = [self._summary(r, people[r["id"]], settings, today) for r in rows]
        return [schemas.AccountSummary(**s) for s in summaries if _flagged(s, filters.flag)]

    async def export_rows(
        self, filters: AccountFilter, *, today: dt.date | None = None, chunk: int = 500
    ) -> AsyncIterator[dict[str, Any]]:
        """Every account the staff list shows with these filters, in registration order, a chunk at a time.

        Each row is the list's summary with the account's dates, purpose and number of operators in role today.
        """
        today = today or today_tokyo()
        settings = await load_settings()
        async for rows in keyset_chunks(lambda: SocialAccount.select(*account_columns()), SocialAccount,
                                        _account_where(filters), chunk=chunk):  # fmt: skip
            ids = [r["id"] for r in rows]
            people = await self._responsibles(ids)
            operators = await self._operator_counts(ids, today)
            for row in rows:
                summary = self._summary(row, people[row["id"]], settings, today)
                if _flagged(summary, filters.flag):
                    keep = ("purpose", "opened_on", "closed_on", "last_attested_on", "last_post_on",
                            "operated_by_contractor")  # fmt: skip
                    yield {**summary, **{k: row[k] for k in keep}, "operator_count": operators[row["id"]]}

    @staticmethod
    async def _operator_counts(ids: list[int], today: dt.date) -> dict[int, int]:
        """How many operators (発信者) each account has in role today."""
        counts = dict.fromkeys(ids, 0)
        if ids:
            rows = await SocialAssignment.select(
                SocialAssignment.account, SocialAssignment.start_date, SocialAssignment.end_date
            ).where(SocialAssignment.account.is_in(ids), SocialAssignment.role == PersonRole.operator)
            for r in rows:
                if r["start_date"] <= today and (r["end_date"] is None or today <= r["end_date"]):
                    counts[r["account"]] += 1
        return counts

    async def get(self, account_id: int, *, today: dt.date | None = None) -> schemas.Account:
        """An account with its rules, checklist, people, applications, attestations and incidents.

        Raises:
            NotFoundError: no such account.
        """
        today = today or today_tokyo()
        settings = await load_settings()
        row = await SocialAccount.select(*account_columns()).where(SocialAccount.id == account_id).first()
        if row is None:
            raise NotFoundError("SNSアカウント", account_id)
        people = (
            await SocialAssignment.select()
            .where(SocialAssignment.account == account_id)
            .order_by(SocialAssignment.role)
            .order_by(SocialAssignment.start_date)
            .order_by(SocialAssignment.id)
        )
        summary = self._summary(row, [p for p in people if p["role"] == PersonRole.responsible], settings, today)
        checklist = evaluate(security_facts(row), platform_code=summary["platform"], policy=settings.checklist,
                             today=today)  # fmt: skip
        rules = rules_of(row, settings)
        own = account_rules(row)
        responsibles = [Assignment(p["person_name"], p["start_date"], p["end_date"])
                        for p in people if p["role"] == PersonRole.responsible]  # fmt: skip
        return schemas.Account(
            **summary,
            purpose=row["purpose"], audience=row["audience"], public_contact=row["public_contact"],
            opened_on=row["opened_on"], closed_on=row["closed_on"],
            operated_by_contractor=row["operated_by_contractor"], engagement_id=row["engagement"],
            last_attested_on=row["last_attested_on"], last_post_on=row["last_post_on"],
            responsible_problem=responsible_problem(responsibles, today),
            rules=schemas.RulesOut(
                content_categories=list(rules.content_categories), prohibited_content=list(rules.prohibited_content),
                prohibited_terms=list(rules.prohibited_terms), classified_markers=list(rules.classified_markers),
                allowed_link_domains=list(rules.allowed_link_domains), allowed_contacts=list(rules.allowed_contacts),
                hours_start=f"{rules.hours_start:%H:%M}" if rules.hours_start else "",
                hours_end=f"{rules.hours_end:%H:%M}" if rules.hours_end else "",
                approval=rules.approval, approval_label=APPROVAL_LABELS.get(rules.approval, rules.approval),
                reply_policy=rules.reply_policy, reply_label=REPLY_LABELS.get(rules.reply_policy, ""),
                follow_policy=rules.follow_policy, follow_label=FOLLOW_LABELS.get(rules.follow_policy, ""),
                availability2_on_website=rules.availability2_on_website, problems=dict(rules.loosened),
            ),
            own_rules=schemas.RulesUpdate(
                content_categories=list(own.content_categories),
                extra_prohibited_content="\n".join(own.extra_prohibited_content),
                prohibited_terms="\n".join(own.prohibited_terms),
                extra_classified_markers="\n".join(own.extra_classified_markers),
                allowed_link_domains="\n".join(own.allowed_link_domains or ()),
                allowed_contacts="\n".join(own.allowed_contacts),
                hours_start=row["hours_start"], hours_end=row["hours_end"], approval=row["approval"],
                reply_policy=row["reply_policy"], follow_policy=row["follow_policy"],
                availability2_on_website=row["availability2_on_website"],
            ),
            security=schemas.ChecklistUpdate(
                mfa_enabled=row["mfa_enabled"], recovery_email=row["recovery_email"],
                login_alerts=row["login_alerts"],
                third_party_apps_reviewed_on=_enterable(row["third_party_apps_reviewed_on"]),
                listed_on_website=row["listed_on_website"], badge=row["badge"],
                password_changed_on=_enterable(row["password_changed_on"]),
            ),
            checklist=[
                schemas.CheckItemOut(key=i.key, label=i.label, requirement_ids=list(i.requirement_ids), ok=i.ok,
                                     applicable=i.applicable, detail=i.detail)
                for i in checklist.items
            ],
            people=[
                schemas.PersonOut(
                    id=p["id"], role=p["role"], role_label=PERSON_ROLE_LABELS.get(p["role"], p["role"]),
                    person_name=p["person_name"], title=p["title"], user_id=p["user"], start_date=p["start_date"],
                    end_date=p["end_date"],
                    current=p["start_date"] <= today and (p["end_date"] is None or today <= p["end_date"]),
                )
                for p in people
            ],
            applications=await self._applications(account_id),
            attestations=[
                schemas.AttestationOut(id=a["id"], attested_on=a["attested_on"], responsible_name=a["responsible_name"],
                                       last_post_on=a["last_post_on"], note=a["note"],
                                       attested_by_label=a["attested_by_label"])
                for a in await SocialAttestation.select().where(SocialAttestation.account == account_id)
                .order_by(SocialAttestation.id, ascending=False)
            ],
            incidents=await self.incidents(account_id),
        )  # fmt: skip

    @staticmethod
    async def _applications(account_id: int) -> list[schemas.ApplicationOut]:
        rows = (
            await SocialApplication.select()
            .where(SocialApplication.account == account_id)
            .order_by(SocialApplication.id, ascending=False)
        )
        return [
            schemas.ApplicationOut(
                id=a["id"], kind=a["kind"], kind_label=APPLICATION_KIND_LABELS.get(a["kind"], a["kind"]),
                status=a["status"], status_label=APPLICATION_STATUS_LABELS.get(a["status"], a["status"]),
                reason=a["reason"], effective_on=a["effective_on"], applicant_id=a["applicant"],
                applicant_label=a["applicant_label"], submitted_at=a["submitted_at"],
                decided_by_label=a["decided_by_label"], decided_at=a["decided_at"],
                decision_comment=a["decision_comment"],
            )
            for a in rows
        ]  # fmt: skip

    @staticmethod
    async def incidents(account_id: int) -> list[schemas.IncidentOut]:
        """An account's incidents, newest first, each with every step (done or not)."""
        rows = (
            await Incident.select()
            .where(Incident.social_account == account_id, Incident.kind.is_in(list(SOCIAL_KINDS)))
            .order_by(Incident.id, ascending=False)
        )
        done: dict[int, dict[str, dict[str, Any]]] = {r["id"]: {} for r in rows}
        if rows:
            steps_done = IncidentStep.select().where(
                IncidentStep.incident.is_in(list(done)), IncidentStep.status == StepStatus.done
            )
            for s in await steps_done.order_by(IncidentStep.id):
                done[s["incident"]].setdefault(s["step"], s)  # the first entry of a step is when it was done
        out = []
        for r in rows:
            kind = SOCIAL_KINDS[r["kind"]]
            steps = []
            for s in steps_of(kind):
                rec = done[r["id"]].get(s.key)
                steps.append(
                    schemas.StepOut(key=s.key, label=s.label, requirement_ids=list(s.requirement_ids),
                                    done=rec is not None, done_at=rec["done_at"] if rec else None,
                                    done_by_label=rec["done_by_label"] if rec else "", note=rec["note"] if rec else "")
                )  # fmt: skip
            out.append(
                schemas.IncidentOut(
                    id=r["id"], account_id=account_id, kind=kind,
                    kind_label=INCIDENT_KIND_LABELS.get(kind, kind), detected_at=r["discovered_at"],
                    summary=r["summary"], fake_account_url=r["fake_account_url"],
                    reported_by_label=r["reported_by_label"], closed_at=r["closed_at"], steps=steps,
                )
            )  # fmt: skip
        return out


async def form_options() -> dict[str, dict[str, str]]:
    """Pick lists for the account forms: platforms (registered social media services), departments, users."""
    from governance.accounts.tables import Department, User
    from governance.engagements.tables import Engagement
    from governance.external.codes import ServiceKind
    from governance.external.tables import ExternalService

    services = (
        await ExternalService.select(ExternalService.id, ExternalService.name, ExternalService.platform)
        .where(ExternalService.kind == ServiceKind.social_media)
        .order_by(ExternalService.id)
    )
    departments = await Department.select(Department.id, Department.name).where(Department.active.eq(True))
    users = await User.select(User.id, User.full_name, User.department.name.as_alias("dept")).where(
        User.active.eq(True)
    )
    engagements = await Engagement.select(Engagement.id, Engagement.title).order_by(Engagement.id)
    return {
        "services": {
            str(s["id"]): f"{PLATFORM_LABELS.get(s['platform'] or 'other', '')}（{s['name']}）" for s in services
        },
        "departments": {str(d["id"]): d["name"] for d in departments},
        "users": {str(u["id"]): f"{u['full_name']}（{u['dept']}）" for u in users},
        "engagements": {str(e["id"]): e["title"] for e in engagements},
    }


async def account_options(department_id: int | None = None) -> dict[str, str]:
    """Accounts that can be checked against (not closed), for the post check's pick list (of one department)."""
    query = SocialAccount.select(*account_columns()).where(SocialAccount.status != AccountStatus.closed)
    if department_id is not None:
        query = query.where(SocialAccount.department == department_id)
    rows = await query.order_by(SocialAccount.id)
    return {str(r["id"]): f"{r['display_name']}（{PLATFORM_LABELS.get(r['platform'] or 'other', '')} {r['handle']}）"
            for r in rows}  # fmt: skip
