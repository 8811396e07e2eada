"""Physical memory and swap."""

from __future__ import annotations

import psutil

from hostwatch.collect.base import RateMeter, Source
from hostwatch.model import MemoryStats, SwapStats


class MemorySource(Source):
    """psutil's view of /proc/meminfo, swap nested, swap-in/out as rates too."""

    name = "memory"
    refresh = 1.0

    def __init__(self) -> None:
        self._meter = RateMeter()

    def sample(self, now: float) -> MemoryStats:
        vm = psutil.virtual_memory()
        sw = psutil.swap_memory()
        sin_rate, sout_rate = self._meter.rates("swap", (sw.sin, sw.sout), now)
        return MemoryStats(
            total=vm.total,
            available=vm.available,
            percent=vm.percent,
            used=vm.used,
            free=vm.free,
            active=getattr(vm, "active", 0),
            inactive=getattr(vm, "inactive", 0),
            buffers=getattr(vm, "buffers", 0),
            cached=getattr(vm, "cached", 0),
            shared=getattr(vm, "shared", 0),
            swap=SwapStats(
                total=sw.total,
                used=sw.used,
                free=sw.free,
                percent=sw.percent,
                sin=sw.sin,
                sout=sw.sout,
                sin_rate=round(sin_rate, 1),
                sout_rate=round(sout_rate, 1),
            ),
        )

    def empty(self) -> MemoryStats:
        return MemoryStats()
