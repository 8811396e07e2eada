"""Glances' history routes, from the history store (so they survive restarts) or,
with history off, from the hub's in-memory ring of `HistoryPoint`s.

Each plugin names the series Glances keeps for it; a list plugin prefixes each
series with its row's key, as Glances does (`eth0_bytes_recv_rate_per_sec`,
`/_percent`). Points are `[ISO 8601 time, value]` pairs, oldest first.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable, Iterable
from typing import Any

from hostwatch.hub.state import HistoryPoint, HostState
from hostwatch.store.base import Store
from hostwatch.store.series import SeriesKey

SeriesOf = Callable[[HistoryPoint], dict[str, float]]

DEFAULT_HISTORY_SIZE = 1200
"""Glances' `history_size`: points per series its history routes return at most."""


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


_FIXED_STORE_SERIES: dict[str, dict[str, SeriesKey]] = {
    "cpu": {name: SeriesKey("cpu", "", name) for name in ("iowait", "system", "total", "user")},
    "mem": {"percent": SeriesKey("memory", "", "percent")},
    "memswap": {"percent": SeriesKey("memory.swap", "", "percent")},
    "load": {name: SeriesKey("load", "", name) for name in ("min1", "min5", "min15")},
    "quicklook": {"cpu": SeriesKey("cpu", "", "total"), "mem": SeriesKey("memory", "", "percent"),
                  "swap": SeriesKey("memory.swap", "", "percent")},
}
_LIST_STORE_SERIES: dict[str, tuple[str, dict[str, str]]] = {
    "percpu": ("cpu.per_core", {"total": "total"}),
    "network": ("network.interfaces", {"bytes_recv_rate": "bytes_recv_rate_per_sec",
                                       "bytes_sent_rate": "bytes_sent_rate_per_sec"}),
    "diskio": ("disk.io", {"read_bytes_rate": "read_bytes_rate_per_sec",
                           "write_bytes_rate": "write_bytes_rate_per_sec"}),
    "fs": ("disk.filesystems", {"percent": "percent"}),
}
"""List plugin -> (store source, store field -> Glances' series suffix)."""


def store_series(plugin: str, available: list[SeriesKey]) -> dict[str, SeriesKey]:
    """Glances' series names of `plugin` and the store series each one reads."""
    if plugin in _FIXED_STORE_SERIES:
        return dict(_FIXED_STORE_SERIES[plugin])
    if plugin not in _LIST_STORE_SERIES:
        return {}
    source, suffixes = _LIST_STORE_SERIES[plugin]
    return {f"{key.item}_{suffixes[key.field]}": key
            for key in available if key.source == source and key.field in suffixes}


def _store_history(store: Store, state: HostState, plugin: str, nb: int,
                   history_size: int) -> dict[str, list[list[Any]]]:
    names = store_series(plugin, store.series(state.host.id))
    if not names:
        return {}
    wanted = nb or history_size
    end = time.time()
    result = store.query(state.host.id, list(names.values()), end - wanted * state.host.interval - 1.0,
                         end, tier="raw")
    history: dict[str, list[list[Any]]] = {}
    for name, series in zip(names, result.series, strict=True):
        pairs = list(zip(series.times, series.values, strict=True))[-wanted:]
        history[name] = [[_iso(when), value] for when, value in pairs]
    return history


async def history_of(store: Store | None, state: HostState, plugin: str, nb: int,
                     history_size: int) -> dict[str, list[list[Any]]]:
    """Every series of `plugin` with its last `nb` points (its `history_size` when 0)."""
    if store is None:
        return plugin_history(state, plugin, nb)
    return await asyncio.to_thread(_store_history, store, state, plugin, nb, history_size)
