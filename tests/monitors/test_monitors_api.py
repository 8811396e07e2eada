"""`/api/v1/monitors` and Glances' `ports` on a real `hostwatch serve` probing real loopback services."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from monitor_support import HEADER_DELAY, Services, running_services

from conftest import Server, free_port, start_server, wait_for

NAMES = ("tcp open", "tcp closed", "http ok", "http 500", "http moved", "http moved followed",
         "icmp loopback")


def _config(services: Services, closed_port: int) -> str:
    monitors = [
        f'name = "tcp open"\nkind = "tcp"\ntarget = "127.0.0.1"\nport = {services.tcp_port}',
        f'name = "tcp closed"\nkind = "tcp"\ntarget = "127.0.0.1"\nport = {closed_port}',
        f'name = "http ok"\nkind = "http"\ntarget = "{services.url("/ok")}"',
        f'name = "http 500"\nkind = "http"\ntarget = "{services.url("/fail")}"',
        f'name = "http moved"\nkind = "http"\ntarget = "{services.url("/moved")}"',
        f'name = "http moved followed"\nkind = "http"\ntarget = "{services.url("/moved")}"\n'
        "follow_redirects = true",
        'name = "icmp loopback"\nkind = "icmp"\ntarget = "127.0.0.1"',
    ]
    return "".join(f"[[monitors]]\n{body}\ninterval = 1\ntimeout = 2\n\n" for body in monitors)


@pytest.fixture(scope="module")
def services() -> Iterator[Services]:
    with running_services() as running:
        yield running


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory, services: Services) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("monitors")
    config = tmp / "hostwatch.toml"
    config.write_text(_config(services, free_port()))
    server = start_server(tmp, "--interval", "500ms", "--config", str(config))
    yield server
    server.stop()


def _monitors(server: Server) -> dict[str, dict[str, Any]]:
    response = httpx.get(f"{server.url}/api/v1/monitors", timeout=10)
    assert response.status_code == 200, response.text
    return {m["name"]: m for m in response.json()["monitors"]}


def _once(fetch: Callable[[], Any], ready: Callable[[Any], bool], deadline: float = 15) -> Any:
    """What `fetch` returns once `ready` accepts it."""
    def check() -> Any:
        value = fetch()
        return value if ready(value) else None
    return wait_for(check, deadline=deadline)


def _checked(server: Server) -> dict[str, dict[str, Any]]:
    """Every config monitor once all of them have a result."""
    return _once(lambda: _monitors(server), lambda m: all(m[n]["checked_at"] for n in NAMES))


def _history(server: Server, monitor_id: int, **params: Any) -> httpx.Response:
    return httpx.get(f"{server.url}/api/v1/monitors/{monitor_id}/history", params=params, timeout=10)


def _points(server: Server, monitor_id: int, count: int) -> dict[str, Any]:
    """The monitor's last 5 minutes once its `up` series holds `count` points."""
    return _once(lambda: _history(server, monitor_id, range="5m").json(),
                 lambda body: len(body["up"]["times"]) >= count, deadline=30)


def test_config_monitors_are_listed_read_only_with_who_runs_them(hub: Server) -> None:
    """Each config monitor is listed with its spec, `source: config`, and the hub's host as runner."""
    monitors = _monitors(hub)
    assert list(monitors) == list(NAMES)
    local = httpx.get(f"{hub.url}/api/v1/hosts").json()["hosts"][0]
    for index, name in enumerate(NAMES, start=1):
        monitor = monitors[name]
        assert monitor["id"] == index
        assert monitor["source"] == "config"
        assert monitor["read_only"] is True
        assert monitor["interval"] == 1
        assert monitor["timeout"] == 2
        assert monitor["hosts"] == []
        assert monitor["run_by"] == [{"id": local["id"], "name": local["name"]}]


