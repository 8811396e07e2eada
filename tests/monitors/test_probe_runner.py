"""ProbeRunner, the scheduler the hub and agents share: probes at each interval, replaced specs."""

from __future__ import annotations

import asyncio
import time

from monitor_support import running_services

from conftest import free_port
from hostwatch.monitors.runner import ProbeRunner
from hostwatch.monitors.spec import MonitorResult, MonitorSpec, parse_spec


async def _until(results: list[MonitorResult], count: int, deadline: float = 10) -> None:
    end = time.monotonic() + deadline
    while len(results) < count and time.monotonic() < end:
        await asyncio.sleep(0.02)
    assert len(results) >= count


def test_runner_probes_at_once_then_every_interval_and_follows_set_specs() -> None:
    """The first probe runs at once, the next an interval later; a changed spec restarts with the
    new one, a removed or disabled one stops, and `stop` ends every task."""
    results: list[MonitorResult] = []

    async def scenario(tcp_port: int) -> None:
        runner = ProbeRunner(results.append)
        await runner.start()
        open_port = parse_spec({"kind": "tcp", "target": "127.0.0.1", "port": tcp_port, "interval": 1}, 1)
        start = time.monotonic()
        runner.set_specs([open_port])
        await _until(results, 1)
        assert time.monotonic() - start < 0.5
        await _until(results, 2)
        assert time.monotonic() - start >= 0.9
        assert all(r.up and r.monitor_id == 1 for r in results)
        closed = parse_spec({"kind": "tcp", "target": "127.0.0.1", "port": free_port(), "interval": 1}, 1)
        disabled = MonitorSpec(id=2, name="off", kind="icmp", target="127.0.0.1", enabled=False)
        runner.set_specs([closed, disabled])
        before = len(results)
        await _until(results, before + 1)
        assert not results[-1].up
        assert [s.id for s in runner.specs()] == [1]
        runner.set_specs([])
        await asyncio.sleep(0.05)
        stopped_at = len(results)
        await asyncio.sleep(1.2)
        assert len(results) == stopped_at
        await runner.stop()
        assert [t for t in asyncio.all_tasks() if t.get_name().startswith("monitor-")] == []

    with running_services() as services:
        asyncio.run(scenario(services.tcp_port))
