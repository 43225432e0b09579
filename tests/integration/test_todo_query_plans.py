"""The home page's to-dos read little (issue 16): one's open checks on (assignee, status, due_on, id), and only the
SNS accounts that may be flagged today.

A department user has years of done checks; the query for their open ones must search the index of migration
2026-12-05T17:50 by assignee and state, on SQLite (``EXPLAIN QUERY PLAN``) and PostgreSQL (``EXPLAIN``), with the
table ``ANALYZE``d. The SNS flags are judged in Python, on the accounts SQL chooses with cutoffs from the settings:
the groups must be exactly those the full evaluation of every account gives, whatever the settings and dates.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from typing import Any

from governance.accounts.roles import Role
from governance.actor import Actor
from governance.calendar import today_tokyo
from governance.db import get_engine, is_sqlite
from governance.external.tables import ExternalService
from governance.social.checklist import Badge
from governance.social.lifecycle import add_months
from governance.social.services import AccountQueries, load_settings
from governance.social.services._public_queries import account_columns
from governance.social.tables import SocialAccount, SocialRuleTemplate
from governance.social.todos import accounts_needing_action
from governance.system.todos import items_of
from governance.verification.tables import Check, CheckStatus
from governance.verification.todos import HORIZON_DAYS, own_checks_query
from tests.integration.test_department_scope import _records
from tests.integration.test_home_todos import _clone
from tests.integration.test_list_query_plans import _nodes

INDEX = "verification_check_open_assignee_due_idx"


async def _bulk_copies(table: Any, row_id: int, rows: list[dict[str, Any]]) -> None:
    """Insert copies of a row changed by each dict of ``rows``, a few hundred per statement."""
    row = await table.select().where(table.id == row_id).first()
    copies = [table(**{**{k: v for k, v in row.items() if k != "id"}, **r}) for r in rows]
    for start in range(0, len(copies), 200):
        await table.insert(*copies[start : start + 200])


async def _plan(query: Any) -> list[str]:
    """The plan's lines (SQLite) or its nodes as "type index" (PostgreSQL) of the app's query on analysed tables."""
    if is_sqlite():
        await Check.raw("ANALYZE")
        return [r["detail"] for r in await Check.raw("EXPLAIN QUERY PLAN {}", query.querystrings[0])]
    await Check.raw("ANALYZE verification_check")
    async with get_engine().transaction():
        await Check.raw("SET LOCAL enable_seqscan = off")
        rows = await Check.raw("EXPLAIN (FORMAT JSON) {}", query.querystrings[0])
    plan = rows[0]["QUERY PLAN"]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return [f"{n['Node Type']} {n.get('Index Name', '')} {n.get('Index Cond', '')}" for n in _nodes(plan[0]["Plan"])]


async def _user_with_history() -> tuple[int, dt.date]:
    """The assignee of a check, given 3,000 done checks over eight years and 20 open ones."""
    ids = await _records()
    today = today_tokyo()
    check = await Check.select(Check.assignee).where(Check.id == ids["check_id"]).first()
    done = [{"status": CheckStatus.done, "due_on": today - dt.timedelta(days=i)} for i in range(3_000)]
    open_ = [{"status": CheckStatus.planned, "due_on": today + dt.timedelta(days=i)} for i in range(20)]
    await _bulk_copies(Check, ids["check_id"], done + open_)
    return check["assignee"], today


OPEN_CHECK_INDEXES = (INDEX, "verification_check_to_perform_due_idx")
"""Partial indexes that hold only the checks still to perform (migrations 17:50 and 17:55): reading either, the query
reads no done check. Here every check has the same assignee, so PostgreSQL may well take the one without it."""


def _problems(plan: list[str]) -> list[str]:
    """What is wrong with the plan of one's open checks: no partial index of open checks read (the open checks are
    few, so a sort of them, which PostgreSQL may choose after a bitmap scan, is no problem)."""
    return [] if any(i in line for line in plan for i in OPEN_CHECK_INDEXES) else [f"{INDEX} not used"]


async def test_own_open_checks_are_read_on_the_partial_index_in_order(client):
    user, today = await _user_with_history()
    query = own_checks_query(user, today + dt.timedelta(days=HORIZON_DAYS))
    plan = await _plan(query)
    assert not _problems(plan), plan
    # the literal condition chooses the same checks as the states written with parameters, by due date then id
    until = today + dt.timedelta(days=HORIZON_DAYS)
    same = await Check.select(Check.id).where(
        Check.assignee == user, Check.status.is_in([CheckStatus.planned, CheckStatus.in_progress]),
        Check.due_on <= until).order_by(Check.due_on).order_by(Check.id)  # fmt: skip
    assert [r["id"] for r in await query] == [r["id"] for r in same] and len(same) >= 20


async def test_without_the_index_the_plan_check_fails(client):
    """The check can fail: without the partial indexes of open checks the done checks are read (or sorted)."""
    user, today = await _user_with_history()
    for index in OPEN_CHECK_INDEXES:
        await Check.raw(f"DROP INDEX {index}")
    plan = await _plan(own_checks_query(user, today + dt.timedelta(days=HORIZON_DAYS)))
    assert _problems(plan), plan


def _near_cutoffs(today: dt.date) -> list[dt.date]:
    """Days on both sides of every cutoff the settings below make: cycles in months (from today and from the
    re-attestation notice 30 days ahead), review and password periods in days, and month ends."""
    days = []
    for months in (1, 3, 6, 12, 24):
        for origin in (today, today + dt.timedelta(days=30)):
            days += [add_months(origin, -months) + dt.timedelta(days=k) for k in range(-4, 5)]
    for period in (30, 90, 183, 365, 400):
        days += [today - dt.timedelta(days=period + k) for k in range(-2, 3)]
    days += [dt.date(today.year - 1, m, 1) - dt.timedelta(days=1) for m in range(1, 13)]
    return days


def _accounts(rnd: random.Random, today: dt.date, department: int, services: list[int], n: int) -> list[dict]:
    """Accounts that meet everything but one or two things, those around a cutoff."""
    emails = ["", "koho@city.example.lg.jp", "koho@LG.JP", "x@lg.jp ", "x@gmail.com", "x@evil-lg.jp", "x@a/b.lg.jp",
              "x@lg.jp.", "a@city.kanagawa.jp", "b@mail.city.kanagawa.jp", "c@kanagawa_jp", "z@x.lg_jp",
              "y@x:1.lg.jp", "w@kanagawaxjp"]
    days = _near_cutoffs(today)
    recent = today - dt.timedelta(days=1)
    changes = {
        "opened_on": lambda: rnd.choice([*days, None]), "last_attested_on": lambda: rnd.choice([*days, None]),
        "last_post_on": lambda: rnd.choice([*days, None]), "mfa_enabled": lambda: False,
        "login_alerts": lambda: False, "listed_on_website": lambda: False, "recovery_email": lambda: rnd.choice(emails),
        "third_party_apps_reviewed_on": lambda: rnd.choice([*days, None]),
        "badge": lambda: rnd.choice([Badge.missing, Badge.unavailable]),
        "password_changed_on": lambda: rnd.choice([*days, None]),
        "credential_removed_on": lambda: rnd.choice(days),
    }  # fmt: skip
    out = []
    for i in range(n):
        row = {
            "display_name": f"アカウント{i:03d}", "handle": f"acct{i}", "profile_url": f"https://x.com/acct{i}",
            "lookup_key": f"x:acct{i}", "department": department, "service": rnd.choice(services),
            "status": rnd.choice(["applying", "active", "active", "active", "suspended", "closed"]),
            "opened_on": recent - dt.timedelta(days=400), "last_attested_on": recent, "last_post_on": recent,
            "mfa_enabled": True, "login_alerts": True, "listed_on_website": True,
            "recovery_email": "koho@city.example.lg.jp", "third_party_apps_reviewed_on": recent,
            "badge": Badge.obtained, "password_changed_on": recent, "credential_removed_on": None,
        }  # fmt: skip
        for field in rnd.sample(sorted(changes), rnd.choice([1, 1, 1, 2])):
            row[field] = changes[field]()
        out.append(row)
    return out


async def _expected(today: dt.date) -> dict[str, set[str]]:
    """The flagged accounts' titles, from the full evaluation of every account that is not closed."""
    settings = await load_settings()
    rows = await SocialAccount.select(*account_columns()).where(SocialAccount.status != "closed")
    kinds = ("SNSアカウントの再確認", "SNSアカウントの休眠", "SNSアカウントの安全対策")
    out: dict[str, set[str]] = {k: set() for k in kinds}
    for a in (AccountQueries._summary(r, [], settings, today) for r in rows):
        due = a["attestation_due"]
        if a["status"] in ("active", "suspended") and due and (a["attestation_due_soon"] or due < today):
            out["SNSアカウントの再確認"].add(a["display_name"])
        elif a["dormant"]:
            out["SNSアカウントの休眠"].add(a["display_name"])
        if not a["compliant"] and a["status"] != "applying":
            out["SNSアカウントの安全対策"].add(a["display_name"])
    return out


