"""Downloads of an incident's documents: the 速報 and 確報 content and the 本人への通知 letter draft (.docx).

Who: the security office (情報セキュリティ担当者, 統括情報セキュリティ責任者, CISO), who report to the 委員会;
the staff of the incident's department (and PR staff, whose SNS accounts have incidents), who prepare them;
auditors read. A user limited to a department gets another department's incident as not found, as on every record.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.response import Response

from governance.accounts.roles import Role
from governance.calendar import today_tokyo
from governance.engagements.tables import Engagement
from governance.errors import NotFoundError
from governance.incidents import documents
from governance.incidents.rules import Assessment, assess, facts_of
from governance.incidents.tables import Incident, IncidentStep
from governance.municipality.controllers import municipality_of
from governance.web.access import access
from governance.web.downloads import docx_download
from governance.web.params import PathId
from governance.web.scope import reads_all, scoped_department

DOCUMENT_ROLES = frozenset(
    {Role.security_officer, Role.chief_security, Role.ciso, Role.department_staff, Role.pr_staff, Role.auditor}
)
"""Who may download an incident's documents (department staff only their own department's incidents)."""

NAMES = {"preliminary": "速報", "final": "確報", "notice": "本人通知（案）"}


async def incident_for_documents(request: Request[Any, Any, Any], incident_id: int) -> dict[str, Any]:
    """The incident row with its department's name and engagement title, within the user's department scope.

    Raises:
        NotFoundError: no such incident, or another department's incident for a user limited to their own.
    """
    row = await Incident.select(
        Incident.all_columns(), Incident.department.name.as_alias("department_name")
    ).where(Incident.id == incident_id).first()  # fmt: skip
    if row is None:
        raise NotFoundError("事故・インシデント", incident_id)
    own = scoped_department(request)
    if own is not None and row["department"] != own and not reads_all(request):
        raise NotFoundError("事故・インシデント", incident_id)
    if row["engagement"] is not None:
        engagement = await Engagement.select(Engagement.title).where(Engagement.id == row["engagement"]).first()
        row["engagement_title"] = engagement["title"] if engagement else ""
    return row


async def current_steps(incident_id: int) -> dict[str, dict[str, Any]]:
    """The entry that counts per step (the latest; entries are never deleted)."""
    entries = await IncidentStep.select().where(IncidentStep.incident == incident_id).order_by(IncidentStep.id)
    out: dict[str, dict[str, Any]] = {}
    for entry in entries:
        out[entry["step"]] = entry
    return out


def assessment_of(row: dict[str, Any]) -> Assessment:
    """The decision on the incident's facts as they are now (the same rules the incident page shows)."""
    return assess(facts_of(row))


class IncidentDocumentController(Controller):
    """GET /incidents/{id}/documents/preliminary.docx, final.docx and notice.docx."""

    path = "/incidents/{incident_id:int}/documents"
    opt = access(DOCUMENT_ROLES)
    include_in_schema = False

    async def _send(self, request: Request[Any, Any, Any], incident_id: int, which: str) -> Response[bytes]:
        import anyio

        row = await incident_for_documents(request, incident_id)
        steps = await current_steps(incident_id)
        municipality = await municipality_of(request)
        assessment = assessment_of(row)
        today = today_tokyo()
        if which == "notice":
            data = await anyio.to_thread.run_sync(
                lambda: documents.render_notice(row, assessment, municipality, issued_on=today, steps=steps)
            )
        else:
            data = await anyio.to_thread.run_sync(
                lambda: documents.render_report(which, row, assessment, municipality, issued_on=today, steps=steps)
            )
        return docx_download(
            data, f"事故{incident_id}_{NAMES[which]}.docx", fallback=f"incident-{incident_id}-{which}.docx"
        )

    @get("/preliminary.docx")
    async def preliminary(self, request: Request[Any, Any, Any], incident_id: PathId) -> Response[bytes]:
        """The 速報 content: what is known now, the rest 調査中, with the reasons and deadlines."""
        return await self._send(request, incident_id, "preliminary")

    @get("/final.docx")
    async def final(self, request: Request[Any, Any, Any], incident_id: PathId) -> Response[bytes]:
        """The 確報 content: every item of the report, from the facts and the steps recorded."""
        return await self._send(request, incident_id, "final")

    @get("/notice.docx")
    async def notice(self, request: Request[Any, Any, Any], incident_id: PathId) -> Response[bytes]:
        """The draft of the letter to the people concerned (法第68条第2項), signed by the municipality."""
        return await self._send(request, incident_id, "notice")
