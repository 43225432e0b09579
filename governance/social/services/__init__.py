"""Use cases of the social media accounts domain."""

from governance.social.services._accounts import AccountService
from governance.social.services._common import (
    APPROVER_ROLES,
    CHECKER_ROLES,
    EDITOR_ROLES,
    INCIDENT_ROLES,
    READER_ROLES,
    ensure_may_edit,
    load_settings,
    template_values,
)
from governance.social.services._incidents import IncidentService
from governance.social.services._postcheck import PostCheckService
from governance.social.services._queries import AccountFilter, AccountQueries, account_options, form_options
from governance.social.services._workflow import WorkflowService, close_scheduled_accounts, ensure_platform_use_approved

__all__ = [
    "APPROVER_ROLES",
    "CHECKER_ROLES",
    "EDITOR_ROLES",
    "INCIDENT_ROLES",
    "READER_ROLES",
    "AccountFilter",
    "AccountQueries",
    "AccountService",
    "IncidentService",
    "PostCheckService",
    "WorkflowService",
    "account_options",
    "close_scheduled_accounts",
    "ensure_may_edit",
    "ensure_platform_use_approved",
    "form_options",
    "load_settings",
    "template_values",
]
