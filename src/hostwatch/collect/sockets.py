"""Socket counts every few seconds, and TCP sockets by state at a slower pace.

Counting by state means walking the kernel's whole TCP hash table (through
/proc/net/tcp or sock_diag alike). The table is sized by RAM, not by use: on a
24 GiB machine one walk cost 4 ms of CPU per address family even with three
sockets open, more than the rest of a collection together. The totals come
from /proc/net/sockstat instead, which the kernel keeps as counters.
"""

from __future__ import annotations

import psutil

from hostwatch.collect import procfs
from hostwatch.collect.base import Source
from hostwatch.model import NetworkStats


def parse_sockstat(text: str) -> dict[str, dict[str, int]]:
    """`TCP: inuse 3 orphan 0 tw 9` lines as {"TCP": {"inuse": 3, "orphan": 0, "tw": 9}}."""
    table: dict[str, dict[str, int]] = {}
    for line in text.splitlines():
        protocol, _, rest = line.partition(":")
        words = rest.split()
        table[protocol.strip()] = {
            words[i]: int(words[i + 1]) for i in range(0, len(words) - 1, 2) if words[i + 1].isdigit()
        }
    return table


class SocketCountsSource(Source):
    """TCP sockets (including TIME_WAIT), bound UDP sockets, and conntrack usage."""

    name = "sockets"
    refresh = 2.0

    def sample(self, now: float) -> NetworkStats:
        v4 = procfs.read_text("/proc/net/sockstat")
        if v4 is None:
            tcp = len(psutil.net_connections(kind="tcp"))
            udp = len(psutil.net_connections(kind="udp"))
        else:
            table = parse_sockstat(v4) | parse_sockstat(procfs.read_text("/proc/net/sockstat6") or "")
            tcp = (table.get("TCP", {}).get("inuse", 0) + table.get("TCP", {}).get("tw", 0)
                   + table.get("TCP6", {}).get("inuse", 0))
            udp = table.get("UDP", {}).get("inuse", 0) + table.get("UDP6", {}).get("inuse", 0)
        return NetworkStats(
            tcp_count=tcp,
            udp_count=udp,
            conntrack_count=procfs.read_int("/proc/sys/net/netfilter/nf_conntrack_count"),
            conntrack_max=procfs.read_int("/proc/sys/net/netfilter/nf_conntrack_max"),
        )

    def empty(self) -> NetworkStats:
        return NetworkStats()


class TcpStatesSource(Source):
    """TCP sockets by state name (`ESTABLISHED`, `LISTEN`, ...)."""

    name = "tcp_states"
    refresh = 30.0

    def sample(self, now: float) -> dict[str, int]:
        states = procfs.tcp_states()
        if states is not None:
            return states
        counted: dict[str, int] = {}
        for conn in psutil.net_connections(kind="tcp"):
            counted[conn.status] = counted.get(conn.status, 0) + 1
        return counted

    def empty(self) -> dict[str, int]:
        return {}
