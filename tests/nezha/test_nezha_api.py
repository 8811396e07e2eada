"""Nezha's API v1 in process: a hub with three hosts (two reporting a real snapshot of this machine,
one that never reported), pinned field by field to the reference's examples."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from hostwatch.api.app import create_app
from hostwatch.collect import Collector
from hostwatch.config import Settings
from hostwatch.hub.database import HubDatabase
from hostwatch.hub.hub import Hub
from hostwatch.model import Snapshot
from hostwatch.monitors.service import MonitorService
from hostwatch.monitors.spec import MonitorResult
from hostwatch.store.sqlite import SqliteStore

# The reference's second server of /server/details, which never reported: its keys, types and zeros.
REFERENCE_NEVER_REPORTED = {
    "id": 2, "name": "Server2", "tag": "Tag2", "last_active": -62135596800, "ipv4": "", "ipv6": "",
    "valid_ip": "",
    "host": {"Platform": "", "PlatformVersion": "", "CPU": None, "MemTotal": 0, "DiskTotal": 0,
             "SwapTotal": 0, "Arch": "", "Virtualization": "", "BootTime": 0, "CountryCode": "",
             "Version": ""},
    "status": {"CPU": 0, "MemUsed": 0, "SwapUsed": 0, "DiskUsed": 0, "NetInTransfer": 0,
               "NetOutTransfer": 0, "NetInSpeed": 0, "NetOutSpeed": 0, "Uptime": 0, "Load1": 0,
               "Load5": 0, "Load15": 0, "TcpConnCount": 0, "UdpConnCount": 0, "ProcessCount": 0},
}
LIST_KEYS = {"id", "name", "tag", "last_active", "ipv4", "ipv6", "valid_ip"}
"""The reference's server list entry; hostwatch adds Nezha's `display_index` and `hide_for_guest`."""
EXTRA_KEYS = {"display_index", "hide_for_guest"}
INTEGER_FIELDS = {
    "host": ("MemTotal", "DiskTotal", "SwapTotal", "BootTime"),
    "status": ("MemUsed", "SwapUsed", "DiskUsed", "NetInTransfer", "NetOutTransfer", "NetInSpeed",
               "NetOutSpeed", "Uptime", "TcpConnCount", "UdpConnCount", "ProcessCount"),
}
TOKEN = "nezha-token"


class AppClient:
    """Runs an app (with its lifespan) on an event loop in a thread; answers plain `get` calls."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._stack = contextlib.AsyncExitStack()
        self._client: httpx.AsyncClient | None = None

    def _run(self, coroutine: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=60)

    async def _enter(self) -> None:
        await self._stack.enter_async_context(self.app.router.lifespan_context(self.app))
        self._client = await self._stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://testserver"))

    def __enter__(self) -> AppClient:
        self._thread.start()
        self._run(self._enter())
        return self

    def __exit__(self, *_exc: object) -> None:
        self._run(self._stack.aclose())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    def get(self, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
        assert self._client is not None
        return self._run(self._client.get(path, headers=headers))  # type: ignore[no-any-return]

    def call(self, function: Any, *args: Any) -> Any:
        """Run a plain function on the app's loop (where the service lives)."""
        async def call() -> Any:
            return function(*args)
        return self._run(call())


@dataclass
class Fleet:
    client: AppClient
    hub: Hub
    monitors: MonitorService
    snapshot: Snapshot
    minute: float
    """A whole minute in the past, where the recorded monitor results lie."""


def _snapshot() -> Snapshot:
    """A real snapshot of this machine with real rates (two samples 0.3 s apart)."""
    collector = Collector(interval=0.3)
    collector.collect()
    time.sleep(0.3)
    return collector.collect()


def _fleet(tmp_path: Path, token: str | None) -> Iterator[Fleet]:
    database = HubDatabase(tmp_path)
    hub = Hub(store=SqliteStore(tmp_path), database=database)
    snapshot = _snapshot()
    alpha = hub.register("alpha-agent", "alpha", tags=["eu", "web"])
    beta = hub.register("beta-agent", "beta", tags=["us"])
    gamma = hub.register("gamma-agent", "gamma", tags=["eu"])
    assert (alpha.id, beta.id, gamma.id) == (1, 2, 3)
    for host in (alpha, gamma):
        hub.ingest(host, snapshot, address="127.0.0.1")
    alpha.ipv4 = "192.0.2.10"  # as an agent reports its default route's address
    gamma.ipv6 = "2001:db8::3"
    hub.update_host(gamma.id, display_index=5, hide_for_guest=True)
    settings = Settings(data_dir=tmp_path, token=token, monitors=(
        {"name": "gateway", "kind": "icmp", "target": "192.0.2.1", "hosts": [alpha.id]},
        {"name": "db", "kind": "tcp", "target": "192.0.2.5", "port": 5432, "hosts": [alpha.id, gamma.id]},
        {"name": "site", "kind": "http", "target": "http://192.0.2.8/", "hosts": [alpha.id]},
    ))
    app = create_app(settings, hub, None)
    with AppClient(app) as client:
        service: MonitorService = app.state.monitors
        minute = (time.time() // 60 - 3) * 60
        # What agents would report: two probes in one minute, one in the next, and a failure.
        client.call(service.record, alpha.id, [
            MonitorResult(monitor_id=1, time=minute + 1, delay_ms=10.0, up=True),
            MonitorResult(monitor_id=1, time=minute + 2, delay_ms=20.0, up=True),
            MonitorResult(monitor_id=1, time=minute + 61, delay_ms=30.0, up=True),
            MonitorResult(monitor_id=1, time=minute + 62, delay_ms=None, up=False, error="timeout"),
            MonitorResult(monitor_id=2, time=minute + 5, delay_ms=4.5, up=True),
        ])
        assert hub.store is not None
        hub.store.flush()
        yield Fleet(client, hub, service, snapshot, minute)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    yield from _fleet(tmp_path_factory.mktemp("nezha"), None)


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    yield from _fleet(tmp_path_factory.mktemp("nezha-token"), TOKEN)


def _ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["code"], body["message"]) == (0, "success")
    return body["result"]


def _error(response: Any, status: int) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "message", "result"}
    assert body["code"] == status
    assert body["result"] is None
    assert body["message"]
    return str(body["message"])


