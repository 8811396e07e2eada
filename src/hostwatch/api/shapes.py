"""vminfo's documents, derived from a host's state: pure functions, no I/O."""

from __future__ import annotations

from typing import Any

import msgspec

from hostwatch.api.responses import iso_time
from hostwatch.hub.state import HostState
from hostwatch.model import STATUS_LETTERS, ProcessInfo, Snapshot

PROCESS_SORTS = ("cpu", "mem", "pid", "name")


class ProcessRow(msgspec.Struct, kw_only=True):
    """A row of `/api/v1/processes`, with vminfo's field names."""

    pid: int
    ppid: int
    name: str
    user: str
    cpu_percent: float
    mem_percent: float
    rss: int
    status: str
    command: str
    threads: int
    nice: int
    uptime: int
    started_at_unix: int


def _command(process: ProcessInfo) -> str:
    # Kernel threads have no command line; ps(1) shows their name in brackets.
    return " ".join(process.cmdline) if process.cmdline else f"[{process.name}]"


def process_row(process: ProcessInfo, now: float) -> ProcessRow:
    """One process in vminfo's row shape."""
    return ProcessRow(
        pid=process.pid,
        ppid=process.ppid,
        name=process.name,
        user=process.username,
        cpu_percent=process.cpu_percent,
        mem_percent=round(process.memory_percent, 2),
        rss=process.memory.rss,
        status=STATUS_LETTERS.get(process.status, "?"),
        command=_command(process),
        threads=process.num_threads,
        nice=process.nice,
        uptime=max(int(now - process.create_time), 0) if process.create_time else 0,
        started_at_unix=int(process.create_time),
    )


def process_rows(state: HostState) -> list[ProcessRow]:
    """Every process of the latest snapshot as rows, busiest first."""
    snapshot = _snapshot(state)
    rows = [process_row(p, snapshot.time) for p in snapshot.processes.items]
    rows.sort(key=lambda r: (-r.cpu_percent, -r.mem_percent, r.pid))
    return rows


def processes_document(state: HostState) -> dict[str, Any]:
    """vminfo's unfiltered `{total, list}`, busiest first."""
    rows = process_rows(state)
    return {"total": len(rows), "list": rows}


def _matches(row: ProcessRow, needle: str) -> bool:
    return (
        needle == str(row.pid)
        or needle == str(row.ppid)
        or needle in row.name.lower()
        or needle in row.command.lower()
        or needle in row.user.lower()
        or needle == row.status.lower()
    )


def query_processes(rows: list[ProcessRow], needle: str | None, sort: str, limit: int) -> dict[str, Any]:
    """vminfo's `{total, list}` after `filter`, `sort` and `limit`; `total` counts the matches."""
    if needle:
        lowered = needle.strip().lower()
        rows = [r for r in rows if _matches(r, lowered)]
    if sort == "mem":
        rows = sorted(rows, key=lambda r: (-r.mem_percent, -r.rss, r.pid))
    elif sort == "pid":
        rows = sorted(rows, key=lambda r: r.pid)
    elif sort == "name":
        rows = sorted(rows, key=lambda r: (r.name.lower(), r.pid))
    total = len(rows)
    return {"total": total, "list": rows[:limit] if limit else rows}


def _snapshot(state: HostState) -> Snapshot:
    if state.snapshot is None:
        raise LookupError(f"host {state.host.id} has no snapshot yet")
    return state.snapshot


def _host_ref(state: HostState) -> dict[str, Any]:
    return {"id": state.host.id, "name": state.host.name}


def cpu_document(state: HostState) -> dict[str, Any]:
    """CPU totals, per core, counters, and the in-memory history."""
    snapshot = _snapshot(state)
    return {
        "timestamp": iso_time(snapshot.time),
        **msgspec.structs.asdict(snapshot.cpu),
        "history": [
            {"time": p.time, "total": p.cpu, "user": p.user, "system": p.system,
             "iowait": p.iowait, "per_core": p.per_core}
            for p in state.history
        ],
    }


def memory_document(state: HostState) -> dict[str, Any]:
    """Memory with swap nested."""
    snapshot = _snapshot(state)
    return {"timestamp": iso_time(snapshot.time), **msgspec.structs.asdict(snapshot.memory)}


def disk_document(state: HostState) -> dict[str, Any]:
    """File systems and device I/O."""
    snapshot = _snapshot(state)
    return {"timestamp": iso_time(snapshot.time), **msgspec.structs.asdict(snapshot.disk)}


def network_document(state: HostState) -> dict[str, Any]:
    """Interfaces, route, sockets, conntrack."""
    snapshot = _snapshot(state)
    return {"timestamp": iso_time(snapshot.time), **msgspec.structs.asdict(snapshot.network)}


def system_document(state: HostState) -> dict[str, Any]:
    """Host facts, uptime as of the latest snapshot."""
    snapshot = _snapshot(state)
    return {
        "timestamp": iso_time(snapshot.time),
        "host": _host_ref(state),
        **msgspec.structs.asdict(snapshot.system),
    }


def snapshot_document(state: HostState) -> dict[str, Any]:
    """The full dashboard snapshot: every section, rows for processes, the health."""
    snapshot = _snapshot(state)
    processes = snapshot.processes
    rows = process_rows(state)
    return {
        "timestamp": iso_time(snapshot.time),
        "time": snapshot.time,
        "seq": snapshot.seq,
        "interval": snapshot.interval,
        "host": _host_ref(state),
        "system": snapshot.system,
        "cpu": snapshot.cpu,
        "memory": snapshot.memory,
        "disk": snapshot.disk,
        "network": snapshot.network,
        "load": snapshot.load,
        "processes": {
            "total": processes.total,
            "running": processes.running,
            "sleeping": processes.sleeping,
            "idle": processes.idle,
            "stopped": processes.stopped,
            "zombie": processes.zombie,
            "other": processes.other,
            "threads": processes.threads,
            "pid_max": processes.pid_max,
            "list": rows,
        },
        "health": state.health,
        "sensors": snapshot.sensors,
        "gpus": snapshot.gpus,
        "irqs": snapshot.irqs,
        "wifi": snapshot.wifi,
        "raid": snapshot.raid,
        "received_at": state.received_at,
    }
