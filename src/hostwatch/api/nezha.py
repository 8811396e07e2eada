"""Nezha's API v1: server list and details by tag or id, and ping monitor histories.

Every answer is Nezha's envelope `{"code", "message", "result"}` (code 0,
"success"); errors keep it with a non-zero code (the HTTP status) and a null
result. Units are Nezha's: bytes, bytes per second, seconds, Unix seconds, and
milliseconds for monitor times. Servers come ordered as Nezha orders them:
`display_index` descending, then id.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import time
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.requests import HTTPConnection
from starlette.responses import Response

from hostwatch.api.deps import hub_of
from hostwatch.api.responses import json_response
from hostwatch.auth.guard import request_authorised
from hostwatch.auth.tokens import TokenVerifier
from hostwatch.hub.hosts import Host
from hostwatch.hub.state import HostState
from hostwatch.model import Snapshot
from hostwatch.monitors.service import MonitorService, delay_key

router = APIRouter(tags=["nezha"])

NEVER = -62135596800
"""Nezha's `last_active` for a server that never reported: Go's zero time, 0001-01-01, in Unix seconds."""
MONITOR_WINDOW = 86_400.0
"""Nezha serves the last 24 hours of ping history, one point per minute."""
MONITOR_KINDS = ("icmp", "tcp")
"""Nezha keeps delay history for its ICMP ping and TCPing monitors."""


def envelope(result: Any) -> dict[str, Any]:
    """Nezha's success envelope around `result`."""
    return {"code": 0, "message": "success", "result": result}


def nezha_error(connection: HTTPConnection, status: int, message: str) -> Response:
    """Nezha's error envelope: the status as `code`, no result."""
    return json_response(connection, {"code": status, "message": message, "result": None}, status)


def tag_of(host: Host) -> str:
    """Nezha's one tag (its server group): the host's first tag."""
    return host.tags[0] if host.tags else ""


def _ordered(states: list[HostState]) -> list[HostState]:
    return sorted(states, key=lambda s: (-s.host.display_index, s.host.id))


def _addresses(state: HostState) -> tuple[str, str]:
    """The host's IPv4 and IPv6 addresses as its agent reports them; for a host whose agent reports
    none (the embedded one), its default route's address from the snapshot."""
    ipv4, ipv6 = state.host.ipv4, state.host.ipv6
    figures = state.figures
    route = figures.network.route.address if figures is not None else ""
    if route and not (ipv4 or ipv6):
        with contextlib.suppress(ValueError):
            if ipaddress.ip_address(route).version == 4:
                ipv4 = route
            else:
                ipv6 = route
    return ipv4, ipv6


def server_info(state: HostState) -> dict[str, Any]:
    """The fields `/server/list` gives each server, which `/server/details` extends."""
    host = state.host
    ipv4, ipv6 = _addresses(state)
    return {
        "id": host.id,
        "name": host.name,
        "tag": tag_of(host),
        "last_active": int(host.last_seen) if host.last_seen else NEVER,
        "ipv4": ipv4,
        "ipv6": ipv6,
        "valid_ip": ipv4 or ipv6,
        "display_index": host.display_index,
        "hide_for_guest": host.hide_for_guest,
    }


def _filesystems(snapshot: Snapshot) -> tuple[int, int]:
    """Total and used bytes of the real file systems, each device counted once (bind mounts repeat)."""
    seen: dict[str, tuple[int, int]] = {}
    for fs in snapshot.disk.filesystems:
        seen.setdefault(fs.device or fs.mount_point, (fs.size, fs.used))
    return sum(size for size, _ in seen.values()), sum(used for _, used in seen.values())


def _temperature_name(chip: str, label: str) -> str:
    """As Nezha's agent (gopsutil) names a sensor: `chip_label`, lower case, no spaces."""
    name = f"{chip}_{label}" if chip else label
    return name.lower().replace(" ", "_")


def host_facts(host: Host, snapshot: Snapshot | None) -> dict[str, Any]:
    """Nezha's `host`: what changes rarely. Zero values before the first report."""
    if snapshot is None:
        return {"Platform": "", "PlatformVersion": "", "CPU": None, "MemTotal": 0, "DiskTotal": 0,
                "SwapTotal": 0, "Arch": "", "Virtualization": "", "BootTime": 0, "CountryCode": "",
                "Version": host.version}
    system = snapshot.system
    cores = system.cpu_physical_cores or system.cpu_logical_cores or snapshot.cpu.cores
    disk_total, _ = _filesystems(snapshot)
    return {
        # Nezha's agent reports the distribution (gopsutil's platform) on Linux, the OS elsewhere.
        "Platform": system.distro_id or system.os_name.lower(),
        "PlatformVersion": system.distro_version or system.kernel,
        "CPU": [f"{system.cpu_model} {cores} Physical Core"] if system.cpu_model else [],
        "MemTotal": snapshot.memory.total,
        "DiskTotal": disk_total,
        "SwapTotal": snapshot.memory.swap.total,
        "Arch": system.arch,
        "Virtualization": system.virtualization,
        "BootTime": int(system.boot_time),
        "CountryCode": "",
        "Version": host.version or system.agent_version,
    }


