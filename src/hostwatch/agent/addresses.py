"""A host's own addresses, as agents report them to the hub (Nezha shows them)."""

from __future__ import annotations

import socket

import psutil

from hostwatch.model import Snapshot


def own_addresses(snapshot: Snapshot) -> tuple[str, str]:
    """The IPv4 and global IPv6 address of the interface holding the default route."""
    route = snapshot.network.route
    ipv6 = ""
    for address in psutil.net_if_addrs().get(route.interface, []):
        if address.family == socket.AF_INET6 and not address.address.lower().startswith("fe80"):
            ipv6 = address.address.split("%")[0]
            break
    return route.address, ipv6
