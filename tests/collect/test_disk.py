"""File systems against os.statvfs, and block-device I/O counters and rates."""

from __future__ import annotations

import os
import tempfile
import time
from collections import namedtuple
from pathlib import Path

import psutil
import pytest
from collect_support import poll

from hostwatch.collect.disk import DiskIOSource, FilesystemSource, is_physical_disk
from hostwatch.model import DiskIO, DiskStats, Filesystem

PSEUDO = frozenset({
    "proc", "sysfs", "tmpfs", "devtmpfs", "devpts", "cgroup", "cgroup2", "mqueue", "debugfs", "tracefs",
    "securityfs", "pstore", "bpf", "configfs", "fusectl", "hugetlbfs", "autofs", "nsfs", "binfmt_misc",
    "rpc_pipefs", "ramfs", "efivarfs",
})
MiB = 1 << 20
Partition = namedtuple("Partition", "device mountpoint fstype opts")


def root_of(filesystems: list[Filesystem]) -> Filesystem:
    """The file system mounted at /."""
    return next(fs for fs in filesystems if fs.mount_point == "/")


def test_root_is_listed_with_the_size_and_free_space_statvfs_gives() -> None:
    """`/` is present; size is f_blocks x f_frsize exactly, free is f_bavail x f_frsize within 64 MiB."""
    before = os.statvfs("/")
    root = root_of(FilesystemSource().sample(0.0))
    after = os.statvfs("/")
    assert root.size == before.f_blocks * before.f_frsize
    free = sorted((before.f_bavail * before.f_frsize, after.f_bavail * after.f_frsize))
    assert free[0] - 64 * MiB <= root.free <= free[1] + 64 * MiB
    used = sorted((s.f_blocks - s.f_bfree) * s.f_frsize for s in (before, after))
    assert used[0] - 64 * MiB <= root.used <= used[1] + 64 * MiB
    assert root.fs_type
    assert root.device


def test_percent_is_used_over_used_plus_free_like_df() -> None:
    """Reserved blocks are left out, as df(1) does: percent = used / (used + free)."""
    for fs in FilesystemSource().sample(0.0):
        assert 0.0 <= fs.percent <= 100.0
        if fs.used + fs.free:
            assert fs.percent == pytest.approx(100.0 * fs.used / (fs.used + fs.free), abs=0.1)


def test_pseudo_file_systems_are_not_listed() -> None:
    """proc, sysfs, tmpfs, cgroup and the like are skipped; they hold no user data."""
    filesystems = FilesystemSource().sample(0.0)
    assert filesystems, "at least / is a real file system"
    assert not [fs for fs in filesystems if fs.fs_type in PSEUDO]
    assert not [fs for fs in filesystems if fs.mount_point.startswith(("/proc", "/sys"))]


def test_container_overlay_root_is_still_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    """In a container `/` is an overlay, which psutil calls pseudo; the root is still reported."""
    real = {
        False: [Partition("/dev/vdb", "/data-not-mounted", "ext4", "rw")],
        True: [
            Partition("overlay", "/", "overlay", "rw,relatime"),
            Partition("proc", "/proc", "proc", "rw"),
            Partition("tmpfs", "/dev", "tmpfs", "rw"),
        ],
    }
    monkeypatch.setattr(psutil, "disk_partitions", lambda all=False: list(real[all]))  # noqa: A006 psutil's keyword
    filesystems = FilesystemSource().sample(0.0)
    # The unmounted path cannot be measured and is skipped; the overlay root is kept.
    assert [(fs.device, fs.mount_point, fs.fs_type) for fs in filesystems] == [("overlay", "/", "overlay")]
    assert filesystems[0].size == os.statvfs("/").f_blocks * os.statvfs("/").f_frsize


def test_first_disk_io_sample_reports_zero_rates() -> None:
    """Counters since boot are reported, but no rate until there is a previous sample."""
    stats = DiskIOSource().sample(time.monotonic())
    assert stats.time_since_update == 0.0
    assert (stats.read_bytes_rate, stats.write_bytes_rate) == (0.0, 0.0)
    for device in stats.io:
        assert device.read_bytes_rate == device.write_bytes_rate == 0.0
        assert device.read_count_rate == device.write_count_rate == device.busy_percent == 0.0


