"""Post length the way each platform counts it, and the links a post contains (pure).

X counts with the twitter-text v3 rules (its published ``config/v3.json``): the text is NFC-normalized; code points in
U+0000–U+10FF, U+2000–U+200D, U+2010–U+201F and U+2032–U+2037 weigh 1, every other code point (kanji, kana,
full-width forms, Hangul, most symbols) weighs 2; an emoji, including a sequence joined by ZWJ, a skin-tone or a
flag pair, weighs 2; every URL weighs 23 whatever its length; the limit is 280. Other platforms count code points.

The URL finder follows twitter-text's main rules: a URL with ``http(s)://``, or a bare domain with a known top-level
domain; a bare ``name.<country code>`` without a path (``file.js``, ``example.jp``) is not a link, except ``.co``
and ``.tv``. Emoji matching covers the emoji blocks and the sequences above; rarer cases (a ``©`` without the emoji
variation selector) count as ordinary characters.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from governance.social.platforms import Counting, platform

TWITTER_MAX = 280
TWITTER_URL_LENGTH = 23
_LIGHT_RANGES = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))

_GTLDS = (
    "com|net|org|info|biz|edu|gov|mil|int|io|app|dev|xyz|online|site|shop|store|tokyo|osaka|nagoya|yokohama|kyoto|"
    "blog|news|page|jobs|travel|museum|asia|mobi|name|pro|top|club|link|live|tech|cloud|art|design|media|city"
)
_DOMAIN = rf"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{{0,62}}[A-Za-z0-9])?\.)+(?:{_GTLDS}|[a-z]{{2}})(?![A-Za-z0-9-])"
_PATH_CHARS = r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]"
_URL = re.compile(
    rf"(?<![A-Za-z0-9@＠$#＃.\-_/])(?:(?P<scheme>https?://)(?P<host>[^\s/?#、。「」（）]+)|(?P<bare>{_DOMAIN}))"
    rf"(?P<path>(?:[/?#]{_PATH_CHARS}*)?)",
    re.IGNORECASE,
)
_TRAILING = ".,:;!?'\")]}"
_SPECIAL_SHORT = frozenset({"co", "tv"})

_EMOJI_BASE = (
    "\u203c\u2049\u2122\u2139\u2194-\u2199\u21a9\u21aa\u231a\u231b\u2328\u23cf\u23e9-\u23f3\u23f8-\u23fa\u24c2"
    "\u25aa\u25ab\u25b6\u25c0\u25fb-\u25fe\u2600-\u27bf\u2934\u2935\u2b05-\u2b07\u2b1b\u2b1c\u2b50\u2b55"
    "\u3030\u303d\u3297\u3299\U0001f000-\U0001faff"
)
_EMOJI_MOD = "(?:\ufe0f|[\U0001f3fb-\U0001f3ff])*[\U000e0020-\U000e007f]*"
_EMOJI = re.compile(
    "[\U0001f1e6-\U0001f1ff]{2}"  # a flag: two regional indicators
    "|[#*0-9]\ufe0f?\u20e3"  # a keycap
    "|[\u00a9\u00ae]\ufe0f"  # © and ® as emoji (with the emoji variation selector)
    f"|[{_EMOJI_BASE}]{_EMOJI_MOD}(?:\u200d[{_EMOJI_BASE}]{_EMOJI_MOD})*"
)


@dataclass(frozen=True)
class Link:
    """A link found in a post, with its place in the text."""

    url: str
    host: str
    start: int
    end: int


def find_links(text: str) -> list[Link]:
    """Return the links in the text as X would link them (with or without ``https://``)."""
    links: list[Link] = []
    for m in _URL.finditer(text):
        url = m.group(0)
        while url and url[-1] in _TRAILING:
            if url[-1] == ")" and url.count("(") >= url.count(")"):
                break  # Wikipedia-style paths keep their balanced closing parenthesis
            url = url[:-1]
        host = (m.group("host") or m.group("bare") or "").split(":")[0].split("@")[-1].lower().rstrip(".")
        if m.group("bare"):
            labels = host.split(".")
            no_path = len(url) == len(m.group("bare"))
            if no_path and len(labels) == 2 and len(labels[-1]) == 2 and labels[-1] not in _SPECIAL_SHORT:
                continue  # twitter-text does not link "example.jp" or "file.js" without a path
        if not host or "." not in host:
            continue
        links.append(Link(url=url, host=host, start=m.start(), end=m.start() + len(url)))
    return links


def _weight(code_point: int) -> int:
    return 1 if any(lo <= code_point <= hi for lo, hi in _LIGHT_RANGES) else 2


def twitter_length(text: str) -> int:
    """Return the length X gives the text (the twitter-text v3 weighted length)."""
    text = unicodedata.normalize("NFC", text)
    total = 0
    i = 0
    links = {link.start: link.end for link in find_links(text)}
    while i < len(text):
        if i in links:
            total += TWITTER_URL_LENGTH
            i = links[i]
            continue
        m = _EMOJI.match(text, i)
        if m:
            total += 2
            i = m.end()
            continue
        total += _weight(ord(text[i]))
        i += 1
    return total


def code_point_length(text: str) -> int:
    """Return the number of code points of the NFC-normalized text."""
    return len(unicodedata.normalize("NFC", text))


def post_length(text: str, platform_code: str) -> tuple[int, int | None]:
    """Return the text's length counted the platform's way and the platform's limit (None: no limit)."""
    p = platform(platform_code)
    if p.counting is Counting.twitter:
        return twitter_length(text), p.max_length
    return code_point_length(text), p.max_length
