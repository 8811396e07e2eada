"""TurboCore's Health WebSocket, `/api/health/ws` (`turbocore-health-ws.txt`).

A text protocol: the client's first command must be `auth <token>`, answered
`ok` or `error: ...`; after it, `sysinfo` answers one JSON document of CPUs,
memory and disks. Every other message gets an `error: ...` answer and the
socket stays open.

In token mode the token is a JWT signed with the data dir's secret
(`hostwatch token jwt`) or the hub's API token; the TokenGuard lets this
path's handshake through so that the client can authenticate in the socket.
Without a token configured, `auth` with any value answers `ok`: the protocol
step stays so TurboCore clients work unchanged.

A failed `auth` leaves the socket open for a retry; after `MAX_FAILED_AUTH`
failures, or when no `auth` succeeded within `AUTH_DEADLINE` seconds, the
socket is closed with 1008. A JWT's authentication lasts until its `exp`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import msgspec
from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect

from hostwatch.api.deps import hub_of
from hostwatch.auth import jwt_tokens
from hostwatch.auth.tokens import TokenVerifier
from hostwatch.config import Settings
from hostwatch.errors import ConfigError
from hostwatch.hub.state import HostState
from hostwatch.model import Snapshot

logger = logging.getLogger(__name__)

router = APIRouter(tags=["turbocore"])

MAX_FAILED_AUTH = 5
AUTH_DEADLINE = 30.0
"""Seconds a client may stay connected without authenticating."""
_ECHO_LIMIT = 40
"""Characters of an unknown command echoed back in the error."""


class TurboCpu(msgspec.Struct):
    """One logical core; `name` counts from "1" as TurboCore's example does."""

    name: str
    model: str
    usage: float


class TurboMemory(msgspec.Struct):
    """Memory and swap in bytes, as the snapshot reports them."""

    total: int
    used: int
    free: int
    swap_total: int
    swap_used: int
    swap_free: int


class TurboDisk(msgspec.Struct):
    """One mounted file system; `name` is its device, as the OS names the disk."""

    name: str
    total: int
    free: int


class SysInfo(msgspec.Struct):
    """The answer to `sysinfo`."""

    cpus: list[TurboCpu]
    mem: TurboMemory
    disks: list[TurboDisk]


def sysinfo(snapshot: Snapshot) -> SysInfo:
    """The `sysinfo` document of `snapshot`.

    Disks are named by device (`/dev/sda1`), as TurboCore names them after the
    OS's disk (its example lists "Macintosh HD" twice): a device mounted twice
    appears twice. `free` is what unprivileged users may still write.
    """
    model = snapshot.system.cpu_model
    memory, swap = snapshot.memory, snapshot.memory.swap
    return SysInfo(
        cpus=[TurboCpu(name=str(core.number + 1), model=model, usage=float(core.total))
              for core in snapshot.cpu.per_core],
        mem=TurboMemory(total=memory.total, used=memory.used, free=memory.free,
                        swap_total=swap.total, swap_used=swap.used, swap_free=swap.free),
        disks=[TurboDisk(name=fs.device, total=fs.size, free=fs.free)
               for fs in snapshot.disk.filesystems],
    )


class _Session:
    """One connection's authentication: what it proved, and until when."""

    def __init__(self, token: str | None, data_dir: Path) -> None:
        self._verifier = TokenVerifier(token) if token else None
        self._data_dir = data_dir
        self.authenticated = False
        self.expires_at: float | None = None
        self.failures = 0

    async def auth(self, presented: str) -> str | None:
        """Check `presented`; None when accepted, else the reason."""
        reason = await self._check(presented)
        self.authenticated = reason is None
        if reason is not None:
            self.failures += 1
            logger.info("TurboCore auth refused (%d of %d): %s", self.failures, MAX_FAILED_AUTH, reason)
        return reason

    async def _check(self, presented: str) -> str | None:
        self.expires_at = None
        if not presented:
            return "missing token (send 'auth <token>')"
        if self._verifier is None or self._verifier.check_token(presented):
            return None
        try:
            # Read on each attempt: deleting the secret revokes every JWT at once.
            secret = await asyncio.to_thread(jwt_tokens.load_secret, self._data_dir)
        except ConfigError as exc:
            logger.warning("JWT auth unavailable: %s", exc)
            secret = None
        verdict = jwt_tokens.verify(presented, secret)
        self.expires_at = verdict.expires_at
        return verdict.reason

    def refusal(self) -> str | None:
        """Why a command other than `auth` is refused now, or None when it may run."""
        if not self.authenticated:
            return "not authenticated"
        if self.expires_at is not None and time.time() >= self.expires_at:
            self.authenticated = False
            return jwt_tokens.EXPIRED
        return None


async def _answer(session: _Session, state: HostState, text: str) -> str:
    """The reply to one text command."""
    verb, *rest = text.split(maxsplit=1) or [""]
    if verb == "auth":
        reason = await session.auth(rest[0].strip() if rest else "")
        return "ok" if reason is None else f"error: {reason}"
    refusal = session.refusal()
    if refusal is not None:
        return f"error: {refusal}"
    if verb == "sysinfo" and not rest:
        if state.snapshot is None:
            return f"error: host {state.host.name!r} has not reported yet"
        return msgspec.json.encode(sysinfo(state.snapshot)).decode()
    shown = text.strip()[:_ECHO_LIMIT]
    return f"error: unknown command {shown!r}"


@router.websocket("/api/health/ws")
async def health_ws(websocket: WebSocket, host: str | None = None) -> None:
    """TurboCore's command socket for one host (`?host=`, the local host by default)."""
    settings: Settings = websocket.app.state.settings
    await websocket.accept()
    try:
        state = hub_of(websocket).state(host)
    except LookupError as exc:
        await websocket.close(code=1008, reason=str(exc)[:120])
        return
    session = _Session(settings.token, settings.data_dir)
    # Only the first authentication has a deadline; a later failed `auth` just refuses commands.
    deadline: float | None = asyncio.get_running_loop().time() + AUTH_DEADLINE
    try:
        while True:
            try:
                async with asyncio.timeout_at(deadline):
                    message = await websocket.receive()
            except TimeoutError:
                await websocket.close(code=1008, reason="authentication timed out")
                return
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text")
            reply = "error: text frames only" if text is None else await _answer(session, state, text)
            await websocket.send_text(reply)
            if session.authenticated:
                deadline = None
            elif session.failures >= MAX_FAILED_AUTH:
                await websocket.close(code=1008, reason="too many failed auth attempts")
                return
    except (WebSocketDisconnect, OSError):
        pass  # the client went away mid-reply; nothing is left to tell it
