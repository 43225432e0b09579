"""The home page's to-dos are bounded per kind in SQL: the most urgent TODO_LIMIT, the total and 「ほか n 件」."""

from __future__ import annotations

import datetime as dt
from typing import Any

from governance.accounts.roles import Role
from governance.actor import Actor
from governance.calendar import today_tokyo
from governance.contracts.tables import ApprovalStatus, SubcontractorApproval
from governance.contracts.todos import subcontractors_to_approve
from governance.engagements.tables import Selection, SelectionStatus
from governance.engagements.todos import selections_to_approve
from governance.external.codes import ServiceStatus
from governance.external.tables import ExternalService
from governance.external.todos import external_service_todos
from governance.incidents.tables import Incident, IncidentKind, IncidentStatus
from governance.incidents.todos import incident_todos
from governance.social.tables import SocialAccount
from governance.social.todos import accounts_needing_action
from governance.system.todos import TODO_LIMIT, TodoGroup, items_of
from governance.verification.tables import Check, CheckStatus
from governance.verification.todos import checks_and_measures
from tests.helpers import login, make_department, make_person
from tests.integration.test_department_scope import _records

EXTRA = TODO_LIMIT + 5


async def _clone(table: Any, row_id: int, count: int, vary) -> list[int]:
    """Insert ``count`` copies of a row, the i-th changed by ``vary(i, row)``; their ids."""
    row = await table.select().where(table.id == row_id).first()
    ids = []
    for i in range(count):
        copy = {k: v for k, v in row.items() if k != "id"}
        copy.update(vary(i, copy))
        [inserted] = await table.insert(table(**copy)).returning(table.id)
        ids.append(inserted["id"])
    return ids


def _group(groups: list[TodoGroup], kind: str) -> TodoGroup:
    [g] = [g for g in groups if g.kind == kind]
    return g


async def test_checks_are_bounded_soonest_first_and_counted(client):
    ids = await _records()
    today = today_tokyo()
    check = await Check.select().where(Check.id == ids["check_id"]).first()
    staff = Actor(id=check["assignee"], label="担当", roles=frozenset({Role.department_staff}),
                  department_id=ids["department"])  # fmt: skip
    before = _group(await checks_and_measures(staff, today), "確認").total
    # due dates spread over the horizon, inserted latest first so that insertion order is not the answer
    days = [25 - 3 * i for i in range(EXTRA)]
    await _clone(Check, ids["check_id"], EXTRA, lambda i, r: {
        "title": f"追加の確認{i:02d}", "due_on": today + dt.timedelta(days=days[i]), "status": CheckStatus.planned})
    g = _group(await checks_and_measures(staff, today), "確認")
    assert g.total == before + EXTRA and len(g.items) == TODO_LIMIT and g.more == g.total - TODO_LIMIT
    everything = await Check.select(Check.id, Check.due_on).where(
        Check.assignee == staff.id, Check.status.is_in([CheckStatus.planned, CheckStatus.in_progress]),
        Check.due_on <= today + dt.timedelta(days=30),
    )  # fmt: skip
    soonest = sorted(r["due_on"] for r in everything)[:TODO_LIMIT]
    assert [i.due for i in g.items] == soonest
    assert [i.overdue for i in g.items] == [d < today for d in soonest]
    assert g.more_href.startswith("/checks/?status=open&mine=1")

    await login(client, "tantou")
    page = (await client.get("/")).text
    assert f'<a href="{g.more_href}">ほか {g.more} 件</a>' in page.replace("&amp;", "&")
    # the bounded list: exactly TODO_LIMIT of the checks are linked
    assert sum(page.count(f'href="/checks/{r["id"]}"') for r in everything) == TODO_LIMIT


async def test_a_user_with_few_items_sees_them_all_and_no_more_line(client):
    ids = await _records()
    today = today_tokyo()
    checks = await Check.select(Check.id).where(Check.engagement == ids["engagement_id"]).order_by(Check.id)
    kept = [c["id"] for c in checks[:3]]
    await Check.update({Check.due_on: today + dt.timedelta(days=400)}).where(Check.id.not_in(kept))
    await Check.update({Check.due_on: today + dt.timedelta(days=3), Check.status: CheckStatus.planned}).where(
        Check.id.is_in(kept)
    )
    await login(client, "tantou")
    page = (await client.get("/")).text
    assert "ほか" not in page and "対応が必要な事項" in page
    assert all(f'href="/checks/{c}"' in page for c in kept)


