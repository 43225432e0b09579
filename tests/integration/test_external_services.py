"""External services use cases: registry, applications and approval, lifecycle records, flags, audit."""

from __future__ import annotations

import datetime as dt

import pytest

from governance.accounts.roles import Role
from governance.actor import Actor
from governance.audit.services import AuditFilter, AuditService
from governance.calendar import today_tokyo
from governance.errors import ConflictError, PermissionDeniedError, SelfApprovalError, ValidationError
from governance.external import schemas
from governance.external.checklist import applicant_items
from governance.external.regime import BUILD_ITEMS, EXIT_ITEMS, REVIEW_ITEMS, add_months
from governance.external.services import ApplicationService, LifecycleService, RegistryService, ServiceQuery
from tests.helpers import make_department, make_user

FULL = [c.id for c in applicant_items("full")]
LOW = [c.id for c in applicant_items("low")]


async def _actor(username: str, *roles: str, dept: str = "JOHO") -> Actor:
    uid = await make_user(username, *roles, dept=dept)
    return Actor(id=uid, label=username, roles=frozenset(roles), department_id=await make_department(dept))


def _service(**kw) -> schemas.ServiceCreate:
    values = {
        "name": "ファイル共有サービス（架空）",
        "provider_name": "くもクラウド合同会社",
        "kind": "saas",
        "contract_type": "terms_of_use",
        "data_location": "domestic",
        "governing_law": "日本法",
        "jurisdiction": "東京地方裁判所",
        "ismap": "ismap",
        "ismap_number": "C23-0123-1",
        "ismap_valid_until": dt.date(2030, 3, 31),
        "terms_version": "2026年4月版",
        "max_confidentiality": "2",
    }
    values.update(kw)
    return schemas.ServiceCreate(**values)


def _application(**kw) -> schemas.ApplicationCreate:
    values = {
        "purpose": "委託事業者との資料の受け渡し",
        "information": "委託業務の打合せ資料（非公開）",
        "confidentiality": "2",
        "users": "市民課の担当職員",
        "account_count": 5,
        "terms_reviewed": True,
        "terms_version": "2026年4月版",
        "measures": "多要素認証、共有リンクの期限設定",
        "checklist": FULL,
    }
    values.update(kw)
    return schemas.ApplicationCreate(**values)


@pytest.fixture(name="people")
async def fx_people():
    """An applicant (市民課), two security officers (one also applies), and an administrator-to-be."""
    return {
        "staff": await _actor("shimin", Role.department_staff, dept="SHIMIN"),
        "ciso": await _actor("ciso", Role.security_officer),
        "ciso2": await _actor("ciso2", Role.security_officer, dept="SHIMIN"),
        "admin": await _actor("es-kanri", Role.department_staff, dept="SHIMIN"),
        "other": await _actor("fukushi", Role.department_staff, dept="FUKUSHI"),
    }


async def _approved(people, **service_kw) -> tuple[int, int]:
    registry, apps = RegistryService(), ApplicationService()
    sid = await registry.create(_service(**service_kw), scheme="R6", actor=people["staff"])
    level = service_kw.get("max_confidentiality", "2")
    aid = await apps.create(
        sid, _application(confidentiality=level, checklist=FULL if level != "1" else LOW), scheme="R6",
        actor=people["staff"],
    )  # fmt: skip
    await apps.submit(aid, actor=people["staff"])
    await apps.start_review(aid, actor=people["ciso"])
    await apps.approve(aid, schemas.ApproveIn(administrator_id=people["admin"].id), actor=people["ciso"])
    return sid, aid


async def test_file_sharing_saas_for_c2_is_applied_for_approved_and_listed(people):
    sid, aid = await _approved(people)
    app = await RegistryService().application(aid)
    assert app.status == "approved" and app.regime == "full" and app.administrator_name == "es-kanri 氏"
    assert any(c.id == "EXT-SEL-10" and c.registry_state == "ok" and "C23-0123-1" in c.registry_note
               for c in app.checks)  # fmt: skip
    service = await RegistryService().get(sid)
    assert service.status == "approved" and service.regime == "full"
    assert service.administrator_id == people["admin"].id and service.approved_confidentiality == "2"
    assert service.next_review_on == add_months(today_tokyo(), 12)
    assert [(u.department_name, u.account_count) for u in service.usages] == [("SHIMIN課", 5)]
    listed = await RegistryService().list(ServiceQuery(status="approved"))
    assert [s.id for s in listed.items] == [sid] and listed.items[0].departments == ["SHIMIN課"]
    rows, _ = await AuditService().list(AuditFilter())
    actions = [r["action"] for r in reversed(rows)]
    for action in ("external_service.created", "external_application.created", "external_application.submitted",
                   "external_application.review_started", "external_application.approved",
                   "external_service.approved"):  # fmt: skip
        assert action in actions


