"""Helpers shared by tests: users, sign-in, CSRF-aware posts."""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode

import httpx

from governance.accounts import schemas
from governance.accounts.services import UserService
from governance.actor import Actor

PASSWORD = "correct-horse-battery"


async def make_department(code: str = "JOHO", name: str = "総務部 情報政策課") -> int:
    """Create a department (or return the existing one with that code)."""
    service = UserService()
    for d in await service.list_departments():
        if d.code == code:
            return d.id
    return await service.create_department(schemas.DepartmentCreate(code=code, name=name), actor=Actor.system("test"))


async def make_user(username: str, *roles: str, password: str = PASSWORD, dept: str = "JOHO") -> int:
    """Create a user with roles in a department."""
    dept_id = await make_department(dept, f"{dept}課")
    return await UserService().create_user(
        schemas.UserCreate(
            username=username,
            full_name=f"{username} 氏",
            department_id=dept_id,
            roles=list(roles) or ["auditor"],
            password=password,
        ),
        actor=Actor.system("test"),
    )


def csrf_headers(client: httpx.AsyncClient) -> dict[str, str]:
    """The CSRF header for a client that has loaded a page."""
    return {"x-csrftoken": client.cookies.get("gov_csrf", "")}


async def login(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> httpx.Response:
    """Sign a client in through the login form."""
    await client.get("/login")
    return await client.post(
        "/login", data={"username": username, "password": password, "next": "/"}, headers=csrf_headers(client)
    )


async def post_form(client: httpx.AsyncClient, url: str, data: dict | list | None = None) -> httpx.Response:
    """Post a form with the client's CSRF token (loading a page first if it has none)."""
    if "gov_csrf" not in client.cookies:
        await client.get("/login")
    if isinstance(data, list):  # repeated keys (checkboxes): httpx takes those only as encoded content
        headers = {**csrf_headers(client), "content-type": "application/x-www-form-urlencoded"}
        return await client.post(url, content=urlencode(data), headers=headers)
    return await client.post(url, data=data or {}, headers=csrf_headers(client))


async def make_contractor(name: str = "株式会社みどり情報", *, number: str = "", certs: tuple = (), **extra) -> int:
    """Register a contractor, optionally with certifications (kind, number, valid_from, valid_until)."""
    from governance.contractors.schemas import CertificationCreate, ContractorCreate
    from governance.contractors.services import ContractorService

    service = ContractorService()
    actor = Actor.system("test")
    cid = await service.create(ContractorCreate(name=name, corporate_number=number, **extra), actor=actor)
    for kind, cert_number, valid_from, valid_until in certs:
        await service.add_certification(
            cid,
            CertificationCreate(kind=kind, number=cert_number, valid_from=valid_from, valid_until=valid_until),
            actor=actor,
        )
    return cid


def engagement_data(**overrides):
    """A valid EngagementCreate: マイナンバー work with 再委託 at the contractor's premises, unless overridden."""
    import datetime as dt

    from governance.engagements.schemas import EngagementCreate

    values = {
        "title": "住民情報システム運用保守業務",
        "department_id": 0,
        "start_date": dt.date(2026, 4, 1),
        "end_date": dt.date(2027, 3, 31),
        "work_kinds": ["system_operation"],
        "work_locations": ["contractor_site"],
        "confidentiality": "3B",
        "integrity": 2,
        "availability": 2,
        "personal_info": True,
        "specific_personal_info": True,
        "segments": ["mynumber"],
        "subcontracting": True,
        "subcontractors": "株式会社下請システム",
        "renewal": "automatic",
        "renewal_months": 12,
        "notice_days": 90,
    }
    values.update(overrides)
    return EngagementCreate(**values)


# --- verification and reminders (issue 5) ---------------------------------------------------------------------------


async def make_person(username: str, *roles: str, dept: str = "JOHO", email: str | None = None) -> int:
    """Create a user with roles and an e-mail address (``<username>@city.example.jp`` unless given)."""
    dept_id = await make_department(dept, f"{dept}課")
    return await UserService().create_user(
        schemas.UserCreate(
            username=username,
            full_name=f"{username} 氏",
            department_id=dept_id,
            roles=list(roles) or ["auditor"],
            password=PASSWORD,
            email=f"{username}@city.example.jp" if email is None else email,
        ),
        actor=Actor.system("test"),
    )


def at_tokyo(day, hour: int = 10):
    """A UTC instant on the given Tokyo date (10:00 JST by default)."""
    import datetime as dt

    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.timezone(dt.timedelta(hours=9))).astimezone(dt.UTC)


