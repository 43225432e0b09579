"""Bid documents pages and API: the 特記事項 and 仕様書 before a contractor is chosen, and 調達用一式 packages."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Response, Template

from governance.contracts import bid_schemas
from governance.contracts.bid_documents import ANNEX_TITLE, SPEC_TITLE, criteria_rows
from governance.contracts.bidding import PACKAGE, BidService
from governance.contracts.controllers import DRAFT, READ
from governance.contracts.library import LibraryError
from governance.engagements.services import EngagementService
from governance.errors import ConflictError, DomainError
from governance.web.access import ACCESS_KEY
from governance.web.downloads import ZIP, docx_download, download
from governance.web.pages import notice_of, principal, redirect, render
from governance.web.params import PathId


def bid_service(request: Request[Any, Any, Any]) -> BidService:
    """The bid service configured from the settings."""
    return BidService.from_settings(request.app.state.settings)


def _zip(row: dict[str, Any], data: bytes) -> Response[bytes]:
    name = f"{PACKAGE}_{row['engagement']}_第{row['number']}版.zip"
    return download(data, name, media_type=ZIP, fallback=f"bid-package-{row['engagement']}-{row['number']}.zip")


class BidDocumentsPageController(Controller):
    """調達用書類: what the bid documents of an engagement hold, their downloads and the recorded packages."""

    path = "/engagements/{engagement_id:int}/bid-documents"
    include_in_schema = False

    async def _page(
        self, request: Request[Any, Any, Any], engagement_id: int, *, status_code: int = 200, error: str | None = None
    ) -> Template:
        svc = bid_service(request)
        engagement = await EngagementService().get(engagement_id)
        docs, problem = None, None
        try:
            docs = await svc.prepare(engagement_id)
        except (ConflictError, LibraryError) as exc:  # contradicting facts, or a broken library
            problem = exc.message
        return render(
            "contracts/bid_documents.html", status_code=status_code, e=engagement, docs=docs, problem=problem,
            annex=docs.annex_records() if docs else [], evidence=docs.evidence() if docs else [],
            criteria=criteria_rows(docs) if docs else [], forms=[t for t, _ in svc.forms(docs)] if docs else [],
            packages=await svc.packages(engagement_id), can_create=principal(request).has_any(*DRAFT[ACCESS_KEY]),
            error=error, notice=notice_of(request), active_nav="engagements",
        )  # fmt: skip

    @get("/", opt=READ)
    async def show(self, request: Request[Any, Any, Any], engagement_id: PathId) -> Template:
        """Show what the 特記事項 and 仕様書 will contain, the evidence bidders submit and the recorded packages."""
        return await self._page(request, engagement_id)

    @get("/annex.docx", opt=READ)
    async def annex(self, request: Request[Any, Any, Any], engagement_id: PathId) -> Response[bytes]:
        """Download the 特記事項 as the contract will carry it (not recorded)."""
        data = await bid_service(request).annex_document(engagement_id)
        return docx_download(data, f"{ANNEX_TITLE}_{engagement_id}.docx", fallback="annex.docx")

    @get("/specification.docx", opt=READ)
    async def specification(self, request: Request[Any, Any, Any], engagement_id: PathId) -> Response[bytes]:
        """Download the 仕様書（情報セキュリティに関する事項） (not recorded)."""
        data = await bid_service(request).specification_document(engagement_id)
        return docx_download(data, f"{SPEC_TITLE}_{engagement_id}.docx", fallback="specification.docx")

    @post("/packages", opt=DRAFT)
    async def create(self, request: Request[Any, Any, Any], engagement_id: PathId) -> Template | Redirect:
        """Generate and record a 調達用一式, then return to the page with a notice."""
        try:
            await bid_service(request).create_package(engagement_id, actor=principal(request).actor)
        except DomainError as exc:
            return await self._page(request, engagement_id, status_code=exc.status_code, error=exc.message)
        return redirect(f"/engagements/{engagement_id}/bid-documents", "bid_package_created")

    @get("/packages/{package_id:int}/document.zip", opt=READ)
    async def document(
        self, request: Request[Any, Any, Any], engagement_id: PathId, package_id: PathId
    ) -> Response[bytes]:
        """Download a recorded package, byte for byte as generated."""
        return _zip(*await bid_service(request).package_document(engagement_id, package_id))


class BidPackageApiController(Controller):
    """調達用一式 (bid packages) over the API."""

    path = "/api/v1/engagements/{engagement_id:int}/bid-packages"
    tags = ["contracts"]

    @post("/", opt=DRAFT)
    async def create(self, request: Request[Any, Any, Any], engagement_id: PathId) -> bid_schemas.BidPackage:
        """Generate and record a 調達用一式 from the engagement's current facts (no contractor needed)."""
        svc = bid_service(request)
        package_id = await svc.create_package(engagement_id, actor=principal(request).actor)
        return bid_schemas.package_out(await svc.package(engagement_id, package_id))

    @get("/", opt=READ)
    async def list_packages(
        self, request: Request[Any, Any, Any], engagement_id: PathId
    ) -> list[bid_schemas.BidPackage]:
        """List the engagement's packages, newest first."""
        return [bid_schemas.package_out(r) for r in await bid_service(request).packages(engagement_id)]

    @get("/{package_id:int}", opt=READ)
    async def package(
        self, request: Request[Any, Any, Any], engagement_id: PathId, package_id: PathId
    ) -> bid_schemas.BidPackage:
        """One package: its facts, library version and hash, 特記事項 per clause and files with their SHA-256."""
        return bid_schemas.package_out(await bid_service(request).package(engagement_id, package_id))

    @get("/{package_id:int}/document", opt=READ, media_type=ZIP)
    async def document(
        self, request: Request[Any, Any, Any], engagement_id: PathId, package_id: PathId
    ) -> Response[bytes]:
        """Download the package (.zip), checked against its recorded SHA-256."""
        return _zip(*await bid_service(request).package_document(engagement_id, package_id))
