"""Demo data: a fictional municipality (みどり市) for local trial. Never for production."""

from __future__ import annotations

import secrets
from typing import Any

from governance.accounts import schemas
from governance.accounts.roles import Role
from governance.accounts.services import UserService
from governance.accounts.tables import User
from governance.actor import Actor
from governance.external.demo import load_external_demo
from governance.social.demo import load_social_demo

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


def _demo_answer(evaluation: Any) -> str:
    """A plausible evaluator's answer: the registry's suggestion, 不適合 without a certificate, else 適合."""
    if evaluation.answer:
        return evaluation.answer
    return "fails" if "認証はありません" in evaluation.note else "conforms"


async def demo_selection(
    engagement_id: int,
    candidates: tuple[int, ...],
    winner: int,
    rationale: str,
    *,
    preparer: Actor,
    approver: Actor | None,
    method: str = "open_proposal",
) -> int:
    """Run a selection through: candidates, the registry's suggested answers, decision and submission.

    With an approver it is approved too; without one it stays waiting for approval.
    """
    from governance.engagements.schemas import Decision, EvaluationIn, SelectionCreate
    from governance.engagements.services import SelectionService

    selections = SelectionService()
    sid = await selections.create(
        engagement_id, SelectionCreate(method=method, legal_ground="地方自治法施行令第167条の2第1項第2号"),
        actor=preparer,
    )  # fmt: skip
    for cid in candidates:
        await selections.add_candidate(sid, cid, actor=preparer)
    sel = await selections.get(sid)
    await selections.save_evaluations(
        sid,
        [EvaluationIn(candidate_id=c.id, criterion_id=e.criterion_id, answer=_demo_answer(e), note=e.note)
         for c in sel.candidates for e in c.evaluations],
        actor=preparer,
    )  # fmt: skip
    await selections.decide(sid, Decision(contractor_id=winner, rationale=rationale), actor=preparer)
    await selections.submit(sid, actor=preparer)
    if approver is not None:
        await selections.approve(sid, actor=approver, comment="選定基準への適合を確認しました。")
    return sid


