"""The 状況一覧 page: the organisation-wide overview for the security office and auditors."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.response import Template

from governance.accounts.roles import READERS
from governance.calendar import today_tokyo, wareki
from governance.system.status import INDICATORS, SEVERITY_ORDER, Overview, StatusService
from governance.verification.tables import SEVERITY_LABELS
from governance.web.access import access
from governance.web.charts import bar_chart, stacked_bar_chart
from governance.web.pages import render
from governance.web.scope import reads_all, scoped_department


def charts(overview: Overview) -> list[tuple[str, Any]]:
    """(title, SVG): the findings by severity as one stacked bar, then a bar chart per other figure above zero."""
    out = []
    severities = [f"findings_{s}" for s in SEVERITY_ORDER]
    with_findings = [r for r in overview.rows if any(r.counts[k] for k in severities)]
    if with_findings:
        title = "所属別の対応中の指摘事項（重要度別）"
        rows = [(r.name, [r.counts[k] for k in severities]) for r in with_findings]
        out.append((title, stacked_bar_chart(title, rows, [(s, SEVERITY_LABELS[s]) for s in SEVERITY_ORDER])))
    for indicator in INDICATORS:
        if indicator.key in severities or not overview.total.counts[indicator.key]:
            continue
        bars = [(r.name, r.counts[indicator.key]) for r in overview.rows if r.counts[indicator.key]]
        if bars:
            title = f"所属別の{indicator.label}"
            out.append((title, bar_chart(title, bars)))
    return out


class StatusPageController(Controller):
    """状況一覧: per department, what is overdue, open or expiring, each figure linking to its filtered list."""

    path = "/status"
    include_in_schema = False

    @get("/", opt=access(READERS))
    async def index(self, request: Request[Any, Any, Any]) -> Template:
        """The overview per department and in total.

        Overdue checks and measures, open findings by severity, expiring certificates and contracts, external services
        due for review and SNS accounts out of compliance.
        """
        own = scoped_department(request)
        only = None if own is None or reads_all(request) else own
        today = today_tokyo()
        overview = await StatusService().overview(today, only_department=only)
        return render(
            "status.html", overview=overview, charts=charts(overview), today_label=wareki(today, weekday=True),
            scoped=only is not None, active_nav="status",
        )  # fmt: skip