class SignedContract:
    """A signed マイナンバー contract made by ``sign_contract``: ids and the people around it."""

    def __init__(self, **values) -> None:
        self.__dict__.update(values)


def contract_service():
    """The contract service on the shipped clause library."""
    from governance.contracts.services import ContractService, Municipality
    from governance.settings import get_settings

    s = get_settings()
    return ContractService(
        templates_dir=s.contract_templates_dir, data_dir=s.data_dir,
        municipality=Municipality("みどり市", "みどり市長 緑川 一郎"),
    )  # fmt: skip


async def sign_contract(*, signed_on=None, keep_notices: bool = False, **overrides) -> SignedContract:
    """Approve a selection and sign the first contract version of an engagement (マイナンバー work by default).

    People: ``keiyaku`` (procurement), ``ciso`` and ``ciso2`` (security officers), ``tantou`` (department staff,
    the engagement's supervisor, so the checks' assignee) and ``kakunin`` (department staff, a second person),
    all with e-mail addresses. The contract is signed on ``signed_on`` (default 2026-03-25, before the term).
    The notices of the workflow steps on the way (selection submitted and approved, subcontractor approval
    requested) are cleared from the notification log unless ``keep_notices``, so that tests of reminders and
    check events start from an empty log; ``test_event_notices`` covers those notices.
    """
    import datetime as dt

    from governance.accounts.roles import Role
    from governance.engagements.services import EngagementService

    signed_on = signed_on or dt.date(2026, 3, 25)
    dept = await make_department()
    prep = Actor(id=await make_person("keiyaku", Role.procurement), label="契約", roles=frozenset({Role.procurement}))
    officers = [await make_person(name, Role.security_officer) for name in ("ciso", "ciso2")]
    officer = Actor(id=officers[0], label="CISO", roles=frozenset({Role.security_officer}))
    staff_id = await make_person("tantou", Role.department_staff)
    second_id = await make_person("kakunin", Role.department_staff)
    staff = Actor(id=staff_id, label="担当", roles=frozenset({Role.department_staff}), department_id=dept)
    second = Actor(id=second_id, label="確認者", roles=frozenset({Role.department_staff}), department_id=dept)
    eid = await EngagementService().create(
        engagement_data(department_id=dept, supervisor_id=staff_id, **overrides), actor=prep
    )
    cid = await make_contractor("株式会社みどり情報", address="みどり市中央1-1", representative="代表取締役 緑川")
    await approve_selection(eid, cid, prep, officer)
    contracts = contract_service()
    now = at_tokyo(signed_on)
    vid = await contracts.create_draft(eid, actor=prep, now=now)
    await contracts.finalize(vid, actor=prep, now=now)
    await contracts.sign(vid, signed_on=signed_on, municipality_signatory="市長", contractor_signatory="社長",
                         actor=prep, now=now)  # fmt: skip
    if not keep_notices:
        from governance.reminders.events import EVENTS
        from governance.reminders.tables import Notification

        await Notification.delete().where(Notification.rule.is_in(list(EVENTS)))
    return SignedContract(
        engagement_id=eid, version_id=vid, department_id=dept, contractor_id=cid, procurement=prep,
        officer=officer, officer_ids=officers, staff=staff, second=second, signed_on=signed_on, contracts=contracts,
    )  # fmt: skip


async def checks_by_key(engagement_id: int) -> dict[str, dict]:
    """An engagement's checks by plan key (``before_start``, ``at_signing:v1``, ``monthly:令和8年4月分`` …)."""
    from governance.verification.tables import Check

    rows = await Check.select().where(Check.engagement == engagement_id).order_by(Check.id)
    return {r["plan_key"]: r for r in rows}


