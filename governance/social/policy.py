"""The public 運用ポリシー of an account, generated from its fields (SNS-10) (pure).

Sections follow what municipalities publish: the account, its purpose, who runs it, posting hours, replies and
follows, what users must not post, the disclaimer, and the terms of the platform.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from governance.calendar import wareki
from governance.social.platforms import platform
from governance.social.rules import FollowPolicy, ReplyPolicy

COMMENT_RULES: tuple[str, ...] = (
    "法令や公序良俗に反するもの",
    "特定の個人・団体を誹謗中傷し、または名誉や信用を傷つけるもの",
    "個人情報を含むもの",
    "営業活動・宣伝を目的とするもの",
    "政治活動・選挙運動・宗教活動を目的とするもの",
    "虚偽の内容や、事実を誤認させるおそれのあるもの",
    "著作権・肖像権その他の権利を侵害するもの",
    "有害なプログラムやウェブサイトへの誘導を含むもの",
    "投稿の内容と関係のないもの",
)

_REPLY = {
    ReplyPolicy.none: "原則として、コメントやメッセージへの返信・個別の対応は行いません。",
    ReplyPolicy.as_needed: "いただいたコメント等には、必要に応じて返信します。すべてに返信するものではありません。",
}
_FOLLOW = {
    FollowPolicy.none: "原則として、他のアカウントのフォローは行いません。",
    FollowPolicy.public_bodies: "国・地方公共団体などの公的機関のアカウントに限り、フォローすることがあります。",
    FollowPolicy.related: "本市に関係する団体等のアカウントをフォローすることがあります。",
}


@dataclass(frozen=True)
class PolicyFacts:
    """What the policy is generated from."""

    municipality: str
    display_name: str
    platform_code: str
    handle: str
    url: str
    department: str
    purpose: str
    audience: str
    content_categories: tuple[str, ...]
    hours_start: dt.time | None
    hours_end: dt.time | None
    reply_policy: str
    follow_policy: str
    contact: str = ""
    operated_by_contractor: bool = False
    established_on: dt.date | None = None


@dataclass(frozen=True)
class Section:
    """One heading with its paragraphs and bullet items."""

    heading: str
    paragraphs: tuple[str, ...] = ()
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class PolicyDocument:
    """The generated policy."""

    title: str
    sections: tuple[Section, ...] = field(default_factory=tuple)

    def as_text(self) -> str:
        """The policy as plain text (for copying to the municipality's website)."""
        lines = [self.title, ""]
        for s in self.sections:
            lines.append(f"■ {s.heading}")
            lines.extend(s.paragraphs)
            lines.extend(f"・{i}" for i in s.items)
            lines.append("")
        return "\n".join(lines).rstrip() + "\n"


def _hours(facts: PolicyFacts) -> str:
    if facts.hours_start and facts.hours_end:
        return (
            f"原則として、開庁日の{facts.hours_start:%H:%M}から{facts.hours_end:%H:%M}までの間に投稿します。"
            "ただし、災害時など緊急の場合は、この時間外にも投稿することがあります。"
        )
    return "投稿する時間は定めていません。災害時など緊急の場合は、随時投稿します。"


def generate(facts: PolicyFacts) -> PolicyDocument:
    """Build the 運用ポリシー of an account."""
    label = platform(facts.platform_code).label
    operator = facts.department + ("（運用の一部を委託しています）" if facts.operated_by_contractor else "")
    who = [f"運用担当：{operator}"]
    if facts.contact:
        who.append(f"お問い合わせ先：{facts.contact}")
    sections = [
        Section(
            "アカウント",
            (f"{facts.municipality}は、次のアカウントを公式アカウントとして運用します。",),
            (f"サービス：{label}", f"アカウント名：{facts.display_name}（{facts.handle}）", f"URL：{facts.url}"),
        ),
        Section(
            "運用の目的",
            tuple(p for p in (facts.purpose, f"主な対象：{facts.audience}" if facts.audience else "") if p),
            facts.content_categories,
        ),
        Section("運用担当", (), tuple(who)),
        Section("投稿の時間", (_hours(facts),)),
        Section(
            "コメント・フォローへの対応",
            (
                _REPLY.get(facts.reply_policy, _REPLY[ReplyPolicy.none]),
                _FOLLOW.get(facts.follow_policy, _FOLLOW[FollowPolicy.none]),
                "フォローやいいね等は、相手方の意見や活動への支持・推奨を意味するものではありません。",
                "お問い合わせやご意見は、このアカウントではなく、運用担当へお寄せください。",
            ),
        ),
        Section(
            "禁止事項",
            ("次のいずれかに当たるコメント等は、予告なく削除し、または非表示にすることがあります。",),
            COMMENT_RULES,
        ),
        Section(
            "免責事項",
            (
                f"{facts.municipality}は、このアカウントで発信する情報の正確性に注意を払っていますが、"
                "その内容を保証するものではありません。",
                "利用者の皆さまがこのアカウントの情報を用いて行う一切の行為について、"
                f"{facts.municipality}は責任を負いません。",
                f"利用者の皆さまの投稿は、投稿した方の意見であり、{facts.municipality}の見解を示すものではありません。",
                f"このアカウントは、予告なく運用を休止・終了することがあります。最新の情報は{facts.municipality}の"
                "ウェブサイトで確認してください。",
            ),
        ),
        Section(
            "なりすましにご注意ください",
            (
                f"{facts.municipality}の公式アカウントは、{facts.municipality}のウェブサイトに一覧で掲載しています。"
                "一覧にないアカウントは公式アカウントではありません。",
                f"{facts.municipality}が、このアカウントを通じて個人情報やパスワード、金銭を求めることはありません。",
            ),
        ),
        Section("利用規約", (f"このアカウントの利用にあたっては、{label}の利用規約等が適用されます。",)),
    ]
    if facts.established_on:
        sections.append(Section("制定", (f"{wareki(facts.established_on)}から運用します。",)))
    return PolicyDocument(
        f"{facts.municipality} {label}公式アカウント「{facts.display_name}」運用ポリシー", tuple(sections)
    )
