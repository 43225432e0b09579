"""Helpers shared by tests: users, sign-in, CSRF-aware posts."""

from __future__ import annotations

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
        "work_kinds": ["system_operation", "system_maintenance"],
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
