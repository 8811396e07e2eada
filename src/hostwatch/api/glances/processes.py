"""Glances' `processlist` and `programlist` rows from the snapshot's processes.

`io_counters` is Glances' five-item list: read and write bytes now, the same
counters at the previous update (now less rate x interval), and an `io_tag` of
1 when the kernel told, 0 when it refused. `gids` is `{}`: hostwatch does not
collect group ids.
"""

from __future__ import annotations

from typing import Any

from hostwatch.model import STATUS_LETTERS, ProcessInfo, Snapshot


def _io_counters(p: ProcessInfo, seconds: float) -> list[int]:
    if p.io is None:
        return [0, 0, 0, 0, 0]
    read_prev = max(p.io.read_bytes - round(p.io.read_bytes_rate * seconds), 0)
    write_prev = max(p.io.write_bytes - round(p.io.write_bytes_rate * seconds), 0)
    return [p.io.read_bytes, p.io.write_bytes, read_prev, write_prev, 1]


def _memory_info(p: ProcessInfo) -> dict[str, int]:
    m = p.memory
    return {"data": m.data, "dirty": m.dirty, "lib": m.lib, "rss": m.rss, "shared": m.shared,
            "text": m.text, "vms": m.vms}


def _cpu_times(p: ProcessInfo) -> dict[str, float]:
    t = p.cpu_times
    return {"children_system": t.children_system, "children_user": t.children_user,
            "iowait": t.iowait, "system": t.system, "user": t.user}


def _extended_fields(p: ProcessInfo) -> dict[str, Any]:
    """The fields Glances adds to the one process whose extended stats are on."""
    x = p.extended
    if x is None:
        return {}
    return {
        "extended_stats": True,
        "cpu_affinity": x.cpu_affinity,
        "ionice": {"ioclass": x.ionice_class, "value": x.ionice_value},
        "memory_full_info": {**_memory_info(p), "uss": x.memory_uss, "pss": x.memory_pss,
                             "swap": x.memory_swap},
        "memory_swap": x.memory_swap,
        "num_ctx_switches": {"voluntary": x.ctx_switches_voluntary,
                             "involuntary": x.ctx_switches_involuntary},
        "num_fds": x.num_fds,
        "tcp": x.tcp_connections,
        "udp": x.udp_sockets,
        "ppid": p.ppid,
        "create_time": p.create_time,
    }


def process_row(p: ProcessInfo, seconds: float) -> dict[str, Any]:
    """One process as a `processlist` row, keyed by `pid` (extended fields when gathered)."""
    return {
        "cmdline": p.cmdline or [p.name], "cpu_percent": p.cpu_percent, "cpu_times": _cpu_times(p),
        "gids": {}, "io_counters": _io_counters(p, seconds), "key": "pid",
        "memory_info": _memory_info(p), "memory_percent": p.memory_percent, "name": p.name,
        "nice": p.nice, "num_threads": p.num_threads, "pid": p.pid,
        "status": STATUS_LETTERS.get(p.status, "?"), "time_since_update": seconds,
        "username": p.username, **_extended_fields(p),
    }


def _by_cpu(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: r["cpu_percent"], reverse=True)


def process_rows(snapshot: Snapshot) -> list[dict[str, Any]]:
    """`processlist`: every process, busiest first (Glances' default sort)."""
    seconds = snapshot.processes.time_since_update
    return _by_cpu([process_row(p, seconds) for p in snapshot.processes.items])


def program_rows(snapshot: Snapshot) -> list[dict[str, Any]]:
    """`programlist`: processes grouped by program name, their figures added up."""
    seconds = snapshot.processes.time_since_update
    by_pid = {p.pid: p for p in snapshot.processes.items}
    rows = []
    for program in snapshot.processes.programs:
        members = [by_pid[pid] for pid in program.pids if pid in by_pid]
        first = members[0] if members else None
        memory = {"data": 0, "dirty": 0, "lib": 0, "rss": 0, "shared": 0, "text": 0, "vms": 0}
        times = {"children_system": 0.0, "children_user": 0.0, "iowait": 0.0, "system": 0.0, "user": 0.0}
        io = [0, 0, 0, 0, 0]
        for p in members:
            for key, value in _memory_info(p).items():
                memory[key] += value
            for key, spent in _cpu_times(p).items():
                times[key] += spent
            io = [a + b for a, b in zip(io, _io_counters(p, seconds), strict=True)]
        io[4] = 1 if any(p.io is not None for p in members) else 0
        rows.append({
            "childrens": list(program.pids), "cmdline": [program.name],
            "cpu_percent": program.cpu_percent, "cpu_times": times, "io_counters": io,
            "memory_info": memory, "memory_percent": program.memory_percent, "name": program.name,
            "nice": first.nice if first else 0, "nprocs": program.count,
            "num_threads": program.num_threads, "pid": "_",
            "status": STATUS_LETTERS.get(first.status, "?") if first else "?",
            "time_since_update": seconds, "username": program.username,
        })
    return _by_cpu(rows)
