"""The probe functions against real services on 127.0.0.1: TCP connect, HTTP GET, ICMP echo."""

from __future__ import annotations

import asyncio
import ctypes
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import msgspec
import pytest
from monitor_support import HEADER_DELAY, Services, running_services

from conftest import free_port
from hostwatch.monitors.probes import checksum, echo_request, probe
from hostwatch.monitors.spec import MonitorResult, parse_spec


@pytest.fixture(scope="module")
def services() -> Iterator[Services]:
    with running_services() as running:
        yield running


def _probe(**fields: object) -> MonitorResult:
    return asyncio.run(probe(parse_spec(fields, 7)))


def test_tcp_probe_measures_the_connect_time(services: Services) -> None:
    """A listening port is up, with a small positive delay in milliseconds."""
    result = _probe(kind="tcp", target="127.0.0.1", port=services.tcp_port)
    assert result.up
    assert result.monitor_id == 7
    assert result.delay_ms is not None
    assert 0 < result.delay_ms < 1000
    assert result.error == ""
    assert abs(result.time - time.time()) < 5


def test_tcp_probe_of_a_closed_port_fails_without_a_delay() -> None:
    """A refused connection is a failure: up false, no delay, the reason in `error`."""
    result = _probe(kind="tcp", target="127.0.0.1", port=free_port())
    assert not result.up
    assert result.delay_ms is None
    assert "refused" in result.error


def test_unresolvable_names_fail_clearly() -> None:
    """A name that does not resolve is a failure that says so."""
    result = _probe(kind="tcp", target="no-such-host.invalid", port=80)
    assert not result.up
    assert "cannot resolve no-such-host.invalid" in result.error


def test_http_probe_measures_time_to_the_response_headers(services: Services) -> None:
    """The delay covers the server's wait before its headers."""
    result = _probe(kind="http", target=services.url("/ok"))
    assert result.up, result.error
    assert result.delay_ms is not None
    assert result.delay_ms >= HEADER_DELAY * 1000


def test_http_probe_fails_on_an_unexpected_status(services: Services) -> None:
    """A 500 where 200 is expected is down; an expected 500 is up."""
    result = _probe(kind="http", target=services.url("/fail"))
    assert not result.up
    assert result.error == "status 500, expected 200"
    assert result.delay_ms is None
    assert _probe(kind="http", target=services.url("/fail"), expected_status=500).up


def test_http_redirects_are_followed_only_when_asked(services: Services) -> None:
    """A 302 is the answer unless `follow_redirects` is on."""
    assert _probe(kind="http", target=services.url("/moved")).error == "status 302, expected 200"
    assert _probe(kind="http", target=services.url("/moved"), follow_redirects=True).up


def test_http_probe_gives_up_at_its_timeout(services: Services) -> None:
    """A server slower than the timeout is down, and the probe returns at the timeout."""
    start = time.monotonic()
    result = _probe(kind="http", target=services.url("/slow"), timeout=0.5)
    assert time.monotonic() - start < 2
    assert not result.up
    assert result.error == "no response within 0.5 s"


def test_http_probe_of_a_closed_port_fails() -> None:
    """Nothing listening: down, with the transport's reason."""
    result = _probe(kind="http", target=f"http://127.0.0.1:{free_port()}/")
    assert not result.up
    assert result.error.startswith("request failed")


def test_echo_requests_carry_a_valid_checksum() -> None:
    """An ICMP echo request sums to zero with its checksum in place (RFC 1071)."""
    packet = echo_request(socket.AF_INET, 0x1234, 7, b"hostwatch-odd")
    assert packet[0] == 8
    assert checksum(packet) == 0


def test_icmp_probe_of_loopback_is_up() -> None:
    """Loopback answers, by ICMP echo or, where the kernel refuses ICMP, by the TCP fallback."""
    result = _probe(kind="icmp", target="127.0.0.1")
    assert result.up, result.error
    assert result.delay_ms is not None
    assert 0 < result.delay_ms < 1000


def _drop_raw_sockets() -> None:
    """In the child: drop CAP_NET_RAW from the bounding set, so root's Python cannot open raw sockets."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(24, 13, 0, 0, 0) != 0:  # PR_CAPBSET_DROP, CAP_NET_RAW
        raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


_CHILD = """
import asyncio, sys, msgspec
from hostwatch.monitors.probes import probe
from hostwatch.monitors.spec import parse_spec
spec = parse_spec(msgspec.json.decode(sys.argv[1]), 3)
sys.stdout.write(msgspec.json.encode(asyncio.run(probe(spec))).decode())
"""


def _probe_without_raw_sockets(**fields: object) -> tuple[MonitorResult, str]:
    process = subprocess.run([sys.executable, "-c", _CHILD, msgspec.json.encode(fields).decode()],
                             preexec_fn=_drop_raw_sockets, capture_output=True, text=True, timeout=60,
                             check=True)
    return msgspec.json.decode(process.stdout, type=MonitorResult), process.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="dropping CAP_NET_RAW to force the fallback needs root")
def test_icmp_falls_back_to_a_tcp_connect_where_the_kernel_refuses_icmp(services: Services) -> None:
    """Without raw sockets (and with ping sockets off for this group), a TCP connect stands in for
    the echo, the result says so, and the fallback is logged once."""
    refused = _ping_sockets_refused()
    result, log = _probe_without_raw_sockets(kind="icmp", target="127.0.0.1")
    assert result.up, result.error
    assert result.delay_ms is not None
    assert result.fallback is refused
    if refused:
        assert log.count("probing with a TCP connect instead") == 1
        # The monitor's port takes the fallback there; a listening port is up as well.
        listening, _ = _probe_without_raw_sockets(kind="icmp", target="127.0.0.1", port=services.tcp_port)
        assert listening.up
        assert listening.fallback


def _ping_sockets_refused() -> bool:
    try:
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP).close()
    except OSError:
        return True
    return False
