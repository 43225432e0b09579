"""Use cases of the engagements domain."""

from governance.engagements.services._engagements import (
    EngagementQuery,
    EngagementService,
    facts_of,
    facts_of_engagement,
    facts_snapshot,
)
from governance.engagements.services._selection_queries import SelectionQuery
from governance.engagements.services._selection_sheet import SelectionSheet, SelectionSheetService
from governance.engagements.services._selections import SELECTION_METHODS, SelectionService

__all__ = [
    "SELECTION_METHODS",
    "EngagementQuery",
    "EngagementService",
    "SelectionQuery",
    "SelectionService",
    "SelectionSheet",
    "SelectionSheetService",
    "facts_of",
    "facts_of_engagement",
    "facts_snapshot",
]
