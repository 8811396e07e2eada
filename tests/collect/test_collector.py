"""The Collector: per-source refresh on a monotonic clock, failing sources, and the Snapshot it makes."""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

import msgspec
import psutil
import pytest

from hostwatch.collect import wifi
from hostwatch.collect.base import Source
from hostwatch.collect.collector import SECTION_SOURCES, Collector, default_sources, sources_for
from hostwatch.collect.sensors import SensorSource
from hostwatch.collect.wifi import WifiSource
from hostwatch.errors import ConfigError
from hostwatch.model import SECTIONS, MemoryStats, Sensor, Snapshot


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class CountingSource(Source):
    """Records when it is sampled; its value is the number of the sample (a MemoryStats total)."""

    name = "counting"
    refresh = 1.0

    def __init__(self) -> None:
        self.times: list[float] = []

    def sample(self, now: float) -> Any:
        self.times.append(now)
        return MemoryStats(total=len(self.times))

    def empty(self) -> Any:
        return MemoryStats()


def counting(name: str, refresh: float) -> CountingSource:
    """A counting source with this name and default refresh interval."""
    cls = type(f"Counting_{name}", (CountingSource,), {"name": name, "refresh": refresh})
    return cls()


def stand_in(real: Source) -> CountingSource:
    """A counting source with a real source's name, default refresh and empty value."""

    class StandIn(CountingSource):
        name = real.name
        refresh = type(real).refresh

        def sample(self, now: float) -> Any:
            self.times.append(now)
            return real.empty()

        def empty(self) -> Any:
            return real.empty()

    return StandIn()


def run(collector: Collector, clock: FakeClock, ticks: int, step: float = 1.0) -> list[Snapshot]:
    """Collect `ticks` times, moving the clock by `step` after each."""
    snapshots = []
    for _ in range(ticks):
        snapshots.append(collector.collect())
        clock.advance(step)
    return snapshots


def test_each_source_is_sampled_on_its_own_refresh_interval() -> None:
    """Over 12 one-second ticks, 1 s/2 s/5 s/60 s sources are sampled 12, 6, 3 and 1 times."""
    clock = FakeClock()
    sources = [counting("fast", 1.0), counting("medium", 2.0), counting("slow", 5.0),
               counting("slowest", 60.0)]
    run(Collector(interval=1.0, sources=sources, clock=clock), clock, ticks=12)
    assert [len(s.times) for s in sources] == [12, 6, 3, 1]
    assert [t - 1000.0 for t in sources[2].times] == [0.0, 5.0, 10.0]


def test_default_sources_fast_ones_every_tick_processes_filesystems_sensors_slower_system_slowest() -> None:
    """With the shipped refresh intervals over 60 s at 1 s, cpu/memory/network/disk I/O run every tick.

    The counting stand-ins take each real source's name and default interval, so the
    schedule is tested without measuring the machine.
    """
    clock = FakeClock()
    stand_ins = [stand_in(s) for s in default_sources()]
    run(Collector(interval=1.0, sources=stand_ins, clock=clock), clock, ticks=60)
    counts = {s.name: len(s.times) for s in stand_ins}
    for fast in ("cpu", "load", "memory", "diskio", "network"):
        assert counts[fast] == 60, fast
    for slower in ("processes", "filesystems", "sensors"):
        assert 1 < counts[slower] < 60, slower
    assert counts["system"] == 1
    assert counts["system"] < min(c for name, c in counts.items() if name != "system")


def test_a_tick_arriving_slightly_early_still_samples_a_due_source() -> None:
    """A source is due a quarter interval early, so a loop running a little fast never skips a beat."""
    clock = FakeClock()
    fast, medium = counting("fast", 1.0), counting("medium", 2.0)
    run(Collector(interval=1.0, sources=[fast, medium], clock=clock), clock, ticks=5, step=0.95)
    assert len(fast.times) == 5
    assert len(medium.times) == 3  # at 0, 1.9 and 3.8 s


def test_refresh_overrides_apply_and_never_go_below_the_interval() -> None:
    """Settings may change a source's refresh; one shorter than the collection interval means every tick."""
    clock = FakeClock()
    often, rare = counting("often", 5.0), counting("rare", 1.0)
    collector = Collector(
        interval=2.0, refresh={"often": 0.1, "rare": 6.0}, sources=[often, rare], clock=clock
    )
    assert collector.refresh_of("often") == 2.0
    assert collector.refresh_of("rare") == 6.0
    run(collector, clock, ticks=6, step=2.0)
    assert len(often.times) == 6
    assert [t - 1000.0 for t in rare.times] == [0.0, 6.0]


def test_between_refreshes_the_last_value_is_reused() -> None:
    """A source that is not due keeps its previous value in the snapshot; seq still advances by one."""
    clock = FakeClock()
    collector = Collector(interval=1.0, sources=[counting("memory", 3.0)], clock=clock)
    snapshots = run(collector, clock, ticks=7)
    assert [s.memory.total for s in snapshots] == [1, 1, 1, 2, 2, 2, 3]
    assert [s.seq for s in snapshots] == [1, 2, 3, 4, 5, 6, 7]
    assert {s.interval for s in snapshots} == {1.0}


class FlakySource(CountingSource):
    """Fails with the same error for its first `failures` samples, then works."""

    name = "sensors"
    refresh = 1.0

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures

    def sample(self, now: float) -> Any:
        self.times.append(now)
        if len(self.times) <= self.failures:
            raise OSError(5, "hwmon read failed")
        return [Sensor(label="core 0", kind="temperature", value=41.0, unit="C")]

    def empty(self) -> Any:
        return []


