"""The health score and its warnings, vminfo's way: 100 less 10 per warning and 20 per critical."""

from __future__ import annotations

import msgspec

from hostwatch.config import HealthThresholds
from hostwatch.hub.process_rows import BriefProcess
from hostwatch.model import ProcessInfo, Snapshot


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


def evaluate(snapshot: Snapshot, limits: HealthThresholds, busiest: BriefProcess | None = None) -> Health:
    """Every threshold checked against one snapshot. `busiest` is its busiest process when the
    caller knows it apart from the rows (an agent's rows stay encoded); else the rows say."""
    found: list[Warning_] = []

    def check(code: str, value: float, warning: float, critical: float | None, message: str,
              *details: object, subject: str = "") -> None:
        # The message is formatted only for a finding: most checks of most snapshots pass.
        level = _level(value, warning, critical)
        if level:
            found.append(Warning_(level=level, code=code, message=message.format(*details),
                                  value=round(value, 2), subject=subject))

    cpu = snapshot.cpu.total
    check("cpu_high", cpu, limits.cpu_warning, limits.cpu_critical, "CPU usage is {:.1f}%", cpu)
    cores = snapshot.load.cores or snapshot.cpu.cores or 1
    per_core = snapshot.load.min1 / cores
    check("load_high", per_core, limits.load_warning, limits.load_critical,
          "load average {:.2f} is {:.2f} per core", snapshot.load.min1, per_core)
    memory = snapshot.memory.percent
    check("memory_high", memory, limits.memory_warning, limits.memory_critical,
          "memory usage is {:.1f}%", memory)
    swap = snapshot.memory.swap
    if swap.total:
        check("swap_high", swap.percent, limits.swap_warning, None, "swap usage is {:.1f}%", swap.percent)
    for fs in snapshot.disk.filesystems:
        check("disk_high", fs.percent, limits.disk_warning, limits.disk_critical,
              "disk usage of {} is {:.1f}%", fs.mount_point, fs.percent, subject=fs.mount_point)
    top: BriefProcess | ProcessInfo | None = busiest
    if top is None:
        top = max(snapshot.processes.items, key=lambda p: p.cpu_percent, default=None)
    if top is not None:
        check("process_cpu_high", top.cpu_percent, limits.process_cpu_warning, None,
              "process {} ({}) uses {:.1f}% CPU", top.name, top.pid, top.cpu_percent,
              subject=str(top.pid))
    net = snapshot.network
    check("network_errors", net.errors_rate, limits.network_errors_warning,
          limits.network_errors_critical, "network errors at {:.1f}/s", net.errors_rate)
    check("network_drops", net.drops_rate, limits.network_drops_warning,
          limits.network_drops_critical, "network drops at {:.1f}/s", net.drops_rate)
    check("tcpconn_high", net.tcp_count, limits.tcpconn_warning, limits.tcpconn_critical,
          "{} TCP connections", net.tcp_count)
    if net.conntrack_max and net.conntrack_count is not None:
        full = 100.0 * net.conntrack_count / net.conntrack_max
        check("conntrack_high", full, limits.conntrack_warning, limits.conntrack_critical,
              "conntrack table is {:.1f}% full", full)
    for sensor in snapshot.sensors:
        if sensor.kind != "temperature" or (not sensor.high and not sensor.critical):
            continue
        warning = sensor.high or sensor.critical or 0.0
        check("sensor_hot", sensor.value, warning, sensor.critical,
              "{} is {:.0f}°C", sensor.label, sensor.value, subject=sensor.label)

    penalty = sum(20 if w.level == "critical" else 10 for w in found)
    return Health(score=max(0, 100 - penalty), warnings=found)
