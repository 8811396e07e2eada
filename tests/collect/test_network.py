"""Interfaces, rates, default route and socket counts against traffic and sockets the tests make."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest

from hostwatch.collect import procfs
from hostwatch.collect.network import NetworkSource, netmask_to_cidr
from hostwatch.collect.sockets import SocketCountsSource, TcpStatesSource, parse_sockstat
from hostwatch.model import DefaultRoute, NetInterface, NetworkStats

PAYLOAD = 1 << 20
RATES = tuple(f for f in NetInterface.__struct_fields__ if f.endswith("_rate"))


def loopback(stats: NetworkStats) -> NetInterface:
    """The `lo` interface of a sample."""
    return next(i for i in stats.interfaces if i.name == "lo")


def send_over_loopback(size: int) -> None:
    """Send `size` bytes over a TCP connection on 127.0.0.1 and wait until all have arrived."""
    with (
        socket.create_server(("127.0.0.1", 0)) as server,
        socket.create_connection(server.getsockname()[:2], timeout=10) as client,
    ):
        peer, _ = server.accept()
        with peer:
            peer.settimeout(10)
            client.sendall(b"x" * size)
            received = 0
            while received < size:
                chunk = peer.recv(1 << 16)
                assert chunk, "connection closed early"
                received += len(chunk)


@contextmanager
def listeners(count: int) -> Iterator[None]:
    """`count` TCP sockets listening on free loopback ports."""
    with ExitStack() as stack:
        for _ in range(count):
            stack.enter_context(socket.create_server(("127.0.0.1", 0)))
        yield


@contextmanager
def udp_sockets(count: int) -> Iterator[None]:
    """`count` UDP sockets bound to free loopback ports."""
    with ExitStack() as stack:
        for _ in range(count):
            sock = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
            sock.bind(("127.0.0.1", 0))
        yield


def test_loopback_is_listed_and_marked_as_loopback() -> None:
    """`lo` is present, up, flagged as loopback and carries 127.0.0.1."""
    lo = loopback(NetworkSource().sample(0.0))
    assert lo.is_loopback
    assert lo.is_up
    assert "127.0.0.1" in lo.ipv4
    assert lo.mtu > 0


def test_first_sample_reports_zero_rates_for_every_interface() -> None:
    """Counters since boot are not turned into a spike: every rate of the first sample is zero."""
    stats = NetworkSource().sample(time.monotonic())
    assert stats.time_since_update == 0.0
    for interface in stats.interfaces:
        assert {getattr(interface, f) for f in RATES} == {0.0}, interface.name
    assert (stats.bytes_recv_rate, stats.bytes_sent_rate, stats.errors_rate, stats.drops_rate) == (0, 0, 0, 0)


def test_loopback_traffic_raises_lo_counters_and_gives_a_positive_rate() -> None:
    """1 MiB sent over 127.0.0.1 adds at least 1 MiB to lo's counters, and the next sample's rate shows it."""
    source = NetworkSource()
    before = loopback(source.sample(100.0))
    send_over_loopback(PAYLOAD)
    stats = source.sample(102.0)
    after = loopback(stats)
    assert after.bytes_sent - before.bytes_sent >= PAYLOAD
    assert after.bytes_recv - before.bytes_recv >= PAYLOAD
    assert after.bytes_sent_rate >= PAYLOAD / 2.0
    assert after.bytes_recv_rate >= PAYLOAD / 2.0
    assert after.packets_sent_rate > 0
    assert stats.time_since_update == pytest.approx(2.0)


def test_rates_are_never_negative() -> None:
    """Over several samples every interface rate and every machine total is zero or more."""
    source = NetworkSource()
    for step in range(4):
        stats = source.sample(50.0 + step)
        for interface in stats.interfaces:
            assert min(getattr(interface, f) for f in RATES) >= 0.0, interface.name
        assert min(stats.bytes_recv_rate, stats.bytes_sent_rate, stats.errors_rate, stats.drops_rate) >= 0.0


def test_machine_totals_leave_out_loopback() -> None:
    """`bytes_recv` and `bytes_sent` add up the non-loopback interfaces only."""
    stats = NetworkSource().sample(0.0)
    external = [i for i in stats.interfaces if not i.is_loopback]
    assert stats.bytes_recv == sum(i.bytes_recv for i in external)
    assert stats.bytes_sent == sum(i.bytes_sent for i in external)


def test_default_route_follows_the_kernel_routing_table() -> None:
    """The route names the interface and gateway of /proc/net/route's default entry, with its address."""
    stats = NetworkSource().sample(0.0)
    gateways = procfs.default_gateways()
    if not gateways:
        assert stats.route == DefaultRoute()  # no default route on this host: nothing is guessed
        return
    route = stats.route
    assert route.interface in gateways
    assert route.gateway == gateways[route.interface]
    interface = next(i for i in stats.interfaces if i.name == route.interface)
    if interface.ipv4:
        assert route.address in interface.ipv4
        assert route.cidr == netmask_to_cidr(route.netmask)
        assert 0 < route.cidr <= 32
    assert not route.ipv6_address.lower().startswith("fe80")