def test_unused_loop_ram_and_zram_devices_are_left_out() -> None:
    """Devices every kernel creates but nobody used (loop, ram, zram with no I/O) are not listed."""
    for device in DiskIOSource().sample(0.0).io:
        if device.name.startswith(("loop", "ram", "zram")):
            assert device.read_count or device.write_count


def test_device_counters_are_the_kernels_own() -> None:
    """Each device's cumulative byte counters lie between two readings of psutil's /proc/diskstats view."""
    before = psutil.disk_io_counters(perdisk=True) or {}
    stats = DiskIOSource().sample(0.0)
    after = psutil.disk_io_counters(perdisk=True) or {}
    for device in stats.io:
        if device.name in before and device.name in after:
            assert before[device.name].read_bytes <= device.read_bytes <= after[device.name].read_bytes
            assert before[device.name].write_bytes <= device.write_bytes <= after[device.name].write_bytes


def disk_backed_directory(tmp_path: Path) -> Path:
    """A writable directory on a block device (tmp_path unless /tmp is a RAM file system)."""
    mounts = sorted(psutil.disk_partitions(all=True), key=lambda p: len(p.mountpoint), reverse=True)
    for candidate in (tmp_path, Path.home(), Path(__file__).parent):
        mount = next((m for m in mounts if candidate.resolve().is_relative_to(m.mountpoint)), None)
        if mount is not None and mount.fstype not in {"tmpfs", "ramfs", "devtmpfs"} and os.access(
            candidate, os.W_OK
        ):
            return candidate
    pytest.skip("no writable directory on a block device: every candidate is in RAM")


def test_writing_and_fsyncing_a_file_raises_write_counters_and_rate(tmp_path: Path) -> None:
    """4 MiB written and fsynced shows in the devices' write_bytes, and as a positive rate."""
    if not psutil.disk_io_counters(perdisk=True):
        pytest.skip("this kernel exposes no block-device counters (no /proc/diskstats entries)")
    source = DiskIOSource()
    first = source.sample(time.monotonic())
    written_before = sum(d.write_bytes for d in first.io)
    with tempfile.TemporaryDirectory(dir=disk_backed_directory(tmp_path)) as directory:
        path = Path(directory) / "payload"
        with path.open("wb") as handle:
            handle.write(os.urandom(4 * MiB))
            handle.flush()
            os.fsync(handle.fileno())

        def written() -> DiskStats | None:
            stats = source.sample(time.monotonic())
            return stats if sum(d.write_bytes for d in stats.io) - written_before >= MiB else None

        later = poll(written, deadline=15, step=0.1, what="device write_bytes to grow by 1 MiB")
    grown = [d for d in later.io if d.write_bytes_rate > 0]
    assert grown, "some device wrote since the previous sample"
    for device in later.io:
        for field in DiskIO.__struct_fields__:
            if field.endswith(("_rate", "_percent")):
                assert getattr(device, field) >= 0.0, (device.name, field)
    assert later.time_since_update > 0
    assert later.write_bytes_rate >= 0.0


def test_rates_stay_non_negative_over_several_samples() -> None:
    """Successive samples never report a negative rate or busy share, for any device or the totals."""
    source = DiskIOSource()
    for step in range(4):
        stats = source.sample(1000.0 + step * 0.5)
        assert stats.read_bytes_rate >= 0.0
        assert stats.write_bytes_rate >= 0.0
        for device in stats.io:
            assert 0.0 <= device.busy_percent <= 100.0
            assert min(getattr(device, f) for f in DiskIO.__struct_fields__ if f.endswith("_rate")) >= 0.0


def test_device_totals_count_whole_disks_only() -> None:
    """Partitions repeat their disk's bytes, so the machine totals add up whole disks alone."""
    source = DiskIOSource()
    source.sample(time.monotonic())
    stats = source.sample(time.monotonic() + 1.0)
    whole = [d for d in stats.io if is_physical_disk(d.name)]
    assert stats.write_bytes_rate == pytest.approx(sum(d.write_bytes_rate for d in whole), abs=0.2)
    assert stats.read_bytes_rate == pytest.approx(sum(d.read_bytes_rate for d in whole), abs=0.2)
    if Path("/sys/block").is_dir():
        assert all(Path("/sys/block", d.name).exists() for d in whole)


def test_empty_values_are_declared() -> None:
    """A host without file systems or block devices reports empty lists."""
    assert FilesystemSource().empty() == []
    assert DiskIOSource().empty() == DiskStats()
