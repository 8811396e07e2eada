"""hostwatch's own routes beyond vminfo's: the hosts the hub knows, and changing them."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from fastapi import APIRouter, Request
from starlette.responses import Response

from hostwatch.api.deps import HostStateDep, hub_of
from hostwatch.api.responses import ApiError, json_response
from hostwatch.errors import UnknownHostError
from hostwatch.hub.state import HostState
from hostwatch.monitors.service import MonitorService

router = APIRouter(tags=["native"])


class HostChanges(msgspec.Struct, forbid_unknown_fields=True):
    """What `PATCH /api/v1/hosts/{id}` may change; absent fields stay as they are."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] | None = None
    tags: Annotated[list[Annotated[str, msgspec.Meta(min_length=1, max_length=32)]],
                    msgspec.Meta(max_length=16)] | None = None
    display_index: Annotated[int, msgspec.Meta(ge=-1_000_000, le=1_000_000)] | None = None
    hide_for_guest: bool | None = None


def host_document(state: HostState) -> dict[str, Any]:
    """One host as the native API lists it."""
    host = state.host
    return {
        "id": host.id,
        "agent_id": host.agent_id,
        "name": host.name,
        "tags": host.tags,
        "local": host.local,
        "online": state.online(),
        "first_seen": host.first_seen,
        "last_seen": host.last_seen,
        "address": host.address,
        "ipv4": host.ipv4,
        "ipv6": host.ipv6,
        "version": host.version,
        "interval": host.interval,
        "display_index": host.display_index,
        "hide_for_guest": host.hide_for_guest,
        "health": state.health.score,
        "summary": host_summary(state),
    }


def _state(request: Request, host_id: int) -> HostState:
    try:
        return hub_of(request).state(host_id)
    except (UnknownHostError, KeyError):
        raise ApiError(404, "unknown_host", f"unknown host: {host_id}") from None


@router.get("/api/v1/hosts", summary="Every host the hub knows, online or not, the local one first")
async def hosts(request: Request, tag: str | None = None) -> Response:
    states = hub_of(request).states()
    listing = [host_document(s) for s in states if tag is None or tag in s.host.tags]
    return json_response(request, {"hosts": listing})


@router.get("/api/v1/hosts/{host_id}", summary="One host")
async def one_host(request: Request, host_id: int) -> Response:
    return json_response(request, host_document(_state(request, host_id)))


@router.patch("/api/v1/hosts/{host_id}", summary="Rename, retag or reorder a host")
async def change_host(request: Request, host_id: int) -> Response:
    state = _state(request, host_id)
    try:
        changes = msgspec.json.decode(await request.body(), type=HostChanges)
    except msgspec.DecodeError as exc:
        raise ApiError(400, "bad_host_changes", f"invalid host changes: {exc}") from None
    if changes.name is not None and not changes.name.strip():
        raise ApiError(400, "bad_host_changes", "name must not be blank")
    hub_of(request).update_host(
        host_id, name=changes.name.strip() if changes.name else None,
        tags=[t.strip() for t in changes.tags] if changes.tags is not None else None,
        display_index=changes.display_index, hide_for_guest=changes.hide_for_guest)
    return json_response(request, host_document(state))


@router.delete("/api/v1/hosts/{host_id}", summary="Forget a host (its history stays)")
async def delete_host(request: Request, host_id: int) -> Response:
    state = _state(request, host_id)
    if state.host.local:
        raise ApiError(409, "local_host", "the hub's own host cannot be deleted; run with --no-local instead")
    monitors: MonitorService = request.app.state.monitors
    if running := monitors.naming(host_id):
        # Deleting it would leave them run by nobody (or, with no host left, by the hub instead).
        names = ", ".join(f"{spec.id} ({spec.name})" for spec in running)
        raise ApiError(409, "host_runs_monitors",
                       f"host {host_id} runs monitors {names}: take it out of their hosts, or delete "
                       "them, first")
    hub_of(request).delete_host(host_id)
    return Response(status_code=204)


def host_summary(state: HostState) -> dict[str, float | int] | None:
    """The figures an overview row shows, from the latest snapshot; `None` before the first."""
    snapshot = state.figures
    if snapshot is None:
        return None
    filesystems = snapshot.disk.filesystems
    return {
        "time": snapshot.time,
        "cpu": snapshot.cpu.total,
        "cores": snapshot.cpu.cores,
        "memory": snapshot.memory.percent,
        "swap": snapshot.memory.swap.percent,
        "load1": snapshot.load.min1,
        "disk": max((fs.percent for fs in filesystems), default=0.0),
        "disk_read_rate": snapshot.disk.read_bytes_rate,
        "disk_write_rate": snapshot.disk.write_bytes_rate,
        "net_recv_rate": snapshot.network.bytes_recv_rate,
        "net_sent_rate": snapshot.network.bytes_sent_rate,
        "processes": snapshot.processes.total,
        "uptime": snapshot.system.uptime,
    }


@router.get("/api/v1/events", summary="A host's alert events, newest first (ongoing ones have no end)")
async def events(request: Request, state: HostStateDep) -> Response:
    engine = hub_of(request).alerts
    listing = [] if engine is None else [{
        "type": event.type,
        "state": event.state,
        "begin": event.begin,
        "end": None if event.ongoing else event.end,
        "ongoing": event.ongoing,
        "min": event.min,
        "avg": event.avg,
        "max": event.max,
        "count": event.count,
        "message": event.global_msg or event.desc,
        "top": event.top,
    } for event in engine.events(state.host.id)]
    return json_response(request, {"host": {"id": state.host.id, "name": state.host.name}, "events": listing})