def test_a_listening_port_is_up_with_its_connect_delays_in_history(hub: Server) -> None:
    """The TCP monitor of a listening port is up; every probe leaves a delay (ms) and up=1 in history."""
    monitor = _checked(hub)["tcp open"]
    assert monitor["up"] is True
    assert monitor["error"] == ""
    assert 0 < monitor["delay_ms"] < 1000
    assert monitor["recent_failures"] == []
    body = _points(hub, monitor["id"], 3)
    assert body["monitor"] == {"id": monitor["id"], "name": "tcp open", "kind": "tcp", "target": "127.0.0.1"}
    assert body["delay"]["unit"] == "ms"
    assert len(body["delay"]["times"]) >= 3
    assert all(0 < v < 1000 for v in body["delay"]["values"])
    assert set(body["up"]["values"]) == {1.0}
    assert body["failures"] == []
    assert body["availability"] == 1.0


def test_a_closed_port_is_recorded_as_failures_without_delays(hub: Server) -> None:
    """A refused connection is down: no delay points, up=0 points, listed failures with the reason."""
    monitor = _checked(hub)["tcp closed"]
    assert monitor["up"] is False
    assert monitor["delay_ms"] is None
    assert "refused" in monitor["error"]
    assert "refused" in monitor["last_error"]["error"]
    assert monitor["recent_failures"][0]["error"] == monitor["error"]
    body = _points(hub, monitor["id"], 2)
    assert body["delay"]["times"] == []
    assert set(body["up"]["values"]) == {0.0}
    assert body["failures"] == body["up"]["times"]
    assert body["availability"] == 0.0


def test_http_monitors_measure_headers_and_judge_the_status(hub: Server) -> None:
    """200 is up with a delay past the server's wait; 500 and an unfollowed 302 are down."""
    monitors = _checked(hub)
    assert monitors["http ok"]["up"] is True
    assert monitors["http ok"]["delay_ms"] >= HEADER_DELAY * 1000
    assert monitors["http 500"]["error"] == "status 500, expected 200"
    assert monitors["http moved"]["error"] == "status 302, expected 200"
    assert monitors["http moved followed"]["up"] is True
    delays = _points(hub, monitors["http ok"]["id"], 2)["delay"]["values"]
    assert all(v >= HEADER_DELAY * 1000 for v in delays)


def test_icmp_to_loopback_is_recorded_either_way(hub: Server) -> None:
    """Loopback answers by ICMP echo or, where the kernel refuses ICMP, by the TCP fallback; the
    result says which, and its delays are in history."""
    monitor = _checked(hub)["icmp loopback"]
    assert monitor["up"] is True, monitor["error"]
    assert monitor["results"][0]["fallback"] in (True, False)
    assert 0 < monitor["delay_ms"] < 1000
    assert len(_points(hub, monitor["id"], 2)["delay"]["values"]) >= 2


def test_history_takes_ranges_and_points_and_refuses_bad_ones(hub: Server) -> None:
    """`points` bounds the series; a bad range or points is a 400, an unknown monitor a 404."""
    monitor_id = _checked(hub)["tcp open"]["id"]
    _points(hub, monitor_id, 3)
    few = _history(hub, monitor_id, range="1h", points=1).json()
    assert len(few["up"]["times"]) == 1
    assert few["to"] - few["from"] == pytest.approx(3600, abs=1)
    for params in ({"range": "2w"}, {"points": 0}, {"from": "yesterday"}):
        response = _history(hub, monitor_id, **params)
        assert response.status_code == 400
        assert set(response.json()) == {"error", "message", "status"}
    assert _history(hub, 999).status_code == 404
    assert _history(hub, monitor_id, host="no-such-host").status_code == 404


