"""Profile URL and handle normalization, per platform (table-driven)."""

from __future__ import annotations

import pytest

from governance.social.url import AccountRefError, candidates, looks_like_url, parse_handle, parse_profile

# (input, platform hint, expected platform, expected key, expected canonical URL)
SAME_ACCOUNT = [
    # X: twitter.com and x.com are one site; case, @, www./mobile., query, fragment and trailing slashes do not matter
    ("https://twitter.com/Kani_City/", None, "x", "kani_city", "https://x.com/Kani_City"),
    ("https://x.com/kani_city", None, "x", "kani_city", "https://x.com/kani_city"),
    ("http://mobile.twitter.com/KANI_CITY", None, "x", "kani_city", "https://x.com/KANI_CITY"),
    ("www.twitter.com/kani_city?s=20&t=abc", None, "x", "kani_city", "https://x.com/kani_city"),
    ("x.com/kani_city//", None, "x", "kani_city", "https://x.com/kani_city"),
    ("https://x.com/kani_city/status/1234567890", None, "x", "kani_city", "https://x.com/kani_city"),
    ("https://twitter.com/#!/kani_city", None, "x", "kani_city", "https://x.com/kani_city"),
    ("HTTPS://X.COM/Kani_City#top", None, "x", "kani_city", "https://x.com/Kani_City"),
    ("ｈｔｔｐｓ：／／ｘ．ｃｏｍ／ｋａｎｉ＿ｃｉｔｙ", None, "x", "kani_city", "https://x.com/kani_city"),
    ("@Kani_City", "x", "x", "kani_city", "https://x.com/Kani_City"),
    ("kani_city", "x", "x", "kani_city", "https://x.com/kani_city"),
    # Instagram
    ("https://www.instagram.com/kani.city/", None, "instagram", "kani.city", "https://www.instagram.com/kani.city/"),
    ("instagram.com/Kani.City?igshid=xyz", None, "instagram", "kani.city", "https://www.instagram.com/Kani.City/"),
    ("https://instagr.am/kani.city", None, "instagram", "kani.city", "https://www.instagram.com/kani.city/"),
    ("@kani.city", "instagram", "instagram", "kani.city", "https://www.instagram.com/kani.city/"),
    # Facebook: capitals and periods do not count; numeric ids
    ("https://www.facebook.com/kani.city", None, "facebook", "kanicity", "https://www.facebook.com/kani.city"),
    ("https://m.facebook.com/KaniCity/", None, "facebook", "kanicity", "https://www.facebook.com/KaniCity"),
    ("fb.com/kani.city", None, "facebook", "kanicity", "https://www.facebook.com/kani.city"),
    (
        "https://www.facebook.com/profile.php?id=100064123456789&ref=x",
        None,
        "facebook",
        "id:100064123456789",
        "https://www.facebook.com/profile.php?id=100064123456789",
    ),
    (
        "https://www.facebook.com/pages/Kani/123456789",
        None,
        "facebook",
        "id:123456789",
        "https://www.facebook.com/profile.php?id=123456789",
    ),
    # LINE: the basic id with @, in its several link forms; lin.ee friend links are case-sensitive
    ("https://line.me/R/ti/p/@kanicity", None, "line", "@kanicity", "https://line.me/R/ti/p/@kanicity"),
    ("https://line.me/R/ti/p/%40KaniCity", None, "line", "@kanicity", "https://line.me/R/ti/p/@kanicity"),
    ("line.me/ti/p/@kanicity", None, "line", "@kanicity", "https://line.me/R/ti/p/@kanicity"),
    ("https://page.line.me/kanicity", None, "line", "@kanicity", "https://line.me/R/ti/p/@kanicity"),
    ("@KaniCity", "line", "line", "@kanicity", "https://line.me/R/ti/p/@kanicity"),
    ("https://lin.ee/AbC123x", None, "line", "lin.ee/AbC123x", "https://lin.ee/AbC123x"),
    # YouTube: handles ignore case, channel ids do not
    ("https://www.youtube.com/@KaniCity", None, "youtube", "@kanicity", "https://www.youtube.com/@KaniCity"),
    ("m.youtube.com/@kanicity/videos", None, "youtube", "@kanicity", "https://www.youtube.com/@kanicity"),
    (
        "https://www.youtube.com/channel/UCabcdefghijklmnopqrstuv",
        None,
        "youtube",
        "channel/UCabcdefghijklmnopqrstuv",
        "https://www.youtube.com/channel/UCabcdefghijklmnopqrstuv",
    ),
    (
        "https://www.youtube.com/user/KaniCity",
        None,
        "youtube",
        "user/kanicity",
        "https://www.youtube.com/user/KaniCity",
    ),
    ("@KaniCity", "youtube", "youtube", "@kanicity", "https://www.youtube.com/@KaniCity"),
    # TikTok
    ("https://www.tiktok.com/@kani_city", None, "tiktok", "kani_city", "https://www.tiktok.com/@kani_city"),
    ("tiktok.com/@Kani_City/video/123?lang=ja", None, "tiktok", "kani_city", "https://www.tiktok.com/@Kani_City"),
    # note: compared as written
    ("https://note.com/kani_city", None, "note", "kani_city", "https://note.com/kani_city"),
    ("https://note.com/kani_city/n/n1234abcd", None, "note", "kani_city", "https://note.com/kani_city"),
    ("note.mu/kani_city/", None, "note", "kani_city", "https://note.com/kani_city"),
    # other sites: host lower-cased without www., path as written, query dropped
    ("https://www.Example.org/Kani/?a=1", None, "other", "example.org/Kani", "https://example.org/Kani"),
    ("https://mastodon.example/@kani", "other", "other", "mastodon.example/@kani", "https://mastodon.example/@kani"),
]


