"""MonitorService in process: config checks, stable ids, assignment to hosts, results into the store."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from hostwatch.api.glances.plugins import ports
from hostwatch.errors import ConfigError
from hostwatch.hub.database import HubDatabase
from hostwatch.hub.hub import Hub
from hostwatch.monitors.service import MonitorService, delay_key, up_key
from hostwatch.monitors.spec import MonitorResult, parse_spec
from hostwatch.store.sqlite import SqliteStore


@pytest.fixture
def database(tmp_path: Path) -> Iterator[HubDatabase]:
    db = HubDatabase(tmp_path)
    yield db
    db.close()


def _tcp(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "kind": "tcp", "target": "127.0.0.1", "port": 9, **extra}


def _service(database: HubDatabase, *configured: Mapping[str, Any], hub: Hub | None = None) -> MonitorService:
    return MonitorService(hub or Hub(), configured, database)


def test_parse_spec_fills_the_documented_defaults() -> None:
    """interval 60 s, timeout 5 s, run by the hub, enabled, 200 expected, no redirects followed."""
    spec = parse_spec({"kind": "http", "target": "https://example.org/health"}, 4)
    assert (spec.id, spec.name, spec.interval, spec.timeout) == (4, "http https://example.org/health", 60, 5)
    assert (spec.hosts, spec.enabled, spec.expected_status, spec.follow_redirects) == ([], True, 200, False)
    assert parse_spec({"kind": "tcp", "target": "db", "port": 5432, "interval": "2m"}, 1).interval == 120


@pytest.mark.parametrize(("table", "message"), [
    ({"kind": "udp", "target": "x"}, "kind must be one of icmp, tcp, http, got 'udp'"),
    ({"kind": "tcp", "target": "x"}, "port is required for a tcp monitor"),
    ({"kind": "tcp", "target": "x", "port": 0}, "port must be 1-65535, got 0"),
    ({"kind": "tcp", "target": "x", "port": "80"}, "port must be an integer, got '80'"),
    ({"kind": "icmp"}, "target is required"),
    ({"kind": "icmp", "target": "http://x"}, "target must be a host name or an IP address"),
    ({"kind": "http", "target": "example.org"}, "must be an http:// or https:// URL"),
    ({"kind": "http", "target": "http://x/", "port": 80}, "port is not used by http monitors"),
    ({"kind": "icmp", "target": "x", "expected_status": 200}, "expected_status applies to http monitors"),
    ({"kind": "icmp", "target": "x", "interval": 0.5}, "interval must be 1-86400 seconds, got 0.5"),
    ({"kind": "icmp", "target": "x", "interval": "soon"}, "interval: not a duration: 'soon'"),
    ({"kind": "icmp", "target": "x", "timeout": 120}, "timeout must be 0.001-60 seconds, got 120"),
    ({"kind": "icmp", "target": "x", "hosts": 2}, "hosts must be a list of host ids"),
    ({"kind": "icmp", "target": "x", "hosts": [0]}, "hosts[] must be 1-2147483647, got 0"),
    ({"kind": "icmp", "target": "x", "enabled": "yes"}, "enabled must be true or false"),
    ({"kind": "icmp", "target": "x", "name": " "}, "name must be a non-empty string"),
    ({"kind": "icmp", "target": "x", "colour": "red"}, "unknown field(s) colour; a monitor takes id, name"),
])
def test_parse_spec_names_the_bad_field(table: dict[str, Any], message: str) -> None:
    """Every invalid field is refused with a message that names it and what it takes."""
    with pytest.raises(ConfigError) as caught:
        parse_spec(table, 1)
    assert message in str(caught.value)


def test_a_bad_config_monitor_is_refused_with_its_position_and_name(database: HubDatabase) -> None:
    """The error says which [[monitors]] table is wrong."""
    with pytest.raises(ConfigError, match=r"monitors\[1\] \('db'\): port is required for a tcp monitor"):
        _service(database, _tcp("web"), {"name": "db", "kind": "tcp", "target": "db"})


def test_config_monitors_keep_their_ids_across_restarts_by_name(database: HubDatabase) -> None:
    """A monitor keeps its id when others are added before it, so its history stays its own."""
    first = {s.spec.name: s.spec.id for s in _service(database, _tcp("a"), _tcp("b")).monitors()}
    assert first == {"a": 1, "b": 2}
    again = {s.spec.name: s.spec.id for s in _service(database, _tcp("c"), _tcp("b"), _tcp("a")).monitors()}
    assert again == {"a": 1, "b": 2, "c": 3}
    assert all(s.read_only for s in _service(database, _tcp("a")).monitors())


def test_explicit_config_ids_win_and_must_be_unique(database: HubDatabase) -> None:
    """An explicit `id` is used as is; a clash between two of them stops start-up clearly."""
    service = _service(database, _tcp("a", id=10), _tcp("b"))
    assert [(s.spec.name, s.spec.id) for s in service.monitors()] == [("a", 10), ("b", 11)]
    with pytest.raises(ConfigError, match=r"id 10 is also the id of monitors\[0\]"):
        _service(database, _tcp("a", id=10), _tcp("b", id=10))
    with pytest.raises(ConfigError, match="another monitor has the same name"):
        _service(database, _tcp("a"), _tcp("a"))


def test_api_monitors_persist_and_their_ids_are_never_reused(database: HubDatabase) -> None:
    """Created monitors come back after a restart; a deleted monitor's id is not handed out again."""
    service = _service(database, _tcp("conf"))

    async def changes() -> tuple[int, int]:
        created = await service.create(_tcp("api one"))
        second = await service.create(_tcp("api two"))
        await service.delete(created.spec.id)
        return created.spec.id, second.spec.id

    one, two = asyncio.run(changes())
    assert (one, two) == (2, 3)
    restarted = _service(database, _tcp("conf"))
    assert [(s.spec.id, s.spec.name, s.read_only) for s in restarted.monitors()] == [
        (1, "conf", True), (3, "api two", False)]
    assert asyncio.run(restarted.create(_tcp("api three"))).spec.id == 4
    with pytest.raises(ConfigError, match="belongs to the monitor 'api two' created through the API"):
        _service(database, _tcp("conf"), _tcp("clash", id=3))


