"""Cost of watching this machine: hostwatch's collector against Glances 4 serving its API.

Run: .venv/bin/python bench/collect.py [--duration 60] [--quick]

Side by side in one run, and concurrently over the same window:

(a) hostwatch's collector alone in its own process, one full `Collector.collect()`
    per second (each source on its own refresh interval, processes every 2 s);
(b) Glances 4 from PyPI serving its API (`glances -w --disable-webui`, its own
    default refresh) while this script fetches `/api/4/all` once a second.

It prints each process's CPU seconds over the window and its peak RSS (VmHWM,
start-up included), their ratios, then the in-process cost of one forced full
hostwatch collection (process list included) against one full
`GlancesStats.update()`. Targets: hostwatch at most a quarter of Glances' CPU
and at most half its peak memory. The machine is shared, so only the ratios
from one run are comparable; quote medians across runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from _common import (
    BENCH_DIR,
    Child,
    Row,
    glances_python,
    glances_version,
    log,
    machine_line,
    mib,
    peak_rss_bytes,
    print_table,
    spawn,
    start_glances,
    tree_cpu_seconds,
)
from hostwatch import __version__ as hostwatch_version
from hostwatch.collect import Collector

INTERVAL_S = 1.0
CPU_TARGET = 0.25
RSS_TARGET = 0.5
READY_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class ProcessCost:
    """What one watched process cost over the measuring window."""

    cpu_seconds: float
    wall_seconds: float
    peak_rss: int
    work_done: int

    @property
    def cpu_percent(self) -> float:
        """Average CPU use over the window, in percent of one core."""
        return 100.0 * self.cpu_seconds / self.wall_seconds


@dataclass(frozen=True)
class Timings:
    """Medians of repeated single full collections, in seconds."""

    wall: float
    cpu: float
    reps: int


def parse_args() -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=60.0,
                        help="measuring window in seconds (default 60)")
    parser.add_argument("--quick", action="store_true",
                        help="a 10 s window and fewer repetitions, to try it out")
    parser.add_argument("--reps", type=int, default=20, help="timed full collections per tool (default 20)")
    parser.add_argument(
        "--glances-refresh", type=float, default=None,
        help="pass -t to Glances (default: Glances' own default refresh, 2 s)",
    )
    args = parser.parse_args()
    if args.quick:
        args.duration, args.reps = 10.0, 5
    return args


def wait_for_line(child: Child, text: str, timeout: float = READY_TIMEOUT_S) -> None:
    """Wait until the child's log contains `text`, failing early if it exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in child.log_path.read_text(errors="replace"):
            return
        if not child.alive():
            raise RuntimeError(f"{child.name} exited early:\n{child.log_tail()}")
        time.sleep(0.1)
    raise RuntimeError(f"{child.name} did not print {text!r} in {timeout:.0f} s:\n{child.log_tail()}")


def start_collector_loop(workdir: Path, max_seconds: float) -> Child:
    """Start the hostwatch collector loop child and wait until it has primed its collector."""
    script = BENCH_DIR / "_collector_loop.py"
    child = spawn("hostwatch-collector", [sys.executable, str(script), f"{INTERVAL_S:g}", f"{max_seconds:g}"],
                  workdir)
    try:
        wait_for_line(child, "ready")
    except BaseException:
        child.stop()
        raise
    return child


def poll_glances(client: httpx.Client, url: str, duration: float) -> tuple[int, int]:
    """Fetch `url` once a second on a monotonic schedule for `duration` s; return (ok, failed) counts."""
    start = time.monotonic()
    ok = failed = 0
    for tick in range(int(duration / INTERVAL_S)):
        try:
            response = client.get(url)
            response.read()
            ok += response.status_code == 200
            failed += response.status_code != 200
        except httpx.HTTPError:
            failed += 1
        delay = start + (tick + 1) * INTERVAL_S - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    return ok, failed


def collector_count(child: Child) -> int:
    """Collections the loop child reported on exit (0 if it printed none)."""
    for line in reversed(child.log_path.read_text(errors="replace").splitlines()):
        if line.startswith("collections "):
            return int(line.split()[1])
    return 0


def measure_side_by_side(duration: float, glances_refresh: float | None) -> tuple[ProcessCost, ProcessCost]:
    """Run (a) and (b) concurrently over one window; return (hostwatch, glances) costs."""
    with tempfile.TemporaryDirectory(prefix="hostwatch-bench-") as tmp:
        workdir = Path(tmp)
        glances: Child | None = None
        loop: Child | None = None
        try:
            log("starting Glances")
            glances, base = start_glances(workdir, glances_refresh)
            with httpx.Client(timeout=10.0) as client:
                client.get(f"{base}/api/4/all").raise_for_status()  # its first update primes the rates
                log("starting hostwatch's collector loop")
                loop = start_collector_loop(workdir, duration + 30.0)
                log(f"measuring both for {duration:g} s")
                cpu0 = (tree_cpu_seconds(loop.pid), tree_cpu_seconds(glances.pid))
                t0 = time.monotonic()
                ok, failed = poll_glances(client, f"{base}/api/4/all", duration)
                wall = time.monotonic() - t0
                cpu1 = (tree_cpu_seconds(loop.pid), tree_cpu_seconds(glances.pid))
                peaks = (peak_rss_bytes(loop.pid), peak_rss_bytes(glances.pid))
            if failed:
                log(f"warning: {failed} Glances polls failed")
            loop.stop()
            hw = ProcessCost(cpu1[0] - cpu0[0], wall, peaks[0], collector_count(loop))
            gl = ProcessCost(cpu1[1] - cpu0[1], wall, peaks[1], ok)
            return hw, gl
        finally:
            for child in (loop, glances):
                if child is not None:
                    child.stop()


