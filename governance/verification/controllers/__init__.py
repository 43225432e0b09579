"""HTTP interfaces of the verification domain: staff pages, the API, and the contractor's report form."""

from governance.verification.controllers._api import CheckApiController, FindingApiController
from governance.verification.controllers._check_pages import CheckPageController, EngagementChecksController
from governance.verification.controllers._finding_pages import FindingPageController
from governance.verification.controllers._public import ReportFormController

__all__ = [
    "CheckApiController",
    "CheckPageController",
    "EngagementChecksController",
    "FindingApiController",
    "FindingPageController",
    "ReportFormController",
]
