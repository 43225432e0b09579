"""The post check: what in a draft breaks the account's rules, each finding naming its rule and requirement (pure).

Nothing here stores or logs the draft; the caller decides whether anything is kept (and only when the user asks).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass, field

from governance.social.personal_data import NormalizedText, digits_of, find_personal_data, mask
from governance.social.platforms import platform
from governance.social.rules import Approval, EffectiveRules, domain_within
from governance.social.textcount import find_links, post_length


@dataclass(frozen=True)
class Rule:
    """One check the post check runs."""

    code: str
    label: str
    requirement_ids: tuple[str, ...]
    severity: str
    """``error``: must not be posted as it is; ``warning``: confirm before posting."""


RULES: dict[str, Rule] = {
    r.code: r
    for r in (
        Rule("mynumber", "マイナンバー（個人番号）", ("SNS-06", "SNS-04"), "error"),
        Rule("phone", "電話番号", ("SNS-06",), "warning"),
        Rule("email", "メールアドレス", ("SNS-06",), "warning"),
        Rule("address", "住所・郵便番号", ("SNS-06",), "warning"),
        Rule("classified", "機密情報の表示", ("SNS-04",), "error"),
        Rule("prohibited_term", "発信しない語句", ("SNS-06",), "warning"),
        Rule("shortener", "短縮URL", ("SNS-02",), "error"),
        Rule("link_domain", "許可されていないリンク先", ("SNS-02",), "error"),
        Rule("length", "文字数の上限", (), "error"),
        Rule("posting_hours", "投稿時間帯", ("SNS-09", "SNS-10"), "warning"),
    )
}

_MESSAGES: dict[str, str] = {
    "mynumber": "マイナンバー（検査用数字が一致する12桁の番号）が含まれています。絶対に投稿しないでください。",
    "phone": "電話番号が含まれています。個人の番号は投稿できません。公開している問い合わせ先であれば、"
    "アカウントの「掲載してよい連絡先」に登録してください。",
    "email": "メールアドレスが含まれています。個人のアドレスは投稿できません。公開している問い合わせ先であれば、"
    "アカウントの「掲載してよい連絡先」に登録してください。",
    "address": "住所または郵便番号が含まれています。個人の住所は投稿できません。市の施設等の所在地であれば"
    "問題ありません。",
}

DISASTER_WORDS: tuple[str, ...] = (
    "避難", "災害", "警報", "地震", "台風", "大雨", "洪水", "土砂", "断水", "停電", "運休", "休校", "通行止",
    "緊急", "感染症",
)  # fmt: skip


@dataclass(frozen=True)
class Finding:
    """One thing in the draft that breaks a rule."""

    rule: str
    label: str
    requirement_ids: tuple[str, ...]
    severity: str
    message: str
    start: int | None = None
    end: int | None = None
    excerpt: str = ""


@dataclass(frozen=True)
class PostCheckResult:
    """Every finding, the length counted the platform's way, and reminders that are not violations."""

    findings: tuple[Finding, ...]
    length: int
    max_length: int | None
    length_note: str
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        """Tell whether nothing blocks the post (warnings still ask for a look)."""
        return not any(f.severity == "error" for f in self.findings)

    @property
    def rules_broken(self) -> tuple[str, ...]:
        """The codes of the rules with findings, in rule order."""
        codes = {f.rule for f in self.findings}
        return tuple(code for code in RULES if code in codes)


def _finding(code: str, message: str, start: int | None = None, end: int | None = None, excerpt: str = "") -> Finding:
    rule = RULES[code]
    return Finding(code, rule.label, rule.requirement_ids, rule.severity, message, start, end, excerpt)


