"""HTTP interfaces of the engagements domain."""

from governance.engagements.controllers._api import EngagementApiController, SelectionApiController
from governance.engagements.controllers._pages import EngagementPageController
from governance.engagements.controllers._selection_pages import SelectionPageController

__all__ = ["EngagementApiController", "EngagementPageController", "SelectionApiController", "SelectionPageController"]
