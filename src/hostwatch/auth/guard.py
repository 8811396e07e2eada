"""ASGI middleware that enforces token mode on `/`, `/api/*`, `/ws` and the docs.

A pure ASGI layer rather than a framework middleware: it runs on every request,
so it must cost next to nothing, and it must see WebSocket handshakes too.
"""

from __future__ import annotations

import base64
import re
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from hostwatch.auth.login_page import LOGIN_PAGE
from hostwatch.auth.tokens import COOKIE_NAME, TokenVerifier

PUBLIC_PATHS = frozenset({"/healthz", "/api/v1/agent/report"})
"""Paths the guard lets through: liveness, and agents' reports (checked against agent tokens there)."""
GUEST_PATH = re.compile(r"/api/v1/monitor/[^/]+")
"""Paths whose endpoint decides who may read them: Nezha's ping histories are public except for
servers hidden from guests, which the endpoint checks with `request_authorised`."""
IN_BAND_AUTH_PATHS = frozenset({"/api/health/ws"})
"""WebSocket paths whose clients authenticate inside the socket (TurboCore's `auth <token>`).

Their handshake carries no token, so the guard lets it through and the endpoint
enforces auth itself; a browser's foreign `Origin` is still refused here.
"""


def _cookie(headers: Headers) -> str | None:
    raw = headers.get("cookie")
    if not raw:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except CookieError:
        return None
    morsel = jar.get(COOKIE_NAME)
    return str(morsel.value) if morsel else None


def _basic_password(credentials: str) -> str | None:
    """The password of HTTP Basic credentials, whatever the user name: Glances' `--password`
    clients (Home Assistant among them) send the token that way."""
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    _user, sep, password = decoded.partition(":")
    return password if sep else None


def _query_token(scope: Scope) -> str | None:
    query = scope.get("query_string", b"").decode("latin-1")
    if "token=" not in query:
        return None
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key == "token":
            return str(value)
    return None


def request_authorised(verifier: TokenVerifier, headers: Headers, query_token: str | None) -> bool:
    """True when a request proves the token in any accepted way (see `TokenGuard`); for
    endpoints the guard lets through that check the token themselves."""
    if query_token is not None and verifier.check_token(query_token):
        return True
    if verifier.check_cookie(_cookie(headers)):
        return True
    auth = headers.get("authorization", "")
    scheme = auth[:6].lower()
    if scheme == "bearer" and verifier.check_token(auth[7:].strip()):
        return True
    if scheme == "basic " and verifier.check_token(_basic_password(auth[6:])):
        return True
    # Nezha's clients send the bare token: `Authorization: TOKEN`.
    if verifier.check_token(auth.strip()):
        return True
    return verifier.check_token(headers.get("x-api-token"))


def same_origin(headers: Headers) -> bool:
    """True when a browser's `Origin` is this server's own host (or when there is no Origin)."""
    origin = headers.get("origin")
    if origin is None:
        return True
    parts = urlsplit(origin)
    host = headers.get("host", "")
    return bool(parts.netloc) and parts.netloc.lower() == host.lower()


class TokenGuard:
    """Lets a request through when it proves the token, else answers 401.

    Accepted proofs: `?token=`, the auth cookie, `Authorization: Bearer`,
    `Authorization: Basic` with the token as password, `Authorization: TOKEN` (Nezha's
    clients), or `X-API-Token`. A
    `GET /?token=...` that proves it sets the cookie and redirects to the same
    URL without the token. WebSocket handshakes must also
    come from the dashboard's own origin.
    """

    def __init__(self, app: ASGIApp, verifier: TokenVerifier) -> None:
        self.app = app
        self.verifier = verifier

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] not in ("http", "websocket") or scope["path"] in PUBLIC_PATHS
                or (scope["type"] == "http" and GUEST_PATH.fullmatch(scope["path"]))):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if scope["type"] == "websocket" and scope["path"] in IN_BAND_AUTH_PATHS:
            await self._in_band(scope, receive, send, headers)
            return
        query_token = _query_token(scope)
        authorised = self._authorised(headers, query_token)
        if scope["type"] == "websocket":
            if authorised and same_origin(headers):
                await self.app(scope, receive, send)
            else:
                # Closing before accepting makes the server answer the handshake with 403.
                await send({"type": "websocket.close", "code": 1008})
            return
        if not authorised:
            await self._deny(scope, send)
            return
        if query_token and scope["path"] == "/" and scope["method"] in ("GET", "HEAD"):
            await self._set_cookie_and_redirect(scope, send)
            return
        await self.app(scope, receive, send)

    async def _in_band(self, scope: Scope, receive: Receive, send: Send, headers: Headers) -> None:
        if same_origin(headers):
            await self.app(scope, receive, send)
        else:
            await send({"type": "websocket.close", "code": 1008})

    def _authorised(self, headers: Headers, query_token: str | None) -> bool:
        return request_authorised(self.verifier, headers, query_token)

    async def _deny(self, scope: Scope, send: Send) -> None:
        path = scope["path"]
        if path in {"/", "/index.html"}:
            body, content_type = LOGIN_PAGE.encode(), b"text/html; charset=utf-8"
        else:
            body = (
                b'{"error":"unauthorized","message":"this hostwatch requires a token: '
                b'?token=, the auth cookie, Authorization: Bearer, or X-API-Token","status":401}'
            )
            content_type = b"application/json"
        await send({
            "type": "http.response.start",
            "status": 401,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                (b"www-authenticate", b'Bearer realm="hostwatch"'),
                (b"cache-control", b"no-store"),
            ],
        })
        await send({"type": "http.response.body", "body": body})

    async def _set_cookie_and_redirect(self, scope: Scope, send: Send) -> None:
        query = scope.get("query_string", b"").decode("latin-1")
        rest = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "token"]
        location = scope["path"] + ("?" + urlencode(rest) if rest else "")
        secure = "; Secure" if scope.get("scheme") == "https" else ""
        cookie = (
            f"{COOKIE_NAME}={self.verifier.cookie_value}; Path=/; HttpOnly; SameSite=Strict{secure}"
        )
        await send({
            "type": "http.response.start",
            "status": 303,
            "headers": [
                (b"location", location.encode()),
                (b"set-cookie", cookie.encode()),
                (b"cache-control", b"no-store"),
                (b"referrer-policy", b"no-referrer"),
                (b"content-length", b"0"),
            ],
        })
        await send({"type": "http.response.body", "body": b""})