def host_status(snapshot: Snapshot | None) -> dict[str, Any]:
    """Nezha's `status`: the latest figures. Zeros (and no temperatures) before the first report."""
    if snapshot is None:
        return {"CPU": 0, "MemUsed": 0, "SwapUsed": 0, "DiskUsed": 0, "NetInTransfer": 0,
                "NetOutTransfer": 0, "NetInSpeed": 0, "NetOutSpeed": 0, "Uptime": 0, "Load1": 0,
                "Load5": 0, "Load15": 0, "TcpConnCount": 0, "UdpConnCount": 0, "ProcessCount": 0,
                "Temperatures": None}
    network = snapshot.network
    _, disk_used = _filesystems(snapshot)
    return {
        "CPU": snapshot.cpu.total,
        "MemUsed": snapshot.memory.used,
        "SwapUsed": snapshot.memory.swap.used,
        "DiskUsed": disk_used,
        "NetInTransfer": network.bytes_recv,
        "NetOutTransfer": network.bytes_sent,
        "NetInSpeed": round(network.bytes_recv_rate),
        "NetOutSpeed": round(network.bytes_sent_rate),
        "Uptime": int(snapshot.system.uptime),
        "Load1": snapshot.load.min1,
        "Load5": snapshot.load.min5,
        "Load15": snapshot.load.min15,
        "TcpConnCount": network.tcp_count,
        "UdpConnCount": network.udp_count,
        "ProcessCount": snapshot.processes.total,
        "Temperatures": [{"Name": _temperature_name(s.chip, s.label), "Temperature": s.value}
                         for s in snapshot.sensors if s.kind == "temperature"],
    }


def server_details(state: HostState) -> dict[str, Any]:
    """One server of `/server/details`."""
    return {**server_info(state), "host": host_facts(state.host, state.figures),
            "status": host_status(state.figures)}


def _by_tag(connection: HTTPConnection, tag: str | None) -> list[HostState]:
    states = hub_of(connection).states()
    if tag:
        states = [s for s in states if tag_of(s.host) == tag]
    return _ordered(states)


def _ids(text: str) -> list[int] | None:
    """Server ids from `1,2,3`; None when one is not a positive integer."""
    ids = []
    for part in (piece.strip() for piece in text.split(",")):
        if not part.isascii() or not part.isdigit() or int(part) < 1:
            return None
        ids.append(int(part))
    return ids


@router.get("/api/v1/server/list", summary="Nezha: servers, optionally of one tag")
async def server_list(request: Request,
                      tag: Annotated[str | None, Query(description="Only servers of this tag")] = None,
                      ) -> Response:
    return json_response(request, envelope([server_info(s) for s in _by_tag(request, tag)]))


@router.get("/api/v1/server/details", summary="Nezha: servers with their host facts and status")
async def server_details_route(
    request: Request,
    id: Annotated[str | None, Query(description="Comma-separated server ids; ignores `tag`")] = None,  # noqa: A002
    tag: Annotated[str | None, Query(description="Only servers of this tag")] = None,
) -> Response:
    if id:
        ids = _ids(id)
        if ids is None:
            return nezha_error(request, 400, f"id must be comma-separated positive integers, got {id!r}")
        wanted = set(ids)
        # As Nezha, ids the hub does not know are left out rather than refused.
        states = _ordered([s for s in hub_of(request).states() if s.host.id in wanted])
    else:
        states = _by_tag(request, tag)
    return json_response(request, envelope([server_details(s) for s in states]))


def _may_see(request: Request, host: Host) -> bool:
    """Nezha's guests see every server but those hidden from them; token holders see them all."""
    token = request.app.state.settings.token
    if not host.hide_for_guest or not token:
        return True
    verifier: TokenVerifier | None = getattr(request.app.state, "nezha_verifier", None)
    if verifier is None:
        verifier = request.app.state.nezha_verifier = TokenVerifier(token)
    return request_authorised(verifier, request.headers, request.query_params.get("token"))


async def monitor_histories(service: MonitorService | None, request: Request,
                            host: Host) -> list[dict[str, Any]]:
    """One entry per ICMP / TCP monitor `host` runs: the last 24 h of average delays per minute."""
    if service is None:
        return []
    store = hub_of(request).store
    monitors = [m for m in service.monitors_of(host.id) if m.spec.kind in MONITOR_KINDS]
    end = time.time()
    entries = []
    for monitor in monitors:
        times: list[float] = []
        delays: list[float] = []
        if store is not None:
            result = await asyncio.to_thread(store.query, host.id, [delay_key(monitor.spec.id)],
                                             end - MONITOR_WINDOW, end, 0, "1m")
            times, delays = result.series[0].times, result.series[0].values
        entries.append({
            "monitor_id": monitor.spec.id,
            "server_id": host.id,
            "monitor_name": monitor.spec.name,
            "server_name": host.name,
            "created_at": [round(t * 1000) for t in times],
            "avg_delay": [round(d, 4) for d in delays],
        })
    return entries


@router.get("/api/v1/monitor/{server_id}", summary="Nezha: ping monitor histories of one server")
async def monitor(request: Request, server_id: str) -> Response:
    """Public, as in Nezha, except for servers hidden from guests (the guard lets this path through)."""
    ids = _ids(server_id)
    if ids is None or len(ids) != 1:
        return nezha_error(request, 400, f"id must be a positive integer, got {server_id!r}")
    host = hub_of(request).hosts.find(ids[0])
    if host is None:
        return nezha_error(request, 404, f"server {ids[0]} not found")
    if not _may_see(request, host):
        return nezha_error(request, 403, "this server is hidden from guests: authentication required")
    service: MonitorService | None = getattr(request.app.state, "monitors", None)
    return json_response(request, envelope(await monitor_histories(service, request, host)))