def time_hostwatch_collection(reps: int) -> Timings:
    """Median cost of one forced full hostwatch collection, in this process.

    The collector's clock is a fake one advanced by 100 s before each call, so
    every source (processes, filesystems, sensors, ...) is due every time.
    """
    now = [1_000.0]
    collector = Collector(interval=INTERVAL_S, clock=lambda: now[0])
    collector.collect()
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(reps):
        now[0] += 100.0
        w0, c0 = time.perf_counter(), time.process_time()
        collector.collect()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return Timings(statistics.median(wall), statistics.median(cpu), reps)


def time_glances_update(reps: int) -> Timings:
    """Median cost of one full `GlancesStats.update()`, in a child running the Glances venv."""
    out = subprocess.run(
        [str(glances_python()), str(BENCH_DIR / "_glances_update.py"), str(reps)],
        check=True, capture_output=True, text=True, timeout=120 + 3 * reps,
    )
    data = json.loads(out.stdout.strip().splitlines()[-1])
    return Timings(statistics.median(data["wall"]), statistics.median(data["cpu"]), reps)


def ratio(hw: float, gl: float) -> float:
    """hostwatch / Glances, guarding a zero denominator."""
    return hw / gl if gl else float("inf")


def build_rows(hw: ProcessCost, gl: ProcessCost, hw_t: Timings, gl_t: Timings) -> list[Row]:
    """The result table."""
    cpu_ratio = ratio(hw.cpu_seconds, gl.cpu_seconds)
    rss_ratio = ratio(hw.peak_rss, gl.peak_rss)
    return [
        Row("CPU seconds over the window", f"{hw.cpu_seconds:.2f} s", f"{gl.cpu_seconds:.2f} s",
            cpu_ratio, f"<= {CPU_TARGET:g}", cpu_ratio <= CPU_TARGET),
        Row("  = average CPU, % of one core", f"{hw.cpu_percent:.2f} %", f"{gl.cpu_percent:.2f} %",
            cpu_ratio, "", None),
        Row("peak RSS (VmHWM)", mib(hw.peak_rss), mib(gl.peak_rss), rss_ratio, f"<= {RSS_TARGET:g}",
            rss_ratio <= RSS_TARGET),
        Row("one full collection, median wall", f"{hw_t.wall * 1e3:.1f} ms", f"{gl_t.wall * 1e3:.1f} ms",
            ratio(hw_t.wall, gl_t.wall), "", None),
        Row("one full collection, median CPU", f"{hw_t.cpu * 1e3:.1f} ms", f"{gl_t.cpu * 1e3:.1f} ms",
            ratio(hw_t.cpu, gl_t.cpu), "", None),
    ]


def print_report(
    args: argparse.Namespace, hw: ProcessCost, gl: ProcessCost, hw_t: Timings, gl_t: Timings, gl_version: str
) -> None:
    """Print the setup, the table and the README lines."""
    refresh = "default refresh (2 s)"
    if args.glances_refresh is not None:
        refresh = f"refresh -t {args.glances_refresh:g}"
    print(f"bench/collect.py: hostwatch {hostwatch_version} vs Glances {gl_version}")
    print(machine_line())
    print(f"window: {hw.wall_seconds:.1f} s, both measured concurrently over the same window")
    print(f"  (a) hostwatch collector loop, interval {INTERVAL_S:g} s: {hw.work_done} collections")
    print(f"  (b) glances -w --disable-webui, {refresh}, /api/4/all polled every "
          f"{INTERVAL_S:g} s: {gl.work_done} responses")
    print(f"in-process: {hw_t.reps} forced full collections each; hostwatch Collector.collect() with "
          "every source due, Glances GlancesStats.update() with every plugin's timer expired")
    print()
    print_table(build_rows(hw, gl, hw_t, gl_t))
    print()
    print("README:")
    print(f"- CPU: hostwatch's collector used {hw.cpu_percent:.2f} % of one core against Glances' "
          f"{gl.cpu_percent:.2f} % ({ratio(hw.cpu_seconds, gl.cpu_seconds):.2f}x; "
          f"target <= {CPU_TARGET:g}x), "
          f"{hw.wall_seconds:.0f} s side by side (hostwatch at a {INTERVAL_S:g} s interval, Glances' API "
          f"polled every {INTERVAL_S:g} s, {refresh}).")
    print(f"- Memory: peak RSS {mib(hw.peak_rss)} against Glances' {mib(gl.peak_rss)} "
          f"({ratio(hw.peak_rss, gl.peak_rss):.2f}x; target <= {RSS_TARGET:g}x).")
    print(f"- One full collection (process list included): {hw_t.wall * 1e3:.1f} ms against "
          f"{gl_t.wall * 1e3:.1f} ms for GlancesStats.update() (median of {hw_t.reps}; "
          f"{ratio(hw_t.wall, gl_t.wall):.2f}x).")


def main() -> None:
    """Run the whole benchmark and print the report."""
    args = parse_args()
    gl_version = glances_version()
    hw, gl = measure_side_by_side(args.duration, args.glances_refresh)
    log(f"timing {args.reps} full hostwatch collections")
    hw_t = time_hostwatch_collection(args.reps)
    log(f"timing {args.reps} GlancesStats.update() calls (1.1 s apart)")
    gl_t = time_glances_update(args.reps)
    print_report(args, hw, gl, hw_t, gl_t, gl_version)


if __name__ == "__main__":
    main()
