"""Serving cost: hostwatch's API and WebSocket fan-out against Glances 4 serving its API.

Run: .venv/bin/python bench/api.py [--quick] [--rounds 3] [--duration 10] [--clients 500]

Side by side in one run, with both servers up for the whole run:

1. HTTP throughput: `wrk -t2 -c50 --latency -H 'Accept-Encoding: gzip'` against
   hostwatch's `/api/v1/snapshot` and Glances' `/api/4/all`, then the same Glances
   routes on both (`/api/4/all`, `/api/4/cpu`), alternating, for `--rounds`
   rounds; requests per second and p50/p99 latency, medians over the rounds.
   Without wrk, an asyncio + httpx client stands in (and says so).
2. WebSocket fan-out: `--clients` WebSocket clients on hostwatch's `/ws`; each
   message's delivery lag is its receive wall time minus its `time` field (when
   the hub's collector produced it); each client's first message, the snapshot
   sent on connect, is skipped. The hub's CPU over the window is its CPU-time
   delta divided by the wall time.

Targets: at least 3x Glances' throughput; fan-out lag p99 under 250 ms with the
hub under one core. The load generators run on the same 2 shared cores as the
servers, so both servers are measured under the same handicap.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import msgspec
from websockets.asyncio.client import connect

from _common import (
    Child,
    Row,
    glances_version,
    log,
    machine_line,
    print_table,
    start_glances,
    start_hostwatch,
    tree_cpu_seconds,
)
from hostwatch import __version__ as hostwatch_version

CONNECTIONS = 50
THROUGHPUT_TARGET = 3.0
LAG_TARGET_S = 0.250
HUB_CPU_TARGET = 100.0
CONNECT_BATCH = 50
CONNECT_TIMEOUT_S = 120.0
WRK_TIMEOUT_S = 10
WARMUP_S = 2
GZIP = {"Accept-Encoding": "gzip"}
_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


@dataclass(frozen=True)
class LoadResult:
    """One load run against one URL."""

    rps: float
    p50: float
    p99: float
    errors: int
    server_cpu_percent: float


@dataclass(frozen=True)
class FanoutResult:
    """The WebSocket fan-out window."""

    clients: int
    window: float
    lags: list[float]
    per_client: list[int]
    hub_cpu_percent: float
    bench_cpu_percent: float
    compression: str  # permessage-deflate offered: on or off

    def lag_percentile(self, q: int) -> float:
        """The q-th percentile of the delivery lags, in seconds."""
        return percentile(self.lags, q)


class Stamp(msgspec.Struct):
    """The one snapshot field the fan-out client needs; msgspec skips the rest without building it."""

    time: float


def percentile(values: list[float], q: int) -> float:
    """The q-th percentile (1..99) of `values`, by the inclusive method."""
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def parse_args() -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per load run (default 10)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating load rounds (default 3)")
    parser.add_argument("--clients", type=int, default=500, help="WebSocket clients (default 500)")
    parser.add_argument("--window", type=float, default=20.0, help="fan-out window in seconds (default 20)")
    parser.add_argument("--ws-deflate", choices=("both", "on", "off"), default="both",
                        help="offer permessage-deflate (as browsers do), not, or one window each (default)")
    parser.add_argument("--quick", action="store_true", help="one 3 s round and a 5 s fan-out window")
    args = parser.parse_args()
    if args.quick:
        args.duration, args.rounds, args.window = 3, 1, 5.0
    return args


def raise_fd_limit(needed: int) -> None:
    """Lift the soft open-files limit (inherited by the servers started later) for the clients."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def body_sizes(url: str) -> tuple[int, int]:
    """(gzip-encoded bytes on the wire, decoded bytes) of one response."""
    with httpx.Client(timeout=10.0) as client, client.stream("GET", url, headers=GZIP) as response:
        response.raise_for_status()
        wire = b"".join(response.iter_raw())
    with httpx.Client(timeout=10.0) as client:
        plain = client.get(url, headers={"Accept-Encoding": "identity"}).content
    return len(wire), len(plain)


