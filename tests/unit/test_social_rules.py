"""Posting rules (template tightened by the account), the security checklist and the public 運用ポリシー."""

from __future__ import annotations

import datetime as dt

import pytest

from governance.social.checklist import CHECK_ITEMS, Badge, ChecklistPolicy, SecurityFacts, evaluate
from governance.social.policy import PolicyFacts, generate
from governance.social.rules import (
    AccountRules,
    Approval,
    FollowPolicy,
    ReplyPolicy,
    RuleTemplate,
    domain_within,
    effective_rules,
    normalize_domain,
    split_lines,
)

TODAY = dt.date(2026, 4, 1)
EVENTS = ("イベント・講座",)

# --- rules -------------------------------------------------------------------------------------------------------


def test_account_rules_within_the_template_are_accepted():
    rules = effective_rules(
        RuleTemplate(hours_start=dt.time(8), hours_end=dt.time(20)),
        AccountRules(
            content_categories=("イベント・講座", "防災・災害・緊急情報"),
            extra_prohibited_content=("選挙期間中の候補者に関する投稿",),
            extra_classified_markers=("未発表",),
            allowed_link_domains=("city.kani.lg.jp",),
            hours_start=dt.time(8, 30),
            hours_end=dt.time(17, 15),
            approval=Approval.responsible,
            reply_policy=ReplyPolicy.none,
            follow_policy=FollowPolicy.public_bodies,
        ),
    )
    assert rules.loosened == {}
    assert "未発表" in rules.classified_markers and "庁内限り" in rules.classified_markers
    assert rules.prohibited_content[-1] == "選挙期間中の候補者に関する投稿"
    assert rules.allowed_link_domains == ("city.kani.lg.jp",)
    assert (rules.hours_start, rules.hours_end) == (dt.time(8, 30), dt.time(17, 15))


@pytest.mark.parametrize(
    ("template", "account", "field"),
    [
        (RuleTemplate(), AccountRules(), "content_categories"),
        (RuleTemplate(), AccountRules(content_categories=("芸能ニュース",)), "content_categories"),
        (
            RuleTemplate(),
            AccountRules(content_categories=EVENTS, allowed_link_domains=("example.com",)),
            "allowed_link_domains",
        ),
        (
            RuleTemplate(hours_start=dt.time(8), hours_end=dt.time(18)),
            AccountRules(content_categories=EVENTS, hours_start=dt.time(7), hours_end=dt.time(17)),
            "hours_start",
        ),
        (
            RuleTemplate(hours_start=dt.time(8), hours_end=dt.time(18)),
            AccountRules(content_categories=EVENTS),
            "hours_start",
        ),
        (RuleTemplate(), AccountRules(content_categories=EVENTS, hours_start=dt.time(9)), "hours_end"),
        (
            RuleTemplate(),
            AccountRules(content_categories=EVENTS, hours_start=dt.time(18), hours_end=dt.time(9)),
            "hours_end",
        ),
        (RuleTemplate(approval=Approval.responsible), AccountRules(content_categories=EVENTS), "approval"),
        (
            RuleTemplate(reply_policy=ReplyPolicy.none),
            AccountRules(content_categories=EVENTS, reply_policy=ReplyPolicy.as_needed),
            "reply_policy",
        ),
        (
            RuleTemplate(follow_policy=FollowPolicy.public_bodies),
            AccountRules(content_categories=EVENTS, follow_policy=FollowPolicy.related),
            "follow_policy",
        ),
        (RuleTemplate(), AccountRules(content_categories=EVENTS, follow_policy="everyone"), "follow_policy"),
        (
            RuleTemplate(),
            AccountRules(content_categories=EVENTS, availability2_on_website=False),
            "availability2_on_website",
        ),
    ],
)
def test_account_rules_cannot_loosen_the_template(template, account, field):
    assert field in effective_rules(template, account).loosened


def test_template_markers_and_prohibited_content_cannot_be_dropped():
    rules = effective_rules(RuleTemplate(), AccountRules(content_categories=EVENTS))
    assert "機密性2" in rules.classified_markers
    assert any("個人情報" in p for p in rules.prohibited_content)


@pytest.mark.parametrize(
    ("host", "domain", "inside"),
    [
        ("www.city.kani.lg.jp", "lg.jp", True),
        ("city.kani.lg.jp", "city.kani.lg.jp", True),
        ("evil-lg.jp", "lg.jp", False),
        ("lg.jp.evil.com", "lg.jp", False),
        ("WWW.CITY.KANI.LG.JP", "*.lg.jp", True),
        ("example.com", "", False),
    ],
)
def test_domains_match_whole_labels(host, domain, inside):
    assert domain_within(host, domain) is inside


def test_domains_are_normalized_from_what_people_paste():
    assert normalize_domain(" https://WWW.City.Kani.lg.jp/top.html ") == "www.city.kani.lg.jp"
    assert normalize_domain("*.go.jp") == "go.jp"
    assert split_lines("lg.jp, go.jp、city.kani.lg.jp\n\nlg.jp", commas=True) == ("lg.jp", "go.jp", "city.kani.lg.jp")
    assert split_lines("個人情報、写真\n政治") == ("個人情報、写真", "政治")


