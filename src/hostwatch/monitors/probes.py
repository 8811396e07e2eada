"""ICMP echo, TCP connect and HTTP GET probes: plain asyncio functions, so an agent runs the same
code as the hub.

ICMP uses an unprivileged "ping" socket (`SOCK_DGRAM`, allowed by Linux's
`net.ipv4.ping_group_range`), else a raw socket (root or CAP_NET_RAW). When the
kernel refuses both, a TCP connect to the spec's port (80 by default) stands in
for the echo: an answer of any kind, a refused connection included, shows the
host is reachable. Results say when that fallback was used.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import struct
import time

import httpx

from hostwatch import __version__
from hostwatch.errors import HostwatchError
from hostwatch.monitors.spec import ICMP_FALLBACK_PORT, MonitorResult, MonitorSpec

logger = logging.getLogger(__name__)

_ECHO_REQUEST: dict[int, int] = {socket.AF_INET: 8, socket.AF_INET6: 128}
_ECHO_REPLY: dict[int, int] = {socket.AF_INET: 0, socket.AF_INET6: 129}
_PROTOCOL: dict[int, int] = {socket.AF_INET: socket.IPPROTO_ICMP, socket.AF_INET6: socket.IPPROTO_ICMPV6}
_fallback_logged = False


class ProbeFailed(HostwatchError):
    """A probe found the service down; the message says how."""


class IcmpUnavailable(HostwatchError):
    """The kernel refuses this process every kind of ICMP socket."""


def _ms_since(start: float) -> float:
    return (time.perf_counter() - start) * 1000.0


async def _resolve(host: str, port: int, kind: socket.SocketKind) -> tuple[int, tuple[object, ...]]:
    """The first address of `host` (family, socket address)."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=kind)
    except socket.gaierror as exc:
        raise ProbeFailed(f"cannot resolve {host}: {exc.strerror}") from None
    family, _type, _proto, _name, address = infos[0]
    return family, address


# ---- TCP ---------------------------------------------------------------------------------------

async def tcp_connect(host: str, port: int, timeout: float, *, refused_is_up: bool = False) -> float:
    """Milliseconds a TCP connection to `host:port` takes to open (name resolution excluded).

    With `refused_is_up`, a refused connection also counts as an answer (the ICMP fallback).
    """
    try:
        async with asyncio.timeout(timeout):
            family, address = await _resolve(host, port, socket.SOCK_STREAM)
            with socket.socket(family, socket.SOCK_STREAM) as sock:
                sock.setblocking(False)
                start = time.perf_counter()
                try:
                    await asyncio.get_running_loop().sock_connect(sock, address)
                except ConnectionRefusedError:
                    if refused_is_up:
                        return _ms_since(start)
                    raise ProbeFailed(f"connection to port {port} refused") from None
                return _ms_since(start)
    except TimeoutError:
        raise ProbeFailed(f"no answer within {timeout:g} s") from None
    except OSError as exc:
        raise ProbeFailed(f"cannot connect to port {port}: {exc.strerror or exc}") from None


# ---- ICMP --------------------------------------------------------------------------------------

def checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071) of `data`."""
    if len(data) % 2:
        data += b"\0"
    total: int = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def echo_request(family: int, ident: int, seq: int, payload: bytes) -> bytes:
    """An ICMP (or ICMPv6) echo request; the kernel fills in ICMPv6 checksums itself."""
    kind = _ECHO_REQUEST[family]
    header = struct.pack("!BBHHH", kind, 0, 0, ident, seq)
    if family == socket.AF_INET6:
        return header + payload
    return struct.pack("!BBHHH", kind, 0, checksum(header + payload), ident, seq) + payload


def _icmp_socket(family: int) -> tuple[socket.socket, bool]:
    """A non-blocking ICMP socket and whether it is raw; IcmpUnavailable when the kernel refuses both."""
    for kind in (socket.SOCK_DGRAM, socket.SOCK_RAW):
        try:
            sock = socket.socket(family, kind, _PROTOCOL[family])
        except OSError:
            continue
        sock.setblocking(False)
        return sock, kind == socket.SOCK_RAW
    raise IcmpUnavailable("the kernel refuses ICMP sockets (net.ipv4.ping_group_range, CAP_NET_RAW)")


def _is_reply(packet: bytes, family: int, raw: bool, ident: int, seq: int, payload: bytes) -> bool:
    if raw and family == socket.AF_INET:
        packet = packet[(packet[0] & 0x0F) * 4:]  # raw IPv4 sockets hand over the IP header too
    if len(packet) < 8:
        return False
    kind, _code, _sum, got_ident, got_seq = struct.unpack("!BBHHH", packet[:8])
    # A ping socket rewrites the identifier with its own, and only hands it its own replies.
    return (kind == _ECHO_REPLY[family] and got_seq == seq and packet[8:] == payload
            and (not raw or got_ident == ident))


async def _echo(sock: socket.socket, raw: bool, family: int, address: tuple[object, ...]) -> float:
    """Send one echo request on `sock` and wait for its reply: the round trip in milliseconds.

    Through `add_reader` rather than `sock_sendto`/`sock_recvfrom`, which uvloop lacks.
    """
    loop = asyncio.get_running_loop()
    ident, seq = int.from_bytes(os.urandom(2)), int.from_bytes(os.urandom(2))
    payload = b"hostwatch" + os.urandom(16)
    answered: asyncio.Future[float] = loop.create_future()

    def readable() -> None:
        while not answered.done():
            try:
                packet, source = sock.recvfrom(4096)
            except BlockingIOError:
                return
            except OSError as exc:
                answered.set_exception(exc)
                return
            if source[0] == address[0] and _is_reply(packet, family, raw, ident, seq, payload):
                answered.set_result(time.perf_counter())

    loop.add_reader(sock.fileno(), readable)
    try:
        start = time.perf_counter()
        # One datagram on a non-blocking socket: it is queued or refused at once.
        sock.sendto(echo_request(family, ident, seq, payload), address)
        return (await answered - start) * 1000.0
    finally:
        loop.remove_reader(sock.fileno())


async def icmp_echo(host: str, timeout: float) -> float:
    """Milliseconds of one ICMP echo round trip to `host`; IcmpUnavailable when ICMP is not allowed."""
    try:
        async with asyncio.timeout(timeout):
            family, address = await _resolve(host, 0, socket.SOCK_DGRAM)
            sock, raw = _icmp_socket(family)
            with sock:
                return await _echo(sock, raw, family, address)
    except TimeoutError:
        raise ProbeFailed(f"no echo reply within {timeout:g} s") from None
    except OSError as exc:
        raise ProbeFailed(f"cannot ping {host}: {exc.strerror or exc}") from None


def _note_fallback(reason: IcmpUnavailable) -> None:
    global _fallback_logged  # noqa: PLW0603 - a once-per-process log, nothing else
    if not _fallback_logged:
        _fallback_logged = True
        logger.warning("ICMP monitors: %s; probing with a TCP connect instead (port %d unless "
                       "the monitor sets one)", reason, ICMP_FALLBACK_PORT)


# ---- HTTP --------------------------------------------------------------------------------------

def http_client() -> httpx.AsyncClient:
    """A client for HTTP probes: no kept-alive connections (each probe measures a fresh connect),
    no proxies from the environment (the monitor measures the direct path)."""
    return httpx.AsyncClient(
        trust_env=False,
        limits=httpx.Limits(max_keepalive_connections=0),
        headers={"user-agent": f"hostwatch/{__version__} (service monitor)"},
    )


async def http_get(client: httpx.AsyncClient, url: str, timeout: float, expected_status: int = 200,
                   follow_redirects: bool = False) -> float:
    """Milliseconds until the response headers of `GET url`; ProbeFailed unless the status is expected."""
    start = time.perf_counter()
    try:
        async with asyncio.timeout(timeout), client.stream(
                "GET", url, timeout=timeout, follow_redirects=follow_redirects) as response:
            delay = _ms_since(start)
            status = response.status_code
    except (TimeoutError, httpx.TimeoutException):
        raise ProbeFailed(f"no response within {timeout:g} s") from None
    except httpx.HTTPError as exc:
        raise ProbeFailed(f"request failed: {exc or type(exc).__name__}") from None
    if status != expected_status:
        raise ProbeFailed(f"status {status}, expected {expected_status}")
    return delay


# ---- one probe of a spec -----------------------------------------------------------------------

async def probe(spec: MonitorSpec, client: httpx.AsyncClient | None = None) -> MonitorResult:
    """Run `spec`'s probe once; failures come back as a result with `up` false, never raised.

    `client` serves http monitors (one is made for this probe when None).
    """
    started = time.time()
    fallback = False
    try:
        if spec.kind == "tcp":
            delay = await tcp_connect(spec.target, spec.port, spec.timeout)
        elif spec.kind == "icmp":
            try:
                delay = await icmp_echo(spec.target, spec.timeout)
            except IcmpUnavailable as exc:
                _note_fallback(exc)
                fallback = True
                delay = await tcp_connect(spec.target, spec.port or ICMP_FALLBACK_PORT, spec.timeout,
                                          refused_is_up=True)
        elif client is not None:
            delay = await http_get(client, spec.target, spec.timeout, spec.expected_status,
                                   spec.follow_redirects)
        else:
            async with http_client() as own:
                delay = await http_get(own, spec.target, spec.timeout, spec.expected_status,
                                       spec.follow_redirects)
    except ProbeFailed as exc:
        return MonitorResult(monitor_id=spec.id, time=started, delay_ms=None, up=False, error=str(exc),
                             fallback=fallback)
    return MonitorResult(monitor_id=spec.id, time=started, delay_ms=round(delay, 3), up=True,
                         fallback=fallback)
