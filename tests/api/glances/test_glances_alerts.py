"""`/api/4/alert` on a real server: thresholds from the config file open Glances-style events."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from alert_support import memory_alert_config
from conftest import Server, start_server, wait_for

CONFIG = memory_alert_config()


@pytest.fixture(scope="module")
def alerting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server whose memory warning mark is 0 %, so a MEM event is always open."""
    tmp = tmp_path_factory.mktemp("alerts")
    config = Path(tmp) / "hostwatch.toml"
    config.write_text(CONFIG)
    srv = start_server(tmp, "--interval", "500ms", "--config", str(config))
    yield srv
    srv.stop()


def test_an_ongoing_event_is_served_in_glances_shape(alerting: Server) -> None:
    """The MEM event is ongoing (end -1), WARNING, with statistics and the top processes by memory."""
    events = wait_for(lambda: httpx.get(f"{alerting.url}/api/4/alert").json())
    (event,) = [e for e in events if e["type"] == "MEM"]
    assert set(event) == {"begin", "end", "state", "type", "max", "avg", "min", "sum", "count", "top",
                          "desc", "sort", "global_msg"}
    assert event["end"] == -1
    assert event["state"] == "WARNING"
    assert event["min"] <= event["avg"] <= event["max"]
    assert event["count"] >= 1
    assert len(event["top"]) == 3
    assert event["sort"] == "memory_percent"
    assert event["global_msg"] == "High memory consumption"
    grown = wait_for(lambda: [e for e in httpx.get(f"{alerting.url}/api/4/alert").json()
                              if e["type"] == "MEM" and e["count"] > event["count"]])
    assert grown[0]["begin"] == event["begin"]


def test_clearing_keeps_ongoing_events(alerting: Server) -> None:
    """Both clear routes answer 200 and leave the ongoing event in place."""
    for kind in ("warning", "all"):
        assert httpx.post(f"{alerting.url}/api/4/events/clear/{kind}").status_code == 200
    assert any(e["type"] == "MEM" and e["end"] == -1
               for e in httpx.get(f"{alerting.url}/api/4/alert").json())


def test_an_idle_host_has_no_events_by_default(server: Server) -> None:
    """With Glances' default limits and an idle test machine, no memory event is open."""
    events = httpx.get(f"{server.url}/api/4/alert").json()
    assert [e for e in events if e["type"] == "MEM"] == []


def test_native_events_route_lists_the_same_events(alerting: Server) -> None:
    """`/api/v1/events` carries the engine's events in hostwatch's own shape."""
    body = wait_for(lambda: (b := httpx.get(f"{alerting.url}/api/v1/events").json()) and b["events"] and b)
    assert body["host"]["id"] == 1
    (event,) = [e for e in body["events"] if e["type"] == "MEM"]
    assert event["ongoing"] is True
    assert event["end"] is None
    assert event["state"] == "WARNING"
    assert event["min"] <= event["avg"] <= event["max"]
    assert "High memory consumption" in event["message"]
    assert httpx.get(f"{alerting.url}/api/v1/events", params={"host": "nowhere"}).status_code == 404