def _seconds(value: str, unit: str) -> float:
    return float(value) * _UNITS[unit]


def parse_wrk(output: str) -> tuple[float, float, float, int]:
    """(requests/s, p50 s, p99 s, errors) from `wrk --latency` output."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s|m|h)\s*$", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s|m|h)\s*$", output, re.MULTILINE)
    if not (rps and p50 and p99):
        raise RuntimeError(f"cannot parse wrk output:\n{output}")
    errors = 0
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if non2xx:
        errors += int(non2xx.group(1))
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if sock:
        errors += sum(int(n) for n in sock.groups())
    return float(rps.group(1)), _seconds(*p50.groups()), _seconds(*p99.groups()), errors


def run_wrk(url: str, duration: int) -> tuple[float, float, float, int]:
    """One wrk run at 50 connections with gzip accepted."""
    # A 10 s timeout (wrk's default is 2 s) keeps slow answers in the latency figures instead of
    # dropping them and reconnecting, which would also waste the server's work on them.
    argv = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{duration}s", f"--timeout={WRK_TIMEOUT_S}s", "--latency",
            "-H", "Accept-Encoding: gzip", url]
    out = subprocess.run(argv, check=True, capture_output=True, text=True, timeout=duration + 60)
    return parse_wrk(out.stdout)


async def _httpx_worker(client: httpx.AsyncClient, url: str, deadline: float, latencies: list[float]) -> int:
    errors = 0
    while time.monotonic() < deadline:
        start = time.perf_counter()
        try:
            response = await client.get(url, headers=GZIP)
            await response.aread()
            errors += response.status_code != 200
        except httpx.HTTPError:
            errors += 1
        latencies.append(time.perf_counter() - start)
    return errors


async def _httpx_load(url: str, duration: int) -> tuple[float, float, float, int]:
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
    async with httpx.AsyncClient(limits=limits, timeout=30.0) as client:
        start = time.monotonic()
        deadline = start + duration
        errors = await asyncio.gather(
            *(_httpx_worker(client, url, deadline, latencies) for _ in range(CONNECTIONS))
        )
        elapsed = time.monotonic() - start
    return len(latencies) / elapsed, percentile(latencies, 50), percentile(latencies, 99), sum(errors)


def run_load(url: str, duration: int, server: Child) -> LoadResult:
    """Load `url` for `duration` s (wrk, else httpx) and measure the server's CPU meanwhile."""
    cpu0, t0 = tree_cpu_seconds(server.pid), time.monotonic()
    if shutil.which("wrk"):
        rps, p50, p99, errors = run_wrk(url, duration)
    else:
        rps, p50, p99, errors = asyncio.run(_httpx_load(url, duration))
    cpu = 100.0 * (tree_cpu_seconds(server.pid) - cpu0) / (time.monotonic() - t0)
    return LoadResult(rps, p50, p99, errors, cpu)


def median_result(results: list[LoadResult]) -> LoadResult:
    """Field-wise median over rounds (errors summed)."""
    return LoadResult(
        statistics.median(r.rps for r in results),
        statistics.median(r.p50 for r in results),
        statistics.median(r.p99 for r in results),
        sum(r.errors for r in results),
        statistics.median(r.server_cpu_percent for r in results),
    )


def load_rounds(
    targets: dict[str, tuple[str, Child]], duration: int, rounds: int
) -> dict[str, list[LoadResult]]:
    """Warm each URL up, then load them in alternation for `rounds` rounds."""
    results: dict[str, list[LoadResult]] = {name: [] for name in targets}
    for name, (url, server) in targets.items():
        log(f"warming up {name} ({WARMUP_S} s)")
        run_load(url, WARMUP_S, server)
    for n in range(rounds):
        for name, (url, server) in targets.items():
            log(f"round {n + 1}/{rounds}: {name}, {duration} s at {CONNECTIONS} connections")
            results[name].append(run_load(url, duration, server))
    return results


