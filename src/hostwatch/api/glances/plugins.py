"""One pure function per Glances plugin: a host's canonical snapshot in Glances 4.5.8's shape.

Glances reports a counter three ways, and so do these builders: the plain name
is the change since the previous update (rate x `time_since_update`), `_gauge`
the kernel's cumulative value and `_rate_per_sec` the rate. Process rows live in
`processes.py`; the plugins hostwatch has no source for return the documented
empty value.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from hostwatch.api.glances.limits import hide_patterns, is_hidden
from hostwatch.api.glances.processes import process_rows, program_rows
from hostwatch.hub.state import HostState
from hostwatch.model import Snapshot
from hostwatch.monitors.service import MonitorService
from hostwatch.monitors.spec import MonitorSpec

GLANCES_VERSION = "4.5.8"
"""The Glances release whose API this facade answers as."""

# Glances turns psutil's link speed (Mbit/s) into bits per second with a binary mega.
_MBIT = 1048576
_SENSOR_TYPES = {"temperature": "temperature_core", "fan": "fan_speed", "battery": "battery"}
_SENSOR_UNITS = {"RPM": "R"}
_TCP_INITIATED = ("SYN_SENT", "SYN_RECV")
_TCP_TERMINATED = ("FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK")

Limits = Mapping[str, Mapping[str, Any]]
PluginBuilder = Callable[[HostState, Limits], Any]


def _snap(state: HostState) -> Snapshot:
    assert state.snapshot is not None, "routes only build documents for hosts that reported"
    return state.snapshot


def _delta(rate: float, seconds: float) -> int:
    """The counter's change over the last interval, from its rate."""
    return round(rate * seconds)


def _triplet(name: str, delta: int, gauge: int, rate: float) -> dict[str, Any]:
    return {name: delta, f"{name}_gauge": gauge, f"{name}_rate_per_sec": rate}


def _since_update(seconds: float, state: HostState) -> float:
    """Seconds covered by a source's rates; before its second sample, the snapshot interval.

    Glances never reports 0 here, and clients divide by it (glances-api does).
    """
    return seconds if seconds > 0 else _snap(state).interval


def cpu(state: HostState, _limits: Limits) -> dict[str, Any]:
    """`cpu`: the breakdown in percent and the kernel's event counters."""
    c = _snap(state).cpu
    tsu = _since_update(c.time_since_update, state)
    doc: dict[str, Any] = {
        "cpucore": c.cores, "guest": c.guest, "idle": c.idle, "iowait": c.iowait, "irq": c.irq,
        "nice": c.nice, "steal": c.steal, "system": c.system, "total": c.total, "user": c.user,
        "time_since_update": tsu,
    }
    for name, gauge, rate in (("ctx_switches", c.ctx_switches, c.ctx_switches_rate),
                              ("interrupts", c.interrupts, c.interrupts_rate),
                              ("soft_interrupts", c.soft_interrupts, c.soft_interrupts_rate),
                              ("syscalls", c.syscalls, c.syscalls_rate)):
        doc.update(_triplet(name, _delta(rate, tsu), gauge, rate))
    return doc


def percpu(state: HostState, _limits: Limits) -> list[dict[str, Any]]:
    """`percpu`: one row per logical core; the Windows-only fields are null."""
    return [
        {"cpu_number": core.number, "dpc": None, "guest": core.guest, "guest_nice": core.guest_nice,
         "idle": core.idle, "interrupt": None, "iowait": core.iowait, "irq": core.irq,
         "key": "cpu_number", "nice": core.nice, "softirq": core.softirq, "steal": core.steal,
         "system": core.system, "total": core.total, "user": core.user}
        for core in _snap(state).cpu.per_core
    ]


def core(state: HostState, _limits: Limits) -> dict[str, Any]:
    """`core`: physical and logical cores."""
    system = _snap(state).system
    return {"log": system.cpu_logical_cores, "phys": system.cpu_physical_cores}


def load(state: HostState, _limits: Limits) -> dict[str, Any]:
    """`load`: the three load averages and the core count."""
    la = _snap(state).load
    return {"cpucore": la.cores, "min1": la.min1, "min15": la.min15, "min5": la.min5}


