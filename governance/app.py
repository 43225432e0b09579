"""The application factory: the one place where routes, middleware, templates and plugins are wired."""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any

from litestar import Litestar, Router
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.logging.config import LoggingConfig
from litestar.middleware.base import DefineMiddleware
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, YamlRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.htmx import HTMXPlugin
from litestar.static_files import create_static_files_router

from governance import __version__
from governance.accounts.client_limit import SignInLimiter
from governance.accounts.controllers import (
    AccountController,
    AdminController,
    DepartmentApiController,
    LoginController,
    MeApiController,
    SetupController,
    TokenApiController,
    UserApiController,
)
from governance.accounts.services import AuthService
from governance.accounts.services._auth import SessionPolicy
from governance.audit.controllers import AuditApiController, AuditPageController
from governance.contractors.controllers import ContractorApiController, ContractorPageController
from governance.contracts.bid_controllers import BidDocumentsPageController, BidPackageApiController
from governance.contracts.controllers import ContractApiController, ContractPageController
from governance.contracts.revision_controllers import ContractLibraryPageController
from governance.contracts.todos import register as register_contract_todos
from governance.db import db_lifespan, refresh_statistics
from governance.engagements.controllers import (
    EngagementApiController,
    EngagementPageController,
    SelectionApiController,
    SelectionPageController,
)
from governance.engagements.todos import register as register_engagement_todos
from governance.external.controllers import (
    ApplicationPageController,
    ExternalApplicationApiController,
    ExternalServiceApiController,
    ExternalServicePageController,
)
from governance.external.todos import register as register_external_todos
from governance.files.controllers import FileController
from governance.help.controllers import HelpController
from governance.imports.controllers import IMPORT_CONTROLLERS
from governance.incidents.api import IncidentApiController
from governance.incidents.controllers import IncidentPageController
from governance.incidents.document_controllers import IncidentDocumentController
from governance.incidents.report_pages import (
    EngagementIncidentLinkApiController,
    EngagementIncidentLinkController,
    IncidentReportFormController,
)
from governance.incidents.todos import register as register_incident_todos
from governance.municipality.controllers import MunicipalityApiController, MunicipalityPageController
from governance.reminders.controllers import (
    CalendarFeedController,
    CalendarSettingsController,
    NotificationApiController,
    NotificationPageController,
)
from governance.reminders.scheduler import reminders_lifespan
from governance.reminders.sources import register_builtin_sources as register_reminder_sources
from governance.settings import Settings, SettingsError, get_settings
from governance.social.controllers import (
    OfficialAccountsApiController,
    OfficialAccountsPageController,
    SocialAccountApiController,
    SocialAccountPageController,
    SocialToolsPageController,
)
from governance.social.todos import register as register_social_todos
from governance.system.controllers import HealthController, HomeController
from governance.system.status_page import StatusPageController
from governance.verification.controllers import (
    CheckApiController,
    CheckPageController,
    EngagementChecksController,
    FindingApiController,
    FindingPageController,
    ReportFormController,
)
from governance.verification.todos import register as register_verification_todos
from governance.web.access import PUBLIC, access, access_guard
from governance.web.authentication import CSRF_COOKIE, AuthenticationMiddleware, SessionCSRFMiddleware
from governance.web.errors import exception_handler
from governance.web.scope import scope_guard
from governance.web.security_headers import add_security_headers
from governance.web.templating import STATIC_DIR, make_template_config
from governance.web.uploads import UploadLimitMiddleware

ROUTE_HANDLERS: list[Any] = [
    HealthController,
    HomeController,
    HelpController,
    StatusPageController,
    LoginController,
    SetupController,
    AccountController,
    AdminController,
    MunicipalityPageController,
    AuditPageController,
    ContractorPageController,
    EngagementPageController,
    SelectionPageController,
    ContractPageController,
    ContractLibraryPageController,
    BidDocumentsPageController,
    CheckPageController,
    EngagementChecksController,
    FindingPageController,
    NotificationPageController,
    CalendarSettingsController,
    CalendarFeedController,
    ReportFormController,
    ExternalServicePageController,
    ApplicationPageController,
    FileController,
    MeApiController,
    UserApiController,
    DepartmentApiController,
    MunicipalityApiController,
    TokenApiController,
    AuditApiController,
    ContractorApiController,
    EngagementApiController,
    *IMPORT_CONTROLLERS,
    SelectionApiController,
    ContractApiController,
    BidPackageApiController,
    CheckApiController,
    FindingApiController,
    NotificationApiController,
    ExternalServiceApiController,
    ExternalApplicationApiController,
    SocialToolsPageController,
    SocialAccountPageController,
    SocialAccountApiController,
    OfficialAccountsPageController,
    OfficialAccountsApiController,
    IncidentPageController,
    IncidentApiController,
    IncidentDocumentController,
    EngagementIncidentLinkController,
    EngagementIncidentLinkApiController,
    IncidentReportFormController,
]