@dataclass
class Window:
    """The measuring window shared by the fan-out clients, on the monotonic clock."""

    start: float = float("inf")
    end: float = float("inf")

    def holds(self, moment: float) -> bool:
        """Whether `moment` falls inside the window."""
        return self.start <= moment < self.end


async def _ws_client(url: str, compression: str | None, window: Window) -> list[float]:
    """One subscriber: skip the on-connect snapshot, then return the lags of messages inside the window.

    It reads every message as it comes, before the window too, so no backlog
    builds up in its own receive queue and shows up as lag.
    """
    lags: list[float] = []
    async with connect(url, compression=compression, max_size=1 << 24, open_timeout=60,
                       ping_interval=None, close_timeout=2) as ws:
        await ws.recv(decode=False)
        while (remaining := window.end - time.monotonic()) > 0:
            try:
                raw = await asyncio.wait_for(ws.recv(decode=False), timeout=remaining)
            except TimeoutError:
                break
            received, moment = time.time(), time.monotonic()
            if window.holds(moment):
                lags.append(received - msgspec.json.decode(raw, type=Stamp).time)
    return lags


async def _open_all(
    url: str, clients: int, compression: str | None, window: Window
) -> list[asyncio.Task[list[float]]]:
    """Start the clients in batches so the hub's accept queue is not flooded at once."""
    tasks: list[asyncio.Task[list[float]]] = []
    for first in range(0, clients, CONNECT_BATCH):
        for _ in range(first, min(first + CONNECT_BATCH, clients)):
            tasks.append(asyncio.create_task(_ws_client(url, compression, window)))
        await asyncio.sleep(0.2)
    return tasks


async def _fanout(
    url: str, clients: int, duration: float, compression: str | None, hub: Child
) -> FanoutResult:
    # Until the window is set, this bound keeps a client that never gets a message from waiting forever.
    window = Window(end=time.monotonic() + CONNECT_TIMEOUT_S + duration)
    tasks = await _open_all(url, clients, compression, window)
    await asyncio.sleep(2.0)  # let the last batch finish its handshake and first message
    failed = [t for t in tasks if t.done() and t.exception() is not None]
    if failed:
        raise RuntimeError(f"{len(failed)} WebSocket clients failed, e.g. {failed[0].exception()!r}")
    hub_cpu0, bench_cpu0 = tree_cpu_seconds(hub.pid), time.process_time()
    window.start = time.monotonic()
    window.end = window.start + duration
    await asyncio.sleep(duration)
    wall = time.monotonic() - window.start
    hub_cpu = 100.0 * (tree_cpu_seconds(hub.pid) - hub_cpu0) / wall
    bench_cpu = 100.0 * (time.process_time() - bench_cpu0) / wall
    # Each client leaves at its first message after the window; a few seconds covers that.
    done, pending = await asyncio.wait(tasks, timeout=10.0)
    for task in pending:
        task.cancel()
    per_client = [t.result() for t in done if t.exception() is None]
    lags = [lag for client_lags in per_client for lag in client_lags]
    return FanoutResult(clients, wall, lags, [len(c) for c in per_client], hub_cpu, bench_cpu,
                        "on" if compression else "off")


def measure_fanout(url: str, clients: int, window: float, deflate: str, hub: Child) -> FanoutResult:
    """Run one fan-out window in a fresh event loop; `deflate` "on" offers permessage-deflate."""
    return asyncio.run(_fanout(url, clients, window, "deflate" if deflate == "on" else None, hub))


