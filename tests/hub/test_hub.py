"""The hub's ingest path, host registry and per-host state."""

from __future__ import annotations

import pytest

from hostwatch.errors import UnknownHostError
from hostwatch.hub.hosts import HostRegistry
from hostwatch.hub.hub import Hub
from hostwatch.model import CpuStats, Snapshot


def test_ingest_updates_state_history_health_and_version() -> None:
    """Each ingested snapshot becomes the latest, adds a history point and bumps the version."""
    hub = Hub(history_size=3)
    host = hub.register("agent-a", "alpha", interval=1.0)
    for i in range(5):
        hub.ingest(host, Snapshot(time=100.0 + i, seq=i, cpu=CpuStats(total=95.0)))
    state = hub.state("alpha")
    assert state.snapshot is not None
    assert state.snapshot.seq == 4
    assert state.version == 5
    assert [p.time for p in state.history] == [102.0, 103.0, 104.0]
    assert state.health.warnings[0].code == "cpu_high"
    assert host.first_seen
    assert host.last_seen >= host.first_seen


def test_registry_ids_are_stable_and_lookups_accept_id_name_or_agent() -> None:
    """Hosts get increasing ids; re-registering an agent returns the same host."""
    registry = HostRegistry()
    local = registry.register("local", "box", local=True)
    remote = registry.register("agent-7", "web1", tags=["prod"])
    assert (local.id, remote.id) == (1, 2)
    assert registry.register("agent-7", "renamed") is remote
    assert registry.resolve(None) is local
    assert registry.resolve("2") is remote
    assert registry.resolve("web1") is remote
    assert registry.resolve("agent-7") is remote
    with pytest.raises(UnknownHostError):
        registry.resolve("nope")


def test_a_host_goes_offline_after_three_missed_intervals() -> None:
    """A host that stops reporting is online until three intervals (plus a second of grace) pass."""
    hub = Hub()
    host = hub.register("agent-b", "beta", interval=2.0)
    state = hub.ingest(host, Snapshot(time=1.0, interval=2.0))
    assert state.online(now=state.received_at + 6.5)
    assert not state.online(now=state.received_at + 7.5)


def test_empty_hub_has_no_default_host() -> None:
    """Asking an empty hub for its default host is an UnknownHostError, not a crash."""
    with pytest.raises(UnknownHostError):
        Hub().state()
