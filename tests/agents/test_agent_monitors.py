"""Monitors assigned to an agent: the hub sends their specs in push replies, the agent probes
and reports results, the hub stores them under the agent's host."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from agent_support import create_token, start_agent

from conftest import start_server, wait_for


@pytest.fixture
def listener() -> Iterator[int]:
    """A TCP port on loopback that accepts connections until the test ends."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.2)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            connection.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(timeout=5)
    server.close()


def test_an_agent_runs_the_monitors_assigned_to_it(tmp_path: Path, listener: int) -> None:
    hub = start_server(tmp_path, "--no-local")
    agent = start_agent(tmp_path, hub, create_token(hub), "prober", "--interval", "500ms")
    try:
        host = wait_for(lambda: next(iter(httpx.get(f"{hub.url}/api/v1/hosts").json()["hosts"]), None))
        created = httpx.post(f"{hub.url}/api/v1/monitors", json={
            "name": "local port", "kind": "tcp", "target": "127.0.0.1", "port": listener,
            "interval": 1, "timeout": 2, "hosts": [host["id"]]})
        assert created.status_code == 201, created.text
        monitor = created.json()["id"]

        def history() -> dict[str, object] | None:
            body = httpx.get(f"{hub.url}/api/v1/monitors/{monitor}/history",
                             params={"host": str(host["id"]), "range": "5m"}).json()
            return body if body["delay"]["times"] else None

        body = wait_for(history, deadline=40)
        assert body["host"]["id"] == host["id"]
        assert all(0 <= d < 2000 for d in body["delay"]["values"])
        assert body["availability"] == 1.0
        listed = httpx.get(f"{hub.url}/api/v1/monitors/{monitor}").json()
        assert [r["id"] for r in listed["run_by"]] == [host["id"]]
        assert agent.process.poll() is None

        # Its host cannot be deleted while a monitor names it: the monitor would be run by nobody.
        refused = httpx.delete(f"{hub.url}/api/v1/hosts/{host['id']}")
        assert refused.status_code == 409
        assert refused.json()["error"] == "host_runs_monitors"
        assert "local port" in refused.json()["message"]
        assert [h["id"] for h in httpx.get(f"{hub.url}/api/v1/hosts").json()["hosts"]] == [host["id"]]
        moved = httpx.put(f"{hub.url}/api/v1/monitors/{monitor}", json={"hosts": []})
        assert moved.status_code == 200, moved.text
        agent.stop()
        assert httpx.delete(f"{hub.url}/api/v1/hosts/{host['id']}").status_code == 204
    finally:
        agent.stop()
        hub.stop()
