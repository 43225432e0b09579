"""様式 downloads shared by the check page and the contractor's report page."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.response import Response

from governance.contracts.context import municipality_from
from governance.contracts.forms import Form
from governance.contracts.library import LibraryError
from governance.verification.services import CheckFormService, FilledForm
from governance.web.downloads import docx_download

LIBRARY_PROBLEM = "条項ライブラリに誤りがあるため、様式を表示できません。システム管理者に連絡してください。"


def check_forms(request: Request[Any, Any, Any]) -> CheckFormService:
    """The check-form service configured from the settings (the clause library and the municipality's names)."""
    settings = request.app.state.settings
    return CheckFormService(templates_dir=settings.contract_templates_dir, municipality=municipality_from(settings))


async def offered_forms(
    request: Request[Any, Any, Any], check_id: int, *, contractor_only: bool = False
) -> tuple[list[Form], str | None]:
    """The forms a check offers, and a problem to show instead when the clause library cannot be read."""
    try:
        return await check_forms(request).offered(check_id, contractor_only=contractor_only), None
    except LibraryError:
        return [], LIBRARY_PROBLEM


def form_download(filled: FilledForm) -> Response[bytes]:
    """The filled form as a Word download."""
    return docx_download(filled.data, filled.filename, fallback=f"{filled.form.id.lower()}.docx")