async def test_own_application_cannot_be_approved(people):
    registry, apps = RegistryService(), ApplicationService()
    sid = await registry.create(_service(), scheme="R6", actor=people["staff"])
    aid = await apps.create(sid, _application(), scheme="R6", actor=people["ciso2"])
    await apps.submit(aid, actor=people["ciso2"])
    with pytest.raises(SelfApprovalError) as exc:
        await apps.start_review(aid, actor=people["ciso2"])
    assert "ご自身が作成した利用申請を承認することはできません" in exc.value.message
    await apps.start_review(aid, actor=people["ciso"])
    with pytest.raises(SelfApprovalError):
        await apps.approve(aid, schemas.ApproveIn(administrator_id=people["admin"].id), actor=people["ciso2"])
    with pytest.raises(SelfApprovalError):
        await apps.reject(aid, schemas.CommentIn(comment="自分で却下"), actor=people["ciso2"])


async def test_only_security_officers_review_and_only_the_applicant_edits(people):
    registry, apps = RegistryService(), ApplicationService()
    sid = await registry.create(_service(), scheme="R6", actor=people["staff"])
    aid = await apps.create(sid, _application(), scheme="R6", actor=people["staff"])
    with pytest.raises(PermissionDeniedError):
        await apps.update(aid, _application(purpose="他人の編集"), scheme="R6", actor=people["other"])
    with pytest.raises(PermissionDeniedError):
        await apps.submit(aid, actor=people["other"])
    await apps.submit(aid, actor=people["staff"])
    with pytest.raises(PermissionDeniedError, match="情報セキュリティ担当者"):
        await apps.start_review(aid, actor=people["other"])


async def test_every_transition_is_allowed_or_refused_by_the_service(people):
    registry, apps = RegistryService(), ApplicationService()
    sid = await registry.create(_service(), scheme="R6", actor=people["staff"])
    approve = schemas.ApproveIn(administrator_id=people["admin"].id)
    reason = schemas.CommentIn(comment="理由")
    steps = {
        "edit": lambda a: apps.update(a, _application(), scheme="R6", actor=people["staff"]),
        "submit": lambda a: apps.submit(a, actor=people["staff"]),
        "start_review": lambda a: apps.start_review(a, actor=people["ciso"]),
        "approve": lambda a: apps.approve(a, approve, actor=people["ciso"]),
        "reject": lambda a: apps.reject(a, reason, actor=people["ciso"]),
        "return": lambda a: apps.return_to_applicant(a, reason, actor=people["ciso"]),
    }
    paths = {
        "draft": [],
        "submitted": ["submit"],
        "under_review": ["submit", "start_review"],
        "approved": ["submit", "start_review", "approve"],
        "rejected": ["submit", "start_review", "reject"],
        "returned": ["submit", "start_review", "return"],
    }
    allowed = {
        "draft": {"edit", "submit"},
        "returned": {"edit", "submit"},
        "submitted": {"start_review"},
        "under_review": {"approve", "reject", "return"},
        "approved": set(),
        "rejected": set(),
    }
    for status, path in paths.items():
        for action, step in steps.items():
            aid = await apps.create(sid, _application(), scheme="R6", actor=people["staff"])
            for done in path:
                await steps[done](aid)
            assert (await registry.application(aid)).status == status
            if action in allowed[status]:
                await step(aid)
            else:
                with pytest.raises(ConflictError, match="できません"):
                    await step(aid)


async def test_submit_needs_the_terms_and_every_checklist_item(people):
    registry, apps = RegistryService(), ApplicationService()
    sid = await registry.create(_service(), scheme="R6", actor=people["staff"])
    aid = await apps.create(
        sid, _application(terms_reviewed=False, checklist=FULL[:-1]), scheme="R6", actor=people["staff"]
    )
    with pytest.raises(ValidationError) as exc:
        await apps.submit(aid, actor=people["staff"])
    assert set(exc.value.field_errors) == {"terms_reviewed", "checklist"} and FULL[-1] in exc.value.field_errors[
        "checklist"]  # fmt: skip
    with pytest.raises(ValidationError):
        await apps.create(sid, _application(checklist=["EXT-LOW-02"]), scheme="R6", actor=people["staff"])
    with pytest.raises(ValidationError):
        await apps.create(sid, _application(confidentiality="3"), scheme="R6", actor=people["staff"])


