"""Agent ingest: how many agent reports per second one hub process takes, history included.

Run: .venv/bin/python bench/ingest.py [--agents 200] [--seconds 20] [--connections 64]

One hub (`hostwatch serve --no-local`, history on) and one client process that
simulates many agents with asyncio: each simulated agent has its own agent id,
sequence numbers and time line, and sends realistic reports (a real snapshot of
this machine, its busiest processes only, numbers varied per report) as
`hostwatch agent` sends them: MessagePack with each snapshot's process rows
apart (or `--json`, rows inside) compressed with zstd,
made before the measured span so the client's share of the machine is small.
The client keeps `--connections` requests in flight (closed loop) and measures
sustained reports per second,
the latency of each report (p50/p99) and the hub's CPU over the measured span.
Target: 2,000 reports/s on one hub process (10,000 hosts at a 5 s interval).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import statistics
import subprocess
import tempfile
import time
from collections import deque
from pathlib import Path

import msgspec
import uvloop
import zstandard

from _common import (
    HOSTWATCH_BIN,
    LOCALHOST,
    free_port,
    log,
    process_cpu_seconds,
    spawn,
    tree_cpu_seconds,
    wait_http_ok,
)
from hostwatch.agent.protocol import JSON, MSGPACK, PROTOCOL_VERSION, REPORT_PATH, encode_apart
from hostwatch.agent.remote import compact_processes
from hostwatch.collect import Collector
from hostwatch.model import Snapshot

TARGET_REPORTS_PER_S = 2_000
PREPARED_RATE = 3_500
VARIANTS = 32


def snapshot_variants(count: int) -> list[Snapshot]:
    """Real snapshots of this machine, its busiest processes only, with numbers varied."""
    collector = Collector(interval=1.0)
    collector.collect()
    time.sleep(1.0)
    base = collector.collect()
    base = msgspec.structs.replace(base, processes=compact_processes(base.processes, "top"))
    variants = []
    for n in range(count):
        cpu = msgspec.structs.replace(base.cpu, total=round(random.uniform(1, 90), 1),
                                      user=round(random.uniform(1, 60), 1))
        memory = msgspec.structs.replace(base.memory, used=base.memory.used + n * 4096,
                                         percent=round(base.memory.percent + random.uniform(-1, 1), 1))
        variants.append(msgspec.structs.replace(base, cpu=cpu, memory=memory))
    return variants


class RequestMaker:
    """Makes agents' pushes as `hostwatch agent` sends them (encoded, zstd-compressed), each as
    a whole HTTP request."""

    def __init__(self, variants: list[Snapshot], media_type: str, port: int, token: str) -> None:
        self.variants = variants
        self.msgpack = media_type == MSGPACK
        self.encoder = msgspec.msgpack.Encoder()
        self.json_encode = msgspec.json.Encoder().encode
        self.compressor = zstandard.ZstdCompressor(level=3)
        self.head = (f"POST {REPORT_PATH} HTTP/1.1\r\nHost: {LOCALHOST}:{port}\r\n"
                     f"Authorization: Bearer {token}\r\nContent-Type: {media_type}\r\n"
                     f"Content-Encoding: zstd\r\n").encode()

    def request(self, agent: SimulatedAgent) -> bytes:
        """The agent's next push."""
        agent.seq += 1
        agent.clock += 5.0
        snapshot = msgspec.structs.replace(random.choice(self.variants), time=agent.clock, seq=agent.seq)
        report: dict[str, object] = {"protocol": PROTOCOL_VERSION, "agent_id": agent.agent_id,
                                     "name": agent.agent_id, "tags": ["bench"], "version": "bench"}
        if self.msgpack:  # as the agent sends it: the process rows apart
            light, rows = encode_apart(snapshot, self.encoder)
            report.update(snapshots=[msgspec.Raw(light)], process_rows=[rows])
            body = self.compressor.compress(self.encoder.encode(report))
        else:  # as a JSON client would: the rows inside the snapshot
            report["snapshots"] = [snapshot]
            body = self.compressor.compress(self.json_encode(report))
        return self.head + b"Content-Length: %d\r\n\r\n" % len(body) + body


