"""Child process for bench/collect.py: hostwatch's collector alone, one collection per interval.

Usage: python bench/_collector_loop.py INTERVAL MAX_SECONDS

Primes the collector once, prints "ready", then calls `Collector.collect()` on a
monotonic schedule until MAX_SECONDS have passed (the parent normally stops it
sooner). On exit it prints how many collections it ran.
"""

from __future__ import annotations

import signal
import sys
import time
from types import FrameType

from hostwatch.collect import Collector


def _stop(signum: int, frame: FrameType | None) -> None:
    """Turn SIGTERM into a normal exit so the summary line is printed."""
    raise SystemExit(0)


def run(interval: float, max_seconds: float) -> None:
    """Collect every `interval` seconds for at most `max_seconds`."""
    collector = Collector(interval=interval)
    collector.collect()
    print("ready", flush=True)
    start = time.monotonic()
    done = 0
    try:
        while done < int(max_seconds / interval):
            collector.collect()
            done += 1
            delay = start + done * interval - time.monotonic()
            if delay > 0:
                time.sleep(delay)
    finally:
        print(f"collections {done}", flush=True)


def main() -> None:
    """Parse the two positional arguments and run."""
    signal.signal(signal.SIGTERM, _stop)
    interval, max_seconds = float(sys.argv[1]), float(sys.argv[2])
    run(interval, max_seconds)


if __name__ == "__main__":
    main()
