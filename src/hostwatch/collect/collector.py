"""Composes the sources into one `Snapshot`, each source on its own refresh interval."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import msgspec

from hostwatch.collect.base import Source
from hostwatch.collect.cpu import CpuSource
from hostwatch.collect.disk import DiskIOSource, FilesystemSource
from hostwatch.collect.gpu import GpuSource
from hostwatch.collect.irq import IrqSource
from hostwatch.collect.load import LoadSource
from hostwatch.collect.memory import MemorySource
from hostwatch.collect.network import NetworkSource
from hostwatch.collect.processes import ProcessSource
from hostwatch.collect.raid import RaidSource
from hostwatch.collect.sensors import SensorSource
from hostwatch.collect.sockets import SocketCountsSource, TcpStatesSource
from hostwatch.collect.system import SystemSource
from hostwatch.collect.wifi import WifiSource
from hostwatch.errors import ConfigError
from hostwatch.model import DiskStats, NetworkStats, Snapshot

logger = logging.getLogger(__name__)

# Which sources feed each snapshot section, for `--only` and for skipping work.
SECTION_SOURCES: dict[str, tuple[str, ...]] = {
    "system": ("system",),
    "cpu": ("cpu",),
    "load": ("load",),
    "memory": ("memory",),
    "disk": ("filesystems", "diskio"),
    "network": ("network", "sockets", "tcp_states"),
    "processes": ("processes",),
    "sensors": ("sensors",),
    "gpus": ("gpu",),
    "irqs": ("irq",),
    "wifi": ("wifi",),
    "raid": ("raid",),
}


def default_sources() -> list[Source]:
    """A fresh instance of every source this package knows."""
    return [
        SystemSource(), CpuSource(), LoadSource(), MemorySource(), FilesystemSource(),
        DiskIOSource(), NetworkSource(), SocketCountsSource(), TcpStatesSource(), ProcessSource(),
        SensorSource(),
        GpuSource(), IrqSource(), WifiSource(), RaidSource(),
    ]


def sources_for(sections: Iterable[str]) -> set[str]:
    """Source names that feed the given snapshot sections."""
    names: set[str] = set()
    for section in sections:
        names.update(SECTION_SOURCES[section])
    return names


class Collector:
    """Produces snapshots of this machine; blocking, so run it off the event loop.

    Each call to `collect` samples the sources whose refresh interval has come
    round and reuses the others' last values. A source that raises is logged
    (once per distinct error) and contributes its empty value.
    """

    def __init__(
        self,
        interval: float = 1.0,
        refresh: Mapping[str, float] | None = None,
        sources: list[Source] | None = None,
        only: Iterable[str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval = interval
        self._clock = clock
        wanted = sources_for(only) if only is not None else None
        every = sources if sources is not None else default_sources()
        overrides = dict(refresh or {})
        unknown = sorted(set(overrides) - {s.name for s in every})
        if unknown:
            raise ConfigError(
                f"refresh names unknown source(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(s.name for s in every))}"
            )
        self._sources = [s for s in every if wanted is None or s.name in wanted]
        self._refresh = {s.name: float(overrides.get(s.name, s.refresh)) for s in self._sources}
        self._due: dict[str, float] = {}
        self._values: dict[str, Any] = {s.name: s.empty() for s in self._sources}
        self._errors: dict[str, str] = {}
        self._seq = 0

    @property
    def source_names(self) -> list[str]:
        """Names of the sources this collector runs."""
        return [s.name for s in self._sources]

    def extend_processes(self, pids: Iterable[int]) -> None:
        """Gather extended facts for these processes from the next process sample on."""
        wanted = frozenset(pids)
        for source in self._sources:
            if isinstance(source, ProcessSource):
                source.extended_pids = wanted

    def refresh_of(self, name: str) -> float:
        """Effective refresh interval of one source, never shorter than the collection interval."""
        return max(self._refresh[name], self.interval)

    def collect(self) -> Snapshot:
        """Sample every due source and assemble a snapshot."""
        now = self._clock()
        # A source is due a quarter interval early, so jitter in the loop never
        # makes a 2 s source wait for a third tick.
        slack = self.interval / 4
        for source in self._sources:
            if now + slack < self._due.get(source.name, 0.0):
                continue
            value, ok = self._sample(source, now)
            self._values[source.name] = value
            # A failed source is retried within a few ticks, not after its full refresh (60 s for system).
            refresh = self.refresh_of(source.name)
            self._due[source.name] = now + (refresh if ok else min(refresh, 5 * self.interval))
        self._seq += 1
        return self._assemble()

    def _sample(self, source: Source, now: float) -> tuple[Any, bool]:
        try:
            value = source.sample(now)
        except Exception as exc:  # loop boundary: one broken source must not stop the others
            reason = f"{type(exc).__name__}: {exc}"
            if self._errors.get(source.name) != reason:
                logger.warning("source %s failed, reporting it empty: %s", source.name, reason)
                self._errors[source.name] = reason
            return source.empty(), False
        if self._errors.pop(source.name, None) is not None:
            logger.info("source %s recovered", source.name)
        return value, True

    def _assemble(self) -> Snapshot:
        values = self._values
        wall = time.time()
        parts: dict[str, Any] = {}
        if "system" in values:
            system = values["system"]
            parts["system"] = msgspec.structs.replace(
                system, uptime=round(max(wall - system.boot_time, 0.0), 1) if system.boot_time else 0.0
            )
        for section, name in (
            ("cpu", "cpu"), ("load", "load"), ("memory", "memory"), ("processes", "processes"),
            ("sensors", "sensors"), ("gpus", "gpu"), ("irqs", "irq"), ("wifi", "wifi"), ("raid", "raid"),
        ):
            if name in values:
                parts[section] = values[name]
        if "diskio" in values or "filesystems" in values:
            io: DiskStats = values.get("diskio") or DiskStats()
            parts["disk"] = msgspec.structs.replace(io, filesystems=values.get("filesystems", []))
        if "network" in values or "sockets" in values or "tcp_states" in values:
            net: NetworkStats = values.get("network") or NetworkStats()
            sockets: NetworkStats = values.get("sockets") or NetworkStats()
            parts["network"] = msgspec.structs.replace(
                net,
                tcp_states=values.get("tcp_states", {}),
                tcp_count=sockets.tcp_count,
                udp_count=sockets.udp_count,
                conntrack_count=sockets.conntrack_count,
                conntrack_max=sockets.conntrack_max,
            )
        return Snapshot(time=wall, seq=self._seq, interval=self.interval, **parts)
