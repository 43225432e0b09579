"""Use cases of the external services domain."""

from governance.external.services._applications import ApplicationService, administrator_candidates
from governance.external.services._common import APPLICANT_ROLES, approver_label, approver_roles, is_approver
from governance.external.services._lifecycle import LifecycleService
from governance.external.services._queries import DUE_SOON_DAYS, REVIEW_FILTERS, ServiceQuery
from governance.external.services._registry import RegistryService

__all__ = [
    "APPLICANT_ROLES",
    "DUE_SOON_DAYS",
    "REVIEW_FILTERS",
    "ApplicationService",
    "LifecycleService",
    "RegistryService",
    "ServiceQuery",
    "administrator_candidates",
    "approver_label",
    "approver_roles",
    "is_approver",
]
