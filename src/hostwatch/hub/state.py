"""The latest state of each host and a short in-memory history of its key figures."""

from __future__ import annotations

import logging
import time
from collections import deque

import msgspec

from hostwatch.hub.health import Health
from hostwatch.hub.hosts import Host
from hostwatch.hub.process_rows import ProcessRows
from hostwatch.model import Snapshot

logger = logging.getLogger(__name__)


class HistoryPoint(msgspec.Struct, kw_only=True, array_like=False):
    """The figures a short chart needs from one snapshot."""

    time: float
    cpu: float
    user: float
    system: float
    iowait: float
    per_core: list[float]
    memory: float
    swap: float
    load1: float
    net_recv_rate: float
    net_sent_rate: float
    disk_read_rate: float
    disk_write_rate: float
    load5: float = 0.0
    load15: float = 0.0
    net: dict[str, tuple[float, float]] = {}
    """Interface name to (receive, send) bytes per second."""
    disks: dict[str, tuple[float, float]] = {}
    """Block device to (read, write) bytes per second."""
    fs: dict[str, float] = {}
    """Mount point to used percent."""


def history_point(snapshot: Snapshot) -> HistoryPoint:
    """A snapshot reduced to its `HistoryPoint`."""
    cpu = snapshot.cpu
    return HistoryPoint(
        time=snapshot.time,
        cpu=cpu.total,
        user=cpu.user,
        system=cpu.system,
        iowait=cpu.iowait,
        per_core=[core.total for core in cpu.per_core],
        memory=snapshot.memory.percent,
        swap=snapshot.memory.swap.percent,
        load1=snapshot.load.min1,
        net_recv_rate=snapshot.network.bytes_recv_rate,
        net_sent_rate=snapshot.network.bytes_sent_rate,
        disk_read_rate=snapshot.disk.read_bytes_rate,
        disk_write_rate=snapshot.disk.write_bytes_rate,
        load5=snapshot.load.min5,
        load15=snapshot.load.min15,
        net={i.name: (i.bytes_recv_rate, i.bytes_sent_rate) for i in snapshot.network.interfaces},
        disks={d.name: (d.read_bytes_rate, d.write_bytes_rate) for d in snapshot.disk.io},
        fs={f.mount_point: f.percent for f in snapshot.disk.filesystems},
    )


class HostState:
    """What the hub holds for one host: its latest snapshot and health, and a ring of points.

    `version` grows by one per ingested snapshot, so readers can cache anything
    derived from the state and know when it is stale. An agent's process rows stay
    encoded until `snapshot` is first read (see `hub.process_rows`); readers that need
    no rows (host lists) read `figures` and never pay for them.
    """

    def __init__(self, host: Host, history_size: int) -> None:
        self.host = host
        self._latest: Snapshot | None = None
        self._rows: ProcessRows | None = None
        self.health = Health()
        self.history: deque[HistoryPoint] = deque(maxlen=history_size)
        self.version = 0
        self.received_at = 0.0
        self.extended_pids: frozenset[int] = frozenset()
        """Processes whose extended facts clients asked for; the host's agent collects them."""

    @property
    def snapshot(self) -> Snapshot | None:
        """The latest snapshot, whole: process rows an agent sent are decoded on this first read."""
        rows = self._rows
        if rows is not None and self._latest is not None:
            self._latest = rows.fill(self._latest)
            self._rows = None
            if rows.error:
                logger.warning("host %s sent process rows that do not decode (%s); showing none",
                               self.host.id, rows.error)
        return self._latest

    @property
    def figures(self) -> Snapshot | None:
        """The latest snapshot for readers that need no process rows (its `processes.list` and
        `programs` may be empty where the agent's are not decoded yet; the counts are there)."""
        return self._latest

    @property
    def reported(self) -> bool:
        """Whether the host has sent a snapshot yet."""
        return self._latest is not None

    def update(self, snapshot: Snapshot, health: Health, rows: ProcessRows | None = None) -> None:
        """Make `snapshot` the latest; `rows`, when given, are its process rows still encoded."""
        self._latest = snapshot
        self._rows = rows
        self.health = health
        self.history.append(history_point(snapshot))
        self.received_at = time.time()
        self.version += 1

    def online(self, now: float | None = None) -> bool:
        """True while reports arrive; offline after three missed intervals."""
        if self._latest is None:
            return False
        now = time.time() if now is None else now
        return now - self.received_at <= 3 * max(self.host.interval, 0.1) + 1.0