async def test_reviewing_checks_keep_department_scope_in_items_and_totals(client):
    ids = await _records()
    today = today_tokyo()
    other = await make_department("ZAISEI", "財務部 財政課")
    await _clone(Check, ids["check_id"], EXTRA, lambda i, r: {
        "title": f"財政課の確認{i:02d}", "status": CheckStatus.reviewing, "department": other,
        "due_on": today - dt.timedelta(days=i), "performed_by": None})
    await _clone(Check, ids["check_id"], 3, lambda i, r: {
        "title": f"情報政策課の確認{i:02d}", "status": CheckStatus.reviewing, "performed_by": None,
        "due_on": today + dt.timedelta(days=i)})
    mine = Actor(id=await make_person("jouhou2", Role.department_staff), label="情報",
                 roles=frozenset({Role.department_staff}), department_id=ids["department"])  # fmt: skip
    g = _group(await checks_and_measures(mine, today), "確認結果の承認")
    assert g.total == 3 and all(i.title.startswith("確認結果の承認：情報政策課") for i in g.items)
    officer = Actor(id=await make_person("ciso9", Role.security_officer), label="CISO",
                    roles=frozenset({Role.security_officer}))  # fmt: skip
    g = _group(await checks_and_measures(officer, today), "確認結果の承認")
    assert g.total == EXTRA + 3 and len(g.items) == TODO_LIMIT
    # overdue first: the ten most overdue of 財政課 (due today - 14 … today - 5)
    most_overdue = range(EXTRA - 1, EXTRA - 1 - TODO_LIMIT, -1)
    assert [i.due for i in g.items] == [today - dt.timedelta(days=d) for d in most_overdue]
    assert all(i.overdue for i in g.items)


async def test_password_changes_and_noncompliant_accounts_are_bounded_and_scoped(client):
    ids = await _records()
    today = today_tokyo()
    other = await make_department("ZAISEI", "財務部 財政課")
    removed = [today - dt.timedelta(days=2 * i) for i in range(EXTRA)]
    await _clone(SocialAccount, ids["account_id"], EXTRA, lambda i, r: {
        "display_name": f"財政課{i:02d}", "profile_url": f"https://x.com/zaisei{i}", "handle": f"zaisei{i}",
        "lookup_key": f"x:zaisei{i}",
        "department": other, "status": "active", "credential_removed_on": removed[i], "password_changed_on": None})
    pr = Actor(id=await make_person("koho", Role.pr_staff), label="広報", roles=frozenset({Role.pr_staff}))
    g = _group(await accounts_needing_action(pr, today), "パスワードの変更")
    assert g.total == EXTRA and len(g.items) == TODO_LIMIT
    assert [i.due for i in g.items] == sorted(removed)[:TODO_LIMIT] and g.items[0].overdue
    unsafe = _group(await accounts_needing_action(pr, today), "SNSアカウントの安全対策")
    assert unsafe.total >= EXTRA and len(unsafe.items) == TODO_LIMIT
    staff = Actor(id=await make_person("joho3", Role.department_staff), label="情報",
                  roles=frozenset({Role.department_staff}), department_id=ids["department"])  # fmt: skip
    groups = await accounts_needing_action(staff, today)
    assert _group(groups, "パスワードの変更").total == 0
    assert all("財政課" not in i.title for i in items_of(groups))
    assert sum(g.total for g in groups) == len(items_of(groups)) <= 3


async def test_external_reviews_are_bounded_overdue_first(client):
    ids = await _records()
    today = today_tokyo()
    service = (await ExternalService.select(ExternalService.id).first())["id"]
    admin = await make_person("kanri", Role.department_staff)
    dues = [today + dt.timedelta(days=10 - 2 * i) for i in range(EXTRA)]
    await _clone(ExternalService, service, EXTRA, lambda i, r: {
        "name": f"サービス{i:02d}", "status": ServiceStatus.operating, "administrator": admin,
        "next_review_on": dues[i]})
    actor = Actor(id=admin, label="管理", roles=frozenset({Role.department_staff}), department_id=ids["department"])
    g = _group(await external_service_todos(actor, today), "外部サービスの定期確認")
    assert g.total == EXTRA and [i.due for i in g.items] == sorted(dues)[:TODO_LIMIT]
    assert g.items[0].overdue and g.more == EXTRA - TODO_LIMIT
    officer = Actor(id=await make_person("ciso8", Role.security_officer), label="CISO",
                    roles=frozenset({Role.security_officer}))  # fmt: skip
    g = _group(await external_service_todos(officer, today), "外部サービスの定期確認")
    assert g.total == sum(d < today for d in dues) and all(i.overdue for i in g.items)


