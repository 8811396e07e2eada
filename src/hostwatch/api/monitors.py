"""`/api/v1/monitors`: service monitors with their latest results, their changes, and their history."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated, Any

import msgspec
from fastapi import APIRouter, Query, Request
from starlette.requests import HTTPConnection
from starlette.responses import Response

from hostwatch.api.deps import HostQuery, hub_of
from hostwatch.api.history import MAX_POINTS, known_host, store_of
from hostwatch.api.responses import ApiError, json_response
from hostwatch.errors import ConfigError
from hostwatch.monitors.service import (
    HUB_HOST_ID,
    MonitorService,
    MonitorState,
    ReadOnlyMonitorError,
    UnknownMonitorError,
    delay_key,
    up_key,
)
from hostwatch.monitors.spec import MonitorResult
from hostwatch.store.ranges import RANGES, resolve_range

router = APIRouter(tags=["monitors"])

MAX_BODY = 64 * 1024


def service_of(connection: HTTPConnection) -> MonitorService:
    """The app's monitor service; 404 when this app runs none."""
    service: MonitorService | None = getattr(connection.app.state, "monitors", None)
    if service is None:
        raise ApiError(404, "monitors_disabled", "this hub runs no service monitors")
    return service


def _host_name(connection: HTTPConnection, host_id: int) -> str:
    host = hub_of(connection).hosts.find(host_id)
    if host is not None:
        return host.name
    return "hub" if host_id == HUB_HOST_ID else ""


def _result(connection: HTTPConnection, host_id: int, result: MonitorResult) -> dict[str, Any]:
    return {"host": {"id": host_id, "name": _host_name(connection, host_id)}, "up": result.up,
            "delay_ms": result.delay_ms, "checked_at": result.time, "error": result.error,
            "fallback": result.fallback}


def monitor_document(connection: HTTPConnection, service: MonitorService,
                     state: MonitorState) -> dict[str, Any]:
    """A monitor as the API shows it: its spec, who runs it, its latest result and recent failures."""
    newest = state.newest()
    result = newest[1] if newest else None
    failure = state.failures[-1] if state.failures else None
    return {
        **msgspec.to_builtins(state.spec),
        "source": "config" if state.read_only else "api",
        "read_only": state.read_only,
        "run_by": [{"id": h, "name": _host_name(connection, h)} for h in service.runners(state.spec)],
        "up": result.up if result else None,
        "delay_ms": result.delay_ms if result else None,
        "checked_at": result.time if result else None,
        "error": result.error if result else "",
        "last_error": ({"host_id": failure[0], "time": failure[1].time, "error": failure[1].error}
                       if failure else None),
        "results": [_result(connection, h, r) for h, r in sorted(state.latest.items())],
        "recent_failures": [{"host_id": h, "time": r.time, "error": r.error}
                            for h, r in reversed(state.failures)],
    }


