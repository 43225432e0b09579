"""Posting rules: the municipal template, and an account's own rules, which may only tighten it (pure).

The template holds what the policy asks of every account (SNS-04/05/06/07, SNS-02 for links); an account picks its
content categories from the template's, may add prohibited content, words and classified markers, may narrow the
allowed link domains and posting hours, and may require approval where the template does not. ``effective_rules``
refuses an account rule that would loosen the template and says which one.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

from governance.social.platforms import SHORTENER_HOSTS


class Approval(StrEnum):
    """Who must approve a post before it goes out."""

    none = "none"
    responsible = "responsible"


APPROVAL_LABELS: dict[str, str] = {
    Approval.none: "不要（発信者の判断で投稿）",
    Approval.responsible: "責任者の承認後に投稿",
}


class ReplyPolicy(StrEnum):
    """How the account answers comments and messages (least to most open)."""

    none = "none"
    as_needed = "as_needed"


REPLY_LABELS: dict[str, str] = {
    ReplyPolicy.none: "返信しない（問い合わせは担当課へ）",
    ReplyPolicy.as_needed: "必要に応じて返信する",
}


class FollowPolicy(StrEnum):
    """Which accounts the account follows (least to most open)."""

    none = "none"
    public_bodies = "public_bodies"
    related = "related"


FOLLOW_LABELS: dict[str, str] = {
    FollowPolicy.none: "フォローしない",
    FollowPolicy.public_bodies: "国・地方公共団体等の公的機関のみ",
    FollowPolicy.related: "本市に関係する団体等",
}

_ORDER = {
    "reply": list(ReplyPolicy),
    "follow": list(FollowPolicy),
}

CONTENT_CATEGORIES: tuple[str, ...] = (
    "市政・行政のお知らせ",
    "防災・災害・緊急情報",
    "イベント・講座",
    "観光・魅力発信",
    "子育て・教育",
    "健康・福祉",
    "募集・採用",
)
PROHIBITED_CONTENT: tuple[str, ...] = (
    "法令や公序良俗に反する内容",
    "政治活動・宗教活動に関する内容",
    "特定の個人・団体を誹謗中傷する内容",
    "特定の個人・企業・商品の宣伝（市の事業として行うものを除く）",
    "個人情報（本人の同意があり、公開が必要なものを除く）",
    "著作権・肖像権その他の権利を侵害する内容",
    "機密性2以上の情報、その他公開されていない情報",
)
CLASSIFIED_MARKERS: tuple[str, ...] = (
    "機密性3",
    "機密性2",
    "機密情報",
    "極秘",
    "部外秘",
    "取扱注意",
    "取扱厳重注意",
    "庁内限り",
    "庁内限定",
    "関係者限り",
    "公開禁止",
    "外部提供禁止",
)
ALLOWED_LINK_DOMAINS: tuple[str, ...] = ("lg.jp", "go.jp")


@dataclass(frozen=True)
class RuleTemplate:
    """The municipal template every account starts from."""

    content_categories: tuple[str, ...] = CONTENT_CATEGORIES
    prohibited_content: tuple[str, ...] = PROHIBITED_CONTENT
    classified_markers: tuple[str, ...] = CLASSIFIED_MARKERS
    allowed_link_domains: tuple[str, ...] = ALLOWED_LINK_DOMAINS
    shortener_hosts: tuple[str, ...] = tuple(sorted(SHORTENER_HOSTS))
    allowed_contacts: tuple[str, ...] = ()
    """Contacts the municipality publishes (main phone number, address, e-mail) that any post may carry."""
    hours_start: dt.time | None = None
    hours_end: dt.time | None = None
    approval: str = Approval.none
    reply_policy: str = ReplyPolicy.as_needed
    follow_policy: str = FollowPolicy.related
    availability2_on_website: bool = True


@dataclass(frozen=True)
class AccountRules:
    """An account's own rules, as its department wrote them."""

    content_categories: tuple[str, ...] = ()
    extra_prohibited_content: tuple[str, ...] = ()
    prohibited_terms: tuple[str, ...] = ()
    extra_classified_markers: tuple[str, ...] = ()
    allowed_link_domains: tuple[str, ...] | None = None
    """None: the template's list; otherwise domains each within one of the template's."""
    allowed_contacts: tuple[str, ...] = ()
    hours_start: dt.time | None = None
    hours_end: dt.time | None = None
    approval: str = Approval.none
    reply_policy: str = ReplyPolicy.none
    follow_policy: str = FollowPolicy.none
    availability2_on_website: bool = True


@dataclass(frozen=True)
class EffectiveRules:
    """What binds an account's posts: the template tightened by the account's rules."""

    content_categories: tuple[str, ...]
    prohibited_content: tuple[str, ...]
    prohibited_terms: tuple[str, ...]
    classified_markers: tuple[str, ...]
    allowed_link_domains: tuple[str, ...]
    shortener_hosts: frozenset[str]
    allowed_contacts: tuple[str, ...]
    hours_start: dt.time | None
    hours_end: dt.time | None
    approval: str
    reply_policy: str
    follow_policy: str
    availability2_on_website: bool
    loosened: dict[str, str] = field(default_factory=dict)
    """Account rules that tried to loosen the template (field → message); empty when the rules are valid."""


