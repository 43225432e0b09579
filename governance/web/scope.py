"""Department need-to-know: staff of a department read and change only their own department's records.

Who is scoped: a user whose working roles are all department roles (所管課担当者, and the policy's
per-department 情報セキュリティ責任者, 情報セキュリティ管理者 and 個人情報の保護管理者;
``accounts.roles.is_department_scoped``). The security
office (and the CISO and 統括情報セキュリティ責任者, who act as it), procurement, PR staff and auditors see every
department. ``GOVERNANCE_DEPARTMENT_READ_SCOPE=all`` lets scoped users read every department while still changing
only their own.

Two places apply it, so that lists, exports and single reads agree:

- ``scope_guard`` (registered on the app next to ``access_guard``) resolves the department of the record a route
  names by its path (an engagement, selection, check, finding, external-service application or SNS account, with
  everything under them: contracts, measures, incidents …) and refuses a scoped user another department's record —
  404 for a read (as if it were not there), 403 for a change.
- ``listing_department`` gives the department a list must be limited to; every list of those records (pages and
  API) passes it to its service's department filter.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from governance.accounts.roles import is_department_scoped
from governance.web.access import ACCESS_KEY, PUBLIC

READ_METHODS = frozenset({"GET", "HEAD"})
OTHER_DEPARTMENT = "所属が異なるため、この記録は変更できません。"
NOT_FOUND = "お探しの記録は見つかりません。"


async def _engagement(record_id: int) -> int | None:
    from governance.engagements.tables import Engagement

    row = await Engagement.select(Engagement.department).where(Engagement.id == record_id).first()
    return row["department"] if row else None


async def _selection(record_id: int) -> int | None:
    from governance.engagements.tables import Selection

    row = await Selection.select(Selection.engagement.department.as_alias("d")).where(Selection.id == record_id).first()
    return row["d"] if row else None


async def _check(record_id: int) -> int | None:
    from governance.verification.tables import Check

    row = await Check.select(Check.department).where(Check.id == record_id).first()
    return row["department"] if row else None


async def _finding(record_id: int) -> int | None:
    from governance.verification.tables import Finding

    row = await Finding.select(Finding.department).where(Finding.id == record_id).first()
    return row["department"] if row else None


async def _application(record_id: int) -> int | None:
    from governance.external.tables import ServiceApplication

    query = ServiceApplication.select(ServiceApplication.department).where(ServiceApplication.id == record_id)
    row = await query.first()
    return row["department"] if row else None


async def _account(record_id: int) -> int | None:
    from governance.social.tables import SocialAccount

    row = await SocialAccount.select(SocialAccount.department).where(SocialAccount.id == record_id).first()
    return row["department"] if row else None


async def _incident(record_id: int) -> int | None:
    from governance.incidents.tables import Incident

    row = await Incident.select(Incident.department).where(Incident.id == record_id).first()
    return row["department"] if row else None


async def _file_departments(file_id: int) -> set[int]:
    """The departments whose records hold a stored file (empty for an organisation-wide one, e.g. a certificate)."""
    import json

    from governance.contracts.tables import BidPackage, ContractVersion
    from governance.engagements.tables import CriterionEvaluation
    from governance.incidents.tables import IncidentStep
    from governance.verification.tables import Check, ChecklistItem, ContractorReport, Measure

    found: set[int] = set()
    for query, key in (
        (CriterionEvaluation.select(CriterionEvaluation.candidate.selection.engagement.department.as_alias("d"))
         .where(CriterionEvaluation.evidence == file_id), "d"),
        (ChecklistItem.select(ChecklistItem.check.department.as_alias("d")).where(ChecklistItem.evidence == file_id),
         "d"),
        (Measure.select(Measure.finding.department.as_alias("d")).where(Measure.evidence == file_id), "d"),
        (ContractVersion.select(ContractVersion.contract.engagement.department.as_alias("d"))
         .where(ContractVersion.document == file_id), "d"),
        (BidPackage.select(BidPackage.engagement.department.as_alias("d")).where(BidPackage.document == file_id), "d"),
        (IncidentStep.select(IncidentStep.incident.department.as_alias("d")).where(IncidentStep.evidence == file_id),
         "d"),
    ):  # fmt: skip
        found |= {r[key] for r in await query if r[key] is not None}
    # a contractor's report keeps its files as a JSON list of ids: narrow by text first, then read the list
    reports = await ContractorReport.raw(
        "SELECT files, \"check\" FROM contractor_report WHERE CAST(files AS TEXT) LIKE {}", f"%{file_id}%"
    )
    checks = [r["check"] for r in reports if file_id in (json.loads(r["files"]) if isinstance(r["files"], str)
                                                          else r["files"] or [])]  # fmt: skip
    if checks:
        found |= {r["department"] for r in await Check.select(Check.department).where(Check.id.is_in(checks))}
    return found


Resolver = Callable[[int], Awaitable[int | None]]

RESOLVERS: dict[str, Resolver] = {
    "engagement_id": _engagement,
    "selection_id": _selection,
    "check_id": _check,
    "finding_id": _finding,
    "account_id": _account,
    "incident_id": _incident,
}
"""Path parameters that name a department's record, and how to find its department."""