async def cancel_before_start(sc: SignedContract) -> int:
    """Cancel the engagement's 業務の開始前の確認 (plan key ``before_start``) on the signing day; return its id.

    For the default contract it is due on 2026-03-31, so from 2026-04-01 it is overdue and reminded too: tests about
    the one notice of another check (the 契約締結時の確認, due 2026-04-08) take it out of the way with this.
    """
    from governance.verification.services import CheckService

    check = (await checks_by_key(sc.engagement_id))["before_start"]
    await CheckService().cancel(
        check["id"], reason="このテストでは扱わないため", actor=sc.staff, now=at_tokyo(sc.signed_on)
    )
    return check["id"]


async def items_of(check_id: int) -> list[dict]:
    """A check's checklist items in order."""
    from governance.verification.tables import ChecklistItem

    return await ChecklistItem.select().where(ChecklistItem.check == check_id).order_by(ChecklistItem.position)


async def amend_contract(sc: SignedContract, *, signed_on, recorded_on=None, **facts) -> int:
    """Change the engagement's facts and sign the next contract version on ``signed_on``; return its id.

    The signing is recorded on ``recorded_on`` (default: the day it was signed).
    """
    from governance.engagements.services import EngagementService

    now = at_tokyo(recorded_on or signed_on)
    data = engagement_data(department_id=sc.department_id, supervisor_id=sc.staff.id, **facts)
    await EngagementService().update(sc.engagement_id, data, actor=sc.procurement, now=now)
    vid = await sc.contracts.create_draft(sc.engagement_id, actor=sc.procurement, now=now)
    await sc.contracts.finalize(vid, actor=sc.procurement, now=now)
    await sc.contracts.sign(vid, signed_on=signed_on, municipality_signatory="市長", contractor_signatory="社長",
                            actor=sc.procurement, now=now)  # fmt: skip
    return vid


# --- verification over HTTP and in the browser (issue 5) -------------------------------------------------------------

PDF_BYTES = b"%PDF-1.4\n% evidence\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


async def sign_contract_now(**overrides) -> SignedContract:
    """``sign_contract`` with a term that started about three months before today: some checks are past due, most
    are not (whatever day the tests run)."""
    import datetime as dt

    from governance.calendar import today_tokyo

    signed_on = today_tokyo() - dt.timedelta(days=100)
    start = signed_on + dt.timedelta(days=7)
    return await sign_contract(signed_on=signed_on, start_date=start, end_date=start + dt.timedelta(days=364),
                               **overrides)  # fmt: skip


async def checks_of(engagement_id: int) -> list[dict]:
    """An engagement's checks by due date (then id)."""
    from governance.verification.tables import Check

    return await Check.select().where(Check.engagement == engagement_id).order_by(Check.due_on).order_by(Check.id)


async def checklist_of(check_id: int) -> list[dict]:
    """A check's checklist items in order, ``requirements`` as a list."""
    from governance.verification.tables import ChecklistItem

    query = ChecklistItem.select().where(ChecklistItem.check == check_id).order_by(ChecklistItem.position)
    return await query.output(load_json=True)


async def multi_item_check(engagement_id: int, *, future: bool = False) -> dict:
    """The first check (by due date) with several checklist items (due today or later if ``future``)."""
    from governance.calendar import today_tokyo

    for c in await checks_of(engagement_id):
        if (not future or c["due_on"] >= today_tokyo()) and len(await checklist_of(c["id"])) > 1:
            return c
    raise AssertionError("no check with several items")


async def post_multipart(client: httpx.AsyncClient, url: str, data: dict, files=None) -> httpx.Response:
    """Post a multipart form with the client's CSRF token, as a browser does (an empty ``evidence`` file field when
    no file is chosen)."""
    if "gov_csrf" not in client.cookies:
        await client.get("/login")
    files = files or {"evidence": ("", b"", "application/octet-stream")}
    return await client.post(url, data=data, files=files, headers=csrf_headers(client))


