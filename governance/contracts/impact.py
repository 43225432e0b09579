"""改訂の影響: which live contracts a new clause library (or the one in force) finds lacking, and who is on which.

A live contract is the latest signed version of a contract whose engagement has not ended (its term, renewals
included, runs on or after today). For each, the clauses the library requires are chosen for the facts the contract
was signed with (``facts_json``) and printed with the context it was signed with (``context_json``, dates restored),
so that only the library's wording can differ, not a contractor's address changed since. ``held_clauses`` then names
the clauses it lacks and those it holds in an older wording. A version drafted before the printed lines were stored
is printed from the library in force when it was drafted from exactly that library; otherwise its wording is
reported as unknown (compared by id only).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio

from governance.calendar import today_tokyo
from governance.contracts.comparison import held_clauses
from governance.contracts.context import rendered_records, stored_context, stored_facts, version_records
from governance.contracts.library import ClauseLibrary, LibraryError, Problem
from governance.contracts.library_cache import library_at
from governance.contracts.revision import LibraryDiff, diff_libraries
from governance.contracts.tables import VERSION_KIND_LABELS, ContractVersion, VersionStatus
from governance.engagements.tables import EngagementStatus
from governance.engagements.term import Term


@dataclass(frozen=True)
class LibraryState:
    """A library folder as loaded: the library, or every problem that keeps it from loading."""

    path: Path
    library: ClauseLibrary | None
    problems: tuple[Problem, ...] = ()

    def counts(self) -> dict[str, int]:
        """Clauses per section title, then 仕様書 sections and 様式 (empty when the library is broken)."""
        lib = self.library
        if lib is None:
            return {}
        per_section = {s.title: sum(1 for c in lib.clauses if c.section == s.id) for s in lib.sections}
        return {**per_section, "仕様書": len(lib.specification), "様式": len(lib.forms)}


def load_state(path: Path) -> LibraryState:
    """Load a library folder, keeping its problems instead of raising (pages and reports show them)."""
    try:
        return LibraryState(path, library_at(path))
    except LibraryError as exc:
        return LibraryState(path, None, tuple(exc.problems))


@dataclass(frozen=True)
class AffectedContract:
    """A live contract that lacks a clause the library requires, holds one in an older wording, or cannot be told."""

    engagement_id: int
    engagement: str
    department: str
    contractor: str
    version_id: int
    version: int
    kind_label: str
    signed_on: dt.date
    library_version: str
    missing: tuple[tuple[str, str], ...]
    """The required clauses it lacks, as (id, title)."""
    old_wording: tuple[tuple[str, str], ...]
    """The required clauses it holds in an older wording, as (id, title)."""
    unknown_wording: tuple[str, ...] = ()
    """Clauses it holds whose wording was not stored and cannot be printed (compared by id only)."""
    problem: str = ""
    """Why the contract could not be assessed at all (its record lacks what the library needs)."""


@dataclass(frozen=True)
class VersionUse:
    """How many live contracts are on one library version, and of which departments."""

    library_version: str
    hashes: tuple[str, ...]
    contracts: int
    departments: tuple[str, ...]


@dataclass(frozen=True)
class ImpactReport:
    """The library in force, the candidate (if any), their difference, and the live contracts it reaches."""

    current: LibraryState
    candidate: LibraryState | None
    diff: LibraryDiff | None
    target: ClauseLibrary | None
    """The library the contracts were assessed against: the candidate when one is set, else the one in force."""
    live: int
    affected: tuple[AffectedContract, ...]
    usage: tuple[VersionUse, ...]


def is_live(row: dict[str, Any], today: dt.date) -> bool:
    """Whether a signed contract is in force on ``today``: engagement not ended, term (renewals included) not over."""
    if row["engagement_status"] == EngagementStatus.ended:
        return False
    term = Term(row["start_date"], row["end_date"], row["renewal"], row["renewal_months"], row["notice_days"])
    return term.current_end(today) >= today


async def live_versions(today: dt.date) -> list[dict[str, Any]]:
    """The latest signed version of every contract in force on ``today``, with its engagement and contractor."""
    engagement = ContractVersion.contract.engagement
    rows = await ContractVersion.select(
        *ContractVersion.all_columns(),
        engagement.id.as_alias("engagement_id"), engagement.title.as_alias("engagement_title"),
        engagement.department.name.as_alias("department_name"), engagement.status.as_alias("engagement_status"),
        engagement.start_date.as_alias("start_date"), engagement.end_date.as_alias("end_date"),
        engagement.renewal.as_alias("renewal"), engagement.renewal_months.as_alias("renewal_months"),
        engagement.notice_days.as_alias("notice_days"),
        ContractVersion.contract.contractor.name.as_alias("contractor_name"),
    ).where(ContractVersion.status == VersionStatus.signed)  # fmt: skip
    latest: dict[int, dict[str, Any]] = {}
    for row in sorted(rows, key=lambda r: (r["contract"], r["version"])):
        latest[row["contract"]] = row
    live = [r for r in latest.values() if is_live(r, today)]
    return sorted(live, key=lambda r: (r["department_name"], r["engagement_title"], r["engagement_id"]))


def assess(row: dict[str, Any], target: ClauseLibrary, in_force: ClauseLibrary | None) -> AffectedContract | None:
    """What one live contract lacks against ``target``; None when it holds every required clause as worded there."""
    held = version_records(row, in_force)
    titles = {r["id"]: r["title"] for r in held}
    problem = ""
    try:
        required = rendered_records(target, stored_facts(row["facts_json"]), stored_context(row["context_json"]))
    except Exception as exc:  # the clause text is the library's (sandboxed) code: whatever it raises is reported
        required, problem = [], f"締結した版の記録からは、改訂後の条項を作成できません（{type(exc).__name__}: {exc}）。"
    titles |= {r["id"]: r["title"] for r in required}
    found = held_clauses(held, required)
    if not problem and not any(found.values()):
        return None
    return AffectedContract(
        engagement_id=row["engagement_id"], engagement=row["engagement_title"], department=row["department_name"],
        contractor=row["contractor_name"], version_id=row["id"], version=row["version"],
        kind_label=VERSION_KIND_LABELS.get(row["kind"], row["kind"]), signed_on=row["signed_on"],
        library_version=row["library_version"],
        missing=tuple((i, titles[i]) for i in found["missing"]),
        old_wording=tuple((i, titles[i]) for i in found["old_wording"]),
        unknown_wording=tuple(found["unknown_wording"]), problem=problem,
    )  # fmt: skip


def version_key(version: str) -> list[Any]:
    """A library version for sorting, its numbers compared as numbers: 2026.9 before 2026.10.

    Splitting on the digit runs puts text at the even places and numbers at the odd ones, so any two keys compare.
    """
    return [int(part) if n % 2 else part for n, part in enumerate(re.split(r"(\d+)", version))]


def usage(rows: Sequence[dict[str, Any]]) -> tuple[VersionUse, ...]:
    """Per library version (newest first), the live contracts on it and their departments."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row["library_version"], []).append(row)
    return tuple(
        VersionUse(
            version, tuple(sorted({r["library_hash"] for r in group})), len(group),
            tuple(sorted({r["department_name"] for r in group})),
        )
        for version, group in sorted(groups.items(), key=lambda g: version_key(g[0]), reverse=True)
    )  # fmt: skip