def mem(state: HostState, _limits: Limits) -> dict[str, Any]:
    """`mem`: physical memory; `percent_min|mean|max` span the in-memory history."""
    m = _snap(state).memory
    seen = [p.memory for p in state.history] or [m.percent]
    return {
        "active": m.active, "available": m.available, "buffers": m.buffers, "cached": m.cached,
        "free": m.free, "inactive": m.inactive, "percent": m.percent,
        "percent_max": max(seen), "percent_mean": round(sum(seen) / len(seen), 2),
        "percent_min": min(seen), "shared": m.shared, "total": m.total, "used": m.used,
    }


def memswap(state: HostState, _limits: Limits) -> dict[str, Any]:
    """`memswap`: swap space with cumulative swap-in and swap-out bytes."""
    snap = _snap(state)
    s = snap.memory.swap
    return {"free": s.free, "percent": s.percent, "sin": s.sin, "sout": s.sout,
            "time_since_update": _since_update(snap.cpu.time_since_update, state),
            "total": s.total, "used": s.used}


def diskio(state: HostState, limits: Limits) -> list[dict[str, Any]]:
    """`diskio`: one row per block device not hidden by `diskio_hide`."""
    disk = _snap(state).disk
    tsu = _since_update(disk.time_since_update, state)
    hide = hide_patterns(limits, "diskio")
    rows = []
    for d in disk.io:
        if is_hidden(d.name, hide) or is_hidden(f"/dev/{d.name}", hide):
            continue
        row: dict[str, Any] = {"disk_name": d.name, "key": "disk_name", "time_since_update": tsu}
        deltas = {}
        for name, gauge, rate in (("read_bytes", d.read_bytes, d.read_bytes_rate),
                                  ("read_count", d.read_count, d.read_count_rate),
                                  ("read_time", d.read_time, d.read_time_rate),
                                  ("write_bytes", d.write_bytes, d.write_bytes_rate),
                                  ("write_count", d.write_count, d.write_count_rate),
                                  ("write_time", d.write_time, d.write_time_rate)):
            deltas[name] = _delta(rate, tsu)
            row.update(_triplet(name, deltas[name], gauge, rate))
        # Milliseconds per operation over the interval, as Glances' integer latency.
        row["read_latency"] = deltas["read_time"] // deltas["read_count"] if deltas["read_count"] else 0
        row["write_latency"] = deltas["write_time"] // deltas["write_count"] if deltas["write_count"] else 0
        rows.append(row)
    return rows


def fs(state: HostState, limits: Limits) -> list[dict[str, Any]]:
    """`fs`: mounted file systems not hidden by `fs_hide` (matched on mount point or device)."""
    hide = hide_patterns(limits, "fs")
    return [
        {"device_name": f.device, "free": f.free, "fs_type": f.fs_type, "key": "mnt_point",
         "mnt_point": f.mount_point, "options": f.options, "percent": f.percent, "size": f.size,
         "used": f.used}
        for f in _snap(state).disk.filesystems
        if not (is_hidden(f.mount_point, hide) or is_hidden(f.device, hide))
    ]


def network(state: HostState, limits: Limits) -> list[dict[str, Any]]:
    """`network`: interfaces left after `network_hide`, `_hide_no_up` and `_hide_no_ip`."""
    net = _snap(state).network
    own = limits.get("network", {})
    hide = hide_patterns(limits, "network")
    no_up = own.get("network_hide_no_up", ["False"]) == ["True"]
    no_ip = own.get("network_hide_no_ip", ["False"]) == ["True"]
    tsu = _since_update(net.time_since_update, state)
    rows = []
    for i in net.interfaces:
        if is_hidden(i.name, hide) or (no_up and not i.is_up) or (no_ip and not (i.ipv4 or i.ipv6)):
            continue
        row: dict[str, Any] = {"alias": None, "interface_name": i.name, "is_up": i.is_up,
                               "key": "interface_name", "speed": i.speed_mbps * _MBIT,
                               "time_since_update": tsu}
        recv, sent = _delta(i.bytes_recv_rate, tsu), _delta(i.bytes_sent_rate, tsu)
        row.update(_triplet("bytes_recv", recv, i.bytes_recv, i.bytes_recv_rate))
        row.update(_triplet("bytes_sent", sent, i.bytes_sent, i.bytes_sent_rate))
        row.update(_triplet("bytes_all", recv + sent, i.bytes_recv + i.bytes_sent,
                            i.bytes_recv_rate + i.bytes_sent_rate))
        rows.append(row)
    return rows


def ip(state: HostState, _limits: Limits) -> dict[str, Any]:
    """`ip`: the address of the default route's interface; `{}` without a default route."""
    route = _snap(state).network.route
    if not route.address:
        return {}
    return {"address": route.address, "gateway": route.gateway, "mask": route.netmask,
            "mask_cidr": route.cidr, "public_address": "", "public_info_human": ""}


