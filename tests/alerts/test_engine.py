"""Glances-style events from threshold rules: open, update, escalate, close, clear."""

from __future__ import annotations

from typing import Any

import pytest

from hostwatch.alerts.engine import AlertEngine, Transition
from hostwatch.alerts.events import ONGOING
from hostwatch.alerts.rules import ThresholdRule, glances_rules
from hostwatch.hub.hub import Hub
from hostwatch.model import CpuStats, LoadAverage, MemoryStats, ProcessInfo, ProcessStats, Snapshot, SwapStats

# The defaults of Glances' /api/4/all/limits for the plugins whose alerts it logs.
LIMITS: dict[str, dict[str, Any]] = {
    "cpu": {
        "cpu_total_careful": 65.0, "cpu_total_warning": 75.0, "cpu_total_critical": 85.0,
        "cpu_total_log": ["True"],
        "cpu_user_careful": 50.0, "cpu_user_warning": 70.0, "cpu_user_critical": 90.0,
        "cpu_user_log": ["False"],
    },
    "mem": {"mem_careful": 50.0, "mem_warning": 70.0, "mem_critical": 90.0},
    "memswap": {"memswap_careful": 50.0, "memswap_warning": 70.0, "memswap_critical": 90.0},
    "load": {"load_careful": 0.7, "load_warning": 1.0, "load_critical": 5.0},
}

PROCESSES = ProcessStats(items=[
    ProcessInfo(pid=1, name="idle", cpu_percent=0.1, memory_percent=0.1),
    ProcessInfo(pid=2, name="spin", cpu_percent=95.0, memory_percent=1.0),
    ProcessInfo(pid=3, name="hog", cpu_percent=5.0, memory_percent=60.0),
    ProcessInfo(pid=4, name="web", cpu_percent=20.0, memory_percent=10.0),
])


def snap(t: float, cpu: float = 10.0, **parts: Any) -> Snapshot:
    return Snapshot(time=t, cpu=CpuStats(total=cpu, cores=2), processes=PROCESSES, **parts)


def engine() -> AlertEngine:
    rules = glances_rules(LIMITS)
    return AlertEngine(lambda _host: rules)


def test_rules_follow_glances_log_flags() -> None:
    """Only CPU fields whose log flag is on become rules, plus memory, swap and load."""
    assert [r.type for r in glances_rules(LIMITS)] == ["CPU_TOTAL", "MEM", "MEMSWAP", "LOAD"]


@pytest.mark.parametrize(
    ("value", "level"), [(64.9, "OK"), (65, "CAREFUL"), (75, "WARNING"), (85, "CRITICAL")]
)
def test_levels_at_each_mark(value: float, level: str) -> None:
    """A value at a mark takes that mark's level."""
    rule = ThresholdRule(type="X", measure=lambda s: None, careful=65, warning=75, critical=85)
    assert rule.level(value) == level


def test_an_event_opens_at_warning_updates_escalates_and_closes() -> None:
    """CPU at 80, 90, 78 then 20: one event, escalated to CRITICAL, with its statistics, then closed."""
    alerts = engine()
    seen: list[Transition] = []
    alerts.subscribe(seen.append)
    assert alerts.evaluate(1, snap(100.0, cpu=70.0)) == []  # careful: no event
    alerts.evaluate(1, snap(101.0, cpu=80.0))
    alerts.evaluate(1, snap(102.0, cpu=90.0))
    alerts.evaluate(1, snap(103.0, cpu=78.0))
    (event,) = alerts.events(1)
    assert event.end == ONGOING
    assert event.state == "CRITICAL"
    assert (event.min, event.max, event.sum, event.count) == (78.0, 90.0, 248.0, 3)
    assert event.avg == pytest.approx(82.67, abs=0.01)
    assert event.top == ["spin", "web", "hog"]
    assert event.sort == "cpu_percent"
    assert event.global_msg == "High CPU consumption"
    alerts.evaluate(1, snap(104.0, cpu=20.0))
    (closed,) = alerts.events(1)
    assert closed.end == 104.0
    assert [t.kind for t in seen] == ["opened", "escalated", "closed"]


def test_memory_events_sort_by_memory_and_hosts_are_separate() -> None:
    """A memory event lists the biggest processes by memory; another host's log is untouched."""
    alerts = engine()
    full = MemoryStats(total=100, available=20)
    alerts.evaluate(7, snap(1.0, memory=full))
    (event,) = alerts.events(7)
    assert event.type == "MEM"
    assert event.sort == "memory_percent"
    assert event.top[0] == "hog"
    assert alerts.events(8) == []


def test_load_is_judged_per_core_on_the_15_minute_average() -> None:
    """LOAD compares min15 per core with the marks."""
    alerts = engine()
    alerts.evaluate(1, snap(1.0, load=LoadAverage(min1=9, min15=1.9, cores=2)))
    assert alerts.events(1) == []
    alerts.evaluate(1, snap(2.0, load=LoadAverage(min15=2.2, cores=2)))
    assert [e.type for e in alerts.events(1)] == ["LOAD"]


def test_swap_without_swap_space_never_alerts() -> None:
    """A host with no swap has no swap share to judge."""
    alerts = engine()
    alerts.evaluate(1, snap(1.0, memory=MemoryStats(total=100, available=90, swap=SwapStats())))
    assert alerts.events(1) == []


def test_clear_drops_finished_warnings_or_all_finished_events() -> None:
    """clear(warnings_only) drops finished WARNING events; clear(all) every finished one; ongoing stay."""
    alerts = engine()
    alerts.evaluate(1, snap(1.0, cpu=80.0))   # warning event opens
    alerts.evaluate(1, snap(2.0, cpu=10.0))   # and closes
    alerts.evaluate(1, snap(3.0, cpu=95.0))   # critical event opens
    alerts.evaluate(1, snap(4.0, cpu=10.0))   # and closes
    alerts.evaluate(1, snap(5.0, cpu=80.0))   # an ongoing warning
    assert len(alerts.events(1)) == 3
    assert alerts.clear(1, warnings_only=True) == 1
    assert [e.state for e in alerts.events(1)] == ["WARNING", "CRITICAL"]
    assert alerts.clear(1, warnings_only=False) == 1
    (left,) = alerts.events(1)
    assert left.ongoing


def test_the_log_keeps_the_newest_ten() -> None:
    """Past ten events the oldest finished ones are dropped."""
    alerts = engine()
    for i in range(15):
        alerts.evaluate(1, snap(2.0 * i, cpu=80.0))
        alerts.evaluate(1, snap(2.0 * i + 1, cpu=10.0))
    events = alerts.events(1)
    assert len(events) == 10
    assert events[0].begin == 28.0


def test_a_failing_listener_does_not_stop_alerting() -> None:
    """A listener that raises is logged and the engine carries on."""
    alerts = engine()

    def broken(_transition: Transition) -> None:
        raise RuntimeError("notifier down")

    alerts.subscribe(broken)
    alerts.evaluate(1, snap(1.0, cpu=99.0))
    assert len(alerts.events(1)) == 1


def test_the_hub_evaluates_alerts_on_every_ingest() -> None:
    """Ingesting snapshots through the hub opens events in its engine."""
    alerts = engine()
    hub = Hub(alerts=alerts)
    host = hub.register("agent", "box")
    hub.ingest(host, snap(1.0, cpu=99.0))
    assert [e.type for e in alerts.events(host.id)] == ["CPU_TOTAL"]
