"""Use cases of the accounts domain."""

from governance.accounts.services._auth import AuthService, Principal
from governance.accounts.services._setup import SetupService
from governance.accounts.services._tokens import TokenService
from governance.accounts.services._users import UserService

__all__ = ["AuthService", "Principal", "SetupService", "TokenService", "UserService"]
