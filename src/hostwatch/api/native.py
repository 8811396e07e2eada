"""hostwatch's own routes beyond vminfo's: the hosts the hub knows."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from hostwatch.api.deps import hub_of
from hostwatch.api.responses import json_response
from hostwatch.hub.state import HostState

router = APIRouter(tags=["native"])


@router.get("/api/v1/hosts", summary="Every host the hub knows, the local one first")
async def hosts(request: Request) -> Response:
    hub = hub_of(request)
    listing = []
    for state in hub.states():
        host = state.host
        listing.append({
            "id": host.id,
            "agent_id": host.agent_id,
            "name": host.name,
            "tags": host.tags,
            "local": host.local,
            "online": state.online(),
            "first_seen": host.first_seen,
            "last_seen": host.last_seen,
            "address": host.address,
            "version": host.version,
            "interval": host.interval,
            "health": state.health.score,
            "summary": host_summary(state),
        })
    return json_response(request, {"hosts": listing})


def host_summary(state: HostState) -> dict[str, float | int] | None:
    """The figures an overview row shows, from the latest snapshot; `None` before the first."""
    snapshot = state.snapshot
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
