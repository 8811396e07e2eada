"""Glances' history routes from the hub's in-memory ring of `HistoryPoint`s.

Each plugin names the series Glances keeps for it; a list plugin prefixes each
series with its row's key, as Glances does (`eth0_bytes_recv_rate_per_sec`,
`/_percent`). Points are `[ISO 8601 time, value]` pairs, oldest first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from hostwatch.hub.state import HistoryPoint, HostState

SeriesOf = Callable[[HistoryPoint], dict[str, float]]


def _pairs(names: tuple[str, ...], values: Iterable[tuple[str, tuple[float, ...]]]) -> dict[str, float]:
    return {f"{key}_{name}": value
            for key, figures in values for name, value in zip(names, figures, strict=True)}


_RATES_NET = ("bytes_recv_rate_per_sec", "bytes_sent_rate_per_sec")
_RATES_DISK = ("read_bytes_rate_per_sec", "write_bytes_rate_per_sec")

SERIES: dict[str, SeriesOf] = {
    "cpu": lambda p: {"iowait": p.iowait, "system": p.system, "total": p.cpu, "user": p.user},
    "percpu": lambda p: {f"{n}_total": v for n, v in enumerate(p.per_core)},
    "mem": lambda p: {"percent": p.memory},
    "memswap": lambda p: {"percent": p.swap},
    "load": lambda p: {"min1": p.load1, "min5": p.load5, "min15": p.load15},
    "quicklook": lambda p: {"cpu": p.cpu, "mem": p.memory, "swap": p.swap},
    "network": lambda p: _pairs(_RATES_NET, p.net.items()),
    "diskio": lambda p: _pairs(_RATES_DISK, p.disks.items()),
    "fs": lambda p: {f"{mount}_percent": percent for mount, percent in p.fs.items()},
}
"""Plugin -> the series kept for it, taken from one history point."""


def _iso(unix: float) -> str:
    return dt.datetime.fromtimestamp(unix, dt.UTC).isoformat()


def plugin_history(state: HostState, plugin: str, nb: int = 0) -> dict[str, list[list[Any]]]:
    """Every series of `plugin`, each limited to its last `nb` points (all when 0)."""
    series_of = SERIES.get(plugin)
    if series_of is None:
        return {}
    points = list(state.history)
    if nb > 0:
        points = points[-nb:]
    history: dict[str, list[list[Any]]] = {}
    for point in points:
        stamp = _iso(point.time)
        for name, value in series_of(point).items():
            history.setdefault(name, []).append([stamp, value])
    return history
