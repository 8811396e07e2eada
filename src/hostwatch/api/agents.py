"""`POST /api/v1/agent/report`: where remote agents push their snapshots.

The body is an `AgentReport` as JSON, compressed with zstd or gzip (or not);
its compressed size is capped by `max_report_bytes` and its decompressed size
by `MAX_EXPANSION` times that, both answered with 413. Bad tokens answer 401
and, repeated from one address, 429 with `Retry-After`.
"""

from __future__ import annotations

import io
import math
import zlib

import msgspec
import zstandard
from fastapi import APIRouter, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from hostwatch.agent.protocol import REPORT_PATH, AgentReport
from hostwatch.api.responses import error_body, json_response
from hostwatch.auth.rate_limit import FailureLimiter
from hostwatch.hub.agents import AgentGateway, ReportRefused

router = APIRouter(tags=["agents"])

MAX_EXPANSION = 16
_decoder = msgspec.json.Decoder(AgentReport)


class BodyTooLarge(Exception):
    """The body, or what it expands to, is over the limit."""


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(f"the report is {declared} bytes; this hub takes at most {limit}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(f"the report is over {limit} bytes, the most this hub takes")
        chunks.append(chunk)
    return b"".join(chunks)


def _decompress(body: bytes, encoding: str, limit: int) -> bytes:
    if encoding in ("", "identity"):
        return body
    if encoding == "zstd":
        chunks: list[bytes] = []
        size = 0
        try:
            with zstandard.ZstdDecompressor().stream_reader(io.BytesIO(body)) as reader:
                while chunk := reader.read(1 << 16):
                    size += len(chunk)
                    if size > limit:
                        raise BodyTooLarge(f"the report expands beyond {limit} bytes")
                    chunks.append(chunk)
        except zstandard.ZstdError as exc:
            raise ValueError(f"the body is not valid zstd: {exc}") from None
        data = b"".join(chunks)
    elif encoding == "gzip":
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            data = inflater.decompress(body, limit + 1)
        except zlib.error as exc:
            raise ValueError(f"the body is not valid gzip: {exc}") from None
    else:
        raise ValueError(f"unsupported Content-Encoding {encoding!r}: use zstd or gzip")
    if len(data) > limit:
        raise BodyTooLarge(f"the report expands beyond {limit} bytes")
    return data


def _bearer(request: Request) -> str:
    value = request.headers.get("authorization", "")
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


@router.post(REPORT_PATH, summary="A remote agent's push of snapshots (agent token required)")
async def agent_report(request: Request) -> Response:
    """Documents the route; `AgentReports` answers it ahead of the framework."""
    return await take_report(request)


class AgentReports:
    """ASGI layer answering agents' pushes before FastAPI's routing and dependencies: at
    thousands of reports a second the framework's share was a quarter of the hub's time."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == REPORT_PATH and scope["method"] == "POST":
            response = await take_report(Request(scope, receive))
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


async def take_report(request: Request) -> Response:
    """Check the token, read and decode the report, and hand it to the gateway."""
    gateway: AgentGateway = request.app.state.agents
    limiter: FailureLimiter = request.app.state.agent_failures
    limit: int = request.app.state.settings.max_report_bytes
    address = request.client.host if request.client else ""
    wait = limiter.retry_after(address)
    if wait:
        return error_body(429, "too_many_failures",
                          f"too many bad tokens from {address}; retry in {math.ceil(wait)} s",
                          headers={"retry-after": str(math.ceil(wait))})
    credential = gateway.authenticate(_bearer(request))
    if credential is None:
        limiter.fail(address)
        return error_body(401, "bad_token", "the agent token is missing, unknown or revoked")
    limiter.succeed(address)
    try:
        raw = await _read_body(request, limit)
        data = _decompress(raw, request.headers.get("content-encoding", "").strip().lower(),
                           limit * MAX_EXPANSION)
        report = _decoder.decode(data)
        reply = gateway.take(report, credential, address)
    except BodyTooLarge as exc:
        return error_body(413, "report_too_large", str(exc))
    except (ValueError, msgspec.DecodeError) as exc:
        return error_body(400, "bad_report", f"the report is not valid: {exc}")
    except ReportRefused as exc:
        return error_body(exc.status, exc.code, exc.message)
    return json_response(request, reply)
