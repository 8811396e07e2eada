"""Pulse's `GET /api/charts?range=`: CPU, memory and storage series of every host.

Pulse keys node series by node id under `nodeData` and host-agent series under
`hostData`, each series a list of `{"timestamp": ms, "value": …}`; a hostwatch
host is both, so it appears under both keys with the same series. Values are
percentages, and byte rates for the network and disk I/O series.
"""

from __future__ import annotations

import asyncio
import time
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from hostwatch.api.deps import hub_of
from hostwatch.api.responses import json_response
from hostwatch.store.base import Store
from hostwatch.store.ranges import RANGES
from hostwatch.store.series import SeriesKey

router = APIRouter(tags=["pulse"])

CHART_RANGES = ("5m", "15m", "30m", "1h", "4h", "12h", "24h", "7d", "30d")
DEFAULT_POINTS = 500
MAX_POINTS = 2_000
ROOT_DISK = SeriesKey("disk.filesystems", "/", "percent")
CHART_SERIES: dict[str, SeriesKey] = {
    "cpu": SeriesKey("cpu", "", "total"),
    "memory": SeriesKey("memory", "", "percent"),
    "disk": ROOT_DISK,
    "netin": SeriesKey("network", "", "bytes_recv_rate"),
    "netout": SeriesKey("network", "", "bytes_sent_rate"),
    "diskread": SeriesKey("disk", "", "read_bytes_rate"),
    "diskwrite": SeriesKey("disk", "", "write_bytes_rate"),
}
"""Pulse's series name -> the store series it is drawn from."""


def pulse_error(request: Request, status: int, message: str) -> Response:
    """Pulse's error shape: `{"error": message}`."""
    return json_response(request, {"error": message}, status)


def _disk_series(available: list[SeriesKey]) -> SeriesKey | None:
    """The root file system's usage, else the first file system's."""
    filesystems = [k for k in available if k.source == "disk.filesystems" and k.field == "percent"]
    if ROOT_DISK in filesystems:
        return ROOT_DISK
    return filesystems[0] if filesystems else None


def host_charts(store: Store, host_id: int, start: float, end: float, points: int) -> dict[str, Any]:
    """One host's Pulse series between two times."""
    available = store.series(host_id)
    wanted = dict(CHART_SERIES)
    disk = _disk_series(available)
    if disk is None:
        del wanted["disk"]
    else:
        wanted["disk"] = disk
    result = store.query(host_id, list(wanted.values()), start, end, points)
    charts: dict[str, Any] = {name: [] for name in CHART_SERIES}
    for name, series in zip(wanted, result.series, strict=True):
        charts[name] = [{"timestamp": round(t * 1000), "value": v}
                        for t, v in zip(series.times, series.values, strict=True)]
    return charts


@router.get("/api/charts", summary="Pulse: CPU, memory and storage series of every host")
async def charts(
    request: Request,
    range_: Annotated[str, Query(alias="range", description=", ".join(CHART_RANGES))] = "1h",
    max_points: Annotated[int, Query(alias="maxPoints", description=f"1-{MAX_POINTS}")] = DEFAULT_POINTS,
) -> Response:
    hub = hub_of(request)
    if range_ not in CHART_RANGES:
        return pulse_error(request, 400, f"invalid range {range_!r}: use one of {', '.join(CHART_RANGES)}")
    if not 1 <= max_points <= MAX_POINTS:
        return pulse_error(request, 400, f"maxPoints must be 1-{MAX_POINTS}")
    store = hub.store
    if store is None:
        return pulse_error(request, 404, "history is disabled on this hub (history.enabled = false)")
    now = time.time()
    start = now - RANGES[range_]
    per_host: dict[str, Any] = {}
    oldest = now
    for state in hub.states():
        series = await asyncio.to_thread(host_charts, store, state.host.id, start, now, max_points)
        per_host[str(state.host.id)] = series
        stamps = [points[0]["timestamp"] / 1000 for points in series.values() if points]
        oldest = min([oldest, *stamps])
    return json_response(request, {
        "data": {},
        "nodeData": per_host,
        "hostData": per_host,
        "dockerHostData": {},
        "storageData": {},
        "timestamp": round(now * 1000),
        "stats": {"oldestDataTimestamp": round(oldest * 1000)},
    })