def fanout_rows(fan: FanoutResult) -> list[Row]:
    """Table rows for one fan-out window."""
    lag99 = fan.lag_percentile(99)
    label = f"{fan.clients} WS clients, deflate {fan.compression}"
    return [
        Row(f"{label}: lag p50", f"{fan.lag_percentile(50) * 1e3:.1f} ms", "n/a", None, "", None),
        Row(f"{label}: lag p99", f"{lag99 * 1e3:.1f} ms", "n/a", None,
            f"< {LAG_TARGET_S * 1e3:.0f} ms", lag99 < LAG_TARGET_S),
        Row(f"{label}: hub CPU", f"{fan.hub_cpu_percent:.0f} %", "n/a", None,
            f"< {HUB_CPU_TARGET:.0f} %", fan.hub_cpu_percent < HUB_CPU_TARGET),
    ]


# Each comparison: a label, hostwatch's route, Glances' route on the same kind of question.
COMPARISONS: tuple[tuple[str, str, str], ...] = (
    ("snapshot", "/api/v1/snapshot", "/api/4/all"),
    ("all", "/api/4/all", "/api/4/all"),
    ("cpu", "/api/4/cpu", "/api/4/cpu"),
)


def build_rows(pairs: list[tuple[str, LoadResult, LoadResult]], fans: list[FanoutResult]) -> list[Row]:
    """The result table: one block per compared route, then the fan-out."""
    rows: list[Row] = []
    for label, hw, gl in pairs:
        speedup = hw.rps / gl.rps if gl.rps else float("inf")
        rows += [
            Row(f"{label}: requests/s at 50 connections", f"{hw.rps:,.0f}", f"{gl.rps:,.0f}", speedup,
                f">= {THROUGHPUT_TARGET:g}x", speedup >= THROUGHPUT_TARGET),
            Row(f"{label}: latency p50", f"{hw.p50 * 1e3:.2f} ms", f"{gl.p50 * 1e3:.2f} ms",
                hw.p50 / gl.p50, "", None),
            Row(f"{label}: latency p99", f"{hw.p99 * 1e3:.2f} ms", f"{gl.p99 * 1e3:.2f} ms",
                hw.p99 / gl.p99, "", None),
            Row(f"{label}: server CPU under load", f"{hw.server_cpu_percent:.0f} %",
                f"{gl.server_cpu_percent:.0f} %", None, "", None),
        ]
    for fan in fans:
        rows += fanout_rows(fan)
    return rows


def print_setup(args: argparse.Namespace, runs: dict[str, list[LoadResult]],
                sizes: dict[str, tuple[int, int]], fans: list[FanoutResult], gl_version: str) -> None:
    """How the figures were taken: tools, body sizes, per-round figures, message counts."""
    tool = f"wrk -t2 -c50 --timeout={WRK_TIMEOUT_S}s --latency"
    if not shutil.which("wrk"):
        tool = "asyncio+httpx fallback (wrk not found: apt-get install -y wrk)"
    print(f"bench/api.py: hostwatch {hostwatch_version} vs Glances {gl_version} (Glances default refresh)")
    print(machine_line())
    print(f"load: {tool}, Accept-Encoding: gzip, {args.rounds} alternating round(s) of "
          f"{args.duration} s each, after a {WARMUP_S} s warm-up each; medians over rounds; "
          "the load generator shares the 2 cores with the servers")
    for label, hw_path, gl_path in COMPARISONS:
        for side, path in (("hostwatch", hw_path), ("glances", gl_path)):
            name = f"{side}:{label}"
            wire, plain = sizes[name]
            per_round = ", ".join(f"{r.rps:,.0f}" for r in runs[name])
            errors = sum(r.errors for r in runs[name])
            print(f"  {side:9s} {path:17s} body {plain / 1024:.1f} KiB, gzip {wire / 1024:.1f} KiB; "
                  f"req/s per round: {per_round}; errors (non-2xx + socket): {errors}")
    print("fan-out: hostwatch /ws alone (Glances stopped), each client's on-connect message skipped; "
          "lag = receive wall time - message 'time'")
    for fan in fans:
        print(f"  permessage-deflate {fan.compression}: {fan.clients} clients, {fan.window:.1f} s window, "
              f"{len(fan.lags)} messages timed (~{fan.window:.0f} expected per client; per client "
              f"min {min(fan.per_client, default=0)}, max {max(fan.per_client, default=0)}; "
              f"{len(fan.per_client)} clients reported); bench client CPU {fan.bench_cpu_percent:.0f} % "
              "of a core on the same 2 cores (its own queueing is inside the lags)")


