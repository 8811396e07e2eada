"""A real hub and three real agent processes on loopback."""

from __future__ import annotations

import signal
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import msgspec
import pytest
import zstandard
from agent_support import Agent, create_token, start_agent

from conftest import Server, start_server, wait_for
from hostwatch.agent.protocol import PROTOCOL_VERSION, REPORT_PATH

NAMES = ("alpha", "beta", "gamma")
TAGS = {"alpha": "web,eu", "beta": "web,us", "gamma": "db,eu"}


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, list[Agent], str]]:
    tmp = tmp_path_factory.mktemp("fleet")
    hub = start_server(tmp, "--no-local")
    token = create_token(hub, "--name", "fleet")
    agents = [start_agent(tmp, hub, token, name, "--tags", TAGS[name], "--interval", "1s") for name in NAMES]
    try:
        wait_for(lambda: len([h for h in _hosts(hub) if h["online"]]) == 3, deadline=40)
        yield hub, agents, token
    finally:
        for agent in agents:
            agent.stop()
        hub.stop()


def _hosts(hub: Server, **params: str) -> list[dict[str, object]]:
    return httpx.get(f"{hub.url}/api/v1/hosts", params=params, timeout=10).json()["hosts"]


def test_every_agent_appears_with_its_facts(fleet: tuple[Server, list[Agent], str]) -> None:
    hub, _, _ = fleet
    hosts = {h["name"]: h for h in _hosts(hub)}
    assert set(hosts) == set(NAMES)
    for name in NAMES:
        host = hosts[name]
        assert host["tags"] == TAGS[name].split(",")
        assert host["online"] is True
        assert host["local"] is False
        assert host["address"] == "127.0.0.1"
        assert host["version"]
        assert len(str(host["agent_id"])) == 32
        summary = host["summary"]
        assert isinstance(summary, dict)
        assert 0 < summary["memory"] < 100
        assert summary["uptime"] > 0
    assert len({h["id"] for h in hosts.values()}) == 3


def test_tags_filter_hosts(fleet: tuple[Server, list[Agent], str]) -> None:
    hub, _, _ = fleet
    assert {h["name"] for h in _hosts(hub, tag="eu")} == {"alpha", "gamma"}
    assert {h["name"] for h in _hosts(hub, tag="db")} == {"gamma"}
    assert _hosts(hub, tag="none") == []


def test_each_host_has_its_own_snapshot_and_history(fleet: tuple[Server, list[Agent], str]) -> None:
    hub, _, _ = fleet
    for host in _hosts(hub):
        snapshot = httpx.get(f"{hub.url}/api/v1/snapshot", params={"host": str(host["id"])}).json()
        assert snapshot["host"]["name"] == host["name"]
        assert 0 < len(snapshot["processes"]["list"]) <= 50, "agents send their busiest processes only"
        series = wait_for(lambda h=host: httpx.get(
            f"{hub.url}/api/v1/history",
            params={"host": str(h["id"]), "metric": "cpu.total", "range": "5m"}).json()["series"][0]["times"])
        assert series == sorted(series)


def test_wrong_token_gets_401_and_the_agent_exits_clearly(
        fleet: tuple[Server, list[Agent], str], tmp_path: Path) -> None:
    hub, _, _ = fleet
    agent = start_agent(tmp_path, hub, "hwa_not-a-token", "intruder")
    assert agent.process.wait(timeout=30) == 3
    assert "refused this agent (401)" in agent.output()
    assert "intruder" not in {h["name"] for h in _hosts(hub)}


def _report(agent_id: str, snapshots: list[dict[str, object]] | None = None) -> bytes:
    return msgspec.json.encode({"protocol": PROTOCOL_VERSION, "agent_id": agent_id, "name": agent_id,
                                "snapshots": snapshots or []})


def test_oversized_bodies_get_413(fleet: tuple[Server, list[Agent], str]) -> None:
    hub, _, token = fleet
    headers = {"authorization": f"Bearer {token}"}
    huge = b'{"protocol": 1, "agent_id": "big", "name": "' + b"x" * (5 << 20) + b'"}'
    response = httpx.post(f"{hub.url}{REPORT_PATH}", content=huge, headers=headers, timeout=30)
    assert response.status_code == 413
    assert response.json()["error"] == "report_too_large"
    bomb = zstandard.ZstdCompressor().compress(b" " * (80 << 20))
    response = httpx.post(f"{hub.url}{REPORT_PATH}", content=bomb,
                          headers={**headers, "content-encoding": "zstd"}, timeout=30)
    assert response.status_code == 413
    assert "big" not in {h["name"] for h in _hosts(hub)}


@pytest.mark.parametrize(("body", "encoding", "message"), [
    (b"not json", "", "not valid"),
    (b"\x00\x01", "zstd", "not valid zstd"),
    (b"{}", "br", "unsupported Content-Encoding"),
    (msgspec.json.encode({"protocol": 1, "agent_id": "x", "name": "x", "snapshots": [{"nope": 1}]}), "",
     "not valid"),
])
def test_bad_reports_get_400_and_change_nothing(fleet: tuple[Server, list[Agent], str], body: bytes,
                                               encoding: str, message: str) -> None:
    hub, _, token = fleet
    before = _hosts(hub)
    headers = {"authorization": f"Bearer {token}", "content-encoding": encoding}
    response = httpx.post(f"{hub.url}{REPORT_PATH}", content=body, headers=headers, timeout=10)
    assert response.status_code == 400
    assert message in response.json()["message"]
    assert [h["id"] for h in _hosts(hub)] == [h["id"] for h in before]