def test_agents_get_their_assigned_monitors_and_only_their_results_count(tmp_path: Path,
                                                                          database: HubDatabase) -> None:
    """`assigned_to` lists a host's enabled monitors; `record` keeps an assigned host's results, in
    memory and in the store, and drops results from hosts that do not run the monitor."""
    store = SqliteStore(tmp_path)
    store.start()
    try:
        hub = Hub(store=store)
        local = hub.register("local", "hub-host", local=True)
        remote = hub.register("agent-7", "remote")
        service = _service(database, _tcp("hub's"), _tcp("remote's", hosts=[remote.id]),
                           _tcp("off", hosts=[remote.id], enabled=False), hub=hub)
        assert [s.name for s in service.assigned_to(remote.id)] == ["remote's"]
        assert service.assigned_to(local.id) == []
        assert service.runners(service.get(1).spec) == [local.id]
        now = time.time()
        results = [MonitorResult(monitor_id=2, time=now - 2, delay_ms=12.5, up=True),
                   MonitorResult(monitor_id=2, time=now - 1, delay_ms=None, up=False, error="refused"),
                   MonitorResult(monitor_id=1, time=now, delay_ms=1.0, up=True),
                   MonitorResult(monitor_id=99, time=now, delay_ms=1.0, up=True)]
        before = service.revision(remote.id)
        assert service.record(remote.id, results) == 2
        assert service.revision(remote.id) == before + 2
        state = service.get(2)
        assert state.latest[remote.id].error == "refused"
        assert [r.error for _h, r in state.failures] == ["refused"]
        assert service.get(1).latest == {}
        store.flush()
        found = store.query(remote.id, [delay_key(2), up_key(2)], now - 60, now + 1)
        assert found.series[0].values == [12.5]
        assert found.series[1].values == [1.0, 0.0]
    finally:
        store.close()


def test_a_hub_without_a_local_host_records_its_probes_under_host_0(database: HubDatabase) -> None:
    """With --no-local there is no local host: the hub's own probes go under host id 0."""
    service = _service(database, _tcp("a"))
    assert service.hub_host_id() == 0
    assert service.runners(service.get(1).spec) == [0]
    assert service.record(0, [MonitorResult(monitor_id=1, time=time.time(), delay_ms=3.0, up=True)]) == 1


def test_glances_ports_rows_before_and_after_a_probe(database: HubDatabase) -> None:
    """Rows have Glances' keys; status is None before the first probe, seconds when up, False when down."""
    hub = Hub()
    local = hub.register("local", "hub-host", local=True)
    service = _service(database, _tcp("db", port=5432, interval=30, timeout=3),
                       {"name": "ping", "kind": "icmp", "target": "10.0.0.1"},
                       {"name": "site", "kind": "http", "target": "https://example.org/x"}, hub=hub)
    state = hub.state(local.id)
    rows = ports(service, state)
    assert rows[0] == {"description": "db", "host": "127.0.0.1", "indice": "port_1", "key": "indice",
                       "port": 5432, "refresh": 30, "rtt_warning": None, "status": None, "timeout": 3}
    assert [(r["host"], r["port"]) for r in rows[1:]] == [("10.0.0.1", 0), ("example.org", 443)]
    service.record(local.id, [MonitorResult(monitor_id=1, time=time.time(), delay_ms=15.0, up=True),
                              MonitorResult(monitor_id=2, time=time.time(), delay_ms=None, up=False)])
    assert [r["status"] for r in ports(service, state)] == [0.015, False, None]
    assert ports(None, state) == []
