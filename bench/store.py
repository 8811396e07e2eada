"""The history store: ingest rate, bytes on disk per raw point, and long-range query latency.

Run: .venv/bin/python bench/store.py [--hosts 10] [--hours 2] [--quick]

All in one process, on one core, in a temporary directory:

(a) Ingest: one real snapshot of this machine is taken with `Collector`, then
    each simulated host moves its numbers every simulated second the way such
    numbers move (CPU shares with one decimal that wander, counters that
    increase, rates with a decimal or two that vary, byte gauges in pages,
    load averages in 1/2048 steps, constants that stay). Every second each
    host's snapshot goes through `SqliteStore.append` and then one `flush()`;
    only those calls are timed: flattening, buffering, rollups, sealing,
    journal and SQLite writes. Building the snapshots is not timed.
(b) Bytes per raw point: after (a), `flush(seal=True)` seals the open rows and
    `apply_retention()` checkpoints the WAL; `stats().bytes_per_raw_point` is
    the file's size shared out by chunk bytes (indexes and free pages included).
    The free pages are mostly the journal's, which held the open rows until the
    seal; the figure after `vacuum()` is printed too (a long-running file reuses
    those pages, so its share shrinks as history grows).
(c) Query latency: one host with a few series written at a 60-s interval for
    31 simulated days (rollup tiers hold the same records as at 1 s: one per
    minute and per hour); median of repeated 7-day and 30-day queries with
    points=1000, default retention, the clock at the last point.
"""

from __future__ import annotations

import argparse
import math
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
import numpy as np

from _common import log, machine_line, mib
from hostwatch import __version__ as hostwatch_version
from hostwatch.collect import Collector
from hostwatch.model import Snapshot
from hostwatch.store.base import Retention, StoreStats
from hostwatch.store.series import SeriesKey, flatten
from hostwatch.store.sqlite import SqliteStore

INGEST_TARGET = 200_000.0
BYTES_TARGET = 2.0
QUERY_TARGET_MS = 50.0
DAY = 86_400
QUERY_KEYS = [SeriesKey("cpu", "", "total"), SeriesKey("memory", "", "percent"),
              SeriesKey("load", "", "min1"), SeriesKey("network", "", "bytes_recv_rate")]
QUERY_INTERVAL_S = 60
QUERY_REPS = 25

_CPU_SHARES = {"total", "user", "system", "idle", "iowait", "irq", "softirq", "nice", "steal", "guest",
               "guest_nice"}
_COUNTERS = {"ctx_switches", "interrupts", "soft_interrupts", "syscalls", "bytes_recv", "bytes_sent",
             "packets_recv", "packets_sent", "read_count", "write_count", "read_bytes", "write_bytes",
             "read_time", "write_time", "busy_time", "sin", "sout"}
_QUIET = ("err", "drop")
"""Counters and rates of errors and drops stay at zero, as they do on a healthy host."""
_BYTE_GAUGES = {"available", "used", "free", "active", "inactive", "buffers", "cached", "shared"}
_COUNTS = {"running", "sleeping", "idle", "stopped", "zombie", "other", "threads", "tcp_count", "udp_count",
           "conntrack_count", "count"}
_SKIP = {"time", "seq", "interval", "schema"}


@dataclass(frozen=True)
class Leaf:
    """One number of the snapshot template: where it lives and how it moves."""

    container: Any
    key: str | int
    kind: str
    value: float


def kind_of(path: tuple[str, ...], key: str, value: float) -> str:
    """How a number at `path`/`key` moves from one second to the next."""
    source = path[0] if path else ""
    if key in _SKIP and not path:
        return "skip"
    if isinstance(value, float) and (("percent" in key) or (source == "cpu" and key in _CPU_SHARES)):
        return "percent"
    if key.endswith("_rate") or key == "rate":
        return "zero" if any(q in key for q in _QUIET) else "rate"
    if key in _COUNTERS or (source == "irqs" and key == "total"):
        return "zero" if any(q in key for q in _QUIET) else "counter"
    if key in _BYTE_GAUGES and source in ("memory", "disk"):
        return "bytes"
    if (source == "processes" and key == "total") or key in _COUNTS or path[-1:] == ("tcp_states",):
        return "count"
    if key in ("min1", "min5", "min15"):
        return "load"
    if key == "uptime":
        return "uptime"
    if key in ("value", "temperature", "cpu_freq_current_mhz"):
        return "wander"
    return "constant"


