"""Amendments of signed contracts (変更契約書・覚書) and 新旧対照表 between any two versions of a contract.

An amendment is a contract version of kind ``amendment``: it holds the whole contract after the change (the 頭書 and
the clauses the library in force selects for the engagement's facts now), names the signed version it changes, and
its document is a 覚書 whose 別紙 is the 新旧対照表 of the two texts, the 頭書 (委託料, 履行期間 …) included. It
is then finalized and signed like any version, and signing it re-plans the checks
(``verification.services._planning.plan_signed_version``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import anyio

from governance.actor import Actor
from governance.contracts.comparison import CHANGED, Comparison, compare
from governance.contracts.context import Preview, clause_records, stored_context, version_records
from governance.contracts.documents import (
    FRONT_SECTION,
    contract_name,
    front_lines,
    front_matter,
    render_amendment,
    render_comparison,
)
from governance.contracts.library import ClauseLibrary, LibraryError
from governance.contracts.library_cache import library_at
from governance.contracts.services import ContractService, latest_signed_version, signing_history
from governance.contracts.tables import VERSION_KIND_LABELS, VERSION_STATUS_LABELS, Contract, ContractVersion
from governance.engagements.services import EngagementService
from governance.errors import ConflictError, NotFoundError, ValidationError

FRONT = "FRONT"
"""The id of the 頭書 when a 新旧対照表 compares it as a pseudo-article."""
_FRONT_KEYS = ("engagement", "term", "front")
_NOTIFIED = "監督職員"


def front_record(context: dict[str, Any]) -> dict[str, Any]:
    """The 頭書 as a pseudo-article of the 新旧対照表, its lines as printed (「４　委託料　金…円」 …).

    A context stored before the 頭書 was recorded gives a record without lines, compared by id only.
    """
    record: dict[str, Any] = {"id": FRONT, "title": "頭書", "section": FRONT_SECTION, "number": ""}
    if all(key in context for key in _FRONT_KEYS):
        record["lines"] = [
            line
            for (label, _), line in zip(front_matter(context), front_lines(context), strict=True)
            if _NOTIFIED not in label  # the 監督職員 is named by written notice, not changed by a 覚書
        ]
    return record


def stored_records(row: dict[str, Any], library: ClauseLibrary | None) -> list[dict[str, Any]]:
    """A version's 頭書 (printed from the context it stored, dates restored) and clauses, as a 新旧対照表 compares."""
    return [front_record(stored_context(row["context_json"])), *version_records(row, library)]


def change_summary(comparison: Comparison) -> str:
    """What a 新旧対照表 changes, as the pages say it: 頭書の変更あり、条項の新設 1件、改正 0件、削除 0件 …."""
    counts = comparison.counts()
    front = any(r.section == FRONT_SECTION for r in comparison.rows)
    counts[CHANGED] -= front  # the 頭書 is not an article
    text = (
        f"新設 {counts['added']}件、改正 {counts['changed']}件、削除 {counts['removed']}件、"
        f"条番号の変更 {counts['renumbered']}件"
    )
    return f"頭書の変更あり、条項の{text}" if front else text


@dataclass(frozen=True)
class PendingAmendment:
    """What a 覚書 made now would change in the signed contract: the signed version and the 新旧対照表."""

    signed: dict[str, Any]
    comparison: Comparison

    @property
    def needed(self) -> bool:
        """Whether a 覚書 may be needed: something differs, or the signed wording cannot be compared."""
        return self.comparison.changed or not self.comparison.comparable

    @property
    def changes(self) -> str:
        """The change counted as the page says it (``change_summary``)."""
        return change_summary(self.comparison)


@dataclass(frozen=True)
class VersionComparison:
    """Two versions of one contract, the newer first, and their 新旧対照表."""

    new: dict[str, Any]
    old: dict[str, Any]
    comparison: Comparison

    @property
    def new_label(self) -> str:
        """The newer version as the table heads it: 第３版（変更契約書（覚書）・案）."""
        return _label(self.new)

    @property
    def old_label(self) -> str:
        """The earlier version: 第１版（契約書・締結済み）."""
        return _label(self.old)

    @property
    def changes(self) -> str:
        """The change counted as the page says it (``change_summary``)."""
        return change_summary(self.comparison)

    @property
    def subtitle(self) -> str:
        """改正後 and 改正前 named by their versions."""
        return f"改正後：{self.new_label}　改正前：{self.old_label}"


def _label(row: dict[str, Any]) -> str:
    kind = VERSION_KIND_LABELS.get(row["kind"], row["kind"])
    return f"第{row['version']}版（{kind}・{VERSION_STATUS_LABELS.get(row['status'], row['status'])}）"