EXTERNAL_APPLICATION_PATHS = ("/external-services/applications/", "/api/v1/external-applications/")
"""``application_id`` names an external-service application only under these paths (an SNS account's applications
are reached through ``account_id``)."""


def scoped_department(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler | None = None
) -> int | None:
    """The department a signed-in user is limited to on this route (-1 for one without a department), or None.

    What counts is the roles through which the user reaches the route: someone who is both 所管課担当者 and 監査担当
    reads every department (as an auditor) but changes only their own (auditors change nothing), and 広報担当 who is
    also 所管課担当者 handles every SNS account but only their own department's engagements.
    """
    user = connection.scope.get("user")
    if user is None:
        return None
    route = handler if handler is not None else connection.scope.get("route_handler")
    policy = route.opt.get(ACCESS_KEY) if route is not None else None
    granting = set(user.roles) & policy if isinstance(policy, frozenset) else set(user.roles)
    if not granting or not is_department_scoped(frozenset(granting)):
        return None
    return user.department_id if user.department_id is not None else -1


def reads_all(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    """Whether the organisation lets scoped users read every department (GOVERNANCE_DEPARTMENT_READ_SCOPE=all)."""
    return connection.app.state.settings.department_read_scope == "all"


def listing_department(connection: ASGIConnection[Any, Any, Any, Any], requested: int | None) -> int | None:
    """The department filter of a list.

    For a scoped user it is their own department (a filter naming another one finds nothing), unless reading is
    open to all departments; for everyone else it is ``requested``.
    """
    own = scoped_department(connection)
    if own is None or reads_all(connection):
        return requested
    return own if requested in (None, own) else -1


async def scope_guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Refuse a scoped user another department's record named by the route's path.

    Raises:
        NotFoundException: a read of another department's record (unless reading is open to all departments).
        PermissionDeniedException: a change of another department's record.
    """
    own = scoped_department(connection, handler)
    if own is None or handler.opt.get(ACCESS_KEY) == PUBLIC:
        return  # a public page (the official accounts citizens check) is the same for everyone
    params = connection.path_params
    resolvers: list[tuple[Resolver, int]] = [(RESOLVERS[k], v) for k, v in params.items() if k in RESOLVERS]
    if "application_id" in params and connection.url.path.startswith(EXTERNAL_APPLICATION_PATHS):
        resolvers.append((_application, params["application_id"]))
    read = connection.method in READ_METHODS
    if "file_id" in params:
        departments = await _file_departments(int(params["file_id"]))
        if departments and own not in departments and not (read and reads_all(connection)):
            raise NotFoundException(detail=NOT_FOUND)  # another department's evidence or contract document
    for resolve, record_id in resolvers:
        department = await resolve(int(record_id))
        if department is None or department == own:
            continue  # a missing record is the handler's 404
        if read and reads_all(connection):
            continue
        if read:
            raise NotFoundException(detail=NOT_FOUND)
        raise PermissionDeniedException(detail=OTHER_DEPARTMENT)