def _monitor(service: MonitorService, monitor_id: int) -> MonitorState:
    try:
        return service.get(monitor_id)
    except UnknownMonitorError as exc:
        raise ApiError(404, "unknown_monitor", str(exc)) from None


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise ApiError(413, "body_too_large", f"a monitor is at most {MAX_BODY} bytes of JSON")
    try:
        data = msgspec.json.decode(raw) if raw else None
    except msgspec.DecodeError as exc:
        raise ApiError(400, "bad_json", f"the body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ApiError(400, "bad_monitor", "the body must be a JSON object describing the monitor")
    return data


@router.get("/api/v1/monitors", summary="Every service monitor with its latest result")
async def list_monitors(request: Request) -> Response:
    service = service_of(request)
    return json_response(request, {"monitors": [monitor_document(request, service, s)
                                                for s in service.monitors()]})


@router.post("/api/v1/monitors", status_code=201, summary="Add a service monitor")
async def create_monitor(request: Request) -> Response:
    """Body: `{"name", "kind": "icmp|tcp|http", "target", "port", "expected_status",
    "follow_redirects", "interval", "timeout", "hosts", "enabled"}`; the hub assigns the id."""
    service = service_of(request)
    data = await _body(request)
    try:
        state = await service.create(data)
    except ConfigError as exc:
        raise ApiError(400, "bad_monitor", str(exc)) from None
    return json_response(request, monitor_document(request, service, state), 201,
                         headers={"location": f"/api/v1/monitors/{state.spec.id}"})


@router.get("/api/v1/monitors/{monitor_id}", summary="One service monitor")
async def get_monitor(request: Request, monitor_id: int) -> Response:
    service = service_of(request)
    return json_response(request, monitor_document(request, service, _monitor(service, monitor_id)))


@router.put("/api/v1/monitors/{monitor_id}", summary="Change a service monitor (the fields given)")
async def update_monitor(request: Request, monitor_id: int) -> Response:
    service = service_of(request)
    _monitor(service, monitor_id)
    data = await _body(request)
    try:
        state = await service.update(monitor_id, data)
    except ReadOnlyMonitorError as exc:
        raise ApiError(409, "read_only_monitor", str(exc)) from None
    except ConfigError as exc:
        raise ApiError(400, "bad_monitor", str(exc)) from None
    return json_response(request, monitor_document(request, service, state))


@router.delete("/api/v1/monitors/{monitor_id}", status_code=204, summary="Remove a service monitor")
async def delete_monitor(request: Request, monitor_id: int) -> Response:
    service = service_of(request)
    _monitor(service, monitor_id)
    try:
        await service.delete(monitor_id)
    except ReadOnlyMonitorError as exc:
        raise ApiError(409, "read_only_monitor", str(exc)) from None
    return Response(status_code=204)


def _runner(request: Request, service: MonitorService, state: MonitorState, host: str | None) -> int:
    """The host whose results `?host=` asks for; the hub's own (or the first assigned host) by default."""
    if host is None or host == "":
        return service.runners(state.spec)[0] if not service.hub_runs(state.spec) else service.hub_host_id()
    if host.strip() == str(HUB_HOST_ID):
        return HUB_HOST_ID
    return known_host(request, host).id


@router.get("/api/v1/monitors/{monitor_id}/history",
            summary="A monitor's delays and failures over a range, downsampled to `points`")
async def monitor_history(
    request: Request,
    monitor_id: int,
    host: HostQuery = None,
    range_: Annotated[str | None, Query(alias="range", description=f"One of {', '.join(RANGES)}")] = None,
    from_: Annotated[str | None, Query(alias="from", description="Start: Unix seconds or ISO 8601")] = None,
    to: Annotated[str | None, Query(description="End: Unix seconds or ISO 8601 (default now)")] = None,
    points: Annotated[int, Query(description=f"At most this many points, 1-{MAX_POINTS}")] = 600,
) -> Response:
    """`delay` is the mean round trip per point (ms, successful probes only), `up` the share of
    probes that succeeded, and `failures` the times of the points with at least one failure."""
    service = service_of(request)
    state = _monitor(service, monitor_id)
    store = store_of(request)
    host_id = _runner(request, service, state, host)
    if not 1 <= points <= MAX_POINTS:
        raise ApiError(400, "bad_points", f"points must be 1-{MAX_POINTS}, got {points}")
    try:
        start, end = resolve_range(range_, from_, to, time.time())
    except ValueError as exc:
        raise ApiError(400, "bad_query", str(exc)) from None
    result = await asyncio.to_thread(store.query, host_id, [delay_key(monitor_id), up_key(monitor_id)],
                                     start, end, points)
    delay, up = result.series
    spec = state.spec
    return json_response(request, {
        "monitor": {"id": spec.id, "name": spec.name, "kind": spec.kind, "target": spec.target},
        "host": {"id": host_id, "name": _host_name(request, host_id)},
        "from": result.start, "to": result.end, "tier": result.tier, "step": result.step,
        "delay": {"unit": "ms", "times": delay.times, "values": delay.values, "min": delay.min,
                  "max": delay.max},
        "up": {"times": up.times, "values": up.values},
        "failures": [t for t, low in zip(up.times, up.min, strict=True) if low < 1.0],
        "availability": sum(up.values) / len(up.values) if up.values else None,
    })
