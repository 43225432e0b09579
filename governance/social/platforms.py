"""The social media platforms the municipality may run accounts on, and what differs between them (pure).

Platform codes are the ones the external-services registry uses for its social-media services
(``ExternalService.platform``): x, facebook, instagram, line, youtube, tiktok, note, other.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Counting(StrEnum):
    """How a platform counts the length of a post."""

    twitter = "twitter"
    """twitter-text v3 weighted length: most CJK and non-Latin characters and emoji count 2, every URL 23."""
    code_points = "code_points"
    """Unicode code points of the NFC-normalized text."""


@dataclass(frozen=True)
class Platform:
    """One platform: its name, host names, how it counts a post and what the checklist can ask of it."""

    code: str
    label: str
    hosts: frozenset[str]
    max_length: int | None
    """The longest post the platform accepts, counted its way (None: no practical limit)."""
    counting: Counting = Counting.code_points
    length_note: str = ""
    badge_available: bool = True
    """Whether a municipality can obtain a verification badge on the platform (SNS-02)."""


PLATFORMS: dict[str, Platform] = {
    p.code: p
    for p in (
        Platform(
            "x",
            "X（旧Twitter）",
            frozenset(
                {
                    "x.com",
                    "www.x.com",
                    "mobile.x.com",
                    "twitter.com",
                    "www.twitter.com",
                    "mobile.twitter.com",
                    "m.twitter.com",
                }
            ),
            280,
            Counting.twitter,
            "日本語（漢字・かな）や絵文字は1文字を2として、URLは長さにかかわらず23として数えます（上限280）。",
        ),
        Platform(
            "facebook",
            "Facebook",
            frozenset(
                {
                    "facebook.com",
                    "www.facebook.com",
                    "m.facebook.com",
                    "web.facebook.com",
                    "mbasic.facebook.com",
                    "ja-jp.facebook.com",
                    "fb.com",
                    "www.fb.com",
                }
            ),
            63206,
        ),
        Platform(
            "instagram",
            "Instagram",
            frozenset({"instagram.com", "www.instagram.com", "m.instagram.com", "instagr.am", "www.instagr.am"}),
            2200,
        ),
        Platform(
            "line",
            "LINE",
            frozenset({"line.me", "page.line.me", "lin.ee"}),
            500,
            length_note="LINE公式アカウントのテキストメッセージの上限です（500文字）。",
        ),
        Platform(
            "youtube",
            "YouTube",
            frozenset({"youtube.com", "www.youtube.com", "m.youtube.com"}),
            5000,
            length_note="動画の説明欄の上限です（5,000文字）。",
        ),
        Platform(
            "tiktok",
            "TikTok",
            frozenset({"tiktok.com", "www.tiktok.com", "m.tiktok.com"}),
            4000,
        ),
        Platform("note", "note", frozenset({"note.com", "www.note.com", "note.mu"}), None, badge_available=False),
        Platform("other", "その他", frozenset(), None, badge_available=False),
    )
}

PLATFORM_LABELS: dict[str, str] = {code: p.label for code, p in PLATFORMS.items()}

SHORTENER_HOSTS: frozenset[str] = frozenset(
    {"bit.ly", "t.co", "tinyurl.com", "goo.gl", "ow.ly", "buff.ly", "is.gd", "v.gd", "t.ly", "cutt.ly", "rebrand.ly",
     "amzn.to", "x.gd", "bit.do", "tiny.cc", "shorturl.at", "rb.gy", "s.id", "vm.tiktok.com", "vt.tiktok.com",
     "lin.ee", "fb.me", "ift.tt", "dlvr.it", "qr.paps.jp", "urx.nu", "onl.la", "onl.sc", "htn.to", "forms.gle"}
)  # fmt: skip
"""Hosts whose links hide where they lead (SNS-02 forbids them in posts); the municipal template may add more."""


def platform(code: str) -> Platform:
    """Return the platform with the code, or the catch-all "other"."""
    return PLATFORMS.get(code, PLATFORMS["other"])


def platform_of_host(host: str) -> Platform | None:
    """Return the platform a host name belongs to, or None for a host of no known platform."""
    host = host.lower().rstrip(".")
    for p in PLATFORMS.values():
        if host in p.hosts:
            return p
    return None