async def test_sns_flags_chosen_in_sql_are_exactly_those_of_the_full_evaluation(client):
    ids = await _records()
    today = today_tokyo()
    account = await SocialAccount.select().where(SocialAccount.id == ids["account_id"]).first()
    [note] = await _clone(ExternalService, account["service"], 1, lambda i, r: {"name": "note（試験）",
                                                                                "platform": "note"})
    await _bulk_copies_from(account, _accounts(random.Random(20261205), today, account["department"],
                                               [account["service"], note], 1500))  # fmt: skip
    pr = Actor(id=None, label="広報", roles=frozenset({Role.pr_staff}))
    templates = [None, {"cycle_months": 12, "inactive_months": 3, "password_max_days": None, "app_review_days": 30,
                        "municipal_mail_domains": "city.kanagawa.jp\n*.LG.JP"},
                 {"cycle_months": 1, "inactive_months": 24, "password_max_days": 365, "app_review_days": 400,
                  "municipal_mail_domains": "kanagawa_jp"}]  # fmt: skip
    flagged: list[dict[str, set[str]]] = []
    for template in templates:
        if template:
            await SocialRuleTemplate.delete(force=True)
            await SocialRuleTemplate.insert(SocialRuleTemplate(**template))
        expected = await _expected(today)
        groups = {g.kind: g for g in await accounts_needing_action(pr, today)}
        for kind, names in expected.items():
            g = groups[kind]
            assert g.total == len(names), (template, kind)
            listed = {i.title.rsplit("：", 1)[-1] for i in g.items}
            assert listed <= names and len(listed) == min(len(names), len(g.items)), (template, kind)
        flagged.append(expected)
    # the data flags accounts of every kind under the defaults and leaves many unflagged (a one-month cycle flags most)
    assert all(flagged[0].values()) and sum(len(v) for v in flagged[0].values()) < 1000
    assert all(any(f[k] for f in flagged[1:]) for k in flagged[0])
    assert items_of(groups.values())


async def _bulk_copies_from(row: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    copies = [SocialAccount(**{**{k: v for k, v in row.items() if k != "id"}, **r}) for r in rows]
    for start in range(0, len(copies), 200):
        await SocialAccount.insert(*copies[start : start + 200])
