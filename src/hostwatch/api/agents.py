"""`POST /api/v1/agent/report`: where remote agents push their snapshots.

The body is an `AgentReport` as MessagePack (`Content-Type: application/msgpack`,
what `hostwatch agent` sends) or JSON (`application/json`, or no type), compressed
with zstd or gzip (or not); other types answer 415. Its compressed size is
capped by `max_report_bytes` and its decompressed size by `MAX_EXPANSION` times
that, both answered with 413. Bad tokens answer 401 and, repeated from one
address, 429 with `Retry-After`.
"""

from __future__ import annotations

import contextlib
import io
import logging
import math
import zlib
from collections.abc import Callable
from typing import NamedTuple

import msgspec
import zstandard
from fastapi import APIRouter, Request
from starlette.applications import Starlette
from starlette.datastructures import State
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from hostwatch.agent.protocol import JSON, MSGPACK, REPORT_PATH, AgentReport
from hostwatch.api.responses import error_bytes
from hostwatch.auth.rate_limit import FailureLimiter
from hostwatch.hub.agents import AgentGateway, Delivery, ReportRefused
from hostwatch.hub.process_rows import decode_reported, rows_apart
from hostwatch.model import Snapshot

logger = logging.getLogger(__name__)
router = APIRouter(tags=["agents"])

MAX_EXPANSION = 16


class _Format(NamedTuple):
    report: Callable[[bytes], AgentReport]
    snapshot: Callable[[msgspec.Raw], Snapshot]
    msgpack: bool


_MSGPACK = _Format(msgspec.msgpack.Decoder(AgentReport).decode, msgspec.msgpack.Decoder(Snapshot).decode,
                   True)
_JSON = _Format(msgspec.json.Decoder(AgentReport).decode, msgspec.json.Decoder(Snapshot).decode, False)
_FORMATS = {MSGPACK: _MSGPACK, "application/x-msgpack": _MSGPACK, JSON: _JSON, "": _JSON}
_reply_encoder = msgspec.json.Encoder()
_zstd = zstandard.ZstdDecompressor()


class BodyTooLarge(Exception):
    """The body, or what it expands to, is over the limit."""


def decode_report(data: bytes, wire: _Format) -> tuple[AgentReport, list[Delivery]]:
    """The report and its snapshots, each decoded on its own with its process rows left encoded
    (`hub.process_rows`); MessagePack bytes are kept for the store."""
    report = wire.report(data)
    apart = report.process_rows
    if apart and len(apart) != len(report.snapshots):
        raise ValueError(f"{len(apart)} process_rows entries for {len(report.snapshots)} snapshots")
    deliveries = []
    for number, raw in enumerate(report.snapshots):
        encoded = bytes(raw) if wire.msgpack else None
        try:
            if apart and apart[number]:
                snapshot, rows = wire.snapshot(raw), rows_apart(apart[number])
            else:
                snapshot, rows = decode_reported(raw, msgpack=wire.msgpack)
        except msgspec.DecodeError as exc:
            raise ValueError(f"snapshot {number}: {exc}") from None
        deliveries.append(Delivery(snapshot, encoded, rows))
    return report, deliveries


def _decompress(body: bytes, encoding: str, limit: int) -> bytes:
    if encoding in ("", "identity"):
        return body
    if encoding == "zstd":
        try:
            declared = zstandard.frame_content_size(body)
        except zstandard.ZstdError as exc:
            raise ValueError(f"the body is not valid zstd: {exc}") from None
        if declared > limit:
            raise BodyTooLarge(f"the report expands to {declared} bytes, beyond {limit}")
        if declared >= 0:
            # One call: the frame says its size, and zstd refuses output beyond it. A body of
            # several frames (or a broken one) is read piece by piece below, which tells them apart.
            with contextlib.suppress(zstandard.ZstdError):
                return _zstd.decompress(body, allow_extra_data=False)
        chunks: list[bytes] = []
        size = 0
        try:
            frames = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(body), read_across_frames=True)
            with frames as reader:
                while chunk := reader.read(1 << 16):
                    size += len(chunk)
                    if size > limit:
                        raise BodyTooLarge(f"the report expands beyond {limit} bytes")
                    chunks.append(chunk)
        except zstandard.ZstdError as exc:
            raise ValueError(f"the body is not valid zstd: {exc}") from None
        data = b"".join(chunks)
    elif encoding == "gzip":
        data = _gunzip(body, limit)
    else:
        raise ValueError(f"unsupported Content-Encoding {encoding!r}: use zstd or gzip")
    if len(data) > limit:
        raise BodyTooLarge(f"the report expands beyond {limit} bytes")
    return data


