"""Department need-to-know inside services: a scoped user registers records only for their own department.

The web layer refuses another department's existing records (governance.web.scope); this module covers what a
request creates or moves: the department chosen in a form or an API body.
"""

from __future__ import annotations

from governance.accounts.roles import is_department_scoped
from governance.actor import Actor
from governance.errors import ValidationError

OWN_DEPARTMENT_ONLY = "ご自身の所属を選んでください（他の所属の記録は登録・変更できません。）。"


def ensure_own_department(actor: Actor, department_id: int | None, *, field: str = "department_id") -> None:
    """Refuse a department other than the scoped actor's own.

    Raises:
        ValidationError: on ``field``, when the actor is limited to their department and chose another one.
    """
    if department_id is not None and is_department_scoped(actor.roles) and department_id != actor.department_id:
        raise ValidationError({field: OWN_DEPARTMENT_ONLY})


async def sees_department(user_id: int, department_id: int) -> bool:
    """Whether a user may work on a record of the department: one of its staff, or someone not limited to one."""
    from governance.accounts.roles import effective_roles
    from governance.accounts.tables import User, UserRole

    user = await User.select(User.department).where(User.id == user_id).first()
    if user is None:
        return False
    roles = effective_roles({r["role"] for r in await UserRole.select(UserRole.role).where(UserRole.user == user_id)})
    return not is_department_scoped(roles) or user["department"] == department_id


ASSIGNEE_OTHER_DEPARTMENT = "この記録の所属の職員か、全所属の記録を扱う職員を選んでください。"