async def test_reject_and_return_need_a_reason_and_return_allows_a_new_submission(people):
    registry, apps = RegistryService(), ApplicationService()
    sid = await registry.create(_service(), scheme="R6", actor=people["staff"])
    aid = await apps.create(sid, _application(), scheme="R6", actor=people["staff"])
    await apps.submit(aid, actor=people["staff"])
    await apps.start_review(aid, actor=people["ciso"])
    with pytest.raises(ValidationError):
        await apps.return_to_applicant(aid, schemas.CommentIn(comment=" "), actor=people["ciso"])
    await apps.return_to_applicant(aid, schemas.CommentIn(comment="対策を具体的に"), actor=people["ciso"])
    await apps.update(
        aid, _application(measures="多要素認証・アクセスログの月次確認"), scheme="R6", actor=people["staff"]
    )
    await apps.submit(aid, actor=people["staff"])
    assert (await registry.application(aid)).status == "submitted"
    assert (await registry.get(sid)).status == "registered"


async def test_use_above_the_approved_classification_is_flagged(people):
    sid, _ = await _approved(people, max_confidentiality="3B")
    registry, lifecycle = RegistryService(), LifecycleService()
    service = await registry.get(sid)
    usage = service.usages[0]
    assert usage.approved_confidentiality == "3B" and not service.flags
    assert await lifecycle.update_usage(sid, usage.id, schemas.UsageUpdate(account_count=7, confidentiality_in_use="2"),
                                        actor=people["staff"]) is False  # fmt: skip
    flagged = await lifecycle.update_usage(
        sid, usage.id, schemas.UsageUpdate(account_count=7, confidentiality_in_use="3A"), actor=people["admin"]
    )
    assert flagged is True
    service = await registry.get(sid)
    assert service.usages[0].above_approval and any("承認された分類" in f for f in service.flags)
    with pytest.raises(PermissionDeniedError):
        await lifecycle.update_usage(
            sid, usage.id, schemas.UsageUpdate(account_count=1, confidentiality_in_use="1"), actor=people["other"]
        )
    # a new application above the service's limit is flagged and cannot be approved
    apps = ApplicationService()
    aid = await apps.create(sid, _application(confidentiality="3A"), scheme="R6", actor=people["other"])
    summary = await registry.application(aid)
    assert summary.above_service_limit and "超えています" in summary.flags[0]
    await apps.submit(aid, actor=people["other"])
    await apps.start_review(aid, actor=people["ciso"])
    with pytest.raises(ValidationError, match="承認できません"):
        await apps.approve(aid, schemas.ApproveIn(administrator_id=people["admin"].id), actor=people["ciso"])


async def test_lifecycle_build_review_exit_and_end(people):
    sid, _ = await _approved(people)
    lifecycle, registry = LifecycleService(), RegistryService()
    today = today_tokyo()
    record = schemas.RecordIn(performed_on=today, checked_items=list(BUILD_ITEMS))
    with pytest.raises(PermissionDeniedError, match="外部サービス管理者"):
        await lifecycle.confirm_build(sid, record, actor=people["ciso"])
    with pytest.raises(ConflictError, match="構築時の確認"):
        await lifecycle.record_review(sid, schemas.RecordIn(performed_on=today), actor=people["admin"])
    with pytest.raises(ValidationError):
        await lifecycle.confirm_build(sid, schemas.RecordIn(performed_on=today, checked_items=["encryption"]),
                                      actor=people["admin"])  # fmt: skip
    await lifecycle.confirm_build(sid, record, actor=people["admin"])
    assert (await registry.get(sid)).status == "operating"
    await lifecycle.record_review(
        sid, schemas.RecordIn(performed_on=today, checked_items=list(REVIEW_ITEMS)[:-1], note="BCP未整備"),
        actor=people["admin"],
    )  # fmt: skip
    service = await registry.get(sid)
    assert service.last_review_on == today and service.next_review_on == add_months(today, 12)
    assert service.records[0].kind == "review" and service.records[0].unchecked_labels == [
        list(REVIEW_ITEMS.values())[-1]
    ]
    # exit is blocked until the exit measures are confirmed
    with pytest.raises(ConflictError, match="終了時の対策"):
        await lifecycle.end(sid, schemas.EndIn(), actor=people["ciso"])
    with pytest.raises(ValidationError):
        await lifecycle.confirm_exit(sid, schemas.RecordIn(performed_on=today, checked_items=["data_deleted"]),
                                     actor=people["admin"])  # fmt: skip
    await lifecycle.confirm_exit(sid, schemas.RecordIn(performed_on=today, checked_items=list(EXIT_ITEMS)),
                                 actor=people["admin"])  # fmt: skip
    with pytest.raises(PermissionDeniedError):
        await lifecycle.end(sid, schemas.EndIn(), actor=people["other"])
    await lifecycle.end(sid, schemas.EndIn(), actor=people["ciso"])
    service = await registry.get(sid)
    assert service.status == "ended" and service.next_review_on is None and not service.usages[0].active
    with pytest.raises(ConflictError):
        await ApplicationService().create(sid, _application(), scheme="R6", actor=people["staff"])