@pytest.mark.parametrize(("text", "hint", "platform", "key", "url"), SAME_ACCOUNT)
def test_profile_urls_normalize_per_platform(text, hint, platform, key, url):
    ref = parse_profile(text, hint)
    assert (ref.platform, ref.key, ref.url) == (platform, key, url)
    assert ref.lookup == f"{platform}:{key}"


DIFFERENT = [
    # case matters where the platform says so
    ("https://note.com/Kani_City", "https://note.com/kani_city"),
    (
        "https://www.youtube.com/channel/UCabcdefghijklmnopqrstuv",
        "https://www.youtube.com/channel/UCABCDEFGHIJKLMNOPQRSTUV",
    ),
    ("https://lin.ee/AbC123x", "https://lin.ee/abc123x"),
    ("https://example.org/Kani", "https://example.org/kani"),
    # look-alikes are other accounts
    ("https://x.com/kani_city", "https://x.com/kani_city_"),
    ("https://x.com/kani_city", "https://instagram.com/kani_city"),
    ("https://www.instagram.com/kani.city", "https://www.instagram.com/kanicity"),  # dots count on Instagram
]


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_different_accounts_get_different_keys(a, b):
    assert parse_profile(a).lookup != parse_profile(b).lookup


REFUSED = [
    ("", None, "入力してください"),
    ("https://x.com/", None, "プロフィール"),
    ("https://x.com/home", None, "15文字"),
    ("https://x.com/search?q=kani", None, "15文字"),
    ("https://x.com/this_handle_is_too_long", None, "15文字"),
    ("https://www.instagram.com/p/Cabc123/", None, "Instagram"),
    ("https://www.youtube.com/watch?v=abc", None, "チャンネルのURL"),
    ("https://www.tiktok.com/kani", None, "プロフィール"),
    ("ftp://x.com/kani", None, "http"),
    ("javascript:alert(1)", None, None),
    ("https://x.com@evil.example/kani", None, "ユーザー情報"),
    ("https://x.com/kani city", None, "空白"),
    ("kani_city", None, "プラットフォームを指定"),
    ("https://x.com/kani", "instagram", "Instagramのアカウント"),
    ("kani", "other", "URLを入力"),
    ("@kani", "nosuch", "プラットフォームの指定"),
    ("https://line.me/R/ti/p/~personal", None, "LINE"),
    ("https://www.facebook.com/profile.php", None, "id"),
    ("x" * 3000, None, "長すぎます"),
]


@pytest.mark.parametrize(("text", "hint", "message"), REFUSED)
def test_text_that_names_no_account_is_refused_with_a_reason(text, hint, message):
    with pytest.raises(AccountRefError) as err:
        parse_profile(text, hint)
    if message:
        assert message in err.value.message


def test_a_bare_handle_may_name_an_account_on_several_platforms():
    refs = candidates("@kani_city")
    platforms = {r.platform for r in refs}
    assert {"x", "instagram", "tiktok", "youtube", "note", "line", "facebook"} - platforms == {
        "facebook"
    }  # _ not in FB
    assert all(r.platform != "other" for r in refs)


def test_candidates_of_a_url_is_that_one_account():
    assert [r.lookup for r in candidates("https://twitter.com/Kani_City/")] == ["x:kani_city"]


def test_candidates_of_garbage_is_refused():
    with pytest.raises(AccountRefError):
        candidates("これは何？")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://x.com/a", True),
        ("x.com/a", True),
        ("twitter.com", True),
        ("kani.city", False),  # a Facebook username, not a site
        ("@kani", False),
        ("example.org/kani", True),
    ],
)
def test_urls_are_told_from_handles(text, expected):
    assert looks_like_url(text) is expected


def test_handle_parsing_accepts_a_youtube_channel_id():
    assert parse_handle("UCabcdefghijklmnopqrstuv", "youtube").key == "channel/UCabcdefghijklmnopqrstuv"
