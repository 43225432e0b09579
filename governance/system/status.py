"""状況一覧: per department and in total, what is overdue, open or expiring across the domains, by aggregate queries.

Each figure is counted with the very conditions of the list it links to (``check_conditions``,
``finding_conditions``, ``EngagementService.conditions``, the contractor and external-service filters, the SNS
list's compliance flag), so that the list a number opens holds exactly that many rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from piccolo.query.functions.aggregate import Count

from governance.accounts.services import UserService
from governance.contractors.filters import CERT_EXPIRING_CHOICES
from governance.contractors.tables import Certification
from governance.engagements.services import EngagementQuery, EngagementService
from governance.engagements.tables import Engagement
from governance.external.services import DUE_SOON_DAYS
from governance.external.services._common import ACTIVE_STATUSES
from governance.external.tables import ExternalService
from governance.social.services import AccountFilter, AccountQueries
from governance.verification.services._queries import CheckFilter, check_conditions, finding_conditions
from governance.verification.tables import SEVERITY_LABELS, Check, Finding, FindingStatus, Severity

WINDOW_DAYS = 90
"""Certificates and contracts count as expiring when they end within this many days from today."""
assert WINDOW_DAYS in CERT_EXPIRING_CHOICES  # the contractor list must offer the same window


@dataclass(frozen=True)
class Indicator:
    """One figure of the overview: its column heading, the list it links to and how that list is filtered."""

    key: str
    label: str
    heading: str
    """The short column heading (the label is the figure's full name, for screen readers and chart titles)."""
    path: str
    params: tuple[tuple[str, str], ...]
    distinct: bool = False
    """One record may count for several departments (a contractor, a shared service): the total is not a sum."""

    def href(self, department_id: int | None) -> str:
        """The list this figure opens, for one department (or for all when None)."""
        params = [*self.params, *([("department_id", str(department_id))] if department_id is not None else [])]
        return f"{self.path}?{urlencode(params)}"


SEVERITY_ORDER = (Severity.serious, Severity.major, Severity.minor)

INDICATORS: tuple[Indicator, ...] = (
    Indicator("checks_overdue", "期限超過の確認", "確認の期限超過", "/checks", (("status", "overdue"),)),
    Indicator("measures_overdue", "期限超過の措置がある指摘事項", "措置の期限超過", "/findings",
              (("status", ""), ("measures", "overdue"))),
    *(
        Indicator(f"findings_{s}", f"対応中の指摘事項（{SEVERITY_LABELS[s]}）", f"指摘事項（{SEVERITY_LABELS[s]}）",
                  "/findings", (("status", FindingStatus.open), ("severity", s)))
        for s in SEVERITY_ORDER
    ),
    Indicator("certs_expiring", f"認証の有効期限が{WINDOW_DAYS}日以内の委託事業者", f"認証の期限{WINDOW_DAYS}日以内",
              "/contractors", (("cert_expiring", str(WINDOW_DAYS)),), distinct=True),
    Indicator("contracts_expiring", f"契約期間が{WINDOW_DAYS}日以内に終了する委託業務", f"契約終了{WINDOW_DAYS}日以内",
              "/engagements", (("ending", str(WINDOW_DAYS)),)),
    Indicator("services_review", f"定期確認の期限が{DUE_SOON_DAYS}日以内（超過を含む）の外部サービス",
              "外部サービスの定期確認", "/external-services", (("review", "soon"),), distinct=True),
    Indicator("sns_noncompliant", "安全対策に不足があるSNSアカウント", "SNSの安全対策不足", "/social-accounts",
              (("flag", "noncompliant"),)),
)  # fmt: skip
"""The figures, in the order of the table's columns."""


@dataclass
class StatusRow:
    """The figures of one department (``department_id`` None: the whole organisation)."""

    department_id: int | None
    name: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def any(self) -> bool:
        """Whether any figure is above zero."""
        return any(self.counts.values())


@dataclass
class Overview:
    """The overview as of a day: one row per department, and the organisation's total."""

    today: dt.date
    rows: list[StatusRow]
    total: StatusRow
    indicators: tuple[Indicator, ...] = INDICATORS


def _by_department(rows: Iterable[dict[str, Any]], key: str = "department") -> dict[int, int]:
    return {r[key]: r["count"] for r in rows if r[key] is not None}


async def _grouped(table: Any, conditions: list[Any]) -> dict[int, int]:
    """COUNT(*) … GROUP BY department of a table with a ``department`` column, under the list's conditions."""
    query = table.select(table.department, Count(alias="count")).group_by(table.department)
    return _by_department(await (query.where(*conditions) if conditions else query))


class StatusService:
    """Reads the organisation-wide overview; writes nothing."""

    async def overview(self, today: dt.date, *, only_department: int | None = None) -> Overview:
        """Count every figure per department in one aggregate query each (two for the distinct ones' totals).

        Args:
            today: the day the overview is as of (overdue means before it; expiring means from it on).
            only_department: limit the rows to this department (a department-scoped reader); the total is then
                that department's.
        """
        last = today + dt.timedelta(days=WINDOW_DAYS)
        counts: dict[str, dict[int, int]] = {
            "checks_overdue": await _grouped(Check, check_conditions(CheckFilter(status="overdue"), today=today)),
            "measures_overdue": await _grouped(Finding, finding_conditions(measures_overdue_on=today)),
            "contracts_expiring": await _grouped(
                Engagement, EngagementService.conditions(EngagementQuery(ending_within=WINDOW_DAYS))
            ),
        }
        severities = await (
            Finding.select(Finding.department, Finding.severity, Count(alias="count"))
            .where(Finding.status == FindingStatus.open)
            .group_by(Finding.department, Finding.severity)
        )
        for s in SEVERITY_ORDER:
            counts[f"findings_{s}"] = _by_department(r for r in severities if r["severity"] == s)
        counts["certs_expiring"] = _by_department(
            await Engagement.raw(
                "SELECT e.department AS department, COUNT(DISTINCT c.contractor) AS count FROM contract c "
                "JOIN engagement e ON e.id = c.engagement WHERE e.status = {} AND c.contractor IN "
                "(SELECT contractor FROM certification WHERE valid_until >= {} AND valid_until <= {}) "
                "GROUP BY e.department",
                "contracted", today, last,
            )
        )  # fmt: skip
        review_by = today + dt.timedelta(days=DUE_SOON_DAYS)
        counts["services_review"] = _by_department(
            await ExternalService.raw(
                "SELECT x.department AS department, COUNT(DISTINCT x.service) AS count FROM "
                "(SELECT department, service FROM external_service_usage UNION "
                "SELECT department, service FROM external_service_application) x "
                "JOIN external_service s ON s.id = x.service "
                "WHERE s.status IN ({}, {}) AND s.next_review_on <= {} GROUP BY x.department",
                *ACTIVE_STATUSES, review_by,
            )
        )  # fmt: skip
        sns: dict[int, int] = {}
        # compliance is judged by the checklist rules (settings-dependent), not in SQL; accounts number in tens
        for account in await AccountQueries().list(AccountFilter(flag="noncompliant"), today=today):
            sns[account.department_id] = sns.get(account.department_id, 0) + 1
        counts["sns_noncompliant"] = sns

        departments = await UserService().list_departments()
        rows = [
            row
            for d in departments
            if only_department is None or d.id == only_department
            if (row := StatusRow(d.id, d.name, {i.key: counts[i.key].get(d.id, 0) for i in INDICATORS})).any
            or d.active  # an inactive department only while something of it is still counted
        ]
        if only_department is not None:
            total = StatusRow(None, "合計", dict(rows[0].counts) if rows else dict.fromkeys(counts, 0))
        else:
            total = StatusRow(None, "全所属", {k: sum(v.values()) for k, v in counts.items()})
            total.counts["certs_expiring"] = await _distinct_expiring_contractors(today, last)
            total.counts["services_review"] = await ExternalService.count().where(
                ExternalService.status.is_in(list(ACTIVE_STATUSES)), ExternalService.next_review_on <= review_by
            )
        return Overview(today=today, rows=rows, total=total)


async def _distinct_expiring_contractors(today: dt.date, last: dt.date) -> int:
    """Contractors holding a certificate that ends within the window (as ``/contractors?cert_expiring=``)."""
    rows = await Certification.raw(
        "SELECT COUNT(DISTINCT contractor) AS count FROM certification WHERE valid_until >= {} AND valid_until <= {}",
        today, last,
    )  # fmt: skip
    return int(rows[0]["count"]) if rows else 0