async def test_subcontractor_approvals_and_selections_are_bounded_oldest_first(client):
    ids = await _records()
    today = today_tokyo()
    officer = Actor(id=await make_person("ciso7", Role.security_officer), label="CISO",
                    roles=frozenset({Role.security_officer}))  # fmt: skip
    procurement = Actor(id=await make_person("keiyaku2", Role.procurement), label="契約",
                        roles=frozenset({Role.procurement}))  # fmt: skip
    approval = await SubcontractorApproval.select(SubcontractorApproval.id).first()
    if approval is None:
        [approval] = await SubcontractorApproval.insert(SubcontractorApproval(
            engagement=ids["engagement_id"], name="元の再委託先")).returning(SubcontractorApproval.id)  # fmt: skip
    await _clone(SubcontractorApproval, approval["id"], 2 * EXTRA, lambda i, r: {
        "name": f"再委託先{i:02d}", "status": ApprovalStatus.pending, "mynumber_permission": i % 2 == 0,
        "requested_by": None})
    pending = SubcontractorApproval.status == ApprovalStatus.pending
    g = _group(await subcontractors_to_approve(officer, today), "再委託の承認")
    assert g.total == await SubcontractorApproval.count().where(pending) >= EXTRA and len(g.items) == TODO_LIMIT
    g = _group(await subcontractors_to_approve(procurement, today), "再委託の承認")
    # 番号法第10条の許諾 is for security officers only: not listed nor counted for procurement
    plain = await SubcontractorApproval.count().where(pending, SubcontractorApproval.mynumber_permission.eq(False))
    assert g.total == plain >= EXTRA and len(g.items) == TODO_LIMIT
    assert all("許諾" not in i.title for i in g.items)

    selection = (await Selection.select(Selection.id).where(Selection.engagement == ids["engagement_id"]).first())["id"]
    made = await _clone(Selection, selection, EXTRA, lambda i, r: {
        "status": SelectionStatus.submitted, "version": 100 + i, "prepared_by": procurement.id,
        "submitted_at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(hours=EXTRA - i)})
    g = _group(await selections_to_approve(officer, today), "選定の承認")
    assert g.total == EXTRA and len(g.items) == TODO_LIMIT
    # oldest submission first: the clones were submitted in reverse order of insertion
    assert [i.href for i in g.items] == [f"/selections/{s}" for s in reversed(made)][:TODO_LIMIT]
    assert await selections_to_approve(Actor(id=procurement.id, label="x", roles=officer.roles), today) == [
        TodoGroup("選定の承認", [], 0, g.more_href)]


async def test_open_incidents_are_bounded_and_scoped(client):
    ids = await _records()
    today = today_tokyo()
    other = await make_department("ZAISEI", "財務部 財政課")
    first = await Incident.insert(Incident(
        title="元の事案", department=ids["department"], status=IncidentStatus.open, kind=next(iter(IncidentKind)),
        discovered_at=dt.datetime.now(dt.UTC))).returning(Incident.id)  # fmt: skip
    await _clone(Incident, first[0]["id"], EXTRA, lambda i, r: {"title": f"財政課の事案{i:02d}", "department": other})
    officer = Actor(id=await make_person("ciso6", Role.security_officer), label="CISO",
                    roles=frozenset({Role.security_officer}))  # fmt: skip
    groups = await incident_todos(officer, today)
    assert sum(g.total for g in groups) >= EXTRA + 1
    assert all(len(g.items) <= TODO_LIMIT for g in groups) and any(g.more for g in groups)
    staff = Actor(id=await make_person("joho4", Role.department_staff), label="情報",
                  roles=frozenset({Role.department_staff}), department_id=ids["department"])  # fmt: skip
    groups = await incident_todos(staff, today)
    assert all("財政課" not in i.title for i in items_of(groups)) and sum(g.total for g in groups) >= 1
    assert sum(g.total for g in groups) == len(items_of(groups))
