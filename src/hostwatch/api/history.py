"""`/api/v1/history`: any host's series over any range, from the history store."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.requests import HTTPConnection
from starlette.responses import Response

from hostwatch.api.deps import HostQuery, hub_of
from hostwatch.api.responses import ApiError, json_response
from hostwatch.errors import UnknownHostError
from hostwatch.hub.hosts import Host
from hostwatch.store.base import Store
from hostwatch.store.ranges import RANGES, resolve_range
from hostwatch.store.series import SeriesKey, is_known, parse_metric, unit_of

router = APIRouter(tags=["history"])

MAX_METRICS = 64
MAX_POINTS = 10_000


def store_of(connection: HTTPConnection) -> Store:
    """The hub's history store; 404 when history is off."""
    store = hub_of(connection).store
    if store is None:
        raise ApiError(404, "history_disabled", "history is disabled on this hub (history.enabled = false)")
    return store


def known_host(connection: HTTPConnection, ref: str | None) -> Host:
    """The host `?host=` names; 404 when the hub does not know it."""
    try:
        return hub_of(connection).hosts.resolve(ref)
    except UnknownHostError as exc:
        raise ApiError(404, "unknown_host", str(exc)) from None


def resolve_metrics(text: str, available: list[SeriesKey]) -> list[SeriesKey]:
    """The series a comma-separated `metric` list names, `[*]` expanded to the host's items.

    ValueError for a name that is malformed or no metric hostwatch keeps; a
    known metric without data yet is fine (its series comes back empty).
    """
    keys: list[SeriesKey] = []
    for name in (part.strip() for part in text.split(",")):
        if not name:
            continue
        key = parse_metric(name)
        if key.item == "*":
            if not is_known(key._replace(item="any")):
                raise ValueError(f"unknown metric {name!r} (see /api/v1/history/metrics)")
            keys.extend(k for k in available if k.source == key.source and k.field == key.field)
        elif is_known(key):
            keys.append(key)
        else:
            raise ValueError(f"unknown metric {name!r} (see /api/v1/history/metrics)")
    if not keys and not any("[*]" in part for part in text.split(",")):
        raise ValueError("metric is required: a comma-separated list such as cpu.total,memory.percent")
    if len(keys) > MAX_METRICS:
        raise ValueError(f"at most {MAX_METRICS} series per request, got {len(keys)}")
    return keys


@router.get("/api/v1/history", summary="Series of one host over a range, downsampled to `points`")
async def history(
    request: Request,
    host: HostQuery = None,
    metric: Annotated[str, Query(description="Comma-separated metrics, e.g. cpu.total,memory.percent; "
                                             "`source[*].field` names every item")] = "",
    range_: Annotated[str | None, Query(alias="range", description=f"One of {', '.join(RANGES)}")] = None,
    from_: Annotated[str | None, Query(alias="from", description="Start: Unix seconds or ISO 8601")] = None,
    to: Annotated[str | None, Query(description="End: Unix seconds or ISO 8601 (default now)")] = None,
    points: Annotated[int, Query(description=f"At most this many points per series, 1-{MAX_POINTS}")] = 600,
) -> Response:
    store = store_of(request)
    target = known_host(request, host)
    if not 1 <= points <= MAX_POINTS:
        raise ApiError(400, "bad_points", f"points must be 1-{MAX_POINTS}, got {points}")
    # The store may be a child process busy flushing: its answers are awaited off the event loop.
    available = await asyncio.to_thread(store.series, target.id)
    try:
        start, end = resolve_range(range_, from_, to, time.time())
        keys = resolve_metrics(metric, available)
    except ValueError as exc:
        raise ApiError(400, "bad_query", str(exc)) from None
    result = await asyncio.to_thread(store.query, target.id, keys, start, end, points)
    return json_response(request, {"host": {"id": target.id, "name": target.name}, **result.document()})


@router.get("/api/v1/history/metrics", summary="Every series the store keeps for a host")
async def metrics(request: Request, host: HostQuery = None) -> Response:
    store = store_of(request)
    target = known_host(request, host)
    available = await asyncio.to_thread(store.series, target.id)
    listing = [{"metric": key.metric(), "unit": unit_of(key)} for key in available]
    return json_response(request, {"host": {"id": target.id, "name": target.name}, "metrics": listing})