def test_glances_ports_lists_the_monitors_in_glances_shape(hub: Server) -> None:
    """`/api/4/ports`: Glances' keys; status is the round trip in seconds, or False when down."""
    _checked(hub)
    rows = _once(lambda: httpx.get(f"{hub.url}/api/4/ports").json(),
                 lambda r: all(row["status"] is not None for row in r))
    by_name = {row["description"]: row for row in rows}
    assert list(by_name) == list(NAMES)
    keys = {"description", "host", "indice", "key", "port", "refresh", "rtt_warning", "status", "timeout"}
    for row in rows:
        assert set(row) == keys
        assert row["key"] == "indice"
        assert (row["refresh"], row["timeout"], row["rtt_warning"]) == (1, 2, None)
    assert isinstance(by_name["tcp open"]["status"], float)
    assert 0 < by_name["tcp open"]["status"] < 1
    assert by_name["tcp closed"]["status"] is False
    assert by_name["icmp loopback"]["port"] == 0
    assert by_name["http ok"]["host"] == "127.0.0.1"
    indice = by_name["tcp open"]["indice"]
    one = httpx.get(f"{hub.url}/api/4/ports/indice/value/{indice}").json()
    assert [row["description"] for row in one[indice]] == ["tcp open"]
    assert httpx.get(f"{hub.url}/api/4/ports/host").json() == {"host": [row["host"] for row in rows]}


def _error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "message", "status"}
    assert body["status"] == status
    return body


def test_create_read_update_delete(hub: Server, services: Services) -> None:
    """POST adds a monitor the hub starts probing; PUT changes the fields given; DELETE removes it."""
    api = f"{hub.url}/api/v1/monitors"
    created = httpx.post(api, json={"name": "made", "kind": "tcp", "target": "127.0.0.1",
                                    "port": services.tcp_port, "interval": "1s"})
    assert created.status_code == 201, created.text
    monitor = created.json()
    assert monitor["id"] > len(NAMES)
    assert created.headers["location"] == f"/api/v1/monitors/{monitor['id']}"
    assert (monitor["source"], monitor["read_only"], monitor["timeout"]) == ("api", False, 5)
    url = f"{api}/{monitor['id']}"
    probed = _once(lambda: httpx.get(url).json(), lambda m: m["checked_at"] is not None)
    assert probed["up"] is True
    changed = httpx.put(url, json={"name": "renamed", "enabled": False})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["name"], changed.json()["enabled"], changed.json()["port"]) == (
        "renamed", False, services.tcp_port)
    retyped = httpx.put(url, json={"kind": "http", "target": services.url("/ok")}).json()
    assert (retyped["kind"], retyped["name"], retyped["enabled"]) == ("http", "renamed", False)
    assert "renamed" in _monitors(hub)
    deleted = httpx.delete(url)
    assert deleted.status_code == 204
    _error(httpx.get(url), 404)
    again = httpx.post(api, json={"kind": "icmp", "target": "127.0.0.1"}).json()
    assert again["id"] > monitor["id"]
    assert httpx.delete(f"{api}/{again['id']}").status_code == 204


@pytest.mark.parametrize(("body", "code", "needle"), [
    (b"{not json", "bad_json", "not JSON"),
    (b"[1, 2]", "bad_monitor", "JSON object"),
    (b"", "bad_monitor", "JSON object"),
    (b'{"target": "127.0.0.1"}', "bad_monitor", "kind must be one of"),
    (b'{"kind": "tcp", "target": "127.0.0.1"}', "bad_monitor", "port is required"),
    (b'{"kind": "tcp", "target": "127.0.0.1", "port": 70000}', "bad_monitor", "port must be 1-65535"),
    (b'{"kind": "icmp", "target": "127.0.0.1", "interval": 0.2}', "bad_monitor", "interval must be"),
    (b'{"kind": "icmp", "target": "127.0.0.1", "hosts": [999]}', "bad_monitor", "unknown host id 999"),
    (b'{"kind": "icmp", "target": "127.0.0.1", "id": 50}', "bad_monitor", "id is assigned by the hub"),
    (b'{"kind": "http", "target": "ftp://x/"}', "bad_monitor", "http:// or https:// URL"),
    (b'{"kind": "icmp", "target": "127.0.0.1", "every": 5}', "bad_monitor", "unknown field(s) every"),
])
def test_bad_monitors_get_400_and_change_nothing(hub: Server, body: bytes, code: str, needle: str) -> None:
    """Each invalid body is a 400 in the native error shape naming the problem; nothing is added."""
    before = _monitors(hub)
    response = httpx.post(f"{hub.url}/api/v1/monitors", content=body,
                          headers={"content-type": "application/json"})
    error = _error(response, 400)
    assert error["error"] == code
    assert needle in error["message"]
    assert _monitors(hub).keys() == before.keys()