async def _load_outsourcing(users: dict[str, int], depts: dict[str, int]) -> None:
    """Contractors with certificates (valid, expiring, expired) and a suspension; three kinds of engagement."""
    import datetime as dt

    from governance.calendar import today_tokyo
    from governance.contractors.schemas import CertificationCreate, ContactCreate, ContractorCreate, SuspensionCreate
    from governance.contractors.services import ContractorService
    from governance.engagements.schemas import EngagementCreate
    from governance.engagements.services import EngagementService

    today = today_tokyo()
    keiyaku = Actor(id=users["demo-keiyaku"], label="契約 花子（demo-keiyaku）", roles=frozenset({Role.procurement}))
    contractors = ContractorService()
    midori = await contractors.create(
        ContractorCreate(name="株式会社みどり情報システム", name_kana="ミドリジョウホウシステム",
                         corporate_number="7000012050002", address="みどり市中央一丁目1番1号",
                         representative="代表取締役 緑川 一郎", status="active"),
        actor=keiyaku,
    )  # fmt: skip
    await contractors.add_contact(
        midori, ContactCreate(name="森 健太", role="営業部 課長", email="mori@midori-is.example.jp",
                              phone="0574-00-0001"), actor=keiyaku,
    )  # fmt: skip
    await contractors.add_certification(
        midori, CertificationCreate(kind="isms", number="IS 000001", issuer="一般財団法人 審査機構（架空）",
                                    valid_from=today - dt.timedelta(days=500),
                                    valid_until=today + dt.timedelta(days=600)),
        actor=keiyaku,
    )  # fmt: skip
    await contractors.add_certification(
        midori, CertificationCreate(kind="privacy_mark", number="10000001(05)",
                                    valid_from=today - dt.timedelta(days=700),
                                    valid_until=today + dt.timedelta(days=30)),
        actor=keiyaku,
    )  # fmt: skip
    aoba = await contractors.create(
        ContractorCreate(name="あおば電算株式会社", name_kana="アオバデンサン", status="candidate"), actor=keiyaku
    )
    await contractors.add_certification(
        aoba, CertificationCreate(kind="isms", number="IS 000002", valid_from=today - dt.timedelta(days=1200),
                                  valid_until=today - dt.timedelta(days=20)),
        actor=keiyaku,
    )  # fmt: skip
    kumo = await contractors.create(
        ContractorCreate(name="くもクラウド合同会社", name_kana="クモクラウド", status="active"), actor=keiyaku
    )
    await contractors.add_certification(
        kumo, CertificationCreate(kind="ismap_liu", number="L-0001", valid_until=today + dt.timedelta(days=300)),
        actor=keiyaku,
    )  # fmt: skip
    hoshi = await contractors.create(
        ContractorCreate(name="ほし事務サービス株式会社", name_kana="ホシジムサービス", status="stopped"), actor=keiyaku
    )
    await contractors.add_suspension(
        hoshi, SuspensionCreate(start_date=today - dt.timedelta(days=30), end_date=today + dt.timedelta(days=60),
                                reason="個人情報取扱特記事項違反（再委託の無断実施）による指名停止"),
        actor=keiyaku,
    )  # fmt: skip

    engagements = EngagementService()
    fy = today.year if today.month >= 4 else today.year - 1
    start, end = dt.date(fy, 4, 1), dt.date(fy + 1, 3, 31)
    mn = await engagements.create(
        EngagementCreate(
            title="住民情報システム運用保守業務", department_id=depts["SHIMIN"], start_date=start, end_date=end,
            work_kinds=["system_operation"], work_locations=["contractor_site", "remote"],
            purpose="住民基本台帳・個人住民税システムの安定稼働", confidentiality="3B", integrity=2, availability=2,
            personal_info=True, specific_personal_info=True, segments=["mynumber", "lgwan"], remote_access=True,
            off_premises=True,
            subcontracting=True, subcontractors="株式会社みどりサポート", renewal="automatic", notice_days=90,
            contract_value=38_500_000, tax_amount=3_500_000,
            work_place="みどり市役所本庁舎（みどり市中央一丁目1番1号）及び乙の運用センター（業務体制届に記載する場所）",
            bond="exempt", bond_note="みどり市契約規則第30条第1項第3号（履行保証保険契約の締結）",
            payment_terms="partial", payment_note="毎月、当該月分の業務の検査に合格した後に請求する",
            renewal_basis="long_term",
        ),
        actor=keiyaku,
    )  # fmt: skip
    await engagements.create(
        EngagementCreate(
            title="福祉窓口受付業務", department_id=depts["FUKUSHI"], start_date=start, end_date=end,
            work_kinds=["clerical"], work_locations=["onsite"], confidentiality="2", personal_info=True,
            segments=["lgwan"], contract_value=9_200_000, tax_amount=836_363,
            work_place="みどり市役所本庁舎1階 福祉課窓口", payment_terms="partial", payment_note="四半期ごと",
        ),
        actor=keiyaku,
    )  # fmt: skip
    await engagements.create(
        EngagementCreate(
            title="市公式ウェブサイト用フォームサービス利用", department_id=depts["KOHO"], start_date=start,
            end_date=end, work_kinds=["cloud_service"], work_locations=["contractor_cloud"], confidentiality="1",
            renewal="automatic", notice_days=30, work_place="乙のクラウドサービス（インターネット経由で提供）",
            renewal_basis="long_term",
        ),
        actor=keiyaku,
    )  # fmt: skip
    ciso = Actor(id=users["demo-ciso"], label="情報 守（demo-ciso）", roles=frozenset({Role.security_officer}))
    await demo_selection(
        mn, (midori, aoba), midori, "プロポーザル審査の結果、情報セキュリティ体制の評価が最も高かったため",
        preparer=keiyaku, approver=ciso,
    )  # fmt: skip
    from governance.contracts.services import ContractService, municipality_from
    from governance.settings import get_settings

    settings = get_settings()
    contracts = ContractService(
        templates_dir=settings.contract_templates_dir,
        data_dir=settings.data_dir,
        municipality=municipality_from(settings, fallback=True),
    )
    await contracts.create_draft(mn, actor=keiyaku)
    from governance.verification.demo import load_verification_demo

    await load_verification_demo(users, depts, contractor_id=midori, contracts=contracts)
    # a second engagement whose selection waits for approval, for the security officer's to-do list
    tax = await engagements.create(
        EngagementCreate(
            title="税務システム保守業務", department_id=depts["SOUMU"], start_date=start, end_date=end,
            work_kinds=["system_operation"], work_locations=["onsite"], confidentiality="2",
            personal_info=True, segments=["lgwan"],
        ),
        actor=keiyaku,
    )  # fmt: skip
    await demo_selection(
        tax, (midori,), midori, "現行システムの保守を継続できる唯一の事業者であるため", preparer=keiyaku,
        approver=None, method="negotiated",
    )  # fmt: skip


async def _set_municipality(actor: Actor) -> None:
    """Store 団体の設定 for the demo city (names from GOVERNANCE_MUNICIPALITY_* when set), unless already stored."""
    from governance.municipality.profile import from_settings, split_head
    from governance.municipality.schemas import MunicipalityUpdate
    from governance.municipality.services import MunicipalityService, stored_settings
    from governance.settings import get_settings

    if await stored_settings() is not None:
        return
    city = from_settings(get_settings(), fallback=True)
    title, name = split_head(city.head)
    data = MunicipalityUpdate(
        name=city.name, head_title=title, head_name=name, address=city.address or "みどり県みどり市中央一丁目1番1号",
        contact_department="総務部 情報政策課", contact_phone="0000-00-0000（内線1234）",
        contact_email="jouhou@city.midori.example.jp",
    )  # fmt: skip
    await MunicipalityService().save(data, actor=actor)


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
    user_ids: dict[str, int] = {}
    for username, full_name, dept, roles in USERS:
        password = "demo-" + secrets.token_urlsafe(9)
        user_ids[username] = await service.create_user(
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
    await _set_municipality(actor)
    await _load_outsourcing(user_ids, existing)
    await load_external_demo(user_ids, existing)
    await load_social_demo(user_ids, existing)
    from governance.incidents.demo import load_incident_demo

    await load_incident_demo(user_ids, existing)
    return created