def _derive(secret: str, purpose: str) -> str:
    return hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).hexdigest()


async def _planner_statistics() -> None:
    """On start-up, after the database lifespan: SQLite's planner gets fresh statistics (``refresh_statistics``)."""
    await refresh_statistics()


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the Litestar application.

    Args:
        settings: the configuration; read from the environment when omitted.

    Returns:
        The application.
    """
    settings = settings or get_settings()
    secret = settings.resolved_secret_key()
    register_engagement_todos()
    register_contract_todos()
    register_verification_todos()
    register_external_todos()
    register_social_todos()
    register_incident_todos()
    register_reminder_sources()  # the same set as cron's `governance reminders run` (no app there)
    logging.getLogger("governance").setLevel(settings.log_level)
    static = create_static_files_router(
        path="/static", directories=[STATIC_DIR], opt=access(PUBLIC), name="static", include_in_schema=False
    )
    openapi = OpenAPIConfig(
        title="governance API",
        version=__version__,
        description=(
            "業務委託・外部サービス・SNSの情報セキュリティ管理 API。"
            "個人用APIトークンを Authorization: Bearer で送ってください。"
        ),
        path="/schema",
        render_plugins=[JsonRenderPlugin(), YamlRenderPlugin()],  # no HTML viewers: they load scripts from CDNs
        openapi_router=Router(path="/schema", route_handlers=[], opt=access(PUBLIC)),
        components=Components(
            security_schemes={
                "BearerToken": SecurityScheme(type="http", scheme="bearer", description="個人用APIトークン")
            }
        ),
        security=[{"BearerToken": []}],
    )
    state = State(
        {
            "settings": settings,
            "auth_service": AuthService(
                SessionPolicy(
                    idle=_minutes(settings.session_idle_minutes),
                    max_age=_minutes(settings.session_max_hours * 60),
                    max_failures=settings.login_max_failures,
                    lock_for=_minutes(settings.login_lock_minutes),
                )
            ),
            "login_limiter": _login_limiter(settings),
        }
    )
    csrf_config = CSRFConfig(
        secret=_derive(secret, "csrf"),
        cookie_name=CSRF_COOKIE,
        cookie_httponly=True,
        cookie_samesite="strict",
        cookie_secure=settings.cookie_secure == "true",
        # /api accepts only bearer tokens, never cookies, so a foreign page cannot ride a session there.
        exclude=["^/api/", "^/static/"],
    )
    return Litestar(
        route_handlers=[*ROUTE_HANDLERS, static],
        guards=[access_guard, scope_guard],
        middleware=[
            DefineMiddleware(AuthenticationMiddleware, exclude=["^/static/"]),
            # Before the CSRF check reads the form: a post too large keeps its text and drops its files.
            UploadLimitMiddleware,
            # Instead of csrf_config: Litestar's own CSRF middleware does not bind tokens to the session.
            DefineMiddleware(SessionCSRFMiddleware, config=csrf_config),
        ],
        # A hook, not middleware, so that 404, 405 and errors raised in middleware get the headers too.
        before_send=[add_security_headers],
        template_config=make_template_config(),
        exception_handlers={Exception: exception_handler},
        openapi_config=openapi,
        plugins=[HTMXPlugin(), _cli_plugin()],
        lifespan=[db_lifespan, reminders_lifespan],
        on_startup=[_planner_statistics],
        state=state,
        logging_config=LoggingConfig(
            root={"level": settings.log_level, "handlers": ["queue_listener"]}, log_exceptions="never"
        ),
        request_max_body_size=12 * 1024 * 1024,  # evidence files up to 10 MiB plus the other form fields
        debug=False,
    )


def _login_limiter(settings: Settings) -> SignInLimiter | None:
    """The per-address sign-in limiter of this application instance (None when switched off)."""
    if settings.login_ip_burst < 0 or settings.login_ip_refill_seconds < 1:
        raise SettingsError(
            "GOVERNANCE_LOGIN_IP_BURST must be 0 or more and GOVERNANCE_LOGIN_IP_REFILL_SECONDS 1 or more"
        )
    if settings.login_ip_burst == 0:
        return None
    return SignInLimiter(rate=1 / settings.login_ip_refill_seconds, burst=settings.login_ip_burst)


def _minutes(n: int) -> Any:
    import datetime as dt

    return dt.timedelta(minutes=n)


def _cli_plugin() -> Any:
    from governance.cli import GovernanceCLIPlugin

    return GovernanceCLIPlugin()