def _assess_all(
    rows: list[dict[str, Any]], target: ClauseLibrary, in_force: ClauseLibrary | None
) -> list[AffectedContract]:
    return [found for row in rows if (found := assess(row, target, in_force)) is not None]


class ImpactService:
    """The 改訂の影響 report: the library in force, a candidate, and the live contracts a change reaches."""

    def __init__(self, *, templates_dir: Path, candidate_dir: Path | None = None) -> None:
        self.templates_dir = templates_dir
        self.candidate_dir = candidate_dir

    async def report(self, *, today: dt.date | None = None) -> ImpactReport:
        """Load both libraries (a broken one reports its problems), diff them, and assess every live contract.

        Without a candidate, the contracts are assessed against the library in force (those still to be amended
        after a change was put in force); with a broken candidate, none are assessed.
        """
        today = today or today_tokyo()
        current = await anyio.to_thread.run_sync(load_state, self.templates_dir)
        candidate = None
        if self.candidate_dir is not None:
            candidate = await anyio.to_thread.run_sync(load_state, self.candidate_dir)
        target = candidate.library if candidate is not None else current.library
        diff = None
        if current.library is not None and candidate is not None and candidate.library is not None:
            diff = diff_libraries(current.library, candidate.library)
        rows = await live_versions(today)
        affected: list[AffectedContract] = []
        if target is not None:
            affected = await anyio.to_thread.run_sync(_assess_all, rows, target, current.library)
        return ImpactReport(current, candidate, diff, target, len(rows), tuple(affected), usage(rows))