def test_server_list_has_the_reference_keys_in_nezha_order(fleet: Fleet) -> None:
    """Every server with the reference's keys (plus display_index, hide_for_guest), ordered by
    display_index descending, then id."""
    servers = _ok(fleet.client.get("/api/v1/server/list"))
    assert [s["name"] for s in servers] == ["gamma", "alpha", "beta"]
    for server in servers:
        assert set(server) == LIST_KEYS | EXTRA_KEYS
    alpha, beta = servers[1], servers[2]
    assert alpha == {"id": 1, "name": "alpha", "tag": "eu", "last_active": alpha["last_active"],
                     "ipv4": "192.0.2.10", "ipv6": "", "valid_ip": "192.0.2.10", "display_index": 0,
                     "hide_for_guest": False}
    assert isinstance(alpha["last_active"], int)
    assert abs(alpha["last_active"] - time.time()) < 120
    assert (servers[0]["valid_ip"], servers[0]["display_index"], servers[0]["hide_for_guest"]) == (
        "2001:db8::3", 5, True)
    assert beta["last_active"] == -62135596800


def test_tag_filters_by_the_first_tag(fleet: Fleet) -> None:
    """`tag` keeps the servers of that group (a host's first tag); an unknown tag gives []."""
    assert [s["name"] for s in _ok(fleet.client.get("/api/v1/server/list?tag=eu"))] == ["gamma", "alpha"]
    assert [s["name"] for s in _ok(fleet.client.get("/api/v1/server/details?tag=us"))] == ["beta"]
    assert _ok(fleet.client.get("/api/v1/server/list?tag=web")) == []
    assert _ok(fleet.client.get("/api/v1/server/list?tag=")) != []


def test_details_of_a_reporting_server_match_its_snapshot(fleet: Fleet) -> None:
    """`host` and `status` carry every documented field, named and in the units Nezha uses."""
    (alpha,) = _ok(fleet.client.get("/api/v1/server/details?id=1"))
    snap = fleet.snapshot
    assert set(alpha) == LIST_KEYS | EXTRA_KEYS | {"host", "status"}
    host, status = alpha["host"], alpha["status"]
    assert set(host) == set(REFERENCE_NEVER_REPORTED["host"])
    assert set(status) == set(REFERENCE_NEVER_REPORTED["status"]) | {"Temperatures"}
    for part, names in INTEGER_FIELDS.items():
        for name in names:
            assert isinstance(alpha[part][name], int), (part, name)
    cores = snap.system.cpu_physical_cores or snap.system.cpu_logical_cores
    assert host["CPU"] == [f"{snap.system.cpu_model} {cores} Physical Core"]
    assert host["Platform"] == (snap.system.distro_id or snap.system.os_name.lower())
    assert (host["MemTotal"], host["SwapTotal"], host["Arch"]) == (
        snap.memory.total, snap.memory.swap.total, snap.system.arch)
    assert host["BootTime"] == int(snap.system.boot_time)
    assert host["CountryCode"] == ""
    assert host["Version"] == snap.system.agent_version
    devices = {fs.device: fs for fs in snap.disk.filesystems}
    assert host["DiskTotal"] == sum(fs.size for fs in devices.values())
    assert status["DiskUsed"] == sum(fs.used for fs in devices.values())
    assert status["CPU"] == snap.cpu.total
    assert (status["MemUsed"], status["SwapUsed"]) == (snap.memory.used, snap.memory.swap.used)
    assert (status["NetInTransfer"], status["NetOutTransfer"]) == (snap.network.bytes_recv,
                                                                   snap.network.bytes_sent)
    assert status["NetInSpeed"] == round(snap.network.bytes_recv_rate)
    assert status["Uptime"] == int(snap.system.uptime)
    assert (status["Load1"], status["Load5"], status["Load15"]) == (snap.load.min1, snap.load.min5,
                                                                    snap.load.min15)
    assert (status["TcpConnCount"], status["UdpConnCount"], status["ProcessCount"]) == (
        snap.network.tcp_count, snap.network.udp_count, snap.processes.total)
    temperatures = [s for s in snap.sensors if s.kind == "temperature"]
    assert [t["Temperature"] for t in status["Temperatures"]] == [s.value for s in temperatures]
    assert all(set(t) == {"Name", "Temperature"} for t in status["Temperatures"])


