"""HTTP interfaces of the social media accounts domain: staff pages, API, public pages and verify API."""

from governance.social.controllers._api import SocialAccountApiController
from governance.social.controllers._pages import SocialAccountPageController
from governance.social.controllers._public import OfficialAccountsApiController, OfficialAccountsPageController
from governance.social.controllers._tools import SocialToolsPageController

__all__ = [
    "OfficialAccountsApiController",
    "OfficialAccountsPageController",
    "SocialAccountApiController",
    "SocialAccountPageController",
    "SocialToolsPageController",
]
