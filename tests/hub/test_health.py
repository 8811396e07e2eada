"""The health score and vminfo's warning codes, on snapshots built to cross each threshold."""

from __future__ import annotations

import pytest

from hostwatch.config import HealthThresholds
from hostwatch.hub.health import evaluate
from hostwatch.model import (
    CpuStats,
    DiskStats,
    Filesystem,
    LoadAverage,
    MemoryStats,
    NetworkStats,
    ProcessInfo,
    ProcessStats,
    Sensor,
    Snapshot,
    SwapStats,
)

LIMITS = HealthThresholds()


def codes(snapshot: Snapshot) -> dict[str, str]:
    return {f"{w.code}:{w.subject}" if w.subject else w.code: w.level
            for w in evaluate(snapshot, LIMITS).warnings}


def test_an_idle_host_scores_100() -> None:
    """Nothing over any threshold: score 100 and no warnings."""
    health = evaluate(Snapshot(time=0.0), LIMITS)
    assert health.score == 100
    assert health.warnings == []


@pytest.mark.parametrize(("value", "level"), [(74.9, None), (75.0, "warning"), (89.9, "warning"),
                                              (90.0, "critical")])
def test_cpu_high_at_75_and_90(value: float, level: str | None) -> None:
    """cpu_high warns from 75 % and is critical from 90 %."""
    assert codes(Snapshot(time=0.0, cpu=CpuStats(total=value))).get("cpu_high") == level


def test_load_is_judged_per_core() -> None:
    """load_high compares load1 per core with 1.0 and 1.5."""
    assert "load_high" not in codes(Snapshot(time=0.0, load=LoadAverage(min1=3.9, cores=4)))
    assert codes(Snapshot(time=0.0, load=LoadAverage(min1=4.0, cores=4)))["load_high"] == "warning"
    assert codes(Snapshot(time=0.0, load=LoadAverage(min1=6.0, cores=4)))["load_high"] == "critical"


def test_memory_and_swap() -> None:
    """memory_high at 80/90 %; swap_high at 50 % is a warning only, and only with swap present."""
    assert codes(Snapshot(time=0.0, memory=MemoryStats(percent=85)))["memory_high"] == "warning"
    assert codes(Snapshot(time=0.0, memory=MemoryStats(percent=95)))["memory_high"] == "critical"
    swapping = MemoryStats(swap=SwapStats(total=100, percent=99))
    assert codes(Snapshot(time=0.0, memory=swapping))["swap_high"] == "warning"


def test_disk_is_judged_per_mount_point() -> None:
    """Each file system is its own disk_high finding, named by mount point."""
    disk = DiskStats(filesystems=[
        Filesystem(device="a", mount_point="/", percent=50),
        Filesystem(device="b", mount_point="/var", percent=88),
        Filesystem(device="c", mount_point="/srv", percent=97),
    ])
    found = codes(Snapshot(time=0.0, disk=disk))
    assert found == {"disk_high:/var": "warning", "disk_high:/srv": "critical"}


def test_one_busy_process_warns() -> None:
    """process_cpu_high names the busiest process when it reaches 90 %."""
    processes = ProcessStats(items=[ProcessInfo(pid=7, name="spin", cpu_percent=95.0),
                                    ProcessInfo(pid=8, name="calm", cpu_percent=1.0)])
    health = evaluate(Snapshot(time=0.0, processes=processes), LIMITS)
    (warning,) = health.warnings
    assert warning.code == "process_cpu_high"
    assert "spin" in warning.message
    assert warning.subject == "7"


def test_network_errors_drops_connections_and_conntrack() -> None:
    """Network errors and drops per second, TCP connection counts and conntrack fill each warn."""
    network = NetworkStats(errors_rate=12, drops_rate=150, tcp_count=25_000, conntrack_count=90,
                           conntrack_max=100)
    assert codes(Snapshot(time=0.0, network=network)) == {
        "network_errors": "warning",
        "network_drops": "critical",
        "tcpconn_high": "critical",
        "conntrack_high": "warning",
    }


def test_sensor_hot_uses_the_sensors_own_marks() -> None:
    """sensor_hot warns at the sensor's high mark and is critical at its critical mark."""
    sensors = [
        Sensor(label="Core 0", kind="temperature", value=85, unit="C", high=80, critical=100),
        Sensor(label="Core 1", kind="temperature", value=101, unit="C", high=80, critical=100),
        Sensor(label="Core 2", kind="temperature", value=60, unit="C", high=80, critical=100),
        Sensor(label="NVMe", kind="temperature", value=99, unit="C"),
        Sensor(label="Fan", kind="fan", value=9000, unit="RPM"),
    ]
    assert codes(Snapshot(time=0.0, sensors=sensors)) == {
        "sensor_hot:Core 0": "warning",
        "sensor_hot:Core 1": "critical",
    }


def test_score_loses_10_per_warning_and_20_per_critical_never_below_zero() -> None:
    """Score = 100 - 10 x warnings - 20 x criticals, floored at 0."""
    one_each = Snapshot(time=0.0, cpu=CpuStats(total=80), memory=MemoryStats(percent=95))
    assert evaluate(one_each, LIMITS).score == 70
    disks = DiskStats(
        filesystems=[Filesystem(device=str(i), mount_point=f"/{i}", percent=99) for i in range(8)]
    )
    assert evaluate(Snapshot(time=0.0, disk=disks), LIMITS).score == 0


def test_thresholds_are_configurable() -> None:
    """Lowering a threshold makes the same snapshot warn."""
    snapshot = Snapshot(time=0.0, cpu=CpuStats(total=30))
    assert evaluate(snapshot, HealthThresholds(cpu_warning=25)).warnings[0].code == "cpu_high"
