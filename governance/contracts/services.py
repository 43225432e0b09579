"""Contract drafts as immutable versions: draft, finalize, sign (approvals of subcontractors: approval_services)."""

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
from governance.calendar import today_tokyo, wareki
from governance.contractors.tables import Contractor
from governance.contracts.approval_services import SubcontractorApprovals
from governance.contracts.context import (
    Municipality,
    Preview,
    build_context,
    chosen_clauses,
    clause_records,
    municipality_from,
)
from governance.contracts.documents import render_contract
from governance.contracts.library_cache import base_document, library_at
from governance.contracts.tables import (
    VERSION_KIND_LABELS,
    VERSION_STATUS_LABELS,
    Contract,
    ContractVersion,
    VersionKind,
    VersionStatus,
)
from governance.db import for_update, write_transaction
from governance.engagements.services import EngagementService, facts_of_engagement
from governance.engagements.tables import Selection, SelectionStatus
from governance.errors import ConflictError, NotFoundError, ValidationError
from governance.files.services import DOCX, FileService
from governance.municipality.profile import UNSET_MESSAGE
from governance.municipality.services import current_municipality
from governance.verification.services._planning import plan_signed_version

__all__ = ["ContractService", "Municipality", "Preview", "build_context", "municipality_from"]

AWAITING_SIGNATURE = "締結待ちの確定済みの版があるため、覚書案は、その締結を記録した後に作成できます。"