def leaves_of(node: Any, path: tuple[str, ...] = ()) -> list[Leaf]:
    """Every number in a `msgspec.to_builtins` snapshot, with how it moves."""
    found: list[Leaf] = []
    items: Sequence[tuple[Any, Any]] = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
    for key, value in items:
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, dict | list):
            found += leaves_of(value, (*path, str(key)))
        elif isinstance(value, int | float):
            kind = kind_of(path, str(key), value)
            if kind != "skip":
                found.append(Leaf(node, key, kind, float(value)))
    return found


class SimulatedHosts:
    """Many hosts built from one real snapshot; `step()` moves every number one second on."""

    def __init__(self, snapshot: Snapshot, hosts: int, seed: int = 1) -> None:
        template = msgspec.to_builtins(snapshot)
        template["processes"]["list"] = []  # process rows are not series; they only slow the copies
        template["processes"]["programs"] = []
        self.template = template
        self.leaves = leaves_of(template)
        self.is_int = [isinstance(leaf.container[leaf.key], int) for leaf in self.leaves]
        self.rng = np.random.default_rng(seed)
        kinds = np.array([leaf.kind for leaf in self.leaves])
        self.where = {kind: np.flatnonzero(kinds == kind) for kind in set(kinds.tolist())}
        start = np.array([leaf.value for leaf in self.leaves])
        self.values = np.tile(start, (hosts, 1))
        rates = self.where.get("rate", np.empty(0, int))
        counters = self.where.get("counter", np.empty(0, int))
        # Rates and counter increments at their own scale per host and series; idle ones get some traffic.
        some_traffic = 10 ** self.rng.uniform(0, 5, (hosts, len(rates)))
        self.rate_base = np.where(start[rates] > 0, start[rates], some_traffic)
        self.growth = 10 ** self.rng.uniform(0, 5, (hosts, len(counters)))
        self.values[:, self.where.get("percent", [])] = np.round(
            self.rng.uniform(0, 60, (hosts, len(self.where.get("percent", [])))), 1)
        self.hosts = hosts

    def step(self) -> None:
        """Move every host's numbers one second on."""
        v, rng, w, n = self.values, self.rng, self.where, self.hosts
        if "percent" in w:
            p = w["percent"]
            v[:, p] = np.round(np.clip(v[:, p] + rng.normal(0, 1.5, (n, len(p))), 0, 100), 1)
        if "rate" in w:
            r = w["rate"]
            v[:, r] = np.round(self.rate_base * rng.lognormal(0, 0.4, (n, len(r))), 1)
        if "counter" in w:
            c = w["counter"]
            v[:, c] += np.floor(self.growth * rng.lognormal(0, 0.4, (n, len(c))))
        if "bytes" in w:
            b = w["bytes"]
            v[:, b] = np.maximum(v[:, b] + 4096 * np.round(rng.normal(0, 30, (n, len(b)))), 0)
        if "count" in w:
            k = w["count"]
            v[:, k] = np.maximum(v[:, k] + rng.integers(-1, 2, (n, len(k))), 0)
        if "load" in w:
            load = w["load"]
            moved = np.maximum(v[:, load] + rng.normal(0, 0.05, (n, len(load))), 0)
            v[:, load] = np.round(moved * 2048) / 2048  # the kernel's fixed point
        if "uptime" in w:
            v[:, w["uptime"]] = np.round(v[:, w["uptime"]] + 1.0, 1)
        if "wander" in w:
            m = w["wander"]
            v[:, m] = np.round(v[:, m] + rng.normal(0, 0.3, (n, len(m))), 1)

    def snapshot(self, host: int, when: float, seq: int) -> Snapshot:
        """Host `host`'s snapshot at `when`, from its current numbers."""
        for leaf, is_int, value in zip(self.leaves, self.is_int, self.values[host].tolist(), strict=True):
            leaf.container[leaf.key] = int(value) if is_int else value
        self.template["time"] = when
        self.template["seq"] = seq
        return msgspec.convert(self.template, Snapshot)


@dataclass
class IngestResult:
    """What (a) and (b) measured."""

    hosts: int
    seconds: int
    series_per_host: int
    points: int
    busy_s: float
    wall_s: float
    seal_s: float
    journal_before_seal: int
    stats: StoreStats
    vacuumed: StoreStats
    """The same store after `vacuum()`: no free pages left over from the journal."""

    @property
    def rate(self) -> float:
        """Points per second of timed store work."""
        return self.points / self.busy_s