def _has_lines(row: dict[str, Any]) -> bool:
    """Whether the version stored its printed lines (one drafted earlier needs the library to print them)."""
    return all("lines" in r for r in version_records(row, None))


class AmendmentService:
    """Drafts 覚書 for signed contracts and compares versions, through the contract service's one recording path."""

    def __init__(self, contracts: ContractService) -> None:
        self.contracts = contracts

    async def _signed(self, engagement_id: int) -> dict[str, Any] | None:
        contract = await Contract.select(Contract.id).where(Contract.engagement == engagement_id).first()
        return await latest_signed_version(contract["id"]) if contract else None

    async def pending(self, engagement_id: int, preview: Preview) -> PendingAmendment | None:
        """The change a 覚書 drafted now would make (None when nothing is signed yet)."""
        signed = await self._signed(engagement_id)
        if signed is None:
            return None
        current = [front_record(preview.context), *clause_records(preview)]
        return PendingAmendment(signed, compare(stored_records(signed, preview.library), current))

    async def draft(self, engagement_id: int, *, actor: Actor, now: dt.datetime | None = None) -> int:
        """Draft a 覚書 that brings the signed contract to what the library in force gives now; return its version id.

        A change of the 頭書 alone (委託料, 履行期間 …) is a 覚書 too; so is a signed version whose wording was not
        stored (it cannot be compared, so it is never taken to read the same).

        Raises:
            NotFoundError: no such engagement.
            ConflictError: nothing is signed yet, the signed contract already reads as the library gives it, or a
                finalized version awaits its signature.
            governance.contracts.library.LibraryError: the library in force is broken.
        """
        preview = await self.contracts.preview(engagement_id)
        pending = await self.pending(engagement_id, preview)
        if pending is None:
            raise ConflictError(
                "締結済みの契約がないため、変更契約書（覚書）は作成できません。先に契約の締結を記録してください。"
            )
        if not pending.needed:
            raise ConflictError(
                f"締結済みの第{pending.signed['version']}版は、現在の委託業務の内容と条項ライブラリ"
                f"（第{preview.library.version}版）による頭書及び条項と同じため、覚書で変更する事項はありません。"
            )
        signed_on, amended_on = await signing_history(pending.signed["contract"])
        base = self.contracts.base_document()
        data = await anyio.to_thread.run_sync(
            lambda: render_amendment(
                preview.context, pending.comparison, signed_on=signed_on, amended_on=amended_on, base=base
            )
        )
        return await self.contracts.record_version(
            engagement_id, preview, data, actor=actor, now=now or dt.datetime.now(dt.UTC), amends=pending.signed
        )

    async def _version(self, engagement_id: int, version_id: int) -> dict[str, Any]:
        row = await ContractVersion.select().where(ContractVersion.id == version_id).first()
        if row is None or not await Contract.exists().where(
            Contract.id == row["contract"], Contract.engagement == engagement_id
        ):
            raise NotFoundError("この委託業務の契約書の版", version_id)
        return row

    async def _library(self) -> ClauseLibrary | None:
        try:
            return await anyio.to_thread.run_sync(library_at, self.contracts.templates_dir)
        except LibraryError:
            return None  # versions without stored lines are then compared by id only, as the page says

    async def compare(self, engagement_id: int, version_id: int, with_id: int | None) -> VersionComparison:
        """The 新旧対照表 of a version (改正後) against an earlier version of the same contract (改正前).

        Raises:
            NotFoundError: either version is not one of this engagement's contract.
            ValidationError: ``with_id`` is missing or not an earlier version.
        """
        new = await self._version(engagement_id, version_id)
        if with_id is None:
            raise ValidationError({"with": "比較する以前の版を選んでください。"}, "比較する以前の版を選んでください。")
        old = await self._version(engagement_id, with_id)
        if old["version"] >= new["version"]:
            message = (
                f"比較する版には、第{new['version']}版より前の版を選んでください。"
                f"（第{old['version']}版が指定されました。）"
            )
            raise ValidationError({"with": message}, message)
        library = None if _has_lines(new) and _has_lines(old) else await self._library()
        return VersionComparison(new, old, compare(stored_records(old, library), stored_records(new, library)))

    async def compare_document(
        self, engagement_id: int, version_id: int, with_id: int | None
    ) -> tuple[VersionComparison, bytes]:
        """The comparison as a Word document (新旧対照表), with the engagement's contract named in its heading."""
        result = await self.compare(engagement_id, version_id, with_id)
        engagement = await EngagementService().get(engagement_id)
        lines = (contract_name(engagement.title), result.subtitle)
        base = self.contracts.base_document()
        data = await anyio.to_thread.run_sync(
            lambda: render_comparison("新旧対照表", lines, result.comparison, base=base)
        )
        return result, data
