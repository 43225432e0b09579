"""Bid documents before a contractor is chosen: the 特記事項, 仕様書 and 選定基準表, and recorded 調達用一式."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import anyio

from governance.actor import Actor
from governance.audit.chain import canonical_json
from governance.audit.services import AuditService
from governance.calendar import TOKYO
from governance.contracts.bid_documents import (
    BIDDER,
    BidComparison,
    BidDocuments,
    PackageFile,
    compare_with_bid,
    package_files,
    prepare,
    render_annex,
    render_specification,
    zip_package,
)
from governance.contracts.context import Municipality, Preview, build_context, municipality_from
from governance.contracts.form_documents import form_title, forms_for, render_form
from governance.contracts.forms import Form
from governance.contracts.library_cache import base_document, library_at
from governance.contracts.tables import BidPackage
from governance.db import for_update, write_transaction
from governance.engagements.services import EngagementService, facts_of_engagement
from governance.engagements.tables import Engagement
from governance.errors import ConflictError, NotFoundError
from governance.files.services import FileService
from governance.municipality.services import current_municipality

PACKAGE = "調達用一式"


class BidService:
    """The documents handed to bidders (OUT-SEL-08, EXT-PRC-01) and the record of each 調達用一式 generated."""

    def __init__(self, *, templates_dir: Path, data_dir: Path, municipality: Municipality) -> None:
        self.templates_dir = templates_dir
        self.files = FileService(data_dir)
        self.municipality = municipality
        self.audit = AuditService()

    @classmethod
    def from_settings(cls, settings: Any) -> BidService:
        """The service configured from the settings (templates, data directory, municipality)."""
        return cls(
            templates_dir=settings.contract_templates_dir, data_dir=settings.data_dir,
            municipality=municipality_from(settings),
        )  # fmt: skip

    async def prepare(self, engagement_id: int) -> BidDocuments:
        """What the bid documents of the engagement contain, from its facts alone (no contractor needed).

        Raises:
            NotFoundError: no such engagement.
            ConflictError: the engagement's facts contradict each other (EngagementFacts.problems()).
            governance.contracts.library.LibraryError: the clause library is broken.
        """
        engagement = await EngagementService().get(engagement_id)
        facts = facts_of_engagement(engagement)
        problems = facts.problems()
        if problems:
            raise ConflictError(
                "委託業務の条件に誤りがあるため、調達用書類を作成できません。委託業務の画面で次の点を直してください："
                + "／".join(dict.fromkeys(problems.values()))
            )
        library = await anyio.to_thread.run_sync(library_at, self.templates_dir)
        return prepare(
            library,
            facts,
            build_context(engagement, SimpleNamespace(**BIDDER), await current_municipality(self.municipality)),
        )

    async def annex_document(self, engagement_id: int) -> bytes:
        """The 特記事項 as the contract will carry it (.docx), generated now and not recorded."""
        docs, base = await self.prepare(engagement_id), base_document(self.templates_dir)
        return await anyio.to_thread.run_sync(lambda: render_annex(docs, base=base))

    async def specification_document(self, engagement_id: int) -> bytes:
        """The 仕様書（情報セキュリティに関する事項） (.docx), generated now and not recorded."""
        docs, base = await self.prepare(engagement_id), base_document(self.templates_dir)
        return await anyio.to_thread.run_sync(lambda: render_specification(docs, base=base))

    @staticmethod
    def forms(docs: BidDocuments) -> list[tuple[str, Form]]:
        """The 様式 bidders submit (``bid: true``, condition holding), each with its printed name."""
        return [(form_title(f, docs.context), f) for f in forms_for(docs.library, docs.facts, bid=True)]

    def _render(self, docs: BidDocuments, created: dt.datetime) -> list[PackageFile]:
        """The files of the package: the documents and the bid 様式 (left undated: the bidder dates them)."""
        base = base_document(self.templates_dir)
        forms = [(form, render_form(form, docs.context, base=base)) for _, form in self.forms(docs)]
        return package_files(docs, forms, created_on=created.date(), base=base)

    async def create_package(self, engagement_id: int, *, actor: Actor, now: dt.datetime | None = None) -> int:
        """Generate the 調達用一式 (.zip), store it and record it with its contents; return the package's id.

        Raises:
            NotFoundError: no such engagement.
            ConflictError: the engagement's facts contradict each other.
        """
        now = now or dt.datetime.now(dt.UTC)
        created = now.astimezone(TOKYO)
        docs = await self.prepare(engagement_id)
        files = await anyio.to_thread.run_sync(self._render, docs, created)
        data = zip_package(files, created=created)
        digest = hashlib.sha256(data).hexdigest()
        contents = [{"name": f.name, "title": f.title, "sha256": hashlib.sha256(f.data).hexdigest(),
                     "size": len(f.data)} for f in files]  # fmt: skip
        contents_json = json.dumps(contents, ensure_ascii=False)
        annex = docs.annex_records()
        async with write_transaction():
            # the engagement row orders concurrent packages of one engagement, so that numbers never repeat
            if await for_update(Engagement.select(Engagement.id).where(Engagement.id == engagement_id)).first() is None:
                raise NotFoundError("委託業務", engagement_id)
            last = await BidPackage.select(BidPackage.number).where(BidPackage.engagement == engagement_id).order_by(
                BidPackage.number, ascending=False
            ).first()  # fmt: skip
            number = (last["number"] + 1) if last else 1
            file_id = await self.files.save(
                data, f"{PACKAGE}_{engagement_id}_第{number}版.zip", actor=actor, now=now, generated=True
            )
            package_id = (
                await BidPackage.insert(
                    BidPackage(
                        engagement=engagement_id, number=number, facts_json=canonical_json(docs.context["facts"]),
                        library_version=docs.library.version, library_hash=docs.library.content_hash,
                        annex_json=canonical_json({"items": annex}), contents_json=contents_json, document=file_id,
                        document_sha256=digest, created_by=actor.id, created_at=now,
                    )
                ).returning(BidPackage.id)
            )[0]["id"]  # fmt: skip
            await self.audit.record(
                "bid_package.created", actor=actor, target_type="bid_package", target_id=package_id,
                target_label=f"委託業務{engagement_id} {PACKAGE} 第{number}版",
                after={"library_version": docs.library.version, "library_hash": docs.library.content_hash,
                       "clauses": [c["id"] for c in annex], "files": [c["name"] for c in contents], "sha256": digest},
                now=now,
            )  # fmt: skip
        return package_id

    # -- reading ---------------------------------------------------------------------------------------------------

    async def packages(self, engagement_id: int) -> list[dict[str, Any]]:
        """The engagement's recorded packages, newest first, with their contents and who made them.

        Raises:
            NotFoundError: no such engagement.
        """
        if not await Engagement.exists().where(Engagement.id == engagement_id):
            raise NotFoundError("委託業務", engagement_id)
        rows = (
            await BidPackage.select(
                *BidPackage.all_columns(), BidPackage.created_by.full_name.as_alias("created_by_name")
            )
            .where(BidPackage.engagement == engagement_id)
            .order_by(BidPackage.number, ascending=False)
        )
        for row in rows:
            row["contents"] = json.loads(row["contents_json"] or "[]")
            row["annex"] = json.loads(row["annex_json"] or '{"items": []}')["items"]
        return rows

    async def package(self, engagement_id: int, package_id: int) -> dict[str, Any]:
        """One package of the engagement (another engagement's package is not found here).

        Raises:
            NotFoundError: no such package for this engagement.
        """
        for row in await self.packages(engagement_id):
            if row["id"] == package_id:
                return row
        raise NotFoundError(PACKAGE, package_id)

    async def package_document(self, engagement_id: int, package_id: int) -> tuple[dict[str, Any], bytes]:
        """A package's record and its zip, checked against the recorded SHA-256.

        Raises:
            NotFoundError: no such package for this engagement, or its stored bytes are missing or altered.
        """
        row = await self.package(engagement_id, package_id)
        content = await self.files.load(row["document"])
        if hashlib.sha256(content.data).hexdigest() != row["document_sha256"]:
            raise NotFoundError(PACKAGE, package_id)
        return row, content.data

    async def against_contract(self, engagement_id: int, preview: Preview | None) -> BidComparison | None:
        """How the 特記事項 of a contract drafted now stands against the latest 調達用一式 (None without either)."""
        if preview is None:
            return None
        latest = (
            await BidPackage.select()
            .where(BidPackage.engagement == engagement_id)
            .order_by(BidPackage.number, ascending=False)
            .first()
        )
        if latest is None:
            return None
        return compare_with_bid(latest, preview.library, preview.selected, preview.context)
