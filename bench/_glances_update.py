"""Child process for bench/collect.py, run with the Glances venv's Python: times `GlancesStats.update()`.

Usage: python bench/_glances_update.py REPS

Builds `GlancesStats` the way Glances' own web server does (GlancesMain's
default arguments and config, no UI), primes it once, then times REPS full
updates and prints them as JSON: {"wall": [...], "cpu": [...]} in seconds.

Two Glances caches would otherwise turn most calls into no-ops: every plugin's
`refresh_timer` (its refresh interval, 2 s by default) is expired before each
call, and calls are spaced 1.1 s apart because `GlancesStats.update_plugin` is
memoised per wall-clock second. That makes each timed call a full update of
every enabled plugin, the same work as a forced full hostwatch collection.
"""

from __future__ import annotations

import json
import sys
import time

SPACING_S = 1.1


def main() -> None:
    """Build the stats object, then time the updates."""
    reps = int(sys.argv[1])
    sys.argv = ["glances", "--disable-webui", "--disable-check-update"]
    from glances.main import GlancesMain
    from glances.stats import GlancesStats
    from glances.timer import Timer

    core = GlancesMain()
    stats = GlancesStats(config=core.get_config(), args=core.get_args())
    plugins = stats.getPluginsList(enable=True)
    stats.update()
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(reps):
        time.sleep(SPACING_S)
        for name in plugins:
            stats._plugins[name].refresh_timer = Timer(0)
        w0, c0 = time.perf_counter(), time.process_time()
        stats.update()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    print(json.dumps({"wall": wall, "cpu": cpu, "plugins": plugins}))


if __name__ == "__main__":
    main()