async def test_low_regime_service_operates_on_approval_and_needs_no_build_check(people):
    sid, _ = await _approved(people, name="オンラインアンケート", max_confidentiality="1", ismap="none",
                             ismap_number="", ismap_valid_until=None)  # fmt: skip
    service = await RegistryService().get(sid)
    assert service.regime == "low" and service.status == "operating"
    assert [c.id for c in service.checklist] == ["EXT-LOW-01", "EXT-LOW-02", "EXT-LOW-03", "EXT-LOW-04"]
    with pytest.raises(ConflictError):
        await LifecycleService().confirm_build(
            sid, schemas.RecordIn(performed_on=today_tokyo(), checked_items=list(BUILD_ITEMS)), actor=people["admin"]
        )


async def test_terms_change_asks_every_using_department_to_reconfirm(people):
    sid, _ = await _approved(people)
    registry, lifecycle = RegistryService(), LifecycleService()
    with pytest.raises(PermissionDeniedError):
        await registry.record_terms_change(
            sid, schemas.TermsChangeIn(terms_version="2027年1月版", changed_on=today_tokyo()), actor=people["staff"]
        )
    await registry.record_terms_change(
        sid, schemas.TermsChangeIn(terms_version="2027年1月版", changed_on=today_tokyo(), note="データ保存先の追加"),
        actor=people["admin"],
    )  # fmt: skip
    service = await registry.get(sid)
    usage = service.usages[0]
    assert usage.reconfirm_requested_at is not None and any("再確認" in f for f in service.flags)
    with pytest.raises(PermissionDeniedError):
        await lifecycle.reconfirm_terms(sid, usage.id, actor=people["other"])
    await lifecycle.reconfirm_terms(sid, usage.id, actor=people["staff"])
    usage = (await registry.get(sid)).usages[0]
    assert usage.reconfirm_requested_at is None and usage.terms_confirmed_version == "2027年1月版"
    with pytest.raises(ConflictError):
        await lifecycle.reconfirm_terms(sid, usage.id, actor=people["staff"])


async def test_registry_validation_and_social_media_platforms(people):
    registry = RegistryService()
    with pytest.raises(ValidationError) as exc:
        await registry.create(_service(kind="social_media"), scheme="R6", actor=people["staff"])
    assert "platform" in exc.value.field_errors
    with pytest.raises(ValidationError) as exc:
        await registry.create(_service(platform="x"), scheme="R6", actor=people["staff"])
    assert "platform" in exc.value.field_errors
    with pytest.raises(ValidationError) as exc:
        await registry.create(_service(ismap_number="", max_confidentiality="3"), scheme="R6", actor=people["staff"])
    assert set(exc.value.field_errors) == {"ismap_number", "max_confidentiality"}
    sid = await registry.create(
        _service(name="X（旧Twitter）", kind="social_media", platform="x", max_confidentiality="1", ismap="none",
                 ismap_number="", ismap_valid_until=None),
        scheme="R6", actor=people["staff"],
    )  # fmt: skip
    listed = await registry.list(ServiceQuery(kind="social_media"))
    assert [(s.id, s.is_social_media, s.platform, s.regime) for s in listed.items] == [(sid, True, "x", "low")]
    with pytest.raises(PermissionDeniedError):
        await registry.update(sid, _service(name="変更"), scheme="R6", actor=people["other"])


async def test_review_due_dates_feed_the_reminder_machinery(people):
    from governance.external.reminders import register
    from governance.external.tables import ExternalService
    from governance.reminders.services import ReminderService
    from governance.settings import get_settings

    sid, _ = await _approved(people)
    today = today_tokyo()
    await ExternalService.update({ExternalService.next_review_on: today + dt.timedelta(days=7)}).where(
        ExternalService.id == sid
    )
    register()
    due = [(n, p) for n, p in await ReminderService(get_settings()).collect(today) if n.rule == "ext_review"]
    assert [(n.subject_type, n.subject_id, n.occurrence, p.user_id) for n, p in due] == [
        ("external_service", sid, f"{(today + dt.timedelta(days=7)).isoformat()}:before-7", people["admin"].id)
    ]
    assert "定期確認" in due[0][0].title and due[0][0].link == f"/external-services/{sid}#records"
