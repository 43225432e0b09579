"""Demo external services for みどり市 (both regimes, every application state, one overdue review); never production."""

from __future__ import annotations

import datetime as dt

from governance.accounts.roles import Role
from governance.actor import Actor
from governance.calendar import today_tokyo
from governance.contractors.tables import Contractor
from governance.external import schemas
from governance.external.checklist import applicant_items
from governance.external.regime import BUILD_ITEMS, REVIEW_ITEMS, regime_for
from governance.external.services import ApplicationService, LifecycleService, RegistryService

# user name → (department code, roles)
_PEOPLE: dict[str, tuple[str, frozenset[str]]] = {
    "demo-ciso": ("JOHO", frozenset({Role.security_officer})),
    "demo-shimin": ("SHIMIN", frozenset({Role.department_staff})),
    "demo-fukushi": ("FUKUSHI", frozenset({Role.department_staff})),
    "demo-koho": ("KOHO", frozenset({Role.pr_staff})),
}


def _application(
    level: str, purpose: str, information: str, *, accounts: int = 3, **kw: object
) -> schemas.ApplicationCreate:
    items = [c.id for c in applicant_items(regime_for("R6" if level != "3" else "R5", level).regime)]
    values: dict[str, object] = {
        "purpose": purpose,
        "information": information,
        "confidentiality": level,
        "account_count": accounts,
        "terms_reviewed": True,
        "checklist": items,
        "measures": "多要素認証を有効にし、共有範囲を課内に限定する",
    }
    values.update(kw)
    return schemas.ApplicationCreate(**values)  # type: ignore[arg-type]