def test_bad_changes_and_unknown_ids_change_nothing(hub: Server, services: Services) -> None:
    """A bad PUT is a 400 and the monitor stays as it was; unknown ids are 404, malformed ones 400."""
    api = f"{hub.url}/api/v1/monitors"
    monitor = httpx.post(api, json={"name": "steady", "kind": "tcp", "target": "127.0.0.1",
                                    "port": services.tcp_port}).json()
    url = f"{api}/{monitor['id']}"
    try:
        for change in ({"port": "eighty"}, {"kind": "http"}, {"id": monitor["id"] + 1}, {"timeout": -1}):
            _error(httpx.put(url, json=change), 400)
        after = httpx.get(url).json()
        assert {k: after[k] for k in ("name", "kind", "port", "timeout")} == {
            "name": "steady", "kind": "tcp", "port": services.tcp_port, "timeout": 5}
    finally:
        httpx.delete(url)
    for method in ("GET", "PUT", "DELETE"):
        assert _error(httpx.request(method, f"{api}/9999", json={}), 404)["error"] == "unknown_monitor"
        _error(httpx.request(method, f"{api}/abc", json={}), 400)


def test_config_monitors_cannot_be_changed_through_the_api(hub: Server) -> None:
    """PUT and DELETE of a config-file monitor are 409 with a message pointing at the file."""
    url = f"{hub.url}/api/v1/monitors/1"
    for response in (httpx.put(url, json={"name": "x"}), httpx.delete(url)):
        error = _error(response, 409)
        assert error["error"] == "read_only_monitor"
        assert "config file" in error["message"]
    assert httpx.get(url).json()["name"] == NAMES[0]


def test_api_monitors_survive_a_restart(tmp_path: Path, services: Services) -> None:
    """A monitor created through the API is still there, with its id, after the hub restarts."""
    first = start_server(tmp_path, "--no-local")
    try:
        made = httpx.post(f"{first.url}/api/v1/monitors",
                          json={"kind": "tcp", "target": "127.0.0.1", "port": services.tcp_port}).json()
        assert made["run_by"] == [{"id": 0, "name": "hub"}]
    finally:
        first.stop()
    second = start_server(tmp_path, "--no-local", "--data-dir", str(first.data_dir))
    try:
        listing = httpx.get(f"{second.url}/api/v1/monitors").json()["monitors"]
        assert [(m["id"], m["target"], m["port"]) for m in listing] == [(made["id"], "127.0.0.1",
                                                                          services.tcp_port)]
        probed = _once(lambda: httpx.get(f"{second.url}/api/v1/monitors/{made['id']}").json(),
                       lambda m: m["checked_at"] is not None)
        assert probed["results"][0]["host"] == {"id": 0, "name": "hub"}
    finally:
        second.stop()


def test_a_bad_monitor_in_the_config_file_stops_serve(tmp_path: Path) -> None:
    """`serve` exits with status 2 and names the bad [[monitors]] table."""
    config = tmp_path / "bad.toml"
    config.write_text('[[monitors]]\nname = "db"\nkind = "tcp"\ntarget = "127.0.0.1"\n')
    server = start_server(tmp_path, "--config", str(config), ready=False)
    assert server.process.wait(timeout=30) == 2
    assert "monitors[0] ('db'): port is required for a tcp monitor" in server.output()
