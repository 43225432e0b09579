"""GET /help: the user guide inside the app, for every signed-in user."""

from __future__ import annotations

from typing import Any

import anyio
from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException
from litestar.response import Template

from governance.accounts.roles import ALL_ROLES
from governance.help.guide import load_guide
from governance.web.access import access
from governance.web.pages import render


class HelpController(Controller):
    """ヘルプ: docs/user-guide.md rendered with a table of contents and an anchor on every heading."""

    path = "/help"
    opt = access(ALL_ROLES)
    include_in_schema = False

    @get("/")
    async def guide(self, request: Request[Any, Any, Any]) -> Template:
        """Show the user guide (read from the repository, or from the copy shipped in the package)."""
        guide = await anyio.to_thread.run_sync(load_guide)
        if guide is None:
            raise NotFoundException(
                detail="操作マニュアル（docs/user-guide.md）がインストールされていません。システム管理者にお知らせください。"
            )
        return render("help/index.html", guide=guide, active_nav="help")