def _key(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().replace(" ", "").replace("-", "").replace("‐", "")


def _allowed_contact(kind: str, value: str, allowed: tuple[str, ...]) -> bool:
    if kind == "phone":
        digits = digits_of(value)
        return any(digits_of(a) == digits for a in allowed if digits_of(a))
    return any(_key(value) in _key(a) for a in allowed)


def _find_terms(text: str, terms: tuple[str, ...]) -> list[tuple[int, int, str]]:
    """Find each term (NFKC, case-insensitive), longest first, without overlaps; spans are in the typed text."""
    norm = NormalizedText(text)
    haystack = norm.text.casefold()
    taken: list[tuple[int, int, str]] = []
    for term in sorted({t for t in terms if t.strip()}, key=len, reverse=True):
        needle = unicodedata.normalize("NFKC", term.strip()).casefold()
        start = haystack.find(needle)
        while start != -1:
            end = start + len(needle)
            if not any(start < e and s < end for s, e, _ in taken):
                taken.append((start, end, term.strip()))
            start = haystack.find(needle, end)
    out = []
    for s, e, term in sorted(taken):
        ts, te = norm.span(s, e)
        out.append((ts, te, term))
    return out


def check_post(
    text: str, rules: EffectiveRules, *, platform_code: str, posting_at: dt.datetime | None = None
) -> PostCheckResult:
    """Check a draft against an account's effective rules.

    Args:
        text: the draft as typed.
        rules: the account's effective rules (template tightened by the account).
        platform_code: the platform, for its length limit and way of counting.
        posting_at: when the post is to go out, in Japan time (checked against the posting hours when given).

    Returns:
        The findings, in the order they appear in the text, then the length finding.
    """
    findings: list[Finding] = []
    links = find_links(text)
    for m in find_personal_data(text):
        if m.kind != "mynumber" and (
            # digits in a page's address are not a phone number or a street address
            any(m.start < link.end and link.start < m.end for link in links)
            or _allowed_contact(m.kind, m.text, rules.allowed_contacts)
        ):
            continue
        findings.append(_finding(m.kind, _MESSAGES[m.kind], m.start, m.end, mask(m.kind, m.text)))
    for start, end, term in _find_terms(text, rules.classified_markers):
        findings.append(
            _finding(
                "classified",
                f"「{term}」の表示があります。機密性2以上の情報は発信できません。元の文書の取扱区分を確認してください。",
                start,
                end,
                text[start:end],
            )
        )
    for start, end, term in _find_terms(text, rules.prohibited_terms):
        findings.append(
            _finding(
                "prohibited_term",
                f"このアカウントで発信しないと定めた語句「{term}」が含まれています。",
                start,
                end,
                text[start:end],
            )
        )
    for link in links:
        if any(domain_within(link.host, s) for s in rules.shortener_hosts):
            findings.append(
                _finding(
                    "shortener",
                    f"短縮URL（{link.host}）は使えません。リンク先が分かる元のURLを載せてください。",
                    link.start,
                    link.end,
                    link.url,
                )
            )
        elif not any(domain_within(link.host, d) for d in rules.allowed_link_domains):
            allowed = "、".join(rules.allowed_link_domains) or "（なし）"
            findings.append(
                _finding(
                    "link_domain",
                    f"リンク先（{link.host}）は、このアカウントで認められたドメイン（{allowed}）ではありません。",
                    link.start,
                    link.end,
                    link.url,
                )
            )
    findings.sort(key=lambda f: (f.start if f.start is not None else 0, f.rule))
    p = platform(platform_code)
    length, limit = post_length(text, platform_code)
    if limit is not None and length > limit:
        findings.append(
            _finding("length", f"{p.label}の上限{limit}文字を{length - limit}文字超えています（{length}文字）。")
        )
    if posting_at is not None and rules.hours_start and rules.hours_end:
        at = posting_at.time().replace(tzinfo=None)
        if not rules.hours_start <= at <= rules.hours_end:
            findings.append(
                _finding(
                    "posting_hours",
                    f"投稿時刻（{at:%H:%M}）が、このアカウントの投稿時間帯"
                    f"（{rules.hours_start:%H:%M}〜{rules.hours_end:%H:%M}）の外です。",
                )
            )
    notes: list[str] = []
    if rules.approval == Approval.responsible:
        notes.append("このアカウントでは、投稿前に責任者の承認が必要です。")
    if rules.availability2_on_website and any(w in text for w in DISASTER_WORDS):
        notes.append("防災・緊急情報など可用性2の情報は、市のウェブサイトにも掲載してください（SNS-07）。")
    return PostCheckResult(tuple(findings), length, limit, p.length_note, tuple(notes))
