"""Demo data of incidents: one open incident of the 市民課 whose 速報 is due (governance demo-data)."""

from __future__ import annotations

import datetime as dt

from governance.accounts.roles import Role
from governance.actor import Actor
from governance.calendar import today_tokyo
from governance.incidents.schemas import IncidentOpen
from governance.incidents.services import IncidentService
from governance.incidents.tables import Incident

DEMO_TITLE = "住民税通知書の誤送付（委託先の封入封緘誤り）"


async def load_incident_demo(users: dict[str, int], depts: dict[str, int], *, now: dt.datetime | None = None) -> None:
    """Open the demo incident (once: a second run finds it by its title and adds nothing)."""
    if await Incident.exists().where(Incident.title == DEMO_TITLE):
        return
    from governance.engagements.tables import Engagement

    dept = depts["SHIMIN"]
    engagement = await Engagement.select(Engagement.id).where(Engagement.department == dept).first()
    actor = Actor(id=users["demo-shimin"], label="市民 一郎", roles=frozenset({Role.department_staff}),
                  department_id=dept)  # fmt: skip
    today = today_tokyo(now)
    await IncidentService().open(
        IncidentOpen(
            kind="data_breach", title=DEMO_TITLE, department_id=dept,
            engagement_id=engagement["id"] if engagement else None,
            discovered_on=today - dt.timedelta(days=1), discovered_time="16:30",
            occurred_on=today - dt.timedelta(days=3), summary=(
                "委託先の封入封緘作業の誤りにより、住民税の通知書120通が別の住民の住所に送付されました。"
                "受け取った住民からの連絡で発覚しました。"),
            personal_info=True, people_min=120,
            containment="未配達分の配達停止を郵便局に依頼し、誤送付先に回収の連絡を開始。",
        ),
        actor=actor, now=now,
    )  # fmt: skip