def _gunzip(body: bytes, limit: int) -> bytes:
    """Every gzip member of `body` (concatenated members are one stream), stopped just past
    `limit` bytes of output."""
    parts: list[bytes] = []
    size = 0
    rest = body
    try:
        while rest and size <= limit:
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            part = inflater.decompress(rest, limit + 1 - size)
            parts.append(part)
            size += len(part)
            if not inflater.eof and not inflater.unconsumed_tail:
                raise ValueError("the body is not valid gzip: it ends inside a member")
            rest = inflater.unused_data
    except zlib.error as exc:
        raise ValueError(f"the body is not valid gzip: {exc}") from None
    return b"".join(parts)


def _bearer(value: str) -> str:
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


@router.post(REPORT_PATH, summary="A remote agent's push of snapshots (agent token required)")
async def agent_report(request: Request) -> Response:
    """Documents the route for OpenAPI; `AgentReports`, wrapped around the app, answers it."""
    status, body, headers = await AgentReports.of(request.app).answer(request.scope, request.receive)
    return Response(body, status, dict(headers), media_type="application/json")


class Answer(NamedTuple):
    """What the endpoint answers: status, JSON body, extra headers."""

    status: int
    body: bytes
    headers: list[tuple[str, str]]


def _error(status: int, code: str, message: str, headers: list[tuple[str, str]] | None = None) -> Answer:
    return Answer(status, error_bytes(status, code, message), headers or [])


def is_report(scope: Scope) -> bool:
    """Whether an ASGI request is an agent's push (answered by `AgentReports`)."""
    return bool(scope["type"] == "http" and scope["path"] == REPORT_PATH and scope["method"] == "POST")


class AgentReports:
    """Answers agents' pushes in plain ASGI, ahead of the whole app (before FastAPI's and
    Starlette's own dispatch, middleware, routing and request objects): at thousands of
    reports a second every layer a report passes through shows in the hub's throughput."""

    def __init__(self, state: State) -> None:
        self.state = state

    @staticmethod
    def of(app: Starlette) -> AgentReports:
        """The endpoint over `app`'s state (for the documented route)."""
        return AgentReports(app.state)

    async def respond(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer one report (`is_report(scope)`)."""
        try:
            status, body, headers = await self.answer(scope, receive)
        except Exception:  # outside the app's error middleware: answer in the API's own shape
            logger.exception("taking an agent report failed")
            status, body, headers = _error(500, "internal_error", "the hub failed to take the report")
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode()),
                                *((name.encode(), value.encode()) for name, value in headers)]})
        await send({"type": "http.response.body", "body": body})

    async def answer(self, scope: Scope, receive: Receive) -> Answer:
        """Check the token, read and decode the report, and hand it to the gateway."""
        gateway: AgentGateway = self.state.agents
        limiter: FailureLimiter = self.state.agent_failures
        limit: int = self.state.settings.max_report_bytes
        client = scope.get("client")
        address = client[0] if client else ""
        wait = limiter.retry_after(address)
        if wait:
            return _error(429, "too_many_failures",
                          f"too many bad tokens from {address}; retry in {math.ceil(wait)} s",
                          [("retry-after", str(math.ceil(wait)))])
        headers = {name: value for name, value in scope["headers"] if name in _WANTED_HEADERS}
        credential = gateway.authenticate(_bearer(headers.get(b"authorization", b"").decode("latin-1")))
        if credential is None:
            limiter.fail(address)
            return _error(401, "bad_token", "the agent token is missing, unknown or revoked")
        limiter.succeed(address)
        media_type = headers.get(b"content-type", b"").decode("latin-1").partition(";")[0].strip().lower()
        wire = _FORMATS.get(media_type)
        if wire is None:
            return _error(415, "unsupported_media_type",
                          f"reports are {MSGPACK} or {JSON}, not {media_type!r}")
        try:
            raw = await _read_body(receive, headers.get(b"content-length", b""), limit)
            encoding = headers.get(b"content-encoding", b"").decode("latin-1").strip().lower()
            data = _decompress(raw, encoding, limit * MAX_EXPANSION)
            report, snapshots = decode_report(data, wire)
            reply = gateway.take(report, snapshots, credential, address)
        except BodyTooLarge as exc:
            return _error(413, "report_too_large", str(exc))
        except (ValueError, msgspec.DecodeError) as exc:
            return _error(400, "bad_report", f"the report is not valid: {exc}")
        except ReportRefused as exc:
            return _error(exc.status, exc.code, exc.message)
        return Answer(200, _reply_encoder.encode(reply), [])


_WANTED_HEADERS = frozenset({b"authorization", b"content-length", b"content-encoding", b"content-type"})


async def _read_body(receive: Receive, declared: bytes, limit: int) -> bytes:
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(f"the report is {declared.decode()} bytes; this hub takes at most {limit}")
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ValueError("the agent went away before sending the whole report")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(f"the report is over {limit} bytes, the most this hub takes")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)
