"""The vminfo-shaped native API: `/healthz`, `/ws` and `/api/v1/` snapshot, cpu, memory, disk,
network, processes, system and health.

Documents follow `vminfo-web-api.txt`; each is built from the host's state at
most once per update and served as pre-encoded (and pre-compressed) bytes.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Annotated

from fastapi import APIRouter, Query, Request, WebSocket
from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.websockets import WebSocketDisconnect

from hostwatch.api.deps import HostStateDep, body_cache, hub_of
from hostwatch.api.fastpath import BodyGetter, DocumentBuilder
from hostwatch.api.responses import ApiError, Body, json_response
from hostwatch.api.shapes import (
    PROCESS_SORTS,
    cpu_document,
    disk_document,
    memory_document,
    network_document,
    process_rows,
    processes_document,
    query_processes,
    snapshot_document,
    system_document,
)
from hostwatch.hub.state import HostState

router = APIRouter(tags=["vminfo"])


DOCUMENTS: dict[str, tuple[str, DocumentBuilder]] = {
    "/api/v1/snapshot": ("snapshot", snapshot_document),
    "/api/v1/cpu": ("cpu", cpu_document),
    "/api/v1/memory": ("memory", memory_document),
    "/api/v1/disk": ("disk", disk_document),
    "/api/v1/network": ("network", network_document),
    "/api/v1/system": ("system", system_document),
    "/api/v1/health": ("health", lambda state: state.health),
    "/api/v1/processes": ("processes", processes_document),
}
"""Each cached document's path, cache name and builder; `CachedDocuments` serves the same table."""

_SUMMARIES = {
    "/api/v1/snapshot": "The full dashboard snapshot of one host",
    "/api/v1/cpu": "CPU totals, per core, and short history",
    "/api/v1/memory": "Memory and swap",
    "/api/v1/disk": "File system usage and disk I/O rates",
    "/api/v1/network": "Throughput, TCP/UDP counts and interface counters",
    "/api/v1/system": "Host facts: OS, kernel, arch, CPU model and cores, uptime",
    "/api/v1/health": "Health score (0-100) and warnings",
}


def _document_body(connection: HTTPConnection, state: HostState) -> Body:
    name, build = DOCUMENTS[connection.url.path]
    return body_cache(connection).body(state.host.id, state.version, name, lambda: build(state))


FAST_BODIES: dict[str, BodyGetter] = dict.fromkeys(DOCUMENTS, _document_body)
"""What `CachedDocuments` serves ahead of the framework for this surface."""


def _cached(request: Request, state: HostState) -> Response:
    return json_response(request, _document_body(request, state))


async def _document(request: Request, state: HostStateDep) -> Response:
    return _cached(request, state)


for _path, _summary in _SUMMARIES.items():
    router.add_api_route(_path, _document, methods=["GET"], summary=_summary,
                         name=DOCUMENTS[_path][0])


@router.get("/healthz", summary="Liveness of the web process (always public)")
async def healthz(request: Request) -> Response:
    """`status` and the number of live WebSocket clients."""
    hub = hub_of(request)
    return json_response(request, {"status": "ok", "ws_clients": len(hub.broadcaster)})


@router.get("/api/v1/processes", summary="The process list, filtered, sorted and limited")
async def processes(
    request: Request,
    state: HostStateDep,
    filter: Annotated[  # noqa: A002 - vminfo's parameter name
        str | None, Query(description="Case-insensitive match on PID, PPID, name, command, user or state")
    ] = None,
    q: Annotated[str | None, Query(description="Alias of `filter`")] = None,
    sort: Annotated[str, Query(description="cpu, mem, pid or name")] = "cpu",
    limit: Annotated[int, Query(description="Maximum rows; 0 means no limit")] = 0,
) -> Response:
    if sort not in PROCESS_SORTS:
        raise ApiError(400, "bad_sort", f"sort must be one of {', '.join(PROCESS_SORTS)}, got {sort!r}")
    if limit < 0:
        raise ApiError(400, "bad_limit", f"limit must be 0 (no limit) or more, got {limit}")
    needle = filter if filter is not None else q
    if not needle and sort == "cpu" and not limit:
        return _cached(request, state)
    rows = body_cache(request).memo(state.host.id, state.version, "process_rows",
                                    lambda: process_rows(state))
    return json_response(request, query_processes(rows, needle, sort, limit))


@router.websocket("/ws")
async def stream(websocket: WebSocket, host: str | None = None) -> None:
    """The latest snapshot on connect, then each refreshed one."""
    hub = hub_of(websocket)
    await websocket.accept()
    try:
        state = hub.state(host)
    except LookupError as exc:
        await websocket.close(code=1008, reason=str(exc)[:120])
        return
    host_id = state.host.id
    subscription = hub.broadcaster.subscribe(lambda updated: updated == host_id)
    cache = body_cache(websocket)

    async def send_latest() -> None:
        if state.reported:
            body = cache.body(host_id, state.version, "snapshot", lambda: snapshot_document(state))
            await websocket.send_text(body.text)

    async def sender() -> None:
        await send_latest()
        while True:
            await subscription.next()
            await send_latest()

    async def receiver() -> None:
        # Incoming messages carry nothing; reading them notices a closed socket at once.
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return

    tasks = [asyncio.create_task(sender()), asyncio.create_task(receiver())]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        hub.broadcaster.unsubscribe(subscription)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, RuntimeError, OSError):
                await task
        with contextlib.suppress(RuntimeError, OSError):
            await websocket.close()
