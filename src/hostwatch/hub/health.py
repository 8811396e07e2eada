"""The health score and its warnings, vminfo's way: 100 less 10 per warning and 20 per critical."""

from __future__ import annotations

import msgspec

from hostwatch.config import HealthThresholds
from hostwatch.model import Snapshot


class Warning_(msgspec.Struct, kw_only=True):
    """One finding: `level` is `warning` or `critical`, `code` one of vminfo's codes."""

    level: str
    code: str
    message: str
    value: float | None = None
    subject: str = ""
    """What the finding is about where there can be several: a mount point, a sensor."""


class Health(msgspec.Struct, kw_only=True):
    """A 0-100 score and the warnings that lowered it."""

    score: int = 100
    warnings: list[Warning_] = []


def _level(value: float, warning: float, critical: float | None = None) -> str | None:
    if critical is not None and value >= critical:
        return "critical"
    if value >= warning:
        return "warning"
    return None


def evaluate(snapshot: Snapshot, limits: HealthThresholds) -> Health:
    """Every threshold checked against one snapshot."""
    found: list[Warning_] = []

    def check(code: str, value: float, warning: float, critical: float | None, message: str,
              *, subject: str = "") -> None:
        level = _level(value, warning, critical)
        if level:
            found.append(Warning_(level=level, code=code, message=message, value=round(value, 2),
                                  subject=subject))

    cpu = snapshot.cpu.total
    check("cpu_high", cpu, limits.cpu_warning, limits.cpu_critical, f"CPU usage is {cpu:.1f}%")
    cores = snapshot.load.cores or snapshot.cpu.cores or 1
    per_core = snapshot.load.min1 / cores
    check("load_high", per_core, limits.load_warning, limits.load_critical,
          f"load average {snapshot.load.min1:.2f} is {per_core:.2f} per core")
    memory = snapshot.memory.percent
    check("memory_high", memory, limits.memory_warning, limits.memory_critical,
          f"memory usage is {memory:.1f}%")
    swap = snapshot.memory.swap
    if swap.total:
        check("swap_high", swap.percent, limits.swap_warning, None, f"swap usage is {swap.percent:.1f}%")
    for fs in snapshot.disk.filesystems:
        check("disk_high", fs.percent, limits.disk_warning, limits.disk_critical,
              f"disk usage of {fs.mount_point} is {fs.percent:.1f}%", subject=fs.mount_point)
    busiest = max(snapshot.processes.items, key=lambda p: p.cpu_percent, default=None)
    if busiest is not None:
        check("process_cpu_high", busiest.cpu_percent, limits.process_cpu_warning, None,
              f"process {busiest.name} ({busiest.pid}) uses {busiest.cpu_percent:.1f}% CPU",
              subject=str(busiest.pid))
    net = snapshot.network
    check("network_errors", net.errors_rate, limits.network_errors_warning,
          limits.network_errors_critical, f"network errors at {net.errors_rate:.1f}/s")
    check("network_drops", net.drops_rate, limits.network_drops_warning,
          limits.network_drops_critical, f"network drops at {net.drops_rate:.1f}/s")
    check("tcpconn_high", net.tcp_count, limits.tcpconn_warning, limits.tcpconn_critical,
          f"{net.tcp_count} TCP connections")
    if net.conntrack_max and net.conntrack_count is not None:
        full = 100.0 * net.conntrack_count / net.conntrack_max
        check("conntrack_high", full, limits.conntrack_warning, limits.conntrack_critical,
              f"conntrack table is {full:.1f}% full")
    for sensor in snapshot.sensors:
        if sensor.kind != "temperature" or (not sensor.high and not sensor.critical):
            continue
        warning = sensor.high or sensor.critical or 0.0
        check("sensor_hot", sensor.value, warning, sensor.critical,
              f"{sensor.label} is {sensor.value:.0f}°C", subject=sensor.label)

    penalty = sum(20 if w.level == "critical" else 10 for w in found)
    return Health(score=max(0, 100 - penalty), warnings=found)
