"""Pulse's `GET /api/charts` from the history store, and Glances' history routes reading it."""

from __future__ import annotations

import time

import httpx
import pytest

from conftest import Server, wait_for


def _charts(server: Server, **params: str) -> httpx.Response:
    return httpx.get(f"{server.url}/api/charts", params=params, timeout=10)


def test_charts_carry_every_series_per_host(server: Server) -> None:
    body = wait_for(lambda: (b := _charts(server, range="5m").json())
                    and len(b["nodeData"]["1"]["cpu"]) >= 3 and b)
    assert set(body) == {"data", "nodeData", "hostData", "dockerHostData", "storageData",
                         "timestamp", "stats"}
    node = body["nodeData"]["1"]
    assert set(node) == {"cpu", "memory", "disk", "netin", "netout", "diskread", "diskwrite"}
    assert body["hostData"]["1"] == node
    now_ms = time.time() * 1000
    assert abs(body["timestamp"] - now_ms) < 10_000
    for name, points in node.items():
        stamps = [p["timestamp"] for p in points]
        assert stamps == sorted(stamps), name
        assert all(now_ms - 330_000 < s <= now_ms + 1000 for s in stamps), name
        assert all(set(p) == {"timestamp", "value"} for p in points)
    assert all(0 <= p["value"] <= 100 for p in node["memory"] + node["cpu"] + node["disk"])
    assert node["disk"], "the root file system's usage is charted"
    assert body["stats"]["oldestDataTimestamp"] <= min(p["timestamp"] for p in node["cpu"])


def test_charts_respect_max_points(server: Server) -> None:
    wait_for(lambda: len(_charts(server, range="5m").json()["nodeData"]["1"]["cpu"]) >= 6)
    body = _charts(server, range="5m", maxPoints="3").json()
    assert 1 <= len(body["nodeData"]["1"]["cpu"]) <= 3


@pytest.mark.parametrize("params", [{"range": "2y"}, {"range": "1h", "maxPoints": "0"},
                                    {"range": "90d"}])
def test_bad_chart_queries_get_pulse_errors(server: Server, params: dict[str, str]) -> None:
    response = _charts(server, **params)
    assert response.status_code == 400
    assert set(response.json()) == {"error"}


def test_glances_history_reads_the_store(server: Server) -> None:
    body = wait_for(lambda: (b := httpx.get(f"{server.url}/api/4/cpu/history/3").json())
                    and len(b["total"]) == 3 and b)
    assert set(body) == {"iowait", "system", "total", "user"}
    stamps = [stamp for stamp, _ in body["total"]]
    assert stamps == sorted(stamps)
    network = httpx.get(f"{server.url}/api/4/network/history/2").json()
    assert "lo_bytes_recv_rate_per_sec" in network
    field = httpx.get(f"{server.url}/api/4/mem/percent/history/2").json()
    assert list(field) == ["percent"]
    assert len(field["percent"]) <= 2
