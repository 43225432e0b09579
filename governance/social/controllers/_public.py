"""The public part: the list of official accounts, each account's 運用ポリシー, and the verify API (no sign-in)."""

from __future__ import annotations

import hashlib
import math
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter
from litestar.response import Template

from governance.municipality.controllers import municipality_of
from governance.municipality.profile import Municipality
from governance.ratelimit import TokenBucketLimiter
from governance.social import schemas
from governance.social.services import AccountQueries
from governance.web.access import PUBLIC, access
from governance.web.pages import render
from governance.web.params import PathId

OPEN = access(PUBLIC)
CACHE_SECONDS = 300
RATE_PER_SECOND = 1.0
BURST = 60
LIMITER_KEY = "social_public_limiter"


class Problem(msgspec.Struct):
    """An RFC 9457 problem answer."""

    type: str
    title: str
    status: int
    detail: str


async def _municipality(request: Request[Any, Any, Any]) -> Municipality:
    """The municipality in force (団体の設定), which names itself 本市 while no name is set."""
    return await municipality_of(request)


def _public_context(profile: Municipality) -> dict[str, Any]:
    """What the public layout shows: the municipality's name, the heading and its contact."""
    return {"municipality": profile.display_name, "profile": profile}


def _base_url(request: Request[Any, Any, Any]) -> str:
    return request.app.state.settings.base_url.rstrip("/")


def limiter_of(request: Request[Any, Any, Any]) -> TokenBucketLimiter:
    """The app's limiter for the public API (one per application instance, made on first use)."""
    state = request.app.state
    limiter = state.get(LIMITER_KEY)
    if limiter is None:
        limiter = TokenBucketLimiter(rate=RATE_PER_SECOND, burst=BURST)
        state[LIMITER_KEY] = limiter
    return limiter


def _too_many(wait: float) -> Response[Any]:
    seconds = max(1, math.ceil(wait))
    body = Problem(
        type="about:blank",
        title="アクセスが集中しています",
        status=429,
        detail=f"短時間に多くの問い合わせがありました。{seconds}秒ほど待ってから、もう一度お試しください。",
    )
    return Response(
        msgspec.json.encode(body),
        status_code=429,
        media_type="application/problem+json",
        headers={"Retry-After": str(seconds), "Access-Control-Allow-Origin": "*", "Cache-Control": "no-store"},
    )


def _cacheable(request: Request[Any, Any, Any], value: Any) -> Response[Any]:
    """A JSON answer other sites may cache (Cache-Control, ETag) and call from their pages (CORS)."""
    body = msgspec.json.encode(value)
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {
        "Cache-Control": f"public, max-age={CACHE_SECONDS}",
        "ETag": etag,
        "Access-Control-Allow-Origin": "*",
        "Vary": "Accept-Encoding",
    }
    if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return Response(b"", status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


def _limited(request: Request[Any, Any, Any]) -> Response[Any] | None:
    client = request.client.host if request.client else "unknown"
    wait = limiter_of(request).acquire(client)
    return _too_many(wait) if wait else None


_RATE_NOTE = (
    f"同じ接続元からの問い合わせは、1秒に{RATE_PER_SECOND:g}回（まとめて{BURST}回まで）に制限しています"
    "（アプリケーションのインスタンスごと）。超えると 429 と Retry-After を返します。"
    f"回答は Cache-Control（{CACHE_SECONDS}秒）と ETag を付けて返すので、If-None-Match で再検証できます。"
    "他のサイトのページからも呼び出せます（Access-Control-Allow-Origin: *）。認証は不要です。"
)
_RESPONSES = {
    304: ResponseSpec(data_container=None, description="If-None-Match の ETag と同じ内容（本文なし）"),
    429: ResponseSpec(data_container=Problem, description="問い合わせが多すぎます（Retry-After 秒後に再試行）"),
}


class OfficialAccountsApiController(Controller):
    """公式アカウントの一覧と確認（公開API、ログイン不要）."""

    path = "/api/public/v1/official-accounts"
    tags = ["official-accounts (public)"]
    security = [{}]

    @get("/", opt=OPEN, description=_RATE_NOTE, responses=_RESPONSES)
    async def list_official(self, request: Request[Any, Any, Any]) -> Response[list[schemas.PublicAccount]]:
        """List the municipality's official accounts in operation."""
        if limited := _limited(request):
            return limited
        return _cacheable(request, await AccountQueries().public_list(base_url=_base_url(request)))

    @get("/verify", opt=OPEN, description=_RATE_NOTE, responses=_RESPONSES)
    async def verify(
        self,
        request: Request[Any, Any, Any],
        q: Annotated[
            str,
            QueryParameter(
                min_length=1,
                max_length=500,
                description="確認したいアカウントのURL（https://x.com/… など）またはアカウント名（@… ）",
            ),
        ],
        platform: Annotated[
            str,
            QueryParameter(
                max_length=20,
                description="アカウント名だけで確認するときのサービス（x, facebook, instagram, line, youtube …）",
            ),
        ] = "",
    ) -> Response[schemas.VerifyAnswer]:
        """Tell whether a URL or handle is an official account: ``official``, ``closed`` (with the date) or ``unknown``.

        The URL may be written any way the platform accepts (twitter.com or x.com, with or without www., a trailing
        slash, a query string, different capitals where the platform ignores them); a post's URL names the account
        that posted it. A bare handle is looked up on every platform.
        """
        if limited := _limited(request):
            return limited
        answer = await AccountQueries().verify(q, platform=platform or None, base_url=_base_url(request))
        return _cacheable(request, answer)


class OfficialAccountsPageController(Controller):
    """公式アカウント一覧と運用ポリシー（公開ページ、ログイン不要）."""

    path = "/official-accounts"
    include_in_schema = False

    @get("/", opt=OPEN)
    async def index(self, request: Request[Any, Any, Any]) -> Template:
        """List the official accounts in operation."""
        response = render(
            "social/public_list.html",
            accounts=await AccountQueries().public_list(),
            **_public_context(await _municipality(request)),
        )
        response.headers["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
        return response

    @get("/{account_id:int}", opt=OPEN)
    async def policy(self, request: Request[Any, Any, Any], account_id: PathId) -> Template:
        """Show an account's 運用ポリシー, generated from its registered fields."""
        profile = await _municipality(request)
        account, document = await AccountQueries().public_policy(account_id, municipality=profile.display_name)
        response = render("social/public_policy.html", account=account, document=document, **_public_context(profile))
        response.headers["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
        return response