@pytest.mark.parametrize(
    ("netmask", "cidr"),
    [
        ("255.255.255.0", 24),
        ("255.255.0.0", 16),
        ("255.255.255.252", 30),
        ("255.255.255.255", 32),
        ("0.0.0.0", 0),
        ("255.0.255.0", 0),
        ("not a mask", 0),
        ("", 0),
    ],
)
def test_netmask_to_cidr(netmask: str, cidr: int) -> None:
    """A dotted netmask gives its prefix length; a non-contiguous or garbled one gives 0."""
    assert netmask_to_cidr(netmask) == cidr


def listen_count() -> int:
    """LISTEN sockets as the sockets source counts them now."""
    return TcpStatesSource().sample(0.0).get("LISTEN", 0)


def test_listening_sockets_the_test_opens_are_counted() -> None:
    """Opening 4 listening sockets raises the LISTEN count by at least 4.

    Other processes on a shared machine open and close listeners too, so the
    measurement is retried a few times and one clean rise suffices.
    """
    rises = []
    for _ in range(5):
        before = listen_count()
        with listeners(4):
            during = listen_count()
        rises.append(during - before)
        if rises[-1] >= 4:
            break
    assert max(rises) >= 4, rises


def test_bound_udp_sockets_are_counted() -> None:
    """Binding 4 UDP sockets raises the UDP count by at least 4 (retried, as other processes churn)."""
    rises = []
    for _ in range(5):
        before = SocketCountsSource().sample(0.0).udp_count
        with udp_sockets(4):
            during = SocketCountsSource().sample(0.0).udp_count
        rises.append(during - before)
        if rises[-1] >= 4:
            break
    assert max(rises) >= 4, rises


def test_tcp_states_use_the_kernels_state_names() -> None:
    """`tcp_states` keys are the kernel's state names."""
    with listeners(1):
        states = TcpStatesSource().sample(0.0)
    assert states.get("LISTEN", 0) >= 1
    assert set(states) <= {*procfs.TCP_STATE_NAMES.values(), "UNKNOWN"}


def test_tcp_count_follows_the_kernel_counters_and_agrees_with_the_state_walk() -> None:
    """Listening sockets raise `tcp_count`, and without churn it equals the sum of the states."""
    rises = []
    for _ in range(5):
        before = SocketCountsSource().sample(0.0).tcp_count
        with listeners(4):
            during = SocketCountsSource().sample(0.0).tcp_count
        rises.append(during - before)
        if rises[-1] >= 4:
            break
    assert max(rises) >= 4, rises
    agreements = []
    for _ in range(5):
        counted = SocketCountsSource().sample(0.0).tcp_count
        walked = sum(TcpStatesSource().sample(0.0).values())
        agreements.append(counted == walked)
        if agreements[-1]:
            break
    assert any(agreements)


def test_sockstat_lines_parse_into_tables() -> None:
    """/proc/net/sockstat's `NAME: key value ...` lines become nested counts."""
    table = parse_sockstat("sockets: used 8\nTCP: inuse 3 orphan 0 tw 9 alloc 4 mem 2\nUDP: inuse 2 mem 1\n")
    assert table["TCP"] == {"inuse": 3, "orphan": 0, "tw": 9, "alloc": 4, "mem": 2}
    assert table["UDP"]["inuse"] == 2


def test_conntrack_is_none_without_netfilter_tracking() -> None:
    """Without the nf_conntrack module the counts are None rather than 0; with it, numbers."""
    stats = SocketCountsSource().sample(0.0)
    expected = procfs.read_int("/proc/sys/net/netfilter/nf_conntrack_max")
    assert stats.conntrack_max == expected
    assert (stats.conntrack_count is None) == (expected is None)


def test_empty_values_are_declared() -> None:
    """A host whose network cannot be read reports no interfaces and no sockets."""
    assert NetworkSource().empty() == SocketCountsSource().empty() == NetworkStats()
    assert TcpStatesSource().empty() == {}
