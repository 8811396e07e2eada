"""CPU usage by state, totals and per core, from deltas of the kernel's tick counters."""

from __future__ import annotations

from typing import Any

import psutil

from hostwatch.collect.base import RateMeter, Source
from hostwatch.collect.procfs import read_text
from hostwatch.model import CoreUsage, CpuStats, CpuTimesPercent

_STATES = ("user", "system", "idle", "iowait", "irq", "softirq", "nice", "steal", "guest", "guest_nice")


# /proc/stat's column order (proc(5)), and where each column goes in `_STATES` order.
_PROC_STAT_COLUMNS = (
    "user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "guest", "guest_nice",
)
_PROC_STAT_ORDER = tuple(_PROC_STAT_COLUMNS.index(state) for state in _STATES)


def _as_tuple(times: Any) -> tuple[float, ...]:
    return tuple(float(getattr(times, state, 0.0)) for state in _STATES)


def _ticks(fields: list[str]) -> tuple[float, ...]:
    values = [float(v) for v in fields[1:11]] + [0.0] * (11 - len(fields))
    return tuple(values[i] for i in _PROC_STAT_ORDER)


Ticks = tuple[float, ...]
EventCounters = tuple[int, int, int, int]


def parse_proc_stat(text: str) -> tuple[Ticks, list[Ticks], EventCounters]:
    """Whole-machine ticks, per-core ticks (in `_STATES` order) and event counters from /proc/stat.

    One read of /proc/stat gives what psutil takes three reads of it to give.
    """
    total: tuple[float, ...] = (0.0,) * len(_STATES)
    cores: list[tuple[float, ...]] = []
    ctxt = intr = softirq = 0
    for line in text.splitlines():
        fields = line.split()
        if not fields:
            continue
        key = fields[0]
        if key == "cpu":
            total = _ticks(fields)
        elif key.startswith("cpu"):
            cores.append(_ticks(fields))
        elif key == "ctxt":
            ctxt = int(fields[1])
        elif key == "intr":
            intr = int(fields[1])
        elif key == "softirq":
            softirq = int(fields[1])
    return total, cores, (ctxt, intr, softirq, 0)


def _read_counters() -> tuple[Ticks, list[Ticks], EventCounters]:
    text = read_text("/proc/stat")
    if text is not None:
        return parse_proc_stat(text)
    stats = psutil.cpu_stats()
    return (
        _as_tuple(psutil.cpu_times()),
        [_as_tuple(t) for t in psutil.cpu_times(percpu=True)],
        (stats.ctx_switches, stats.interrupts, stats.soft_interrupts, stats.syscalls),
    )


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
        total, cores, counters = _read_counters()
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
            ctx_switches=counters[0],
            ctx_switches_rate=round(rates[0], 1),
            interrupts=counters[1],
            interrupts_rate=round(rates[1], 1),
            soft_interrupts=counters[2],
            soft_interrupts_rate=round(rates[2], 1),
            syscalls=counters[3],
            syscalls_rate=round(rates[3], 1),
            per_core=per_core,
            time_since_update=round(elapsed, 3),
        )

    def empty(self) -> CpuStats:
        return CpuStats()


def usage_of(stats: CpuStats) -> CpuTimesPercent:
    """The whole-machine breakdown alone, without counters or cores."""
    return CpuTimesPercent(**{f: getattr(stats, f) for f in CpuTimesPercent.__struct_fields__})
