"""Profile URLs and handles: one canonical form per account, so that any spelling of it finds the account (pure).

People write the same account many ways: ``twitter.com/Kani_City/``, ``https://x.com/kani_city?s=20``,
``@KANI_CITY``, ``mobile.twitter.com/kani_city/status/1``. ``parse_profile`` turns each into an ``AccountRef``
whose ``key`` is equal for the same account and different for different ones, by the platform's own rules:

- scheme (http/https or none), ``www.``/``m.``/``mobile.`` hosts and the platform's other domains are aliases;
- query strings, fragments, trailing slashes and repeated slashes are dropped; percent-encoding is decoded;
- a post's URL names the account that posted it (``x.com/<handle>/status/…``);
- case: X, Instagram, TikTok, LINE, Facebook and YouTube handles ignore case (Facebook also ignores dots);
  YouTube channel ids and LINE ``lin.ee`` links are case-sensitive; note ids and other sites' paths are compared
  as written, so that an impersonator's look-alike never matches an official account by accident.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from governance.social.platforms import PLATFORMS, platform_of_host

MAX_INPUT = 2048


class AccountRefError(ValueError):
    """Text that names no account; the message says why, in Japanese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class AccountRef:
    """An account as the platform identifies it."""

    platform: str
    handle: str
    """As people write it (``@Kani_City``, ``kani.city``, ``channel/UC…``)."""
    key: str
    """Equal for every spelling of the same account on the platform (case folded where the platform ignores case)."""
    url: str
    """The canonical profile URL."""

    @property
    def lookup(self) -> str:
        """The value stored and searched: platform and key together."""
        return f"{self.platform}:{self.key}"


_X_HANDLE = re.compile(r"[A-Za-z0-9_]{1,15}")
_X_RESERVED = frozenset(
    {"home", "explore", "search", "i", "intent", "share", "hashtag", "settings", "messages", "notifications",
     "login", "logout", "signup", "tos", "privacy", "compose", "about", "download", "jobs", "account", "help"}
)  # fmt: skip
_IG_HANDLE = re.compile(r"[A-Za-z0-9._]{1,30}")
_IG_RESERVED = frozenset({"p", "reel", "reels", "explore", "stories", "accounts", "tv", "direct", "about", "legal"})
_FB_HANDLE = re.compile(r"[A-Za-z0-9.]{1,50}")
_FB_RESERVED = frozenset(
    {"groups", "events", "watch", "sharer", "sharer.php", "share", "share.php", "photo", "photo.php", "story.php",
     "permalink.php", "login", "login.php", "help", "marketplace", "gaming", "hashtag", "search", "dialog", "plugins"}
)  # fmt: skip
_TT_HANDLE = re.compile(r"[A-Za-z0-9._]{2,24}")
_YT_HANDLE = re.compile(r"[\w.\-·]{3,30}")
_YT_CHANNEL = re.compile(r"UC[A-Za-z0-9_-]{22}")
_YT_LEGACY = re.compile(r"[\w.\-]{1,100}")
_LINE_ID = re.compile(r"@[a-z0-9._-]{1,20}")
_LINE_SHORT = re.compile(r"[A-Za-z0-9_-]{1,40}")
_NOTE_HANDLE = re.compile(r"[A-Za-z0-9_]{1,50}")
_NOTE_RESERVED = frozenset({"hashtag", "search", "notes", "info", "login", "signup", "settings", "sitesettings"})
_HOSTLIKE = re.compile(r"^(?:[a-z0-9-]+\.)+[a-z]{2,}(?:[/?#:]|$)", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\s]")

_NOT_PROFILE = "アカウント（プロフィール）のURLではありません。"


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").strip()
    if not text:
        raise AccountRefError("URLまたはアカウント名を入力してください。")
    if len(text) > MAX_INPUT:
        raise AccountRefError(f"URLが長すぎます（{MAX_INPUT}文字まで）。")
    if _CONTROL.search(text):
        raise AccountRefError("URLに空白や制御文字が含まれています。")
    return text


