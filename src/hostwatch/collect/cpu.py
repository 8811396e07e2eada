"""CPU usage by state, totals and per core, from deltas of the kernel's tick counters."""

from __future__ import annotations

from typing import Any

import psutil

from hostwatch.collect.base import RateMeter, Source
from hostwatch.model import CoreUsage, CpuStats, CpuTimesPercent

_STATES = ("user", "system", "idle", "iowait", "irq", "softirq", "nice", "steal", "guest", "guest_nice")


def _as_tuple(times: Any) -> tuple[float, ...]:
    return tuple(float(getattr(times, state, 0.0)) for state in _STATES)


def times_percent(before: tuple[float, ...], after: tuple[float, ...]) -> dict[str, float]:
    """Each state's share of the elapsed ticks, in percent, and the busy `total`.

    Linux already counts guest time inside user (and guest_nice inside nice), so
    as psutil does, those two are left out of the denominator.
    """
    delta = dict(zip(_STATES, (max(a - b, 0.0) for a, b in zip(after, before, strict=True)), strict=True))
    elapsed = sum(delta.values()) - delta["guest"] - delta["guest_nice"]
    if elapsed <= 0:
        return dict.fromkeys(_STATES, 0.0) | {"total": 0.0}
    shares = {state: round(100.0 * value / elapsed, 1) for state, value in delta.items()}
    busy = elapsed - delta["idle"] - delta["iowait"]
    shares["total"] = round(min(max(100.0 * busy / elapsed, 0.0), 100.0), 1)
    return shares


class CpuSource(Source):
    """Usage percentages and kernel event counters; the first sample reports zeros."""

    name = "cpu"
    refresh = 1.0

    def __init__(self) -> None:
        self._last_total: tuple[float, ...] | None = None
        self._last_cores: list[tuple[float, ...]] = []
        self._meter = RateMeter()

    def sample(self, now: float) -> CpuStats:
        total = _as_tuple(psutil.cpu_times())
        cores = [_as_tuple(t) for t in psutil.cpu_times(percpu=True)]
        stats = psutil.cpu_stats()
        counters = (stats.ctx_switches, stats.interrupts, stats.soft_interrupts, stats.syscalls)
        elapsed = self._meter.elapsed("stats", now)
        rates = self._meter.rates("stats", counters, now)

        overall = times_percent(self._last_total or total, total)
        per_core = [
            CoreUsage(
                number=i,
                **times_percent(
                    self._last_cores[i] if i < len(self._last_cores) else times, times
                ),
            )
            for i, times in enumerate(cores)
        ]
        self._last_total, self._last_cores = total, cores
        return CpuStats(
            **overall,
            cores=len(cores),
            ctx_switches=stats.ctx_switches,
            ctx_switches_rate=round(rates[0], 1),
            interrupts=stats.interrupts,
            interrupts_rate=round(rates[1], 1),
            soft_interrupts=stats.soft_interrupts,
            soft_interrupts_rate=round(rates[2], 1),
            syscalls=stats.syscalls,
            syscalls_rate=round(rates[3], 1),
            per_core=per_core,
            time_since_update=round(elapsed, 3),
        )

    def empty(self) -> CpuStats:
        return CpuStats()


def usage_of(stats: CpuStats) -> CpuTimesPercent:
    """The whole-machine breakdown alone, without counters or cores."""
    return CpuTimesPercent(**{f: getattr(stats, f) for f in CpuTimesPercent.__struct_fields__})