def test_incompatible_protocol_gets_409(fleet: tuple[Server, list[Agent], str]) -> None:
    hub, _, token = fleet
    body = msgspec.json.encode({"protocol": 99, "agent_id": "future", "name": "future"})
    response = httpx.post(f"{hub.url}{REPORT_PATH}", content=body,
                          headers={"authorization": f"Bearer {token}"}, timeout=10)
    assert response.status_code == 409
    assert response.json()["error"] == "incompatible_agent"


def test_repeated_bad_tokens_are_slowed_down(tmp_path: Path) -> None:
    hub = start_server(tmp_path, "--no-local")
    try:
        statuses = [httpx.post(f"{hub.url}{REPORT_PATH}", content=_report("x"),
                               headers={"authorization": f"Bearer wrong-{n}"}).status_code for n in range(6)]
        assert statuses[:5] == [401] * 5
        assert statuses[5] == 429
        limited = httpx.post(f"{hub.url}{REPORT_PATH}", content=_report("x"),
                             headers={"authorization": "Bearer wrong"})
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) > 0
        # Behind a reverse proxy on the hub's machine (uvicorn trusts loopback's X-Forwarded-For),
        # each client behind it counts on its own.
        proxied = [httpx.post(f"{hub.url}{REPORT_PATH}", content=_report("x"),
                              headers={"authorization": "Bearer wrong", "x-forwarded-for": "203.0.113.7"}
                              ).status_code for _ in range(6)]
        assert proxied == [401] * 5 + [429]
    finally:
        hub.stop()


def test_host_token_registers_its_host_and_revoking_cuts_it_off(tmp_path: Path) -> None:
    hub = start_server(tmp_path, "--no-local")
    try:
        token = create_token(hub, "--host", "--name", "web9")
        agent = start_agent(tmp_path, hub, token, socket.gethostname(), "--interval", "500ms")
        host = wait_for(lambda: next((h for h in _hosts(hub) if h["name"] == "web9" and h["online"]), None))
        listing = httpx.get(f"{hub.url}/api/v1/hosts/{host['id']}").json()
        assert listing["name"] == "web9"
        stolen = httpx.post(f"{hub.url}{REPORT_PATH}", content=_report("someone-else"),
                            headers={"authorization": f"Bearer {token}"})
        assert stolen.status_code == 403
        import subprocess

        from conftest import HOSTWATCH
        listed = subprocess.run([*HOSTWATCH, "token", "list", "--data-dir", str(hub.data_dir)],
                                capture_output=True, text=True, check=True, timeout=60).stdout
        token_id = next(line.split()[0] for line in listed.splitlines() if "web9" in line)
        assert token not in listed
        subprocess.run([*HOSTWATCH, "token", "revoke", token_id, "--data-dir", str(hub.data_dir)],
                       check=True, timeout=60, capture_output=True)
        assert agent.process.wait(timeout=30) == 3
        assert "401" in agent.output()
    finally:
        hub.stop()


def test_registry_survives_a_hub_restart_and_takes_changes(tmp_path: Path) -> None:
    hub = start_server(tmp_path, "--no-local")
    token = create_token(hub)
    agent = start_agent(tmp_path, hub, token, "keeper", "--interval", "500ms", "--tags", "a")
    try:
        host = wait_for(lambda: next(iter(_hosts(hub)), None))
        changed = httpx.patch(f"{hub.url}/api/v1/hosts/{host['id']}",
                              json={"name": "renamed", "tags": ["x", "y"], "display_index": 5})
        assert changed.status_code == 200
        assert changed.json()["name"] == "renamed"
        for bad in ({"name": ""}, {"tags": "x"}, {"unknown": 1}, {"tags": ["t"] * 17}):
            response = httpx.patch(f"{hub.url}/api/v1/hosts/{host['id']}", json=bad)
            assert response.status_code == 400, bad
        assert httpx.patch(f"{hub.url}/api/v1/hosts/999", json={"name": "x"}).status_code == 404
        hub.stop()
        time.sleep(1)
        hub = start_server(tmp_path, "--no-local", "--data-dir", str(hub.data_dir), port=hub.port)
        after = _hosts(hub)
        assert [(h["id"], h["name"], h["tags"], h["display_index"]) for h in after] == \
            [(host["id"], "renamed", ["x", "y"], 5)]
        assert after[0]["last_seen"] >= host["last_seen"]
        wait_for(lambda: _hosts(hub)[0]["online"], deadline=40)
        assert httpx.delete(f"{hub.url}/api/v1/hosts/{host['id']}").status_code == 204
        agent.stop()
        assert all(h["name"] != "renamed" for h in _hosts(hub))
    finally:
        agent.stop()
        hub.stop(signal.SIGTERM)