# --- checklist ---------------------------------------------------------------------------------------------------

COMPLETE = SecurityFacts(
    mfa_enabled=True,
    recovery_email="koho@city.kani.lg.jp",
    login_alerts=True,
    third_party_apps_reviewed_on=dt.date(2026, 3, 1),
    listed_on_website=True,
    badge=Badge.obtained,
    password_changed_on=dt.date(2026, 2, 1),
)
POLICY = ChecklistPolicy(municipal_domains=("city.kani.lg.jp",), password_max_days=90, app_review_days=183)


def test_a_complete_checklist_is_compliant():
    result = evaluate(COMPLETE, platform_code="x", policy=POLICY, today=TODAY)
    assert result.compliant and result.missing == ()
    assert [i.key for i in result.items] == [i.key for i in CHECK_ITEMS]


@pytest.mark.parametrize(
    ("change", "missing"),
    [
        ({"mfa_enabled": False}, "mfa"),
        ({"recovery_email": ""}, "recovery_email"),
        ({"recovery_email": "koho.kani@gmail.com"}, "recovery_email"),
        ({"login_alerts": False}, "login_alerts"),
        ({"third_party_apps_reviewed_on": None}, "third_party_apps"),
        ({"third_party_apps_reviewed_on": dt.date(2025, 9, 1)}, "third_party_apps"),
        ({"listed_on_website": False}, "listed_on_website"),
        ({"badge": Badge.missing}, "verification_badge"),
        ({"password_changed_on": None}, "password_rotation"),
        ({"password_changed_on": dt.date(2025, 12, 31)}, "password_rotation"),  # 91 days
    ],
)
def test_each_missing_item_makes_the_account_non_compliant(change, missing):
    facts = SecurityFacts(**{**COMPLETE.__dict__, **change})
    result = evaluate(facts, platform_code="x", policy=POLICY, today=TODAY)
    assert not result.compliant
    assert [i.key for i in result.missing] == [missing]
    assert result.missing[0].detail and result.missing[0].requirement_ids


def test_password_changed_exactly_at_the_limit_is_still_compliant():
    facts = SecurityFacts(**{**COMPLETE.__dict__, "password_changed_on": TODAY - dt.timedelta(days=90)})
    assert evaluate(facts, platform_code="x", policy=POLICY, today=TODAY).compliant


def test_badge_is_not_asked_where_the_platform_offers_none_or_it_cannot_be_had():
    facts = SecurityFacts(**{**COMPLETE.__dict__, "badge": Badge.missing})
    assert evaluate(facts, platform_code="note", policy=POLICY, today=TODAY).compliant
    unavailable = SecurityFacts(**{**COMPLETE.__dict__, "badge": Badge.unavailable})
    assert evaluate(unavailable, platform_code="youtube", policy=POLICY, today=TODAY).compliant


def test_password_rotation_is_optional_locally():
    facts = SecurityFacts(**{**COMPLETE.__dict__, "password_changed_on": None})
    policy = ChecklistPolicy(municipal_domains=("city.kani.lg.jp",), password_max_days=None)
    assert evaluate(facts, platform_code="x", policy=policy, today=TODAY).compliant


def test_a_new_account_misses_everything():
    result = evaluate(SecurityFacts(), platform_code="x", policy=POLICY, today=TODAY)
    assert len(result.missing) == len(CHECK_ITEMS)


# --- public policy -----------------------------------------------------------------------------------------------

FACTS = PolicyFacts(
    municipality="可児市",
    display_name="可児市役所",
    platform_code="x",
    handle="@kani_city",
    url="https://x.com/kani_city",
    department="企画部 秘書広報課",
    purpose="市政情報や防災情報を迅速にお届けするため。",
    audience="市民の皆さま",
    content_categories=("市政・行政のお知らせ", "防災・災害・緊急情報"),
    hours_start=dt.time(8, 30),
    hours_end=dt.time(17, 15),
    reply_policy=ReplyPolicy.none,
    follow_policy=FollowPolicy.public_bodies,
    contact="0574-62-1111",
    established_on=dt.date(2026, 4, 1),
)


def test_policy_covers_what_sns_10_asks():
    doc = generate(FACTS)
    headings = [s.heading for s in doc.sections]
    for needed in (
        "アカウント",
        "運用の目的",
        "運用担当",
        "投稿の時間",
        "コメント・フォローへの対応",
        "禁止事項",
        "免責事項",
    ):
        assert needed in headings
    text = doc.as_text()
    assert doc.title.startswith("可児市 X（旧Twitter）公式アカウント「可児市役所」")
    assert "08:30から17:15まで" in text and "企画部 秘書広報課" in text and "https://x.com/kani_city" in text
    assert "返信・個別の対応は行いません" in text and "公的機関のアカウントに限り" in text
    assert "令和8年4月1日から運用します" in text and "・防災・災害・緊急情報" in text


def test_policy_without_hours_or_contractor_says_so():
    facts = PolicyFacts(**{**FACTS.__dict__, "hours_start": None, "hours_end": None, "operated_by_contractor": True})
    text = generate(facts).as_text()
    assert "投稿する時間は定めていません" in text and "運用の一部を委託しています" in text