class ContractService(SubcontractorApprovals):
    """Contract drafts, versions, finalization, signature and (inherited) subcontractor approvals."""

    def __init__(self, *, templates_dir: Path, data_dir: Path, municipality: Municipality) -> None:
        self.templates_dir = templates_dir
        self.files = FileService(data_dir)
        self.municipality = municipality
        self.audit = AuditService()

    # -- building ------------------------------------------------------------------------------------------------

    async def _contractor_id(self, engagement_id: int) -> int:
        contract = await Contract.select(Contract.contractor).where(Contract.engagement == engagement_id).first()
        if contract:
            return contract["contractor"]
        approved = (
            await Selection.select(Selection.selected_contractor)
            .where(Selection.engagement == engagement_id, Selection.status == SelectionStatus.approved)
            .order_by(Selection.version, ascending=False)
            .first()
        )
        if approved is None or approved["selected_contractor"] is None:
            raise ConflictError(
                "委託事業者の選定が承認されていないため、契約書案を作成できません。先に選定を承認してください。"
            )
        return approved["selected_contractor"]

    async def preview(
        self, engagement_id: int, *, engagement: Any = None, municipality: Municipality | None = None
    ) -> Preview:
        """Choose the clauses for the engagement as it is now, with the reasons for each.

        A page that has already read the ``engagement`` (and the ``municipality`` in force) passes them in.

        Raises:
            NotFoundError: no such engagement.
            ConflictError: no approved selection yet (the contractor is not known).
            governance.contracts.library.LibraryError: the clause library is broken.
        """
        engagement = engagement or await EngagementService().get(engagement_id)
        contractor = await _contractor(await self._contractor_id(engagement_id))
        library = await anyio.to_thread.run_sync(library_at, self.templates_dir)
        facts = facts_of_engagement(engagement)
        context = build_context(engagement, contractor, municipality or await self.current_municipality())
        return Preview(library, chosen_clauses(library, facts), context, contractor.id, contractor.name)

    async def current_municipality(self) -> Municipality:
        """The municipality in force: the stored 団体の設定 over the initial values this service was given."""
        return await current_municipality(self.municipality)

    def base_document(self) -> bytes | None:
        """The municipality's own base document (styles, headers), when contract_templates/base.docx exists."""
        return base_document(self.templates_dir)

    async def render(self, engagement_id: int) -> bytes:
        """Render the document for the engagement as it is now, without recording anything."""
        return await self._render(await self.preview(engagement_id))

    async def _render(self, preview: Preview) -> bytes:
        base = self.base_document()
        # The clauses' lines are worked out once: the document prints them and the version's records store them.
        return await anyio.to_thread.run_sync(
            lambda: render_contract(
                preview.library,
                preview.selected,
                preview.context,
                base=base,
                printed=[c["lines"] for c in preview.printed],
            )
        )

    async def create_draft(self, engagement_id: int, *, actor: Actor, now: dt.datetime | None = None) -> int:
        """Generate a new draft version from the engagement's current facts and the library; return its id.

        Earlier drafts become 旧版; finalized and signed versions are never touched. Subcontractors named in the
        facts get an approval record (pending) if they have none.
        """
        municipality = await self.current_municipality()  # read once: the context and the completeness check
        preview = await self.preview(engagement_id, municipality=municipality)
        data = await self._render(preview)
        return await self.record_version(
            engagement_id, preview, data, actor=actor, now=now or dt.datetime.now(dt.UTC), municipality=municipality
        )

    async def record_version(
        self,
        engagement_id: int,
        preview: Preview,
        data: bytes,
        *,
        actor: Actor,
        now: dt.datetime,
        amends: dict[str, Any] | None = None,
        municipality: Municipality | None = None,
    ) -> int:
        """Record a new draft version with its document in one transaction, with its audit entry; return its id.

        The version holds the whole contract as ``preview`` gives it (facts, context, library version and hash,
        clauses with their printed lines). With ``amends`` (the signed version it changes) it is an amendment and
        ``data`` is its 覚書. Earlier drafts become 旧版; subcontractors named in the facts get an approval record.
        A caller that has read the ``municipality`` in force for this draft passes it (one query fewer).

        Raises:
            ConflictError: ``amends`` is no longer the contract's latest signed version, or (for an amendment) a
                finalized version awaits its signature, or 団体名・代表者 are not set (団体の設定).
        """
        if not (municipality or await self.current_municipality()).complete:
            raise ConflictError(UNSET_MESSAGE)
        clauses = clause_records(preview)
        sha256 = hashlib.sha256(data).hexdigest()
        kind = VersionKind.amendment if amends else VersionKind.contract
        async with write_transaction():
            contract_id = await self._contract_id_for(engagement_id, preview.contractor_id, now)
            if amends is not None:
                await self._ensure_latest_signed(contract_id, amends)
                if await self._awaiting_signature(contract_id):
                    raise ConflictError(AWAITING_SIGNATURE)
            version = await self._next_version(contract_id)
            name = f"{'覚書案' if amends else '契約書案'}_{engagement_id}_第{version}版.docx"
            file_id = await self.files.save(data, name, actor=actor, now=now, generated=True, content_type=DOCX)
            await ContractVersion.update({ContractVersion.status: VersionStatus.superseded}).where(
                ContractVersion.contract == contract_id, ContractVersion.status == VersionStatus.draft
            )
            version_id = (
                await ContractVersion.insert(
                    ContractVersion(
                        contract=contract_id, version=version, kind=kind, status=VersionStatus.draft,
                        amends_version=amends["id"] if amends else None,
                        facts_json=canonical_json(preview.context["facts"]),
                        context_json=canonical_json(preview.context), library_version=preview.library.version,
                        library_hash=preview.library.content_hash, clauses_json=canonical_json({"items": clauses}),
                        document=file_id, document_sha256=sha256, created_by=actor.id, created_at=now,
                    )
                ).returning(ContractVersion.id)
            )[0]["id"]  # fmt: skip
            await self._ensure_approvals(engagement_id, preview.context, actor, now)
            await self.audit.record(
                "contract.amendment_drafted" if amends else "contract.drafted", actor=actor,
                target_type="contract_version", target_id=version_id,
                target_label=f"委託業務{engagement_id} {VERSION_KIND_LABELS[kind]} 第{version}版",
                after={"library_version": preview.library.version, "library_hash": preview.library.content_hash,
                       "clauses": [c["id"] for c in clauses], "sha256": sha256,
                       **({"amends_version": amends["version"]} if amends else {})},
                now=now,
            )  # fmt: skip
        return version_id

    @staticmethod
    async def _contract_id_for(engagement_id: int, contractor_id: int, now: dt.datetime) -> int:
        """The engagement's contract (locked for the new version), created on its first draft."""
        contract = await for_update(Contract.select().where(Contract.engagement == engagement_id)).first()
        if contract is not None:
            return contract["id"]
        return (
            await Contract.insert(
                Contract(engagement=engagement_id, contractor=contractor_id, created_at=now)
            ).returning(Contract.id)
        )[0]["id"]

    @staticmethod
    async def _next_version(contract_id: int) -> int:
        last = (
            await ContractVersion.select(ContractVersion.version)
            .where(ContractVersion.contract == contract_id)
            .order_by(ContractVersion.version, ascending=False)
            .first()
        )
        return (last["version"] + 1) if last else 1

    @staticmethod
    async def _ensure_latest_signed(contract_id: int, amends: dict[str, Any]) -> None:
        latest = await latest_signed_version(contract_id)
        if latest is None or latest["id"] != amends["id"]:
            raise ConflictError(
                "覚書案の作成中に、別の版の締結が記録されました。契約書の画面を開き直してから、もう一度作成してください。"
            )

    @staticmethod
    async def _awaiting_signature(contract_id: int) -> bool:
        return await ContractVersion.exists().where(
            ContractVersion.contract == contract_id, ContractVersion.status == VersionStatus.finalized
        )

    # -- workflow ------------------------------------------------------------------------------------------------

    async def _locked_version(self, version_id: int, engagement_id: int | None = None) -> dict[str, Any]:
        """The version for a read-check-write, locked after its contract (the order ``record_version`` locks in)."""
        found = await ContractVersion.select(ContractVersion.contract).where(ContractVersion.id == version_id).first()
        if found is None or (engagement_id is not None and not await self._belongs(found["contract"], engagement_id)):
            raise NotFoundError("契約書の版", version_id)
        await for_update(Contract.select(Contract.id).where(Contract.id == found["contract"])).first()
        return await for_update(ContractVersion.select().where(ContractVersion.id == version_id)).first()

    @staticmethod
    async def _ensure_in_order(row: dict[str, Any], signed_on: dt.date | None = None) -> None:
        """An amendment still changes the version in force, and no signing is dated before that version's.

        Raises:
            ConflictError: ``row`` is an amendment of a version another signed version has replaced since.
            ValidationError: ``signed_on`` is before the latest signed version's date.
        """
        latest = await latest_signed_version(row["contract"])
        if row["kind"] == VersionKind.amendment and (latest is None or latest["id"] != row["amends_version"]):
            amended = (
                await ContractVersion.select(ContractVersion.version)
                .where(ContractVersion.id == row["amends_version"])
                .first()
            )
            raise ConflictError(
                f"この覚書案が変更する第{amended['version']}版より後に、別の版の締結が"
                "記録されました。覚書案を作り直してください。"
            )
        if signed_on is not None and latest is not None and signed_on < latest["signed_on"]:
            message = (
                f"締結日には、締結済みの第{latest['version']}版の締結日（{wareki(latest['signed_on'])}）"
                "以後の日付を指定してください。"
            )
            raise ValidationError({"signed_on": message}, message)

    @staticmethod
    async def _belongs(contract_id: int, engagement_id: int) -> bool:
        return await Contract.exists().where(Contract.id == contract_id, Contract.engagement == engagement_id)

    async def finalize(
        self, version_id: int, *, actor: Actor, engagement_id: int | None = None, now: dt.datetime | None = None
    ) -> None:
        """Finalize a draft: from now on the version and its document never change.

        Raises:
            ConflictError: the version is not the current draft, another version awaits signature, or (an
                amendment) the version it changes is no longer the one in force.
        """
        now = now or dt.datetime.now(dt.UTC)
        async with write_transaction():
            row = await self._locked_version(version_id, engagement_id)
            if row["status"] != VersionStatus.draft:
                label = VERSION_STATUS_LABELS.get(row["status"], row["status"])
                raise ConflictError(
                    f"この版は「{label}」のため確定できません。変更する場合は新しい契約書案を作成してください。"
                )
            if await self._awaiting_signature(row["contract"]):
                raise ConflictError("この契約には締結待ちの確定済みの版があります。先に締結を記録してください。")
            await self._ensure_in_order(row)
            await ContractVersion.update(
                {ContractVersion.status: VersionStatus.finalized, ContractVersion.finalized_by: actor.id,
                 ContractVersion.finalized_at: now}
            ).where(ContractVersion.id == version_id)  # fmt: skip
            await self.audit.record(
                "contract.finalized", actor=actor, target_type="contract_version", target_id=version_id,
                target_label=f"契約書 第{row['version']}版", after={"sha256": row["document_sha256"]}, now=now,
            )  # fmt: skip

    async def sign(
        self,
        version_id: int,
        *,
        signed_on: dt.date,
        municipality_signatory: str,
        contractor_signatory: str,
        actor: Actor,
        engagement_id: int | None = None,
        now: dt.datetime | None = None,
    ) -> None:
        """Record that a finalized version was signed (date and both signatories).

        Raises:
            ConflictError: the version is not finalized, or (an amendment) the version it changes is no longer the
                one in force.
            ValidationError: missing signatories, a future date or one before the latest signed version's.
        """
        now = now or dt.datetime.now(dt.UTC)
        errors = {}
        if not municipality_signatory.strip():
            errors["municipality_signatory"] = "甲の記名者を入力してください。"
        if not contractor_signatory.strip():
            errors["contractor_signatory"] = "乙の記名者を入力してください。"
        if signed_on > today_tokyo(now):
            errors["signed_on"] = "締結日に未来の日付は指定できません。"
        if errors:
            raise ValidationError(errors)
        library = await anyio.to_thread.run_sync(library_at, self.templates_dir)
        async with write_transaction():
            row = await self._locked_version(version_id, engagement_id)
            if row["status"] != VersionStatus.finalized:
                raise ConflictError("締結を記録できるのは確定済みの版だけです。")
            await self._ensure_in_order(row, signed_on)
            await ContractVersion.update(
                {ContractVersion.status: VersionStatus.signed, ContractVersion.signed_on: signed_on,
                 ContractVersion.signatory_municipality: municipality_signatory.strip(),
                 ContractVersion.signatory_contractor: contractor_signatory.strip(),
                 ContractVersion.signed_recorded_by: actor.id}
            ).where(ContractVersion.id == version_id)  # fmt: skip
            contract = await Contract.select(Contract.engagement).where(Contract.id == row["contract"]).first()
            await EngagementService(self.audit).set_status(contract["engagement"], "contracted", actor=actor, now=now)
            await self.audit.record(
                "contract.signed", actor=actor, target_type="contract_version", target_id=version_id,
                target_label=f"契約書 第{row['version']}版",
                after={"signed_on": signed_on, "municipality": municipality_signatory.strip(),
                       "contractor": contractor_signatory.strip()},
                now=now,
            )  # fmt: skip
            # The check plan is part of signing: a signed contract always has its checks (OUT-CHK-01).
            await plan_signed_version(version_id, library, actor=actor, now=now, audit=self.audit)

    # -- reading ---------------------------------------------------------------------------------------------------

    async def versions(self, engagement_id: int) -> list[dict[str, Any]]:
        """The versions of the engagement's contract, newest first, each with the clauses added/removed."""
        contract = await Contract.select(Contract.id).where(Contract.engagement == engagement_id).first()
        if contract is None:
            return []
        rows = (
            await ContractVersion.select(
                *ContractVersion.all_columns(), ContractVersion.created_by.full_name.as_alias("created_by_name")
            )
            .where(ContractVersion.contract == contract["id"])
            .order_by(ContractVersion.version)
        )
        out, previous = [], None
        numbers = {r["id"]: r["version"] for r in rows}
        for row in rows:
            clauses = json.loads(row["clauses_json"])["items"]
            ids = [c["id"] for c in clauses]
            before = {c["id"]: c for c in (previous or [])}
            now_ids = {c["id"]: c for c in clauses}
            row.update(
                status_label=VERSION_STATUS_LABELS.get(row["status"], row["status"]), clauses=clauses, clause_ids=ids,
                kind_label=VERSION_KIND_LABELS.get(row["kind"], row["kind"]),
                amends_number=numbers.get(row["amends_version"]),
                added=[c for c in clauses if previous is not None and c["id"] not in before],
                removed=[c for i, c in before.items() if i not in now_ids],
            )  # fmt: skip
            out.append(row)
            previous = clauses
        return list(reversed(out))

    async def version_document(self, version_id: int, engagement_id: int | None = None) -> tuple[dict[str, Any], bytes]:
        """A version's record and its document bytes (checked against the recorded SHA-256)."""
        row = await ContractVersion.select().where(ContractVersion.id == version_id).first()
        if row is None or (engagement_id is not None and not await self._belongs(row["contract"], engagement_id)):
            raise NotFoundError("契約書の版", version_id)
        content = await self.files.load(row["document"])
        if hashlib.sha256(content.data).hexdigest() != row["document_sha256"]:
            raise NotFoundError("契約書の版", version_id)
        return row, content.data


