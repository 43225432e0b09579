"""HTTP interfaces of the external services domain."""

from governance.external.controllers._api import ExternalApplicationApiController, ExternalServiceApiController
from governance.external.controllers._application_pages import ApplicationPageController
from governance.external.controllers._pages import ExternalServicePageController

__all__ = [
    "ApplicationPageController",
    "ExternalApplicationApiController",
    "ExternalServiceApiController",
    "ExternalServicePageController",
]