def test_a_server_that_never_reported_has_the_reference_zeros(fleet: Fleet) -> None:
    """Negative `last_active` and the reference's zero values, field for field."""
    (beta,) = _ok(fleet.client.get("/api/v1/server/details?id=2"))
    expected = {**REFERENCE_NEVER_REPORTED, "id": 2, "name": "beta", "tag": "us", "display_index": 0,
                "hide_for_guest": False}
    expected["status"] = {**REFERENCE_NEVER_REPORTED["status"], "Temperatures": None}
    assert beta == expected


def test_an_id_list_picks_servers_and_ignores_the_tag(fleet: Fleet) -> None:
    """`id=3,1` answers those servers in Nezha's order, whatever `tag` says; unknown ids are left out."""
    assert [s["id"] for s in _ok(fleet.client.get("/api/v1/server/details?id=1,3&tag=us"))] == [3, 1]
    assert [s["id"] for s in _ok(fleet.client.get("/api/v1/server/details?id=2,99"))] == [2]
    assert len(_ok(fleet.client.get("/api/v1/server/details"))) == 3


@pytest.mark.parametrize("ids", ["abc", "1,x", "0", "-1", "1,,2", "1.5", "١"])
def test_bad_id_lists_are_400_in_the_envelope(fleet: Fleet, ids: str) -> None:
    """An id that is not a positive integer is refused in Nezha's envelope."""
    assert "positive integers" in _error(fleet.client.get(f"/api/v1/server/details?id={ids}"), 400)


def test_monitor_history_is_minute_averages_of_icmp_and_tcp_monitors(fleet: Fleet) -> None:
    """One entry per ICMP/TCP monitor the server runs: minute times in ms, average delays of the
    successful probes of each minute; HTTP monitors are not Nezha ping monitors."""
    entries = _ok(fleet.client.get("/api/v1/monitor/1"))
    minute_ms = round(fleet.minute * 1000)
    assert entries == [
        {"monitor_id": 1, "server_id": 1, "monitor_name": "gateway", "server_name": "alpha",
         "created_at": [minute_ms, minute_ms + 60_000], "avg_delay": [15.0, 30.0]},
        {"monitor_id": 2, "server_id": 1, "monitor_name": "db", "server_name": "alpha",
         "created_at": [minute_ms], "avg_delay": [4.5]},
    ]
    assert _ok(fleet.client.get("/api/v1/monitor/2")) == []


@pytest.mark.parametrize(("server_id", "status"), [("abc", 400), ("0", 400), ("-3", 400), ("1,2", 400),
                                                   ("99", 404)])
def test_monitor_history_refuses_bad_and_unknown_ids(fleet: Fleet, server_id: str, status: int) -> None:
    """A server id that is not a positive integer is 400, an unknown one 404, in the envelope."""
    _error(fleet.client.get(f"/api/v1/monitor/{server_id}"), status)


def test_token_mode_takes_nezhas_bare_authorization_header(guarded: Fleet) -> None:
    """`Authorization: TOKEN` (no scheme), as Nezha's clients send it, opens the server routes."""
    client = guarded.client
    assert client.get("/api/v1/server/list").status_code == 401
    assert client.get("/api/v1/server/list", headers={"authorization": "wrong"}).status_code == 401
    assert len(_ok(client.get("/api/v1/server/list", headers={"authorization": TOKEN}))) == 3
    assert len(_ok(client.get("/api/v1/server/details", headers={"authorization": TOKEN}))) == 3
    assert len(_ok(client.get("/api/v1/server/list", headers={"authorization": f"Bearer {TOKEN}"}))) == 3


def test_monitor_history_is_public_except_for_hidden_servers(guarded: Fleet) -> None:
    """Guests read a visible server's monitors without a token; a server hidden from guests is 403
    without one and answers with it. No other path is opened by the exemption."""
    client = guarded.client
    assert len(_ok(client.get("/api/v1/monitor/1"))) == 2
    _error(client.get("/api/v1/monitor/3"), 403)
    _error(client.get("/api/v1/monitor/3", headers={"authorization": "wrong"}), 403)
    hidden = _ok(client.get("/api/v1/monitor/3", headers={"authorization": TOKEN}))
    assert [e["monitor_name"] for e in hidden] == ["db"]
    assert _ok(client.get(f"/api/v1/monitor/3?token={TOKEN}"))[0]["server_name"] == "gamma"
    assert client.get("/api/v1/monitors").status_code == 401
    assert client.get("/api/v1/monitor/1/extra").status_code == 401
