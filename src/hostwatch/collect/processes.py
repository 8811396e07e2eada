"""Every process, its counts by state, and the same grouped by program name."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import TypeVar

import psutil

from hostwatch.collect import procfs
from hostwatch.collect.base import RateMeter, Source
from hostwatch.collect.process_extended import read_extended
from hostwatch.collect.process_procfs import ProcfsProcessReader
from hostwatch.collect.users import username
from hostwatch.model import (
    ProcessCpuTimes,
    ProcessInfo,
    ProcessIO,
    ProcessMemory,
    ProcessStats,
    ProgramInfo,
)

logger = logging.getLogger(__name__)
T = TypeVar("T")

_STATE_COUNTERS = {
    "running": "running",
    "sleeping": "sleeping",
    "disk-sleep": "sleeping",
    "idle": "idle",
    "stopped": "stopped",
    "tracing-stop": "stopped",
    "zombie": "zombie",
}


def _attempt(read: Callable[[], T], fallback: T) -> T:
    """One attribute of a live process, or `fallback` where the kernel refuses it.

    NoSuchProcess is not caught: a process that exits mid-read is dropped whole.
    """
    try:
        return read()
    except (psutil.AccessDenied, psutil.ZombieProcess):
        return fallback


class PsutilProcessReader:
    """Portable reader through psutil, for systems without Linux's /proc.

    The handles are this reader's own rather than psutil.process_iter's shared
    cache, so two collectors in one process never steal each other's deltas.
    """

    def __init__(self) -> None:
        self._handles: dict[int, psutil.Process] = {}
        self._identity: dict[int, tuple[int, str]] = {}
        self._io = RateMeter()

    def read_all(self, now: float, total_memory: int) -> list[ProcessInfo]:
        """One row per live process; processes that exit mid-read are left out."""
        handles: dict[int, psutil.Process] = {}
        identity: dict[int, tuple[int, str]] = {}
        rows: list[ProcessInfo] = []
        for pid in psutil.pids():
            try:
                row = self._read(pid, total_memory, now)
            except (psutil.NoSuchProcess, psutil.ZombieProcess, ProcessLookupError):
                continue
            rows.append(row)
            handles[pid] = self._handles[pid]
            identity[pid] = (row.ppid, row.name)
        self._handles, self._identity = handles, identity
        self._io.forget_missing(set(handles))
        return rows

    def _read(self, pid: int, total_memory: int, now: float) -> ProcessInfo:
        """A row from the kept handle unless the PID now names another process (new parent or name)."""
        handle = self._handles.get(pid)
        if handle is not None:
            with handle.oneshot():
                row = self._row(handle, total_memory, now)
            if self._identity.get(pid) == (row.ppid, row.name):
                return row
            self._io.forget(pid)
        handle = self._handles[pid] = psutil.Process(pid)
        with handle.oneshot():
            return self._row(handle, total_memory, now)

    @staticmethod
    def _username(handle: psutil.Process) -> str:
        uid = _attempt(lambda: handle.uids().real, -1)
        return username(uid) if uid >= 0 else _attempt(handle.username, "")

    def _row(self, handle: psutil.Process, total_memory: int, now: float) -> ProcessInfo:
        mem = _attempt(handle.memory_info, None)
        times = _attempt(handle.cpu_times, None)
        counters = _attempt(handle.io_counters, None)
        io = None
        if counters is not None:
            read_rate, write_rate = self._io.rates(
                handle.pid, (counters.read_bytes, counters.write_bytes), now
            )
            io = ProcessIO(
                read_count=counters.read_count,
                write_count=counters.write_count,
                read_bytes=counters.read_bytes,
                write_bytes=counters.write_bytes,
                read_bytes_rate=round(read_rate, 1),
                write_bytes_rate=round(write_rate, 1),
            )
        rss = mem.rss if mem else 0
        return ProcessInfo(
            pid=handle.pid,
            ppid=_attempt(handle.ppid, 0),
            name=_attempt(handle.name, ""),
            cmdline=_attempt(handle.cmdline, []),
            username=self._username(handle),
            status=_attempt(handle.status, ""),
            nice=_attempt(handle.nice, 0),
            num_threads=_attempt(handle.num_threads, 0),
            cpu_percent=round(_attempt(lambda: handle.cpu_percent(None), 0.0), 1),
            memory_percent=round(100.0 * rss / total_memory, 3),
            memory=ProcessMemory(
                rss=rss,
                vms=mem.vms if mem else 0,
                shared=getattr(mem, "shared", 0),
                text=getattr(mem, "text", 0),
                lib=getattr(mem, "lib", 0),
                data=getattr(mem, "data", 0),
                dirty=getattr(mem, "dirty", 0),
            ),
            cpu_times=ProcessCpuTimes(
                user=times.user if times else 0.0,
                system=times.system if times else 0.0,
                children_user=getattr(times, "children_user", 0.0),
                children_system=getattr(times, "children_system", 0.0),
                iowait=getattr(times, "iowait", 0.0),
            ),
            io=io,
            create_time=_attempt(handle.create_time, 0.0),
        )



class ProcessSource(Source):
    """Every process with counts by state and program groups.

    On Linux rows come straight from /proc (`ProcfsProcessReader`), elsewhere
    through psutil; both keep per-process state so CPU and I/O rates come from
    deltas and a process's first sample reports zero.
    """

    name = "processes"
    refresh = 2.0

    def __init__(self, reader: ProcfsProcessReader | PsutilProcessReader | None = None) -> None:
        if reader is None:
            reader = (
                ProcfsProcessReader(psutil.boot_time())
                if os.path.exists("/proc/self/stat")
                else PsutilProcessReader()
            )
        self._reader = reader
        self._last_time: float | None = None
        self.extended_pids: frozenset[int] = frozenset()
        """Processes that also get `ProcessInfo.extended`; replaced whole, so another thread may set it."""

    def sample(self, now: float) -> ProcessStats:
        elapsed = now - self._last_time if self._last_time is not None else 0.0
        self._last_time = now
        rows = self._reader.read_all(now, psutil.virtual_memory().total)
        wanted = self.extended_pids
        if wanted:
            for row in rows:
                if row.pid in wanted:
                    row.extended = read_extended(row.pid)
        return summarize(rows, pid_max=procfs.read_int("/proc/sys/kernel/pid_max") or 0, elapsed=elapsed)

    def empty(self) -> ProcessStats:
        return ProcessStats()


def summarize(rows: list[ProcessInfo], *, pid_max: int = 0, elapsed: float = 0.0) -> ProcessStats:
    """Counts by state, thread total and program groups for a list of processes."""
    counts = dict.fromkeys(("running", "sleeping", "idle", "stopped", "zombie", "other"), 0)
    for row in rows:
        counts[_STATE_COUNTERS.get(row.status, "other")] += 1
    return ProcessStats(
        total=len(rows),
        **counts,
        threads=sum(r.num_threads for r in rows),
        pid_max=pid_max,
        items=rows,
        programs=group_by_program(rows),
        time_since_update=round(elapsed, 3),
    )


def group_by_program(rows: list[ProcessInfo]) -> list[ProgramInfo]:
    """Processes added up by name, busiest program first."""
    programs: dict[str, ProgramInfo] = {}
    for row in rows:
        program = programs.get(row.name)
        if program is None:
            program = programs[row.name] = ProgramInfo(name=row.name, username=row.username)
        program.pids.append(row.pid)
        program.count += 1
        program.cpu_percent += row.cpu_percent
        program.memory_percent += row.memory_percent
        program.rss += row.memory.rss
        program.vms += row.memory.vms
        program.num_threads += row.num_threads
        if row.io:
            program.io_read_bytes_rate += row.io.read_bytes_rate
            program.io_write_bytes_rate += row.io.write_bytes_rate
    for program in programs.values():
        program.cpu_percent = round(program.cpu_percent, 1)
        program.memory_percent = round(program.memory_percent, 3)
    return sorted(programs.values(), key=lambda p: (-p.cpu_percent, -p.rss, p.name))
