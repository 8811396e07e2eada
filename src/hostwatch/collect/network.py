"""Network interfaces (counters, rates, link facts, addresses), the default route, sockets."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import psutil

from hostwatch.collect import procfs
from hostwatch.collect.base import RateMeter, Source
from hostwatch.model import DefaultRoute, NetInterface, NetworkStats

_COUNTERS = (
    "bytes_recv", "bytes_sent", "packets_recv", "packets_sent", "errin", "errout", "dropin", "dropout",
)
_LINK_FACTS_REFRESH = 10.0
_AF_LINK = getattr(psutil, "AF_LINK", -1)


def netmask_to_cidr(netmask: str) -> int:
    """Prefix length of a dotted IPv4 netmask (`255.255.255.0` is 24); 0 when invalid."""
    try:
        return ipaddress.IPv4Network(f"0.0.0.0/{netmask}").prefixlen
    except ValueError:
        return 0


class _LinkFacts:
    """Up/down, speed, MTU and addresses: cheap to keep, and slow to change."""

    def __init__(self) -> None:
        self.stats: dict[str, Any] = {}
        self.addrs: dict[str, list[Any]] = {}
        self.gateways: dict[str, str] = {}
        self._due = 0.0

    def refresh(self, now: float) -> None:
        if now < self._due:
            return
        self._due = now + _LINK_FACTS_REFRESH
        self.stats = psutil.net_if_stats()
        self.addrs = psutil.net_if_addrs()
        self.gateways = procfs.default_gateways()


class NetworkSource(Source):
    """Interface counters and rates every tick; link facts every ten seconds."""

    name = "network"
    refresh = 1.0

    def __init__(self) -> None:
        self._meter = RateMeter()
        self._facts = _LinkFacts()
        self._last_time: float | None = None

    def sample(self, now: float) -> NetworkStats:
        self._facts.refresh(now)
        counters = psutil.net_io_counters(pernic=True)
        elapsed = now - self._last_time if self._last_time is not None else 0.0
        self._last_time = now
        interfaces = [self._interface(name, c, now) for name, c in counters.items()]
        self._meter.forget_missing(set(counters))
        external = [i for i in interfaces if not i.is_loopback]
        return NetworkStats(
            interfaces=interfaces,
            route=self._route(),
            bytes_recv_rate=round(sum(i.bytes_recv_rate for i in external), 1),
            bytes_sent_rate=round(sum(i.bytes_sent_rate for i in external), 1),
            bytes_recv=sum(i.bytes_recv for i in external),
            bytes_sent=sum(i.bytes_sent for i in external),
            errors_rate=round(sum(i.errin_rate + i.errout_rate for i in external), 2),
            drops_rate=round(sum(i.dropin_rate + i.dropout_rate for i in external), 2),
            time_since_update=round(elapsed, 3),
        )

    def _interface(self, name: str, c: Any, now: float) -> NetInterface:
        values = tuple(getattr(c, field) for field in _COUNTERS)
        rates = self._meter.rates(name, values, now)
        stats = self._facts.stats.get(name)
        addrs = self._facts.addrs.get(name, [])
        counts: dict[str, Any] = dict(zip(_COUNTERS, values, strict=True))
        counts.update({f"{f}_rate": round(r, 1) for f, r in zip(_COUNTERS, rates, strict=True)})
        return NetInterface(
            name=name,
            **counts,
            is_up=bool(stats and stats.isup),
            speed_mbps=int(stats.speed) if stats else 0,
            mtu=int(stats.mtu) if stats else 0,
            mac=next((a.address for a in addrs if a.family == _AF_LINK), ""),
            ipv4=[a.address for a in addrs if a.family == socket.AF_INET],
            ipv6=[a.address.split("%")[0] for a in addrs if a.family == socket.AF_INET6],
            is_loopback=bool(stats and "loopback" in getattr(stats, "flags", "")) or name == "lo",
        )

    def _route(self) -> DefaultRoute:
        gateways = self._facts.gateways
        if not gateways:
            return DefaultRoute()
        interface, gateway = next(iter(gateways.items()))
        addrs = self._facts.addrs.get(interface, [])
        v4 = next((a for a in addrs if a.family == socket.AF_INET), None)
        v6 = next(
            (a.address.split("%")[0] for a in addrs
             if a.family == socket.AF_INET6 and not a.address.lower().startswith("fe80")),
            "",
        )
        netmask = v4.netmask or "" if v4 else ""
        return DefaultRoute(
            interface=interface,
            address=v4.address if v4 else "",
            netmask=netmask,
            cidr=netmask_to_cidr(netmask) if netmask else 0,
            gateway=gateway,
            ipv6_address=v6,
        )

    def empty(self) -> NetworkStats:
        return NetworkStats()
