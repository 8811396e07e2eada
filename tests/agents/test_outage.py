"""The outage test: the hub is away for 30 s while agents keep sampling; nothing is lost or doubled."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import httpx
import pytest
from agent_support import create_token, start_agent

from conftest import Server, start_server, wait_for

OUTAGE = 30.0
INTERVAL = 1.0


def _times(hub: Server, host_id: int, start: float, end: float) -> list[float]:
    response = httpx.get(f"{hub.url}/api/v1/history", timeout=10, params={
        "host": str(host_id), "metric": "cpu.total", "from": str(start), "to": str(end), "points": 10_000})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["tier"] == "raw"
    return body["series"][0]["times"]


@pytest.mark.slow
def test_agents_replay_an_outage_without_gaps_or_duplicates(tmp_path: Path) -> None:
    hub = start_server(tmp_path, "--no-local")
    token = create_token(hub)
    agents = [start_agent(tmp_path, hub, token, name, "--interval", "1s") for name in ("one", "two", "three")]
    try:
        hosts = wait_for(lambda: (h := httpx.get(f"{hub.url}/api/v1/hosts").json()["hosts"])
                         and len(h) == 3 and all(x["online"] for x in h) and h, deadline=40)
        time.sleep(3)
        hub.stop()
        stopped = time.time()
        time.sleep(OUTAGE)
        assert all(agent.process.poll() is None for agent in agents), "agents ride out the outage"
        hub = start_server(tmp_path, "--no-local", "--data-dir", str(hub.data_dir), port=hub.port)
        restarted = time.time()
        window = (stopped - 5.0, restarted + 3.0)
        for host in hosts:
            times = wait_for(lambda h=host: (t := _times(hub, h["id"], *window))
                             and t[-1] > window[1] - 2 and t, deadline=60)
            assert len(times) == len(set(times)), "no sample stored twice"
            gaps = [b - a for a, b in itertools.pairwise(times)]
            assert max(gaps) < 2.5 * INTERVAL, f"{host['name']}: gap of {max(gaps):.1f} s in {window}"
            assert times[0] < stopped - 3.0
            assert len(times) >= (window[1] - window[0]) / INTERVAL * 0.8
        for agent in agents:
            assert "unreachable" in agent.output()
            assert "replaying" in agent.output()
    finally:
        for agent in agents:
            agent.stop()
        hub.stop()