def normalize_domain(text: str) -> str:
    """Lower-case a domain and drop a leading ``*.``, ``.``, scheme or path people paste with it."""
    text = unicodedata.normalize("NFKC", text).strip().lower()
    text = re.sub(r"^[a-z]+://", "", text).split("/")[0].split(":")[0]
    return text.removeprefix("*.").strip(".")


def domain_within(host: str, domain: str) -> bool:
    """Tell whether a host is the domain or one of its subdomains."""
    host, domain = normalize_domain(host), normalize_domain(domain)
    return bool(domain) and (host == domain or host.endswith("." + domain))


def _within_hours(inner: tuple[dt.time | None, dt.time | None], outer: tuple[dt.time | None, dt.time | None]) -> bool:
    if outer[0] is None or outer[1] is None:
        return True
    if inner[0] is None or inner[1] is None:
        return False
    return outer[0] <= inner[0] and inner[1] <= outer[1]


def _unique(items: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    out: list[str] = []
    for item in items:
        item = item.strip()
        if item and item not in out:
            out.append(item)
    return tuple(out)


def effective_rules(template: RuleTemplate, account: AccountRules) -> EffectiveRules:
    """Combine the template and an account's rules; every loosening is reported in ``loosened``."""
    loosened: dict[str, str] = {}
    categories = _unique(account.content_categories)
    outside = [c for c in categories if c not in template.content_categories]
    if not categories:
        loosened["content_categories"] = "発信する情報の分類を1つ以上選んでください（SNS-05）。"
    elif outside:
        loosened["content_categories"] = f"市の雛形にない分類は選べません：{'、'.join(outside)}"
    if account.allowed_link_domains is None:
        domains = _unique([normalize_domain(d) for d in template.allowed_link_domains])
    else:
        domains = _unique([normalize_domain(d) for d in account.allowed_link_domains])
        wider = [d for d in domains if not any(domain_within(d, t) for t in template.allowed_link_domains)]
        if wider:
            loosened["allowed_link_domains"] = (
                f"市の雛形で認められていないドメインは追加できません：{'、'.join(wider)}（SNS-02）"
            )
    if account.hours_start and account.hours_end and account.hours_end <= account.hours_start:
        loosened["hours_end"] = "投稿時間帯の終了は開始より後にしてください。"
    elif (account.hours_start is None) != (account.hours_end is None):
        loosened["hours_end"] = "投稿時間帯は開始と終了の両方を入力してください。"
    hours = (account.hours_start, account.hours_end)
    if not _within_hours(hours, (template.hours_start, template.hours_end)):
        loosened["hours_start"] = (
            f"投稿時間帯は市の雛形（{template.hours_start:%H:%M}〜{template.hours_end:%H:%M}）の範囲内にしてください。"
        )
    if template.approval == Approval.responsible and account.approval != Approval.responsible:
        loosened["approval"] = "市の雛形で投稿前の承認が必要とされているため、承認を不要にはできません。"
    if account.approval not in APPROVAL_LABELS:
        loosened["approval"] = "投稿前の承認を選んでください。"
    for name, value, limit in (
        ("reply_policy", account.reply_policy, template.reply_policy),
        ("follow_policy", account.follow_policy, template.follow_policy),
    ):
        order = [str(v) for v in _ORDER[name.split("_")[0]]]
        if value not in order:
            loosened[name] = "選択肢から選んでください。"
        elif order.index(value) > order.index(limit):
            loosened[name] = "市の雛形より広い方針は選べません。"
    if template.availability2_on_website and not account.availability2_on_website:
        loosened["availability2_on_website"] = "可用性2の情報は市のウェブサイトにも掲載する必要があります（SNS-07）。"
    return EffectiveRules(
        content_categories=categories,
        prohibited_content=_unique([*template.prohibited_content, *account.extra_prohibited_content]),
        prohibited_terms=_unique(account.prohibited_terms),
        classified_markers=_unique([*template.classified_markers, *account.extra_classified_markers]),
        allowed_link_domains=domains,
        shortener_hosts=frozenset(normalize_domain(h) for h in template.shortener_hosts if h.strip()),
        allowed_contacts=_unique([*template.allowed_contacts, *account.allowed_contacts]),
        hours_start=hours[0] if hours[0] and hours[1] else template.hours_start,
        hours_end=hours[1] if hours[0] and hours[1] else template.hours_end,
        approval=account.approval if account.approval in APPROVAL_LABELS else template.approval,
        reply_policy=account.reply_policy,
        follow_policy=account.follow_policy,
        availability2_on_website=template.availability2_on_website or account.availability2_on_website,
        loosened=loosened,
    )


def split_lines(text: str, *, commas: bool = False) -> tuple[str, ...]:
    """Turn a textarea (one item a line; with ``commas``, commas and 、 separate too) into a tuple of items."""
    return _unique(re.split(r"[\n,、，]" if commas else r"\n", text or ""))