async def api_token(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    """Sign ``client`` in as ``username``, issue an API token on the account page, return the Authorization header."""
    import re

    await login(client, username)
    page = await post_form(client, "/account/tokens", {"name": "api"})
    return {"Authorization": "Bearer " + re.search(r'id="new-token">([^<]+)<', page.text).group(1)}


async def audit_actions() -> list[str]:
    """The actions of the audit log, oldest first."""
    from governance.audit.tables import AuditEntry

    return [r["action"] for r in await AuditEntry.select(AuditEntry.action).order_by(AuditEntry.id)]


async def approve_platform_use(service_id: int, department_id: int) -> None:
    """Record a platform's use as approved for a department (the precondition of opening an SNS account there).

    Tests of the SNS workflow start from here; the approval itself is tested in the external-service tests.
    """
    from governance.external.codes import ServiceStatus
    from governance.external.tables import ExternalService, ServiceUsage

    await ExternalService.update({ExternalService.status: ServiceStatus.operating}).where(
        ExternalService.id == service_id
    )
    used = ServiceUsage.exists().where(ServiceUsage.service == service_id, ServiceUsage.department == department_id)
    if not await used:
        await ServiceUsage.insert(ServiceUsage(service=service_id, department=department_id))


async def approve_selection(engagement_id: int, contractor_id: int, prep: Actor, officer: Actor) -> int:
    """Select a contractor for an engagement (every criterion 適合) and have the selection approved; return its id."""
    from governance.engagements.schemas import Decision, EvaluationIn, SelectionCreate
    from governance.engagements.services import SelectionService

    sel = SelectionService()
    sid = await sel.create(engagement_id, SelectionCreate(method="negotiated"), actor=prep)
    cand = await sel.add_candidate(sid, contractor_id, actor=prep)
    got = await sel.get(sid)
    await sel.save_evaluations(
        sid, [EvaluationIn(candidate_id=cand, criterion_id=c.id, answer="conforms") for c in got.criteria], actor=prep
    )
    await sel.decide(sid, Decision(contractor_id=contractor_id, rationale="適合"), actor=prep)
    await sel.submit(sid, actor=prep)
    await sel.approve(sid, actor=officer)
    return sid


# --- clause library revisions (issue 13 part 3) ---------------------------------------------------------------------

REVISED_VERSION = "2099.1"
NEW_CLAUSE = "ANX-NEW-GENAI"
REWORDED_CLAUSE = "ANX-TK01-PERSONAL-INFO"
REWORDED_FROM = "個人情報を適正に取り扱わなければならない"
REWORDED_TO = "個人情報を適正かつ安全に取り扱わなければならない"


def revised_library(root):
    """A copy of the configured clause library as its next version (``REVISED_VERSION``) under ``root``.

    It adds ``NEW_CLAUSE`` for every contract (condition ALL, with a yearly check item CHK-GENAI-USE) and rewords
    ``REWORDED_CLAUSE`` (the personal-information clause, only in contracts that handle personal information).
    """
    import re
    import shutil
    from pathlib import Path

    from governance.settings import get_settings

    root = Path(root)
    shutil.copytree(get_settings().contract_templates_dir, root)
    meta = root / "library.yaml"
    text = meta.read_text(encoding="utf-8")
    meta.write_text(re.sub(r'version: "[^"]+"', f'version: "{REVISED_VERSION}"', text, count=1), encoding="utf-8")
    (root / "clauses" / "annex-960-genai.yaml").write_text(
        f"id: {NEW_CLAUSE}\nsection: annex\norder: 960\ntitle: 生成AIの利用\nrequirements: [OUT-CON-01]\n"
        "condition: {flag: ALL}\n"
        "body: 乙は、委託業務において生成AIを利用するときは、あらかじめ甲の承諾を得なければならない。\n"
        "checks:\n  - id: CHK-GENAI-USE\n    what: 生成AIの利用状況の確認\n    when: yearly\n"
        "    requirements: [OUT-CHK-01]\n",
        encoding="utf-8",
    )
    clause = root / "clauses" / "annex-020-personal-info.yaml"
    text = clause.read_text(encoding="utf-8")
    assert REWORDED_FROM in text
    clause.write_text(text.replace(REWORDED_FROM, REWORDED_TO), encoding="utf-8")
    return root


def run_sync(coro):
    """Run a coroutine to completion from synchronous code (CLI tests), closing the database connections after."""
    from governance.db import close_connections

    async def main():
        try:
            return await coro
        finally:
            await close_connections()

    return asyncio.run(main())
