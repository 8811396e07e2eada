"""JSON bodies encoded once, compressed once, and served as bytes; errors in one shape."""

from __future__ import annotations

import datetime as dt
import gzip
from collections.abc import Callable, Hashable
from typing import Any

import msgspec
from starlette.requests import HTTPConnection
from starlette.responses import Response

_encoder = msgspec.json.Encoder()
# Bodies this small gain nothing from compression.
GZIP_MIN_BYTES = 1024


def iso_time(unix: float) -> str:
    """A Unix time as ISO 8601 UTC with a `Z`, to the second, as vminfo writes it."""
    return dt.datetime.fromtimestamp(unix, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Body:
    """One encoded JSON document, its gzip form made on first demand."""

    __slots__ = ("_gzipped", "_text", "raw")

    def __init__(self, raw: bytes) -> None:
        self.raw = raw
        self._gzipped: bytes | None = None
        self._text: str | None = None

    @classmethod
    def of(cls, document: Any) -> Body:
        """Encode a document (structs, dicts, lists) once."""
        return cls(_encoder.encode(document))

    @property
    def gzipped(self) -> bytes:
        """The body compressed, made once."""
        if self._gzipped is None:
            self._gzipped = gzip.compress(self.raw, compresslevel=5, mtime=0)
        return self._gzipped

    @property
    def text(self) -> str:
        """The body as text, for WebSocket text frames."""
        if self._text is None:
            self._text = self.raw.decode()
        return self._text


class BodyCache:
    """Values and bodies derived from a host's state, rebuilt only when its version moves."""

    def __init__(self) -> None:
        self._entries: dict[tuple[int, str], tuple[Hashable, Any]] = {}

    def memo(self, host_id: int, version: Hashable, name: str, build: Callable[[], Any]) -> Any:
        """The cached value for (`host_id`, `name`) at `version`, building it if stale."""
        key = (host_id, name)
        entry = self._entries.get(key)
        if entry is not None and entry[0] == version:
            return entry[1]
        value = build()
        self._entries[key] = (version, value)
        return value

    def body(self, host_id: int, version: Hashable, name: str, build: Callable[[], Any]) -> Body:
        """The encoded document for (`host_id`, `name`) at `version`, encoded once."""
        return self.memo(host_id, version, "body:" + name, lambda: Body.of(build()))  # type: ignore[no-any-return]

    def forget_host(self, host_id: int) -> None:
        """Drop every body of a host that is gone."""
        for key in [k for k in self._entries if k[0] == host_id]:
            del self._entries[key]


def accepts_gzip(connection: HTTPConnection) -> bool:
    """True when the client said it takes gzip."""
    return "gzip" in connection.headers.get("accept-encoding", "")


def json_response(connection: HTTPConnection, body: Body | Any, status_code: int = 200,
                  headers: dict[str, str] | None = None) -> Response:
    """`body` as JSON, gzip-compressed when the client accepts it and it is worth it."""
    if not isinstance(body, Body):
        body = Body.of(body)
    extra = {"vary": "Accept-Encoding", **(headers or {})}
    if len(body.raw) >= GZIP_MIN_BYTES and accepts_gzip(connection):
        extra["content-encoding"] = "gzip"
        return Response(body.gzipped, status_code, extra, media_type="application/json")
    return Response(body.raw, status_code, extra, media_type="application/json")


class ApiError(Exception):
    """A client error the native and vminfo surfaces answer with `{"error", "message"}`."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def error_bytes(status: int, code: str, message: str) -> bytes:
    """The native error shape, encoded: `{"error": code, "message": ..., "status": ...}`."""
    return _encoder.encode({"error": code, "message": message, "status": status})


def error_body(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    """The native error shape as a response."""
    return Response(error_bytes(status, code, message), status, headers=headers,
                    media_type="application/json")