def looks_like_url(text: str) -> bool:
    """Tell whether text is a URL (with a scheme, a path, or a known platform host) rather than a handle."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    if re.match(r"^[a-z][a-z0-9+.-]*://", text, re.IGNORECASE):
        return True
    if not _HOSTLIKE.match(text):
        return False
    host = re.split(r"[/?#:]", text, maxsplit=1)[0]
    return "/" in text or platform_of_host(host) is not None


def parse_profile(text: str, platform: str | None = None) -> AccountRef:
    """Read a profile URL or a handle as an account.

    Args:
        text: a URL (with or without scheme) or a handle (``@name`` or ``name``).
        platform: the platform code; required for a bare handle, checked against the URL's host otherwise.

    Returns:
        The account reference.

    Raises:
        AccountRefError: the text names no account of the platform (the message says why).
    """
    text = _clean(text)
    if platform is not None and platform not in PLATFORMS:
        raise AccountRefError("プラットフォームの指定が正しくありません。")
    if not looks_like_url(text):
        if platform is None:
            raise AccountRefError("アカウント名だけのときは、プラットフォームを指定してください。")
        return parse_handle(text, platform)
    url = text if re.match(r"^[a-z][a-z0-9+.-]*://", text, re.IGNORECASE) else f"https://{text}"
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").rstrip(".")
    except ValueError as exc:
        raise AccountRefError("URLの形式が正しくありません。") from exc
    if parts.scheme.lower() not in {"http", "https"}:
        raise AccountRefError("http または https のURLを入力してください。")
    if not host:
        raise AccountRefError("URLにホスト名がありません。")
    if parts.username is not None or parts.password is not None:
        # https://x.com@evil.example/ leads to evil.example: a classic disguise, never an official account.
        raise AccountRefError(
            "URLに「@」の前の部分（ユーザー情報）が含まれています。表示と実際の接続先が異なるURLです。"
        )
    found = platform_of_host(host)
    code = found.code if found else "other"
    if platform is not None and platform != code:
        raise AccountRefError(f"このURLは{PLATFORMS[platform].label}のアカウントのURLではありません。")
    path = parts.path
    if code == "x" and parts.fragment.startswith("!/"):  # twitter.com/#!/handle, the old hash-bang form
        path = parts.fragment[1:]
    segments = [unquote(s) for s in path.split("/") if s]
    parser = _URL_PARSERS[code]
    return parser(host, segments, parts.query)


def parse_handle(text: str, platform: str) -> AccountRef:
    """Read a bare handle (``@name`` or ``name``) on a platform.

    Raises:
        AccountRefError: the handle breaks the platform's rules for names.
    """
    text = _clean(text)
    if platform not in PLATFORMS or platform == "other":
        raise AccountRefError("このプラットフォームではアカウント名だけでは確認できません。URLを入力してください。")
    if platform == "youtube":
        if _YT_CHANNEL.fullmatch(text):
            return _youtube_channel(text)
        return _youtube_handle(text.removeprefix("@"))
    if platform == "line":
        return _line_id(text if text.startswith("@") else f"@{text}")
    return _HANDLE_PARSERS[platform](text.removeprefix("@"))


def candidates(text: str, platform: str | None = None) -> list[AccountRef]:
    """Every account the text could name: one for a URL, one per platform whose rules accept a bare handle.

    Raises:
        AccountRefError: the text names no account on any platform.
    """
    text = _clean(text)
    if platform is not None or looks_like_url(text):
        return [parse_profile(text, platform)]
    refs: list[AccountRef] = []
    for code in PLATFORMS:
        if code == "other":
            continue
        try:
            refs.append(parse_handle(text, code))
        except AccountRefError:
            continue
    if not refs:
        raise AccountRefError("どのプラットフォームのアカウント名としても正しくありません。")
    return refs


# -- per platform -------------------------------------------------------------------------------------------------


def _x_handle(name: str) -> AccountRef:
    if not _X_HANDLE.fullmatch(name) or name.lower() in _X_RESERVED:
        raise AccountRefError("Xのアカウント名は英数字と「_」の15文字以内です。")
    return AccountRef("x", f"@{name}", name.lower(), f"https://x.com/{name}")


def _x_url(host: str, segments: list[str], query: str) -> AccountRef:
    if not segments:
        raise AccountRefError(_NOT_PROFILE)
    return _x_handle(segments[0].removeprefix("@"))


def _instagram_handle(name: str) -> AccountRef:
    if not _IG_HANDLE.fullmatch(name) or name.lower() in _IG_RESERVED:
        raise AccountRefError("Instagramのアカウント名は英数字と「.」「_」の30文字以内です。")
    return AccountRef("instagram", f"@{name}", name.lower(), f"https://www.instagram.com/{name}/")


def _instagram_url(host: str, segments: list[str], query: str) -> AccountRef:
    if not segments:
        raise AccountRefError(_NOT_PROFILE)
    return _instagram_handle(segments[0].removeprefix("@"))


def _facebook_handle(name: str) -> AccountRef:
    if not _FB_HANDLE.fullmatch(name) or name.lower() in _FB_RESERVED or not name.replace(".", ""):
        raise AccountRefError("Facebookのユーザーネームは英数字と「.」の50文字以内です。")
    if name.isdigit():
        return _facebook_id(name)
    # Facebook ignores capitals and periods in usernames: kani.city, KaniCity and kanicity are one page.
    return AccountRef("facebook", name, name.replace(".", "").lower(), f"https://www.facebook.com/{name}")


def _facebook_id(number: str) -> AccountRef:
    if not number.isascii() or not number.isdigit() or len(number) > 20:
        raise AccountRefError("FacebookのIDは数字です。")
    return AccountRef("facebook", number, f"id:{number}", f"https://www.facebook.com/profile.php?id={number}")


def _facebook_url(host: str, segments: list[str], query: str) -> AccountRef:
    if not segments:
        raise AccountRefError(_NOT_PROFILE)
    head = segments[0].lower()
    if head == "profile.php":
        ids = parse_qs(query).get("id", [])
        if not ids:
            raise AccountRefError("profile.php のURLに id がありません。")
        return _facebook_id(ids[0])
    if head in {"pages", "people", "pg"} and len(segments) >= 3 and segments[2].isdigit():
        return _facebook_id(segments[2])
    if head in {"pages", "pg", "people"} and len(segments) >= 2:
        return _facebook_handle(segments[1])
    return _facebook_handle(segments[0])


def _tiktok_handle(name: str) -> AccountRef:
    if not _TT_HANDLE.fullmatch(name):
        raise AccountRefError("TikTokのユーザー名は英数字と「.」「_」の2〜24文字です。")
    return AccountRef("tiktok", f"@{name}", name.lower(), f"https://www.tiktok.com/@{name}")


def _tiktok_url(host: str, segments: list[str], query: str) -> AccountRef:
    if not segments or not segments[0].startswith("@"):
        raise AccountRefError(_NOT_PROFILE)
    return _tiktok_handle(segments[0][1:])


def _youtube_handle(name: str) -> AccountRef:
    if not _YT_HANDLE.fullmatch(name):
        raise AccountRefError("YouTubeのハンドルは3〜30文字で、記号は「.」「-」「_」「·」だけです。")
    return AccountRef("youtube", f"@{name}", f"@{name.casefold()}", f"https://www.youtube.com/@{name}")


def _youtube_channel(channel_id: str) -> AccountRef:
    if not _YT_CHANNEL.fullmatch(channel_id):
        raise AccountRefError("YouTubeのチャンネルIDは「UC」で始まる24文字です。")
    url = f"https://www.youtube.com/channel/{channel_id}"
    return AccountRef("youtube", f"channel/{channel_id}", f"channel/{channel_id}", url)


def _youtube_url(host: str, segments: list[str], query: str) -> AccountRef:
    if not segments:
        raise AccountRefError(_NOT_PROFILE)
    head = segments[0]
    if head.startswith("@"):
        return _youtube_handle(head[1:])
    if head == "channel" and len(segments) >= 2:
        return _youtube_channel(segments[1])
    if head in {"c", "user"} and len(segments) >= 2 and _YT_LEGACY.fullmatch(segments[1]):
        name = segments[1]
        return AccountRef(
            "youtube", f"{head}/{name}", f"{head}/{name.casefold()}", f"https://www.youtube.com/{head}/{name}"
        )
    raise AccountRefError(_NOT_PROFILE + "（動画のURLではなく、チャンネルのURLを入力してください。）")


def _line_id(text: str) -> AccountRef:
    name = text.lower()  # LINE IDs are lower case; people type them in capitals too
    if not _LINE_ID.fullmatch(name):
        raise AccountRefError("LINE公式アカウントのIDは「@」で始まる英数字です。")
    return AccountRef("line", name, name, f"https://line.me/R/ti/p/{name}")


def _line_url(host: str, segments: list[str], query: str) -> AccountRef:
    if host == "lin.ee":
        # LINE issues these friend-add links itself; the code after the slash is case-sensitive.
        if len(segments) != 1 or not _LINE_SHORT.fullmatch(segments[0]):
            raise AccountRefError(_NOT_PROFILE)
        return AccountRef("line", f"lin.ee/{segments[0]}", f"lin.ee/{segments[0]}", f"https://lin.ee/{segments[0]}")
    if host == "page.line.me" and segments:
        return _line_id(f"@{segments[0].removeprefix('@')}")
    lowered = [s.lower() for s in segments]
    for prefix in (["r", "ti", "p"], ["ti", "p"]):
        if lowered[: len(prefix)] == prefix and len(segments) > len(prefix):
            return _line_id(segments[len(prefix)])
    raise AccountRefError(_NOT_PROFILE)


def _note_handle(name: str) -> AccountRef:
    if not _NOTE_HANDLE.fullmatch(name) or name.lower() in _NOTE_RESERVED:
        raise AccountRefError("noteのIDは英数字と「_」です。")
    # Compared as written: whether note ignores case is not documented, and a false "official" is the worse error.
    return AccountRef("note", name, name, f"https://note.com/{name}")


def _note_url(host: str, segments: list[str], query: str) -> AccountRef:
    if not segments:
        raise AccountRefError(_NOT_PROFILE)
    return _note_handle(segments[0])


def _other_url(host: str, segments: list[str], query: str) -> AccountRef:
    host = host.lower().removeprefix("www.")
    path = "/".join(segments)
    key = f"{host}/{path}" if path else host
    return AccountRef("other", key, key, f"https://{key}")


_URL_PARSERS = {
    "x": _x_url,
    "facebook": _facebook_url,
    "instagram": _instagram_url,
    "line": _line_url,
    "youtube": _youtube_url,
    "tiktok": _tiktok_url,
    "note": _note_url,
    "other": _other_url,
}
_HANDLE_PARSERS = {
    "x": _x_handle,
    "facebook": _facebook_handle,
    "instagram": _instagram_handle,
    "tiktok": _tiktok_handle,
    "note": _note_handle,
}