def test_failing_source_gives_its_empty_value_logs_once_and_recovers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A raising source contributes empty(), with one warning naming it and why; others are unaffected.

    The same error again is not logged again; when the source works, its value returns
    and the recovery is logged.
    """
    clock = FakeClock()
    flaky, healthy = FlakySource(failures=3), counting("memory", 1.0)
    collector = Collector(interval=1.0, sources=[flaky, healthy], clock=clock)
    with caplog.at_level(logging.INFO, logger="hostwatch.collect.collector"):
        snapshots = run(collector, clock, ticks=5)
    assert [s.sensors for s in snapshots[:3]] == [[], [], []]
    assert [s.memory.total for s in snapshots] == [1, 2, 3, 4, 5]
    assert snapshots[3].sensors == [Sensor(label="core 0", kind="temperature", value=41.0, unit="C")]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "sensors" in warnings[0].getMessage()
    assert "hwmon read failed" in warnings[0].getMessage()
    assert "OSError" in warnings[0].getMessage()
    recoveries = [r for r in caplog.records if r.levelno == logging.INFO and "recovered" in r.getMessage()]
    assert len(recoveries) == 1


def test_a_different_error_from_a_failing_source_is_logged_again(caplog: pytest.LogCaptureFixture) -> None:
    """Each distinct failure reason is logged, so a changed cause is not hidden."""

    class Changing(FlakySource):
        def sample(self, now: float) -> Any:
            self.times.append(now)
            raise RuntimeError(f"attempt {len(self.times) // 2}")

    clock = FakeClock()
    collector = Collector(interval=1.0, sources=[Changing(failures=0)], clock=clock)
    with caplog.at_level(logging.WARNING, logger="hostwatch.collect.collector"):
        run(collector, clock, ticks=4)  # reasons: attempt 0, 1, 1, 2
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 3
    assert [m.rsplit(" ", 1)[-1] for m in messages] == ["0", "1", "2"]


def test_real_source_whose_psutil_call_fails_yields_empty_and_a_logged_reason(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """When the kernel refuses a reading, the collector still returns a snapshot, with that section empty."""

    def refuse() -> dict[str, list[Any]]:
        raise PermissionError(13, "Permission denied", "/sys/class/hwmon")

    monkeypatch.setattr(psutil, "sensors_temperatures", refuse)
    with caplog.at_level(logging.WARNING, logger="hostwatch.collect.collector"):
        snapshot = Collector(sources=[SensorSource()]).collect()
    assert snapshot.sensors == []
    assert any("sensors" in r.getMessage() and "Permission denied" in r.getMessage() for r in caplog.records)


def test_missing_source_is_its_empty_value_without_an_error(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A capability the host lacks (no /proc/net/wireless) is a declared empty value, not a failure."""
    monkeypatch.setattr(wifi, "read_text", lambda path: None)
    with caplog.at_level(logging.WARNING):
        snapshot = Collector(sources=[WifiSource()]).collect()
    assert snapshot.wifi == []
    assert not caplog.records


def test_only_runs_the_sources_behind_the_chosen_sections() -> None:
    """`only` keeps the sources feeding those sections; the rest of the snapshot is default-empty."""
    collector = Collector(only=["disk", "memory"])
    assert sorted(collector.source_names) == ["diskio", "filesystems", "memory"]
    assert sources_for(["network"]) == {"network", "sockets", "tcp_states"}
    snapshot = collector.collect()
    assert snapshot.memory.total > 0
    assert any(fs.mount_point == "/" for fs in snapshot.disk.filesystems)
    assert snapshot.processes.items == []
    assert snapshot.cpu.cores == 0


def test_every_section_is_fed_by_a_known_source() -> None:
    """Each Snapshot section maps to sources, and every default source feeds some section."""
    assert set(SECTION_SOURCES) == set(SECTIONS)
    names = Counter(s.name for s in default_sources())
    assert max(names.values()) == 1
    assert set(names) == sources_for(SECTIONS)


def test_whole_snapshot_round_trips_through_msgspec_json() -> None:
    """A real snapshot of this machine encodes to JSON and decodes (type=Snapshot) to an equal value."""
    collector = Collector(interval=0.5)
    collector.collect()
    snapshot = collector.collect()
    encoded = msgspec.json.encode(snapshot)
    assert msgspec.json.decode(encoded, type=Snapshot) == snapshot
    document = msgspec.json.decode(encoded)
    assert "list" in document["processes"]  # the process list is encoded under vminfo's name
    assert document["schema"] == snapshot.schema
    assert snapshot.seq == 2


def test_unknown_source_in_refresh_is_a_config_error() -> None:
    """A misspelt source name in the refresh settings is refused, naming it and the known ones."""
    with pytest.raises(ConfigError, match="procesess"):
        Collector(refresh={"procesess": 5.0})


def test_a_failed_slow_source_is_retried_within_five_ticks() -> None:
    """A source with a 60 s refresh that fails is tried again after five intervals, not sixty."""

    class FlakyOnce(CountingSource):
        name = "flaky"
        refresh = 60.0

        def sample(self, now: float) -> Any:
            self.times.append(now)
            if len(self.times) == 1:
                raise OSError("not yet")
            return MemoryStats(total=len(self.times))

    clock = FakeClock()
    source = FlakyOnce()
    collector = Collector(interval=1.0, sources=[source], clock=clock)
    run(collector, clock, 7)
    assert len(source.times) == 2
    assert source.times[1] - source.times[0] == 5.0
