"""Access sets, choices and small helpers shared by the external services pages and API."""

from __future__ import annotations

from typing import Any

from litestar import Request

from governance.accounts.roles import ALL_ROLES, Role
from governance.engagements.facts import CONFIDENTIALITY_LABELS, CONFIDENTIALITY_LEVELS
from governance.external.codes import (
    APPLICATION_STATUS_LABELS,
    CONTRACT_TYPE_LABELS,
    DATA_LOCATION_LABELS,
    ISMAP_LABELS,
    PLATFORM_LABELS,
    REGIME_LABELS,
    SERVICE_KIND_LABELS,
    SERVICE_STATUS_LABELS,
)
from governance.external.regime import BUILD_ITEMS, EXIT_ITEMS, REVIEW_ITEMS
from governance.external.services import APPLICANT_ROLES, REVIEW_FILTERS
from governance.web.access import access

READ = access(ALL_ROLES - {Role.admin})
"""Staff read the registry (they apply to use it); auditors read everything; the system administrator does not."""
APPLY = access(APPLICANT_ROLES)
"""Every staff role applies; the service's administrator is checked by the use case."""
REVIEW = access(Role.security_officer)

MULTILINE = frozenset({"purpose", "information", "users", "measures", "notes", "other_certifications", "note"})


def scheme(request: Request[Any, Any, Any]) -> str:
    """The classification scheme in force (GOVERNANCE_CLASSIFICATION_SCHEME)."""
    return request.app.state.settings.classification_scheme


def levels(scheme_name: str) -> dict[str, str]:
    """The confidentiality levels of the scheme, most sensitive first."""
    return {level: CONFIDENTIALITY_LABELS[level] for level in CONFIDENTIALITY_LEVELS.get(scheme_name, ())}


CHOICES: dict[str, Any] = {
    "kinds": SERVICE_KIND_LABELS,
    "contract_types": CONTRACT_TYPE_LABELS,
    "platforms": PLATFORM_LABELS,
    "data_locations": DATA_LOCATION_LABELS,
    "ismaps": ISMAP_LABELS,
    "regimes": REGIME_LABELS,
    "statuses": SERVICE_STATUS_LABELS,
    "application_statuses": APPLICATION_STATUS_LABELS,
    "review_filters": REVIEW_FILTERS,
    "build_items": BUILD_ITEMS,
    "review_items": REVIEW_ITEMS,
    "exit_items": EXIT_ITEMS,
}
