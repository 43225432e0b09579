"""HTTP interfaces of the accounts domain."""

from governance.accounts.controllers._account import AccountController
from governance.accounts.controllers._admin import AdminController
from governance.accounts.controllers._api import (
    DepartmentApiController,
    MeApiController,
    TokenApiController,
    UserApiController,
)
from governance.accounts.controllers._login import LoginController, SetupController

__all__ = [
    "AccountController",
    "AdminController",
    "DepartmentApiController",
    "LoginController",
    "MeApiController",
    "SetupController",
    "TokenApiController",
    "UserApiController",
]