def connections(state: HostState, _limits: Limits) -> dict[str, Any]:
    """`connections`: TCP sockets by state and netfilter's conntrack table."""
    net = _snap(state).network
    states = net.tcp_states
    doc: dict[str, Any] = {name: states.get(name, 0)
                           for name in ("LISTEN", "ESTABLISHED", "SYN_SENT", "SYN_RECV")}
    doc["initiated"] = sum(states.get(name, 0) for name in _TCP_INITIATED)
    doc["terminated"] = sum(states.get(name, 0) for name in _TCP_TERMINATED)
    doc["net_connections_enabled"] = True
    doc["nf_conntrack_enabled"] = net.conntrack_count is not None
    if net.conntrack_count is not None:
        doc["nf_conntrack_count"] = net.conntrack_count
        doc["nf_conntrack_max"] = net.conntrack_max
        ceiling = net.conntrack_max or 0
        doc["nf_conntrack_percent"] = round(100.0 * net.conntrack_count / ceiling, 1) if ceiling else 0.0
    return doc


def now(state: HostState, _limits: Limits) -> dict[str, str]:
    """`now`: the snapshot's time in the server's local time zone."""
    moment = dt.datetime.fromtimestamp(_snap(state).time).astimezone()
    return {"custom": moment.strftime("%Y-%m-%d %H:%M:%S %Z"), "iso": moment.isoformat(timespec="seconds")}


def processcount(state: HostState, _limits: Limits) -> dict[str, Any]:
    """`processcount`: processes by state and threads."""
    p = _snap(state).processes
    return {"pid_max": p.pid_max, "running": p.running, "sleeping": p.sleeping,
            "thread": p.threads, "total": p.total}


def quicklook(state: HostState, _limits: Limits) -> dict[str, Any]:
    """`quicklook`: headline percentages; `load` is the 15-minute load per core, in percent."""
    snap = _snap(state)
    system, gpus = snap.system, snap.gpus
    cores = snap.load.cores or system.cpu_logical_cores or 1

    def gpu_mean(values: list[float | None]) -> float | int:
        known = [v for v in values if v is not None]
        return round(sum(known) / len(known), 1) if known else 0

    return {
        "cpu": snap.cpu.total,
        "cpu_hz": system.cpu_freq_max_mhz * 1e6 if system.cpu_freq_max_mhz else None,
        "cpu_hz_current": system.cpu_freq_current_mhz * 1e6 if system.cpu_freq_current_mhz else None,
        "cpu_log_core": system.cpu_logical_cores, "cpu_name": system.cpu_model,
        "cpu_phys_core": system.cpu_physical_cores,
        "gpu_mem": gpu_mean([g.mem_percent for g in gpus]),
        "gpu_proc": gpu_mean([g.proc_percent for g in gpus]),
        "load": round(100.0 * snap.load.min15 / cores, 1), "mem": snap.memory.percent,
        "percpu": percpu(state, _limits), "swap": snap.memory.swap.percent,
    }


def system(state: HostState, _limits: Limits) -> dict[str, Any]:
    """`system`: OS facts; `linux_distro` drops the codename in parentheses, as Glances does."""
    s = _snap(state).system
    distro = re.sub(r"\s*\(.*\)\s*$", "", s.distro)
    platform = f"{s.bits}bit" if s.bits else ""
    doc = {"hostname": s.hostname, "hr_name": f"{distro} {platform} / {s.os_name} {s.kernel}".strip(),
           "os_name": s.os_name, "os_version": s.kernel, "platform": platform}
    if s.os_name == "Linux":
        doc["linux_distro"] = distro
    return dict(sorted(doc.items()))


def uptime(state: HostState, _limits: Limits) -> str:
    """`uptime`: `H:MM:SS`, or `N days, H:MM:SS`, as Python's timedelta prints it."""
    return str(dt.timedelta(seconds=int(_snap(state).system.uptime)))


def sensors(state: HostState, limits: Limits) -> list[dict[str, Any]]:
    """`sensors`: temperatures, fans and batteries not hidden by `sensors_hide`."""
    hide = hide_patterns(limits, "sensors")
    return [
        {"critical": s.critical, "key": "label", "label": s.label,
         "type": _SENSOR_TYPES.get(s.kind, s.kind), "unit": _SENSOR_UNITS.get(s.unit, s.unit),
         "value": s.value, "warning": s.high}
        for s in _snap(state).sensors if not is_hidden(s.label, hide)
    ]