async def _contractor(contractor_id: int) -> SimpleNamespace:
    """The contractor as a contract names it (no contacts, certifications or suspensions: three queries fewer)."""
    row = (
        await Contractor.select(Contractor.id, Contractor.name, Contractor.address, Contractor.representative)
        .where(Contractor.id == contractor_id)
        .first()
    )
    if row is None:
        raise NotFoundError("委託事業者", contractor_id)
    return SimpleNamespace(**row)


async def latest_signed_version(contract_id: int) -> dict[str, Any] | None:
    """The contract's signed version in force: the signed one with the highest number (an amendment included)."""
    return (
        await ContractVersion.select()
        .where(ContractVersion.contract == contract_id, ContractVersion.status == VersionStatus.signed)
        .order_by(ContractVersion.version, ascending=False)
        .first()
    )


async def signing_history(contract_id: int) -> tuple[dt.date, list[dt.date]]:
    """When the contract in force was signed (its latest signed version of kind contract), and each 覚書 since."""
    rows = (
        await ContractVersion.select(ContractVersion.kind, ContractVersion.signed_on)
        .where(ContractVersion.contract == contract_id, ContractVersion.status == VersionStatus.signed)
        .order_by(ContractVersion.version)
    )
    whole = [n for n, r in enumerate(rows) if r["kind"] == VersionKind.contract]
    start = whole[-1] if whole else 0
    return rows[start]["signed_on"], [r["signed_on"] for r in rows[start + 1 :]]