def real_snapshot() -> Snapshot:
    """A snapshot of this machine with measured rates (the second of two collections)."""
    collector = Collector(interval=0.5)
    collector.collect()
    time.sleep(0.5)  # lets counters move so the rates are real
    return collector.collect()


def measure_ingest(snapshot: Snapshot, hosts: int, seconds: int, workdir: Path) -> IngestResult:
    """(a) and (b): `hosts` simulated hosts for `seconds` simulated seconds, flushing every second."""
    start = 1_700_006_400 - 1_700_006_400 % DAY
    sim = SimulatedHosts(snapshot, hosts)
    store = SqliteStore(workdir, Retention(raw=30 * DAY, minute=60 * DAY, hour=400 * DAY),
                        clock=lambda: start + seconds)
    store.open()
    per_snapshot = len(flatten(sim.snapshot(0, start, 0))[0])
    busy = 0.0
    points = 0
    wall0 = time.perf_counter()
    try:
        for second in range(seconds):
            sim.step()
            batch = [sim.snapshot(host, start + second, second) for host in range(hosts)]
            points += per_snapshot * hosts
            t0 = time.perf_counter()
            for host, snap in enumerate(batch, start=1):
                store.append(host, snap)
            store.flush()
            busy += time.perf_counter() - t0
            if second % 600 == 599:
                log(f"  ingest: {second + 1} of {seconds} simulated s, "
                    f"{points / busy:,.0f} points/s so far")
        wall = time.perf_counter() - wall0
        journal = store.stats().journal_bytes
        t0 = time.perf_counter()
        store.flush(seal=True)
        seal = time.perf_counter() - t0
        store.apply_retention()
        stats = store.stats()
        store.vacuum()
        vacuumed = store.stats()
    finally:
        store.close()
    return IngestResult(hosts, seconds, per_snapshot, points, busy, wall, seal, journal, stats, vacuumed)


def wave(second: int, period: float, low: float, high: float, rng: np.random.Generator) -> float:
    """A daily-ish cycle with noise, between `low` and `high`."""
    middle, half = (low + high) / 2, (high - low) / 2
    return middle + half * math.sin(2 * math.pi * second / period) + rng.normal(0, half / 10)


def measure_queries(workdir: Path, days: int) -> tuple[dict[str, tuple[float, str, int]], float]:
    """(c): median latency (ms), tier and points of 7-day and 30-day queries; and the write time (s)."""
    start = 1_700_006_400 - 1_700_006_400 % DAY - days * DAY
    end = start + days * DAY - QUERY_INTERVAL_S
    rng = np.random.default_rng(3)
    store = SqliteStore(workdir, Retention(), clock=lambda: end)
    store.open()
    results: dict[str, tuple[float, str, int]] = {}
    try:
        t0 = time.perf_counter()
        received = 0.0
        for second in range(0, days * DAY, QUERY_INTERVAL_S):
            received += 1e6 * QUERY_INTERVAL_S * max(wave(second, DAY, 0.2, 5, rng), 0)
            store.append_points(1, start + second, {
                QUERY_KEYS[0]: round(min(max(wave(second, DAY, 5, 70, rng), 0), 100), 1),
                QUERY_KEYS[1]: round(wave(second, 7 * DAY, 30, 60, rng), 1),
                QUERY_KEYS[2]: round(max(wave(second, DAY, 0.2, 3, rng), 0) * 2048) / 2048,
                QUERY_KEYS[3]: round(max(wave(second, DAY, 0.2, 5, rng), 0) * 1e6, 1),
            }, QUERY_INTERVAL_S)
            if second % 600 == 600 - QUERY_INTERVAL_S:
                store.flush()
        store.flush()
        store.apply_retention()
        write_s = time.perf_counter() - t0
        for label, span in (("7-day", 7 * DAY), ("30-day", 30 * DAY)):
            def query(span: int = span) -> Any:
                return store.query(1, QUERY_KEYS, end - span, end, max_points=1000)
            for _ in range(3):
                query()
            timings = []
            for _ in range(QUERY_REPS):
                t0 = time.perf_counter()
                result = query()
                timings.append(time.perf_counter() - t0)
            results[label] = (statistics.median(timings) * 1000, result.tier, len(result.series[0].times))
    finally:
        store.close()
    return results, write_s


