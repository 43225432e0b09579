"""Verification use cases: planning on signature, checks and their results, findings and measures, reports."""

from governance.verification.services._checks import CheckService, ResultInput
from governance.verification.services._findings import FindingService
from governance.verification.services._forms import CheckFormService, FilledForm
from governance.verification.services._links import LinkGoneError, ReportFile, ReportLinkService
from governance.verification.services._planning import PlanOutcome, plan_signed_version
from governance.verification.services._queries import (
    CheckFilter,
    export_checks,
    export_findings,
    list_checks,
    list_findings,
)
from governance.verification.services._renewal import extend_renewed_plans

__all__ = [
    "CheckFilter",
    "CheckFormService",
    "CheckService",
    "FilledForm",
    "FindingService",
    "LinkGoneError",
    "PlanOutcome",
    "ReportFile",
    "ReportLinkService",
    "ResultInput",
    "export_checks",
    "export_findings",
    "extend_renewed_plans",
    "list_checks",
    "list_findings",
    "plan_signed_version",
]
