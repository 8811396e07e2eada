"""Serves the cached host documents straight from ASGI, ahead of the framework.

The plain reads (`GET /api/v1/snapshot`, `/cpu`, ... with at most `?host=`) are
what dashboards and scrapers poll; for them FastAPI's routing, dependency and
validation machinery cost several times more than sending the cached bytes. This
layer answers exactly those requests and hands everything else (other
parameters, unknown hosts, errors, docs) to the app. Each surface hands over
the same body getter its own routes use, so the two paths cannot serve
different shapes or encode a body twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from hostwatch.api.responses import GZIP_MIN_BYTES, Body
from hostwatch.hub.hub import Hub
from hostwatch.hub.state import HostState

DocumentBuilder = Callable[[HostState], Any]
BodyGetter = Callable[[HTTPConnection, HostState], Body]
"""The encoded document for a host, from the surface's cache (the connection reaches the app)."""

_JSON_HEADERS = [(b"content-type", b"application/json"), (b"vary", b"Accept-Encoding")]


def _wants_gzip(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"accept-encoding":
            return b"gzip" in value
    return False


class CachedDocuments:
    """ASGI middleware answering `GET path[?host=X]` for the paths in `documents`."""

    def __init__(self, app: ASGIApp, hub: Hub, documents: Mapping[str, BodyGetter]) -> None:
        self.app = app
        self.hub = hub
        self.documents = documents

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        get_body = self.documents.get(scope["path"]) if scope["type"] == "http" else None
        if get_body is None or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        host: str | None = None
        query = scope["query_string"]
        if query:
            params = parse_qsl(query.decode("latin-1"), keep_blank_values=True)
            if len(params) != 1 or params[0][0] != "host":
                await self.app(scope, receive, send)
                return
            host = params[0][1]
        try:
            state = self.hub.state(host)
        except LookupError:
            await self.app(scope, receive, send)  # the app answers with its 404
            return
        if not state.reported:
            await self.app(scope, receive, send)
            return
        body = get_body(HTTPConnection(scope), state)
        headers = list(_JSON_HEADERS)
        payload = body.raw
        if len(payload) >= GZIP_MIN_BYTES and _wants_gzip(scope):
            payload = body.gzipped
            headers.append((b"content-encoding", b"gzip"))
        headers.append((b"content-length", str(len(payload)).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else payload})