def gpu(state: HostState, _limits: Limits) -> list[dict[str, Any]]:
    """`gpu`: one row per NVIDIA GPU, `gpu_id` as Glances names it (`nvidia0`)."""
    return [
        {"fan_speed": g.fan_percent, "gpu_id": f"nvidia{g.index}", "key": "gpu_id", "mem": g.mem_percent,
         "name": g.name, "proc": g.proc_percent, "temperature": g.temperature}
        for g in _snap(state).gpus
    ]


def irq(state: HostState, _limits: Limits) -> list[dict[str, Any]]:
    """`irq`: interrupt lines, busiest first."""
    lines = sorted(_snap(state).irqs, key=lambda i: i.rate, reverse=True)
    return [{"irq_line": i.line, "irq_rate": i.rate, "key": "irq_line"} for i in lines]


def raid(state: HostState, _limits: Limits) -> dict[str, Any]:
    """`raid`: arrays keyed by name, as Glances' pymdstat-based plugin serves them."""
    return {
        r.name: {"available": r.available, "components": dict(r.components), "config": r.config,
                 "status": r.status, "type": r.level, "used": r.used}
        for r in _snap(state).raid
    }


def wifi(state: HostState, _limits: Limits) -> list[dict[str, Any]]:
    """`wifi`: wireless links; Glances names the interface `ssid`."""
    return [{"key": "ssid", "quality_level": w.quality_level, "quality_link": w.quality_link,
             "ssid": w.interface} for w in _snap(state).wifi]


def _seconds(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def _endpoint(spec: MonitorSpec) -> tuple[str, int]:
    """The host and port a monitor probes; Glances writes port 0 for ICMP."""
    if spec.kind == "http":
        parts = urlsplit(spec.target)
        return parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
    return spec.target, spec.port if spec.kind == "tcp" else 0


def ports(monitors: MonitorService | None, state: HostState) -> list[dict[str, Any]]:
    """`ports`: the enabled service monitors this host runs, as rows of Glances' port scanner.

    `status` is the last round trip in seconds, False when the last probe failed,
    None before the first. HTTP monitors appear as their URL's host and port.
    """
    if monitors is None:
        return []
    rows = []
    for monitor in monitors.monitors_of(state.host.id):
        spec = monitor.spec
        if not spec.enabled:
            continue
        result = monitor.latest.get(state.host.id)
        status: float | bool | None = None
        if result is not None:
            status = result.delay_ms / 1000 if result.up and result.delay_ms is not None else False
        host, port = _endpoint(spec)
        rows.append({"description": spec.name, "host": host, "indice": f"port_{spec.id}", "key": "indice",
                     "port": port, "refresh": _seconds(spec.interval), "rtt_warning": None,
                     "status": status, "timeout": _seconds(spec.timeout)})
    return rows


def _empty_list(_state: HostState, _limits: Limits) -> list[Any]:
    return []


def _empty_dict(_state: HostState, _limits: Limits) -> dict[str, Any]:
    return {}


PLUGINS: dict[str, PluginBuilder] = {
    "alert": _empty_list,  # listed for its name; the router serves the events engine's list
    "amps": _empty_list,
    "cloud": _empty_dict,
    "connections": connections,
    "containers": _empty_list,
    "core": core,
    "cpu": cpu,
    "diskio": diskio,
    "folders": _empty_list,
    "fs": fs,
    "gpu": gpu,
    "help": lambda _state, _limits: None,
    "ip": ip,
    "irq": irq,
    "load": load,
    "mem": mem,
    "memswap": memswap,
    "network": network,
    "now": now,
    "percpu": percpu,
    "ports": _empty_list,  # listed for its name; the router serves `ports` from the service monitors
    "processcount": processcount,
    "processlist": lambda state, _limits: process_rows(_snap(state)),
    "programlist": lambda state, _limits: program_rows(_snap(state)),
    "psutilversion": lambda state, _limits: _snap(state).system.psutil_version,
    "quicklook": quicklook,
    "raid": raid,
    "sensors": sensors,
    "smart": _empty_dict,
    "system": system,
    "uptime": uptime,
    "version": lambda _state, _limits: GLANCES_VERSION,
    "vms": _empty_dict,
    "wifi": wifi,
}
"""Every plugin of the reference's `pluginslist`, in its order, with its builder."""
