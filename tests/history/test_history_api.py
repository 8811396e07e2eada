"""`/api/v1/history` and `/api/v1/history/metrics` on a real server writing a real SQLite file."""

from __future__ import annotations

import os
import time

import httpx
import pytest

from conftest import Server, wait_for

pytestmark = pytest.mark.usefixtures("server")


def _history(server: Server, **params: object) -> httpx.Response:
    return httpx.get(f"{server.url}/api/v1/history", params=params, timeout=10)


def _points_of(server: Server, metric: str, span: str = "5m") -> list[float]:
    response = _history(server, metric=metric, range=span, points=1000)
    assert response.status_code == 200, response.text
    return response.json()["series"][0]["times"]


def test_history_answers_with_every_asked_series(server: Server) -> None:
    wait_for(lambda: len(_points_of(server, "cpu.total")) >= 4, deadline=20)
    body = _history(server, metric="cpu.total,memory.percent,load.min1", range="5m", points=600).json()
    assert body["host"]["id"] == 1
    assert body["tier"] == "raw"
    assert body["to"] - body["from"] == pytest.approx(300, abs=1)
    assert [s["metric"] for s in body["series"]] == ["cpu.total", "memory.percent", "load.min1"]
    assert [s["unit"] for s in body["series"]] == ["%", "%", ""]
    for series in body["series"]:
        times = series["times"]
        assert times == sorted(times)
        assert len(set(times)) == len(times)
        assert all(body["from"] <= t <= body["to"] for t in times)
        assert len(series["values"]) == len(series["min"]) == len(series["max"]) == len(times)
        for low, value, high in zip(series["min"], series["values"], series["max"], strict=True):
            assert low <= value <= high
    memory = body["series"][1]["values"]
    assert all(0 < v < 100 for v in memory)


def test_points_bounds_every_series_and_keeps_extremes(server: Server) -> None:
    wait_for(lambda: len(_points_of(server, "cpu.total")) >= 8, deadline=20)
    full = _history(server, metric="cpu.total", range="5m", points=10_000).json()["series"][0]
    few = _history(server, metric="cpu.total", range="5m", points=2).json()["series"][0]
    assert len(few["times"]) <= 2
    assert min(few["min"]) == min(full["min"])
    assert max(few["max"]) == max(full["max"])


def test_star_names_every_item(server: Server) -> None:
    body = wait_for(lambda: _history(server, metric="cpu.per_core[*].total", range="5m").json())
    metrics = [s["metric"] for s in body["series"]]
    assert metrics == [f"cpu.per_core[{n}].total" for n in range(len(metrics))]
    assert len(metrics) == os.cpu_count()


def test_from_and_to_accept_unix_and_iso(server: Server) -> None:
    now = time.time()
    unix = _history(server, metric="cpu.total", **{"from": str(now - 60), "to": str(now)})
    assert unix.status_code == 200
    assert unix.json()["from"] == pytest.approx(now - 60)
    iso = _history(server, metric="cpu.total",
                   **{"from": "2026-01-01T00:00:00Z", "to": "2026-01-01T01:00:00Z"})
    assert iso.status_code == 200
    assert iso.json()["from"] == 1767225600.0
    assert iso.json()["series"][0]["times"] == []


def test_metrics_lists_series_with_units(server: Server) -> None:
    body = httpx.get(f"{server.url}/api/v1/history/metrics").json()
    listed = {m["metric"]: m["unit"] for m in body["metrics"]}
    assert listed["cpu.total"] == "%"
    assert listed["memory.used"] == "B"
    assert listed["network.bytes_recv_rate"] == "B/s"
    assert "disk.filesystems[/].percent" in listed or any(m.startswith("disk.filesystems[") for m in listed)


@pytest.mark.parametrize(("params", "status", "code"), [
    ({"metric": "cpu.nonsense"}, 400, "bad_query"),
    ({"metric": "not a metric"}, 400, "bad_query"),
    ({"metric": ""}, 400, "bad_query"),
    ({"metric": "cpu.per_core[*].nonsense"}, 400, "bad_query"),
    ({"metric": "cpu.total", "range": "2x"}, 400, "bad_query"),
    ({"metric": "cpu.total", "range": "1h", "from": "0"}, 400, "bad_query"),
    ({"metric": "cpu.total", "from": "20", "to": "10"}, 400, "bad_query"),
    ({"metric": "cpu.total", "from": "yesterday"}, 400, "bad_query"),
    ({"metric": "cpu.total", "points": "0"}, 400, "bad_points"),
    ({"metric": "cpu.total", "points": "10001"}, 400, "bad_points"),
    ({"metric": "cpu.total", "host": "nowhere"}, 404, "unknown_host"),
    ({"metric": ",".join(["cpu.total"] * 65)}, 400, "bad_query"),
])
def test_bad_queries_get_clear_errors(server: Server, params: dict[str, str], status: int, code: str) -> None:
    response = _history(server, **params)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == code
    assert body["status"] == status
    assert body["message"]


def test_points_must_be_a_number(server: Server) -> None:
    response = _history(server, metric="cpu.total", points="many")
    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"