async def load_external_demo(users: dict[str, int], depts: dict[str, int], *, scheme: str | None = None) -> None:
    """Register the demo services and walk their applications through the workflow."""
    from governance.settings import get_settings

    scheme = scheme or get_settings().classification_scheme
    actors = {
        name: Actor(id=users[name], label=f"{name}（デモ）", roles=roles, department_id=depts[dept])
        for name, (dept, roles) in _PEOPLE.items()
    }
    ciso, shimin, fukushi, koho = (actors[n] for n in ("demo-ciso", "demo-shimin", "demo-fukushi", "demo-koho"))
    registry, apps, lifecycle = RegistryService(), ApplicationService(), LifecycleService()
    today = today_tokyo()
    kumo = await Contractor.select(Contractor.id).where(Contractor.name == "くもクラウド合同会社").first()

    async def register(actor: Actor, **kw: object) -> int:
        return await registry.create(schemas.ServiceCreate(**kw), scheme=scheme, actor=actor)  # type: ignore[arg-type]

    async def apply(service_id: int, actor: Actor, data: schemas.ApplicationCreate, *, until: str) -> int:
        """Create an application and take it as far as ``until`` (draft … approved / rejected / returned)."""
        aid = await apps.create(service_id, data, scheme=scheme, actor=actor)
        if until == "draft":
            return aid
        await apps.submit(aid, actor=actor)
        if until == "submitted":
            return aid
        await apps.start_review(aid, actor=ciso)
        if until == "approved":
            await apps.approve(
                aid, schemas.ApproveIn(administrator_id=actor.id or 0, comment="利用を承認します。"), actor=ciso
            )
        elif until == "rejected":
            reason = "データの保存場所と準拠法が国外で、庁内の基準を満たしません。"
            await apps.reject(aid, schemas.CommentIn(comment=reason), actor=ciso)
        elif until == "returned":
            await apps.return_to_applicant(
                aid,
                schemas.CommentIn(comment="アカウントの管理方法（多要素認証・パスワードの保管）を記載してください。"),
                actor=ciso,
            )
        return aid

    # Full regime: file sharing for 機密性2, approved long ago, build confirmed, its periodic review now overdue.
    files = await register(
        shimin,
        name="くもストレージ（ファイル共有）",
        kind="saas",
        contract_type="individual",
        provider_name="くもクラウド合同会社",
        contractor_id=kumo["id"] if kumo else None,
        url="https://storage.kumo.example.jp",
        purpose="委託事業者・関係機関との資料の受け渡し",
        data_location="domestic",
        governing_law="日本法",
        jurisdiction="岐阜地方裁判所",
        ismap="ismap",
        ismap_number="C23-0999-1",
        ismap_valid_until=today + dt.timedelta(days=500),
        other_certifications="ISO/IEC 27001、ISO/IEC 27017",
        terms_version="2025年10月版",
        terms_reviewed_on=today - dt.timedelta(days=420),
        max_confidentiality="2",
        review_cycle_months=12,
    )
    share = _application("2", "委託事業者との打合せ資料の共有", "打合せ資料・仕様書（非公開）", accounts=8)
    await apply(files, shimin, share, until="approved")
    await lifecycle.confirm_build(
        files,
        schemas.RecordIn(
            performed_on=today - dt.timedelta(days=410),
            checked_items=list(BUILD_ITEMS),
            note="多要素認証・IP制限・共有リンクの期限（30日）を設定",
        ),
        actor=shimin,
    )
    await lifecycle.record_review(
        files,
        schemas.RecordIn(
            performed_on=today - dt.timedelta(days=395),
            checked_items=list(REVIEW_ITEMS),
            note="退職者アカウントなし。設定変更なし。",
        ),
        actor=shimin,
    )
    await apply(
        files, fukushi, _application("2", "福祉課と委託事業者の資料共有", "事業計画の資料（非公開）"), until="draft"
    )

    # Full regime: web meetings, one application submitted and one under review.
    meetings = await register(
        fukushi,
        name="みどりミーティング（Web会議）",
        kind="saas",
        provider_name="みどり通信株式会社（架空）",
        url="https://meet.midori.example.jp",
        purpose="関係機関との打合せ",
        data_location="domestic",
        governing_law="日本法",
        jurisdiction="東京地方裁判所",
        ismap="ismap_liu",
        ismap_number="L-0042",
        ismap_valid_until=today + dt.timedelta(days=200),
        terms_version="第3版",
        terms_reviewed_on=today,
        max_confidentiality="2",
    )
    await apply(
        meetings,
        fukushi,
        _application("2", "ケース会議のオンライン開催", "会議資料（個人情報を含まない）"),
        until="submitted",
    )
    await apply(meetings, shimin, _application("2", "転入手続の事前相談", "相談内容の概要"), until="under_review")

    # 約款型 regime: an online form for public information, in operation; its terms changed (re-confirmation pending).
    forms = await register(
        koho,
        name="かんたんフォーム（オンラインアンケート）",
        kind="saas",
        provider_name="フォーム社（架空）",
        url="https://forms.example.com",
        purpose="イベント参加申込・市民アンケート（公開情報のみ）",
        data_location="overseas",
        governing_law="米国カリフォルニア州法",
        jurisdiction="米国の裁判所",
        terms_version="2025年4月版",
        terms_reviewed_on=today - dt.timedelta(days=200),
        max_confidentiality="1",
        review_cycle_months=12,
    )
    await apply(
        forms, koho, _application("1", "市民まつりの参加申込", "参加者数の集計（氏名は取得しない）"), until="approved"
    )
    await registry.record_terms_change(
        forms,
        schemas.TermsChangeIn(
            terms_version="2026年1月版", changed_on=today - dt.timedelta(days=5), note="データ保存期間の変更"
        ),
        actor=koho,
    )

    # Social media platforms (the SNS accounts are recorded under them).
    platforms = (
        ("X（旧Twitter）", "x", "https://x.com"),
        ("LINE", "line", "https://www.line.me"),
        ("YouTube", "youtube", "https://www.youtube.com"),
        ("Instagram", "instagram", "https://www.instagram.com"),
    )
    ids = {}
    for name, code, url in platforms:
        ids[code] = await register(
            koho,
            name=name,
            kind="social_media",
            platform=code,
            url=url,
            purpose="市政情報・災害情報の発信",
            data_location="overseas" if code != "line" else "domestic",
            max_confidentiality="1",
            terms_version="閲覧時点の最新版",
            terms_reviewed_on=today - dt.timedelta(days=30),
        )
    # The platforms of the official accounts are approved for 秘書広報課 (an account opens only on an approved one).
    for code, purpose in (("x", "X公式アカウントでの情報発信"), ("line", "LINE公式アカウントでの情報発信"),
                          ("instagram", "Instagram公式アカウントでの情報発信"), ("youtube", "市政動画の配信")):
        await apply(ids[code], koho, _application("1", purpose, "公開済みのお知らせ"), until="approved")
    await apply(ids["youtube"], shimin, _application("1", "窓口案内動画の配信", "公開する動画"), until="returned")

    # A free overseas service whose use is refused.
    translate = await register(
        shimin,
        name="無料翻訳サイト（海外）",
        kind="saas",
        provider_name="海外事業者（架空）",
        data_location="overseas",
        governing_law="不明",
        max_confidentiality="1",
    )
    await apply(
        translate, shimin, _application("1", "外国人住民向け案内文の翻訳", "公開予定の案内文"), until="rejected"
    )
