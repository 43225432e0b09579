"""Lists select their page's ids first on an index (issue 16): the plans of exactly the queries the app runs.

Each list's id query (``check_ids_query``, ``finding_ids_query``, the engagement, audit entry and external service
lists' ``ids_query``/``service_ids_query``; the contractor list's narrow ``page_query``), with its default order and
with typical filters, must read its table through an index; where an index gives the order, without sorting. Lists
ordered by id alone (audit entries) may read the table itself in id order on SQLite: its b-tree is the primary key.
On SQLite through ``EXPLAIN QUERY PLAN`` (no ``SCAN <table>`` without an index, no ``USE TEMP B-TREE FOR ORDER
BY``); on PostgreSQL through ``EXPLAIN (FORMAT JSON)`` with ``SET LOCAL enable_seqscan = off`` and
``enable_sort = off`` (no Seq Scan on the table, no Sort node).

The ``open`` and ``overdue`` filters name several states (``status IN (...)``): their partial indexes (migration
2026-12-05T17:55) give the due-date order of exactly their rows, so for them too no sort is allowed.
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
from collections.abc import Callable
from typing import Any

import pytest

from governance.audit.services import AuditFilter, AuditService
from governance.contractors.services import ContractorQuery, ContractorService
from governance.db import get_engine, is_sqlite
from governance.engagements.services._engagements import EngagementQuery, EngagementService
from governance.external.services._queries import ServiceQuery, _service_where, service_ids_query
from governance.verification.services._queries import CheckFilter, check_ids_query, finding_ids_query
from governance.verification.tables import Check

TODAY = dt.date(2026, 12, 5)


async def _services(query: ServiceQuery) -> Any:
    return service_ids_query(query, await _service_where(query, TODAY))


# (name, the app's id query, its table, whether an index must give the order: True, False, or PK for the id order)
PK = "primary key order"
CASES: list[tuple[str, Callable[[], Any], str, bool | str]] = [
    ("checks, default order", lambda: check_ids_query(CheckFilter(), today=TODAY, limit=50), "verification_check",
     True),
    ("checks, one state", lambda: check_ids_query(CheckFilter(status="done"), today=TODAY, limit=50, offset=50),
     "verification_check", True),
    ("checks, department", lambda: check_ids_query(CheckFilter(department_id=3), today=TODAY, limit=50),
     "verification_check", True),
    ("checks, department and open", lambda: check_ids_query(
        CheckFilter(status="open", department_id=3), today=TODAY, limit=50), "verification_check", True),
    ("checks, mine and open", lambda: check_ids_query(
        CheckFilter(status="open", assignee_id=3), today=TODAY, limit=50), "verification_check", True),
    ("checks, engagement", lambda: check_ids_query(CheckFilter(engagement_id=3), today=TODAY, limit=50),
     "verification_check", False),
    ("checks, open", lambda: check_ids_query(CheckFilter(status="open"), today=TODAY, limit=50),
     "verification_check", True),
    ("checks, overdue", lambda: check_ids_query(CheckFilter(status="overdue"), today=TODAY, limit=50),
     "verification_check", True),
    ("findings, default order", lambda: finding_ids_query(limit=50), "finding", True),
    ("findings, one state", lambda: finding_ids_query(status="open", limit=50), "finding", True),
    ("findings, department", lambda: finding_ids_query(department_id=2, limit=50), "finding", True),
    ("findings, department and state", lambda: finding_ids_query(department_id=2, status="closed", limit=50),
     "finding", True),
    ("engagements, default order", lambda: EngagementService.ids_query(EngagementQuery(page=3)), "engagement", PK),
    ("engagements, department", lambda: EngagementService.ids_query(EngagementQuery(department_id=2)), "engagement",
     True),
    ("engagements, state", lambda: EngagementService.ids_query(EngagementQuery(status="contracted")), "engagement",
     True),
    ("engagements, by title", lambda: EngagementService.ids_query(EngagementQuery(sort="title")), "engagement", True),
    ("engagements, by start", lambda: EngagementService.ids_query(EngagementQuery(sort="start")), "engagement", True),
    ("engagements, by tier", lambda: EngagementService.ids_query(EngagementQuery(sort="tier")), "engagement", True),
    ("contractors, default order", lambda: ContractorService.page_query(ContractorQuery(page=2)), "contractor", True),
    ("contractors, by update", lambda: ContractorService.page_query(ContractorQuery(sort="updated")), "contractor",
     True),
    ("contractors, state", lambda: ContractorService.page_query(ContractorQuery(status="active")), "contractor",
     True),
    ("audit entries, default order", lambda: AuditService.ids_query(AuditFilter(), offset=500), "audit_entry", PK),
    ("audit entries, target type", lambda: AuditService.ids_query(AuditFilter(target_type="contractor")),
     "audit_entry", PK),
    ("audit entries, one action", lambda: AuditService.ids_query(AuditFilter(action="contractor.created")),
     "audit_entry", PK),
    ("audit entries, one target", lambda: AuditService.ids_query(
        AuditFilter(target_type="contractor", target_id="5")), "audit_entry", PK),
    ("external services, default order", lambda: _services(ServiceQuery(page=2)), "external_service", True),
    ("external services, review overdue", lambda: _services(ServiceQuery(review="overdue")), "external_service",
     True),
]  # fmt: skip


# SQLite's planner chooses by table statistics, which the app gathers at start-up (``refresh_statistics``: ANALYZE).
# The tables here are empty, so the statistics of a large city's check table are written by hand (sqlite_stat1's
# format: rows in the index, then rows per distinct value of its first 1, 2, … columns): 100,000 checks, 40,000 open,
# 35,000 still to perform, five states, 30 departments, 200 assignees, 2,000 engagements.
CHECK_STATISTICS = {
    None: "100000",
    "verification_check_status_due_on_idx": "100000 20000 20",
    "verification_check_status_due_on_id_idx": "100000 20000 20 1",
    "verification_check_due_on_id_idx": "100000 25 1",
    "verification_check_department_due_on_idx": "100000 3400 20 1",
    "verification_check_assignee_due_on_idx": "100000 500 5 1",
    "verification_check_open_due_idx": "40000 10 1",
    "verification_check_to_perform_due_idx": "35000 9 1",
    "verification_check_open_assignee_due_idx": "35000 175 2 1",
}


@pytest.fixture(autouse=True)
async def _large_city_statistics() -> None:
    if not is_sqlite():
        return  # PostgreSQL: enable_seqscan/enable_sort off stand in for a full table (see _postgres_plan)
    await Check.raw("ANALYZE sqlite_schema")  # creates sqlite_stat1
    await Check.raw("DELETE FROM sqlite_stat1 WHERE tbl = 'verification_check'")
    for index, stat in CHECK_STATISTICS.items():
        await Check.raw("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('verification_check', {}, {})", index, stat)
    await Check.raw("ANALYZE sqlite_schema")  # the planner reads the statistics again


async def test_the_app_gathers_sqlite_statistics_on_start_up():
    """Without statistics SQLite reads ``status IN (…)`` on the status index and sorts every open check."""
    if not is_sqlite():
        pytest.skip("SQLite only: PostgreSQL's autovacuum gathers its own statistics")
    from governance.app import _planner_statistics, create_app
    from tests.helpers import make_department

    await Check.raw("DELETE FROM sqlite_stat1")
    await Check.raw("ANALYZE sqlite_schema")
    problems, plan = await plan_problems(check_ids_query(CheckFilter(status="open"), today=TODAY, limit=50),
                                         "verification_check", True)  # fmt: skip
    assert problems, plan  # no statistics: the temp sort this test guards against
    await make_department()
    app = create_app()
    assert _planner_statistics in app.on_startup
    async with app.lifespan():  # the start-up a server runs: ANALYZE (empty tables leave no row)
        rows = await Check.raw("SELECT tbl FROM sqlite_stat1")
    assert "department" in {r["tbl"] for r in rows}


async def _sqlite_plan(query: Any) -> list[str]:
    return [r["detail"] for r in await Check.raw("EXPLAIN QUERY PLAN {}", query.querystrings[0])]


def _nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [node, *(n for child in node.get("Plans", []) for n in _nodes(child))]


async def _postgres_plan(query: Any) -> list[dict[str, Any]]:
    engine = get_engine()
    async with engine.transaction():
        # An empty table makes any plan cheap: forbid the table scan and make sorting dear, so that the planner
        # shows the index it would use on a full table (a sort still appears if no index gives the order).
        await Check.raw("SET LOCAL enable_seqscan = off")
        await Check.raw("SET LOCAL enable_sort = off")
        rows = await Check.raw("EXPLAIN (FORMAT JSON) {}", query.querystrings[0])
    plan = rows[0]["QUERY PLAN"]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return _nodes(plan[0]["Plan"])


def _sqlite_problems(lines: list[str], table: str, ordered: bool | str) -> list[str]:
    # In id order, SQLite reads the table's own b-tree (keyed by id) and shows it as a plain ``SCAN <table>``.
    pk_scan = ordered == PK and f"SCAN {table}" in lines
    problems = [line for line in lines if line.startswith(f"SCAN {table}") and "INDEX" not in line and not pk_scan]
    if not pk_scan and not any(line.startswith((f"SCAN {table}", f"SEARCH {table}")) and "INDEX" in line
                               for line in lines):  # fmt: skip
        problems.append(f"{table} is not read through an index")
    if ordered:
        problems += [line for line in lines if "TEMP B-TREE FOR ORDER BY" in line]
    return problems


def _postgres_problems(nodes: list[dict[str, Any]], table: str, ordered: bool | str) -> list[str]:
    scans = [n for n in nodes if n.get("Relation Name") == table]
    problems = [f"Seq Scan on {table}" for n in scans if n["Node Type"] == "Seq Scan"]
    if not any("Index" in n["Node Type"] or n["Node Type"] == "Bitmap Heap Scan" for n in scans):
        problems.append(f"{table} is not read through an index")
    if ordered:
        problems += [n["Node Type"] for n in nodes if n["Node Type"] in {"Sort", "Incremental Sort"}]
    return problems


async def plan_problems(query: Any, table: str, ordered: bool | str) -> tuple[list[str], Any]:
    if is_sqlite():
        lines = await _sqlite_plan(query)
        return _sqlite_problems(lines, table, ordered), lines
    nodes = await _postgres_plan(query)
    return _postgres_problems(nodes, table, ordered), [(n["Node Type"], n.get("Index Name")) for n in nodes]


@pytest.mark.parametrize(("name", "build", "table", "ordered"), CASES, ids=[c[0] for c in CASES])
async def test_the_list_id_query_reads_an_index_in_order(name, build, table, ordered):
    query = build()
    if inspect.iscoroutine(query):  # built after an awaited lookup (the service filters)
        query = await query
    problems, plan = await plan_problems(query, table, ordered)
    assert not problems, f"{name}: {problems} in plan {plan}"


async def test_without_the_index_the_plan_check_fails():
    """The check can fail: with the due-date index dropped, the default check list sorts (or scans)."""
    await Check.raw("DROP INDEX verification_check_due_on_id_idx")
    problems, plan = await plan_problems(check_ids_query(CheckFilter(), today=TODAY, limit=50),
                                         "verification_check", True)  # fmt: skip
    assert problems, plan


def test_the_plan_rules_reject_a_scan_and_a_temp_sort():
    assert _sqlite_problems(["SCAN verification_check", "USE TEMP B-TREE FOR ORDER BY"], "verification_check", True)
    assert _sqlite_problems(["SEARCH finding USING INDEX finding_status_id_idx (status=?)",
                             "USE TEMP B-TREE FOR ORDER BY"], "finding", True)  # fmt: skip
    assert not _sqlite_problems(["SCAN finding USING COVERING INDEX finding_status_id_idx"], "finding", True)
    assert not _sqlite_problems(["SCAN audit_entry"], "audit_entry", PK)
    assert _sqlite_problems(["SCAN audit_entry", "USE TEMP B-TREE FOR ORDER BY"], "audit_entry", PK)
    assert _sqlite_problems(["SCAN engagement"], "engagement", True)
    sort = [{"Node Type": "Limit"}, {"Node Type": "Sort"},
            {"Node Type": "Index Only Scan", "Relation Name": "finding"}]  # fmt: skip
    assert _postgres_problems(sort, "finding", True)
    assert not _postgres_problems(sort[::2], "finding", True)


async def test_without_the_title_index_the_engagement_list_sorts():
    """The engagement list by title needs the index of migration 2026-12-05T17:40 (``title, id DESC``)."""
    await Check.raw("DROP INDEX engagement_title_id_idx")
    problems, plan = await plan_problems(EngagementService.ids_query(EngagementQuery(sort="title")), "engagement", True)
    assert problems, plan
