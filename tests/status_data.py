"""Seed data for the 状況一覧 tests (integration and browser): 福祉課 with a known figure in every column.

情報政策課 (JOHO) gets a signed contract through ``sign_contract`` (its checks, whatever their state on the day the
tests run); 福祉課 (FUKU) gets records written directly, so that its row reads exactly ``FUKU_EXPECTED``, each
figure with records beside it that must not count (done, cancelled, closed, later, already expired, other status).
People: ``ciso`` (security officer), ``kansa`` (auditor), ``fuku`` (FUKU staff), ``tantou`` (JOHO staff).
"""

from __future__ import annotations

import datetime as dt

from governance.accounts.roles import Role
from governance.calendar import today_tokyo
from tests.helpers import make_contractor, make_department, make_user, sign_contract

FUKU_NAME = "健康福祉部 福祉課"
FUKU_EXPECTED = {
    "checks_overdue": 2,
    "measures_overdue": 1,
    "findings_serious": 1,
    "findings_major": 1,
    "findings_minor": 0,
    "certs_expiring": 1,
    "contracts_expiring": 1,
    "services_review": 1,
    "sns_noncompliant": 1,
}
OVERDUE_TITLES = {"福祉の年次確認（令和2年）", "福祉の実地検査（昨日まで）"}


async def seed_status() -> dict[str, int]:
    """Write the data; returns the ids the tests name (``fuku`` is 福祉課's department id)."""
    from governance.contracts.tables import Contract
    from governance.engagements.services import EngagementService
    from governance.engagements.tables import Engagement
    from governance.external.tables import ExternalService, ServiceUsage
    from governance.social.tables import SocialAccount
    from governance.verification.tables import Check, Finding, Measure
    from tests.helpers import engagement_data

    today = today_tokyo()
    day = dt.timedelta(days=1)
    sc = await sign_contract()
    fuku = await make_department("FUKU", FUKU_NAME)
    kyoi = await make_department("KYOI", "教育委員会 学校教育課")  # a department with nothing: a row of zeros
    fuku_staff = await make_user("fuku", Role.department_staff, dept="FUKU")
    await make_user("kansa", Role.auditor)

    async def engagement(title: str, end: dt.date, status: str = "contracted") -> int:
        eid = await EngagementService().create(
            engagement_data(title=title, department_id=fuku, personal_info=False, specific_personal_info=False,
                            segments=[], confidentiality="2", subcontracting=False, subcontractors="",
                            start_date=dt.date(2026, 4, 1), end_date=dt.date(2027, 3, 31)),
            actor=sc.procurement,
        )  # fmt: skip
        await Engagement.update({Engagement.status: status, Engagement.end_date: end}).where(Engagement.id == eid)
        return eid

    ending = await engagement("福祉総合システム保守業務", today + 30 * day)  # ends within 90 days: counts
    later = await engagement("介護認定支援業務", today + 200 * day)  # ends later: does not
    await engagement("福祉窓口案内業務", today + 10 * day, status="planning")  # not contracted: does not

    expiring = await make_contractor("株式会社ふくし情報", certs=(("isms", "IS 1", None, today + 30 * day),))
    lasting = await make_contractor("株式会社ながもち", certs=(("isms", "IS 2", None, today + 200 * day),))
    await make_contractor("株式会社かんけいなし", certs=(("isms", "IS 3", None, today + 20 * day),))  # no contract
    await Contract.insert(
        Contract(engagement=ending, contractor=expiring), Contract(engagement=later, contractor=lasting)
    )

    def check(title: str, due: dt.date, status: str = "planned") -> Check:
        return Check(engagement=ending, department=fuku, kind="yearly", title=title, due_on=due, status=status)

    rows = await Check.insert(
        check("福祉の年次確認（令和2年）", dt.date(2020, 1, 31)),
        check("福祉の実地検査（昨日まで）", today - day, status="in_progress"),
        check("福祉の確認待ち", today - 5 * day, status="reviewing"),  # performed, awaiting sign-off: not overdue
        check("福祉の完了した確認", today - 9 * day, status="done"),
        check("福祉の来月の確認", today + 30 * day),
    ).returning(Check.id)
    first = rows[0]["id"]

    def finding(title: str, severity: str, status: str = "open") -> Finding:
        return Finding(engagement=ending, department=fuku, check=first, title=title, severity=severity, status=status)

    found = await Finding.insert(
        finding("福祉の重大な指摘", "serious"), finding("福祉の重要な指摘", "major"),
        finding("福祉の軽微な指摘（完了）", "minor", status="closed"),
    ).returning(Finding.id)  # fmt: skip
    serious, major = found[0]["id"], found[1]["id"]
    await Measure.insert(
        Measure(finding=serious, kind="improvement_order", description="改善を指示する", owner=fuku_staff,
                due_on=today - 3 * day),  # open, past due: counts
        Measure(finding=serious, kind="other", description="済んだ措置", due_on=today - 30 * day, status="done"),
        Measure(finding=major, kind="prevention_plan", description="再発防止策", due_on=today + 20 * day),
    )  # fmt: skip

    services = await ExternalService.insert(
        ExternalService(name="福祉クラウド台帳", status="operating", next_review_on=today - day),
        ExternalService(name="福祉ファイル共有", status="operating", next_review_on=today + 200 * day),
        ExternalService(name="福祉ＳＮＳ基盤", kind="social_media", platform="x"),
    ).returning(ExternalService.id)  # fmt: skip
    await ServiceUsage.insert(
        ServiceUsage(service=services[0]["id"], department=fuku),
        ServiceUsage(service=services[1]["id"], department=fuku),
    )
    await SocialAccount.insert(
        SocialAccount(service=services[2]["id"], handle="@fuku_city", profile_url="https://x.com/fuku_city",
                      lookup_key="x:fuku_city", display_name="みどり市福祉課", department=fuku, status="active",
                      opened_on=today - 100 * day),  # multi-factor authentication off: out of compliance
    )  # fmt: skip
    return {
        "fuku": fuku,
        "joho": sc.department_id,
        "kyoi": kyoi,
        "serious": serious,
        "ending": ending,
        "expiring": expiring,
    }