class SimulatedAgent:
    """One agent's identity, clock and sequence, and its next pushes made ahead of time."""

    def __init__(self, number: int, start: float) -> None:
        self.agent_id = f"bench-{number:05d}"
        self.seq = 0
        self.clock = start
        self.ready: deque[bytes] = deque()
        self.made_late = 0

    def prepare(self, count: int, maker: RequestMaker) -> None:
        """Make the next `count` pushes now, before anything is measured."""
        self.ready.extend(maker.request(self) for _ in range(count))

    def next_request(self, maker: RequestMaker) -> bytes:
        if self.ready:
            return self.ready.popleft()
        self.made_late += 1
        return maker.request(self)


class KeptAliveConnection(asyncio.Protocol):
    """One HTTP/1.1 connection that posts one request at a time and reads just the status and
    the body's length of each response: the simulated agents share the hub's two cores, and
    stream readers' line-by-line parsing cost them several times more."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.received = bytearray()
        self.waiter: asyncio.Future[int] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.received += data
        end = self.received.find(b"\r\n\r\n")
        if end < 0 or self.waiter is None:
            return
        head = bytes(self.received[:end]).lower()
        start = head.find(b"\r\ncontent-length:")
        length = int(head[start + 17:].split(b"\r\n", 1)[0]) if start >= 0 else 0
        if len(self.received) < end + 4 + length:
            return
        status = int(head[9:12])
        del self.received[:end + 4 + length]
        self.waiter.set_result(status)
        self.waiter = None

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("the hub closed the connection"))

    async def post(self, request: bytes) -> int:
        """Send a whole request; the response's status code."""
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return await self.waiter


