"""The PyPI `glances-api` client (what Home Assistant uses) reads hostwatch as it reads Glances."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
from glances_api import Glances

from conftest import Server, start_server


def sensor_data(server: Server, **auth: Any) -> dict[str, Any]:
    client = Glances(host="127.0.0.1", port=server.port, version=4, **auth)
    return asyncio.run(client.get_ha_sensor_data())


def test_home_assistant_sensors_match_the_hubs_own_snapshot(server: Server) -> None:
    """Memory, load, process counts, per-CPU and file systems agree with /api/v1/snapshot."""
    data = sensor_data(server)
    snapshot = httpx.get(f"{server.url}/api/v1/snapshot").json()
    memory = snapshot["memory"]
    assert abs(data["mem"]["memory_use_percent"] - memory["percent"]) < 5
    assert data["load"]["processor_load"] >= 0
    assert data["processcount"]["process_total"] > 0
    assert set(data["percpu"]) == {str(core["number"]) for core in snapshot["cpu"]["per_core"]}
    root = next(fs for fs in snapshot["disk"]["filesystems"] if fs["mount_point"] == "/")
    assert data["fs"]["/"]["disk_use"] == round(root["used"] / 1024**3, 1)
    assert 0 <= data["cpu"]["cpu_use_percent"] <= 100
    assert "uptime" in data


def test_metrics_of_one_element(server: Server) -> None:
    """`get_metrics('mem')` finds the plugin in pluginslist and returns its values."""
    client = Glances(host="127.0.0.1", port=server.port, version=4)
    asyncio.run(client.get_metrics("mem"))
    assert client.values is not None
    assert client.values["total"] > 0


def test_basic_auth_with_the_token_as_password(tmp_path: Path) -> None:
    """A client configured like Glances' --password (user + password) gets in with the token."""
    srv = start_server(tmp_path, "--token", "glances-secret")
    try:
        data = sensor_data(srv, username="glances", password="glances-secret")
        assert data["mem"]["memory_use_percent"] > 0
        wrong = httpx.get(f"{srv.url}/api/4/mem", auth=("glances", "nope"))
        assert wrong.status_code == 401
    finally:
        srv.stop()