def table(rows: Sequence[tuple[str, str, str, bool | None]]) -> None:
    """Print figure / value / target / result as an aligned text table."""
    cells = [("figure", "value", "target", "result")] + [
        (figure, value, target, "-" if ok is None else ("PASS" if ok else "FAIL"))
        for figure, value, target, ok in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(4)]
    for n, row in enumerate(cells):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))


def parse_args() -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosts", type=int, default=10, help="simulated hosts for (a) and (b) (default 10)")
    parser.add_argument("--hours", type=float, default=2.0,
                        help="simulated hours for (a) and (b) (default 2)")
    parser.add_argument("--days", type=int, default=31, help="simulated days for (c) (default 31)")
    parser.add_argument("--quick", action="store_true", help="3 hosts, 20 minutes, to try it out")
    args = parser.parse_args()
    if args.quick:
        args.hosts, args.hours = 3, 1 / 3
    return args


def timed(label: str, work: Callable[[], Any]) -> Any:
    """Run `work`, logging how long it took."""
    t0 = time.perf_counter()
    value = work()
    log(f"{label}: {time.perf_counter() - t0:.1f} s")
    return value


def main() -> None:
    """Run (a), (b) and (c) and print the table."""
    args = parse_args()
    snapshot = timed("real snapshot", real_snapshot)
    with tempfile.TemporaryDirectory(prefix="hostwatch-bench-store-") as tmp:
        log(f"(a)+(b): {args.hosts} hosts x {args.hours:g} simulated h at 1 s")
        (Path(tmp) / "ingest").mkdir()
        (Path(tmp) / "query").mkdir()
        ingest = timed("(a)+(b)", lambda: measure_ingest(snapshot, args.hosts, round(args.hours * 3600),
                                                          Path(tmp) / "ingest"))
        log(f"(c): 1 host, {len(QUERY_KEYS)} series, {args.days} simulated days at {QUERY_INTERVAL_S} s")
        queries, write_s = timed("(c)", lambda: measure_queries(Path(tmp) / "query", args.days))
    stats = ingest.stats
    raw = stats.tiers[0]
    print(f"bench/store.py: hostwatch {hostwatch_version}, SqliteStore")
    print(machine_line())
    print(f"(a) ingest: {ingest.hosts} hosts x {ingest.seconds} simulated s at 1 s, "
          f"{ingest.series_per_host} series per snapshot (one real snapshot of this machine, numbers "
          f"moved each second), append + flush() every simulated second; {ingest.points:,} points in "
          f"{ingest.busy_s:.1f} s of store time ({ingest.wall_s:.1f} s wall with snapshot building)")
    print(f"(b) on disk after flush(seal=True) ({ingest.seal_s:.1f} s) and a WAL checkpoint: "
          f"{mib(stats.file_bytes)} file, {raw.points:,} raw points in {raw.chunks:,} chunks, "
          + ", ".join(f"{t.name} {t.points:,} records" for t in stats.tiers[1:])
          + f"; the journal held {mib(ingest.journal_before_seal)} of open rows before the seal; "
          f"{mib(ingest.vacuumed.file_bytes)} after vacuum()")
    print(f"(c) queries: 1 host, {', '.join(k.metric() for k in QUERY_KEYS)} written at a "
          f"{QUERY_INTERVAL_S}-s interval for {args.days} simulated days ({write_s:.1f} s), default "
          f"retention; median of {QUERY_REPS} queries of all {len(QUERY_KEYS)} series, points=1000")
    print()
    rows: list[tuple[str, str, str, bool | None]] = [
        ("ingest, points/s on one core", f"{ingest.rate:,.0f}", f">= {INGEST_TARGET:,.0f}",
         ingest.rate >= INGEST_TARGET),
        ("bytes per raw point (file share)", f"{stats.bytes_per_raw_point:.2f}", f"<= {BYTES_TARGET:g}",
         stats.bytes_per_raw_point <= BYTES_TARGET),
        ("  same, after vacuum()", f"{ingest.vacuumed.bytes_per_raw_point:.2f}", "", None),
        ("  chunk blobs alone", f"{raw.bytes / max(raw.points, 1):.2f}", "", None),
    ]
    for label, (ms, tier, count) in queries.items():
        target = QUERY_TARGET_MS if label == "30-day" else None
        rows.append((f"{label} query, median ({tier} tier, {count} points)", f"{ms:.1f} ms",
                     f"< {QUERY_TARGET_MS:g} ms" if target else "", ms < target if target else None))
    table(rows)


if __name__ == "__main__":
    main()