def print_report(
    args: argparse.Namespace, runs: dict[str, list[LoadResult]], sizes: dict[str, tuple[int, int]],
    fans: list[FanoutResult], gl_version: str,
) -> None:
    """Print the setup, the table and the README lines."""
    pairs = [(label, median_result(runs[f"hostwatch:{label}"]), median_result(runs[f"glances:{label}"]))
             for label, _, _ in COMPARISONS]
    print_setup(args, runs, sizes, fans, gl_version)
    print()
    print_table(build_rows(pairs, fans))
    print()
    print("README:")
    for (label, hw_path, gl_path), (_, hw, gl) in zip(COMPARISONS, pairs, strict=True):
        print(f"- HTTP {label}: hostwatch {hw_path} answered {hw.rps:,.0f} req/s (p50 {hw.p50 * 1e3:.1f} ms, "
              f"p99 {hw.p99 * 1e3:.1f} ms) against Glances {gl_path} {gl.rps:,.0f} req/s "
              f"(p50 {gl.p50 * 1e3:.1f} ms, p99 {gl.p99 * 1e3:.1f} ms) at 50 connections with gzip: "
              f"{hw.rps / gl.rps:.1f}x (target >= {THROUGHPUT_TARGET:g}x).")
    for fan in fans:
        print(f"- WebSocket ({fan.clients} clients, permessage-deflate {fan.compression}): delivery lag "
              f"p50 {fan.lag_percentile(50) * 1e3:.0f} ms, p99 {fan.lag_percentile(99) * 1e3:.0f} ms "
              f"(target < {LAG_TARGET_S * 1e3:.0f} ms), hub at {fan.hub_cpu_percent:.0f} % of one core "
              f"(target < {HUB_CPU_TARGET:.0f} %).")


def main() -> None:
    """Start both servers, run the load rounds and the fan-out, print the report."""
    args = parse_args()
    raise_fd_limit(args.clients * 2 + 256)
    gl_version = glances_version()
    modes = {"both": ["on", "off"], "on": ["on"], "off": ["off"]}[args.ws_deflate]
    with tempfile.TemporaryDirectory(prefix="hostwatch-bench-") as tmp:
        workdir = Path(tmp)
        hub: Child | None = None
        glances: Child | None = None
        try:
            log("starting hostwatch and Glances")
            hub, hw_base = start_hostwatch(workdir)
            glances, gl_base = start_glances(workdir)
            targets: dict[str, tuple[str, Child]] = {}
            for label, hw_path, gl_path in COMPARISONS:
                targets[f"hostwatch:{label}"] = (f"{hw_base}{hw_path}", hub)
                targets[f"glances:{label}"] = (f"{gl_base}{gl_path}", glances)
            sizes = {name: body_sizes(url) for name, (url, _) in targets.items()}
            runs = load_rounds(targets, args.duration, args.rounds)
            glances.stop()  # the fan-out measures the hub alone
            ws_url = hw_base.replace("http://", "ws://") + "/ws"
            fans = []
            for mode in modes:
                log(f"WebSocket fan-out: {args.clients} clients, deflate {mode}, {args.window:g} s window")
                fans.append(measure_fanout(ws_url, args.clients, args.window, mode, hub))
        finally:
            for child in (hub, glances):
                if child is not None:
                    child.stop()
    print_report(args, runs, sizes, fans, gl_version)


if __name__ == "__main__":
    main()