async def drive(port: int, agents: list[SimulatedAgent], maker: RequestMaker, connections: int,
                warmup: float, seconds: float) -> tuple[int, list[float], int]:
    """Keep `connections` reports in flight; (reports in the measured span, their latencies,
    reports accepted in the whole run)."""
    queue: asyncio.Queue[SimulatedAgent] = asyncio.Queue()
    for agent in agents:
        queue.put_nowait(agent)
    start = time.monotonic()
    measure_from = start + warmup
    stop_at = measure_from + seconds
    latencies: list[float] = []
    counted = 0
    accepted = 0
    failures = 0

    async def keep_posting() -> None:
        nonlocal counted, accepted, failures
        transport, connection = await asyncio.get_running_loop().create_connection(
            KeptAliveConnection, LOCALHOST, port)
        try:
            while (now := time.monotonic()) < stop_at:
                agent = await queue.get()
                request = agent.next_request(maker)
                sent = time.monotonic()
                status = await connection.post(request)
                done = time.monotonic()
                queue.put_nowait(agent)
                if status != 200:
                    failures += 1
                    continue
                accepted += 1
                if now >= measure_from:
                    counted += 1
                    latencies.append(done - sent)
        finally:
            transport.close()

    await asyncio.gather(*(keep_posting() for _ in range(connections)))
    if failures:
        log(f"{failures} reports were not accepted")
    return counted, latencies, accepted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=200, help="simulated agents (default 200)")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured span (default 20)")
    parser.add_argument("--warmup", type=float, default=5.0, help="unmeasured start (default 5)")
    parser.add_argument("--connections", type=int, default=32, help="requests in flight (default 32)")
    parser.add_argument("--no-history", action="store_true",
                        help="hub without the history store, for comparison")
    parser.add_argument("--json", action="store_true",
                        help="send JSON reports instead of the agent's MessagePack, for comparison")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hostwatch-ingest-") as scratch:
        workdir = Path(scratch)
        port = free_port()
        data_dir = workdir / "hub-data"
        hub = spawn("hub", [str(HOSTWATCH_BIN), "serve", "--no-local", "--port", str(port),
                            "--data-dir", str(data_dir), "--log-level", "warning",
                            *(["--no-history"] if args.no_history else [])], workdir)
        try:
            wait_http_ok(hub, f"http://{LOCALHOST}:{port}/healthz")
            token = subprocess.run([str(HOSTWATCH_BIN), "token", "create", "--data-dir", str(data_dir),
                                    "--name", "bench"], capture_output=True, text=True, check=True,
                                   timeout=60).stdout.strip()
            log("collecting snapshot variants")
            variants = snapshot_variants(VARIANTS)
            start = time.time() - 86_400
            agents = [SimulatedAgent(n, start + random.uniform(0, 5)) for n in range(args.agents)]
            log(f"{args.agents} simulated agents, {args.connections} connections, "
                f"{args.warmup:g} s warm-up + {args.seconds:g} s measured")
            media_type = JSON if args.json else MSGPACK
            # The simulated agents share the hub's two cores: reports are encoded and compressed
            # before the clock starts (enough for PREPARED_RATE a second), so what the client
            # spends while measuring is mostly HTTP and more of the machine measures the hub.
            per_agent = math.ceil(PREPARED_RATE * (args.warmup + args.seconds) / args.agents)
            log(f"preparing {per_agent * args.agents:,} reports")
            maker = RequestMaker(variants, media_type, port, token)
            for agent in agents:
                agent.prepare(per_agent, maker)
            cpu_before = tree_cpu_seconds(hub.pid)
            server_before = process_cpu_seconds(hub.pid)
            client_before = time.process_time()

            async def run() -> tuple[int, list[float], int]:
                await asyncio.sleep(0)
                return await drive(port, agents, maker, args.connections, args.warmup, args.seconds)

            wall_before = time.monotonic()
            # uvloop, as the hub uses: the simulated agents share the hub's two cores, so the
            # cheaper their side, the more of the machine measures the hub.
            with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
                counted, latencies, total = runner.run(run())
            wall = time.monotonic() - wall_before
            hub_cpu = (tree_cpu_seconds(hub.pid) - cpu_before) / wall
            server_cpu = (process_cpu_seconds(hub.pid) - server_before) / wall
            client_cpu = (time.process_time() - client_before) / wall
            made_late = sum(agent.made_late for agent in agents)
            if made_late:
                log(f"{made_late:,} reports were made while measuring (more than prepared)")
            time.sleep(2.0)
            stats = "" if args.no_history else subprocess.run(
                [str(HOSTWATCH_BIN), "store", "stats", "--data-dir", str(data_dir)],
                capture_output=True, text=True, check=True, timeout=120).stdout
        finally:
            hub.stop()
    rate = counted / args.seconds
    latencies.sort()
    p50 = statistics.median(latencies) * 1000 if latencies else float("nan")
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000 if latencies else float("nan")
    size = len((msgspec.json if args.json else msgspec.msgpack).encode(variants[0]))
    history = "off" if args.no_history else "on"
    print(f"agent ingest, history {history} ({args.agents} agents, {args.connections} in flight, "
          f"~{size / 1024:.1f} KiB {'JSON' if args.json else 'MessagePack'} reports before zstd)")
    print(f"  sustained reports/s   {rate:10,.0f}   target >= {TARGET_REPORTS_PER_S:,}  "
          f"({rate / TARGET_REPORTS_PER_S:.2f}x target)")
    print(f"  latency p50 / p99     {p50:7.1f} ms / {p99:.1f} ms")
    print(f"  hub CPU               {hub_cpu * 100:7.0f} % of one core (whole run): server "
          f"{server_cpu * 100:.0f} %, history store process {(hub_cpu - server_cpu) * 100:.0f} %")
    print(f"  hub CPU per report    {hub_cpu * wall / max(total, 1) * 1e6:7.0f} µs: server "
          f"{server_cpu * wall / max(total, 1) * 1e6:.0f} µs, history store process "
          f"{(hub_cpu - server_cpu) * wall / max(total, 1) * 1e6:.0f} µs")
    print(f"  client CPU            {client_cpu * 100:7.0f} % of one core (the simulated agents)")
    if stats:
        print("  store after the run:")
    for line in stats.splitlines():
        print(f"    {line}")


if __name__ == "__main__":
    main()
