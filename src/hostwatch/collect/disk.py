"""Mounted file systems (usage) and block devices (I/O counters and rates)."""

from __future__ import annotations

import logging
import os

import psutil

from hostwatch.collect.base import RateMeter, Source
from hostwatch.model import DiskIO, DiskStats, Filesystem

logger = logging.getLogger(__name__)

# Container roots are overlays, which psutil counts as pseudo file systems; the
# root mount is still the disk the user cares about.
_ROOT_OVERLAY_TYPES = frozenset({"overlay", "aufs", "fuse-overlayfs", "zfs", "btrfs"})
# Block devices that exist on every kernel but mean nothing until used.
_QUIET_DEVICE_PREFIXES = ("loop", "ram", "zram")


def is_physical_disk(name: str) -> bool:
    """True for a disk that holds its own data: not a partition, nor a device-mapper or md
    device stacked on other disks, so that I/O totals count each byte once."""
    if not os.path.isdir("/sys/block"):
        return True
    if not os.path.exists(f"/sys/block/{name}"):
        return False
    try:
        return not os.listdir(f"/sys/block/{name}/slaves")
    except OSError:
        return True


class FilesystemSource(Source):
    """Size, used and free space of each real mounted file system."""

    name = "filesystems"
    refresh = 5.0

    def sample(self, now: float) -> list[Filesystem]:
        partitions = psutil.disk_partitions(all=False)
        if not any(p.mountpoint == "/" for p in partitions):
            partitions += [
                p
                for p in psutil.disk_partitions(all=True)
                if p.mountpoint == "/" and p.fstype in _ROOT_OVERLAY_TYPES
            ]
        result: list[Filesystem] = []
        for part in partitions:
            try:
                usage = psutil.disk_usage(part.mountpoint)
            except OSError as exc:
                logger.debug("skipping %s: %s", part.mountpoint, exc)
                continue
            result.append(
                Filesystem(
                    device=part.device,
                    mount_point=part.mountpoint,
                    fs_type=part.fstype,
                    options=part.opts,
                    size=usage.total,
                    used=usage.used,
                    free=usage.free,
                    percent=usage.percent,
                )
            )
        return result

    def empty(self) -> list[Filesystem]:
        return []


class DiskIOSource(Source):
    """Per-device cumulative counters and their per-second rates."""

    name = "diskio"
    refresh = 1.0

    def __init__(self) -> None:
        self._meter = RateMeter()
        self._last_time: float | None = None
        self._physical: dict[str, bool] = {}

    def _is_physical(self, name: str) -> bool:
        known = self._physical.get(name)
        if known is None:
            known = self._physical[name] = is_physical_disk(name)
        return known

    def sample(self, now: float) -> DiskStats:
        counters = psutil.disk_io_counters(perdisk=True) or {}
        elapsed = now - self._last_time if self._last_time is not None else 0.0
        self._last_time = now
        devices: list[DiskIO] = []
        for name, c in counters.items():
            if name.startswith(_QUIET_DEVICE_PREFIXES) and not (c.read_count or c.write_count):
                continue
            busy = getattr(c, "busy_time", 0)
            r = self._meter.rates(
                name,
                (c.read_count, c.write_count, c.read_bytes, c.write_bytes, c.read_time, c.write_time, busy),
                now,
            )
            devices.append(
                DiskIO(
                    name=name,
                    read_count=c.read_count,
                    write_count=c.write_count,
                    read_bytes=c.read_bytes,
                    write_bytes=c.write_bytes,
                    read_time=c.read_time,
                    write_time=c.write_time,
                    busy_time=busy,
                    read_count_rate=round(r[0], 2),
                    write_count_rate=round(r[1], 2),
                    read_bytes_rate=round(r[2], 1),
                    write_bytes_rate=round(r[3], 1),
                    read_time_rate=round(r[4], 2),
                    write_time_rate=round(r[5], 2),
                    busy_percent=round(min(r[6] / 10.0, 100.0), 1),
                )
            )
        self._meter.forget_missing(set(counters))
        whole = [d for d in devices if self._is_physical(d.name)]
        return DiskStats(
            io=devices,
            read_bytes_rate=round(sum(d.read_bytes_rate for d in whole), 1),
            write_bytes_rate=round(sum(d.write_bytes_rate for d in whole), 1),
            time_since_update=round(elapsed, 3),
        )

    def empty(self) -> DiskStats:
        return DiskStats()
