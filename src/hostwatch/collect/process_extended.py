"""Extended facts about one process, read only for the few processes a client asked about.

These cost a walk of the process's file descriptors and memory maps, too much
for every process on every sample, which is why Glances, too, gives them to one
process at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import psutil

from hostwatch.model import ProcessExtended

T = TypeVar("T")


def _attempt(read: Callable[[], T]) -> T | None:
    try:
        return read()
    except (psutil.AccessDenied, psutil.ZombieProcess, NotImplementedError, AttributeError):
        return None


def read_extended(pid: int) -> ProcessExtended | None:
    """The extended facts of `pid`, or None when the process is gone."""
    try:
        handle = psutil.Process(pid)
        with handle.oneshot():
            switches = _attempt(handle.num_ctx_switches)
            memory = _attempt(handle.memory_full_info)
            ionice = _attempt(handle.ionice)
            affinity = _attempt(handle.cpu_affinity) if hasattr(handle, "cpu_affinity") else None
            tcp = _attempt(lambda: handle.net_connections(kind="tcp"))
            udp = _attempt(lambda: handle.net_connections(kind="udp"))
            return ProcessExtended(
                num_fds=_attempt(handle.num_fds) if hasattr(handle, "num_fds") else None,
                ctx_switches_voluntary=switches.voluntary if switches else 0,
                ctx_switches_involuntary=switches.involuntary if switches else 0,
                cpu_affinity=list(affinity or []),
                memory_uss=getattr(memory, "uss", None),
                memory_pss=getattr(memory, "pss", None),
                memory_swap=getattr(memory, "swap", None),
                ionice_class=int(ionice.ioclass) if ionice is not None else None,
                ionice_value=int(ionice.value) if ionice is not None else None,
                tcp_connections=len(tcp) if tcp is not None else None,
                udp_sockets=len(udp) if udp is not None else None,
            )
    except psutil.NoSuchProcess:
        return None
