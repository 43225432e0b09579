"""Demo data: a fictional municipality (みどり市) for local trial. Never for production."""

from __future__ import annotations

import secrets

from governance.accounts import schemas
from governance.accounts.roles import Role
from governance.accounts.services import UserService
from governance.accounts.tables import User
from governance.actor import Actor

DEPARTMENTS: tuple[tuple[str, str], ...] = (
    ("SOUMU", "総務部 総務課"),
    ("JOHO", "総務部 情報政策課"),
    ("KEIYAKU", "総務部 契約検査課"),
    ("KOHO", "企画部 秘書広報課"),
    ("SHIMIN", "市民部 市民課"),
    ("FUKUSHI", "健康福祉部 福祉課"),
    ("KANSA", "監査委員事務局"),
)

# (user name, full name, department code, roles)
USERS: tuple[tuple[str, str, str, tuple[Role, ...]], ...] = (
    ("demo-admin", "管理 太郎", "JOHO", (Role.admin,)),
    ("demo-ciso", "情報 守", "JOHO", (Role.security_officer,)),
    ("demo-keiyaku", "契約 花子", "KEIYAKU", (Role.procurement,)),
    ("demo-shimin", "市民 一郎", "SHIMIN", (Role.department_staff,)),
    ("demo-fukushi", "福祉 陽子", "FUKUSHI", (Role.department_staff,)),
    ("demo-koho", "広報 美咲", "KOHO", (Role.pr_staff,)),
    ("demo-kansa", "監査 次郎", "KANSA", (Role.auditor,)),
)


async def load_demo_data() -> list[tuple[str, str, str]]:
    """Create the demo departments and one user per role; return (user name, role, password) of new users.

    Running it again changes nothing and returns an empty list.
    """
    if await User.exists().where(User.username == USERS[0][0]):
        return []
    actor = Actor.system("デモデータ")
    service = UserService()
    existing = {d.code: d.id for d in await service.list_departments()}
    for code, name in DEPARTMENTS:
        if code not in existing:
            existing[code] = await service.create_department(
                schemas.DepartmentCreate(code=code, name=name), actor=actor
            )
    created: list[tuple[str, str, str]] = []
    for username, full_name, dept, roles in USERS:
        password = "demo-" + secrets.token_urlsafe(9)
        await service.create_user(
            schemas.UserCreate(
                username=username,
                full_name=full_name,
                department_id=existing[dept],
                roles=[r.value for r in roles],
                password=password,
                email=f"{username}@city.midori.example.jp",
            ),
            actor=actor,
        )
        created.append((username, roles[0].label, password))
    return created
