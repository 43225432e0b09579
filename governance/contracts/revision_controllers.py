"""条項ライブラリと改訂の影響: the library in force, a candidate, their difference and the live contracts it reaches."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.response import Template

from governance.accounts.roles import Role
from governance.contracts.impact import ImpactService
from governance.web.access import access
from governance.web.pages import render

LIBRARY_READERS = access(Role.security_officer, Role.procurement, Role.auditor)
"""Who reads the library and its impact: it lists every department's contracts, so not department staff."""


class ContractLibraryPageController(Controller):
    """条項ライブラリ: versions in force and proposed, what changes, and which contracts need a 覚書."""

    path = "/contracts/library"
    include_in_schema = False

    @get("/", opt=LIBRARY_READERS)
    async def show(self, request: Request[Any, Any, Any]) -> Template:
        """Show the library in force, the candidate (or its problems), the clause diff and the affected contracts."""
        s = request.app.state.settings
        candidate = s.contract_templates_candidate_dir
        service = ImpactService(templates_dir=s.contract_templates_dir, candidate_dir=candidate)
        # Where the library's files sit on the server is the operators' business (templates impact prints it).
        return render("contracts/library.html", report=await service.report(), active_nav="engagements")