def _library_line(label: str, state: LibraryState) -> str:
    if state.library is None:
        return f"{label}：{state.path}（誤り{len(state.problems)}件）"
    counts = "、".join(f"{k} {v}" for k, v in state.counts().items())
    return f"{label}：第{state.library.version}版（ハッシュ {state.library.content_hash[:16]}…）{counts}　{state.path}"


def _contract_lines(found: AffectedContract) -> list[str]:
    out = [
        f"  {found.engagement}（{found.department}）受託者 {found.contractor}　{found.kind_label} 第{found.version}版"
        f"（条項ライブラリ 第{found.library_version}版）　/engagements/{found.engagement_id}/contract"
    ]
    if found.missing:
        out.append("    不足する条項：" + "、".join(f"{i} {t}" for i, t in found.missing))
    if found.old_wording:
        out.append("    旧い文言の条項：" + "、".join(f"{i} {t}" for i, t in found.old_wording))
    if found.unknown_wording:
        out.append("    文言を確認できない条項（本文の記録なし）：" + "、".join(found.unknown_wording))
    if found.problem:
        out.append(f"    {found.problem}")
    return out


def report_lines(report: ImpactReport) -> list[str]:
    """The report as plain text (``governance templates impact``), in the order of the page."""
    out = [_library_line("施行中の条項ライブラリ", report.current)]
    out += [f"  {p}" for p in report.current.problems]
    if report.candidate is None:
        out.append("改訂案：なし（GOVERNANCE_CONTRACT_TEMPLATES_CANDIDATE_DIR 又は --candidate で指定）")
    else:
        out.append(_library_line("改訂案", report.candidate))
        out += [f"  {p}" for p in report.candidate.problems]
    if report.diff is not None:
        counts = report.diff.counts()
        out.append(f"条項の変更：追加 {counts['added']}、削除 {counts['removed']}、変更 {counts['changed']}")
        for change in report.diff.changes:
            aspects = f"（{'・'.join(change.aspects)}）" if change.aspects else ""
            out.append(f"  {change.kind_label}　{change.part_label} {change.id} {change.title}{aspects}")
            out += [f"    {note}" for note in change.notes]
    if report.target is not None:
        against = "改訂案" if report.candidate is not None else "施行中の条項ライブラリ"
        out.append(
            f"履行中の締結済みの契約：{report.live}件のうち、{against}（第{report.target.version}版）に照らして"
            f"対応が必要な契約：{len(report.affected)}件"
        )
        for found in report.affected:
            out += _contract_lines(found)
    out.append("条項ライブラリの版ごとの履行中の契約：")
    out += [f"  第{u.library_version}版：{u.contracts}件（{'、'.join(u.departments)}）" for u in report.usage]
    if not report.usage:
        out.append("  なし")
    return out
