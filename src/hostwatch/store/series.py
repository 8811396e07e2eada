"""Which numbers of a snapshot become history, and what each series is called.

A series is identified by host, source, item and field. `source` is the dotted
path of a part of the snapshot (`cpu`, `memory.swap`, `disk.io`), `item` the key
of a row in a list part (`sda`, `/`, a core number; empty for host-level
figures) and `field` the model's field name. As text a series is written
`source.field` or `source[item].field`:

    cpu.total    memory.swap.percent    disk.io[sda].read_bytes_rate
    cpu.per_core[3].total    disk.filesystems[/].percent    sensors[coretemp/Core 0].value

Every numeric field of the model is kept except identities and bookkeeping
(`number`, `index`, `time_since_update`); booleans, strings and process rows
are not series. A `None` (a figure this host lacks) is no point at all.
"""

from __future__ import annotations

import functools
import operator
import re
import types
from collections.abc import Callable
from typing import Any, NamedTuple, Union, get_args, get_origin

import msgspec

from hostwatch.model import (
    CoreUsage,
    CpuStats,
    CpuTimesPercent,
    DiskIO,
    DiskStats,
    Filesystem,
    Gpu,
    IrqRate,
    LoadAverage,
    MemoryStats,
    NetInterface,
    NetworkStats,
    ProcessStats,
    RaidArray,
    Sensor,
    Snapshot,
    SwapStats,
    SystemInfo,
    WifiLink,
)

SKIPPED_FIELDS = frozenset({"number", "index", "time_since_update"})


class SeriesKey(NamedTuple):
    """One series of one host, without the host."""

    source: str
    item: str
    field: str

    def metric(self) -> str:
        """The series as text: `source.field` or `source[item].field`."""
        if self.item:
            return f"{self.source}[{self.item}].{self.field}"
        return f"{self.source}.{self.field}"


_METRIC = re.compile(r"^(?P<source>[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*?)"
                     r"(?:\[(?P<item>.*)\])?\.(?P<field>[a-z][a-z0-9_]*)$")


def parse_metric(text: str) -> SeriesKey:
    """The `SeriesKey` written as `text`; ValueError when it is not a metric name."""
    match = _METRIC.match(text.strip())
    if match is None:
        raise ValueError(f"not a metric name: {text!r} (write source.field or source[item].field)")
    return SeriesKey(match["source"], match["item"] or "", match["field"])


def _is_number(annotation: Any) -> bool:
    if annotation is bool:
        return False
    if annotation in (int, float):
        return True
    if get_origin(annotation) in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        return len(members) == 1 and _is_number(members[0])
    return False


@functools.cache
def numeric_fields(struct: type[msgspec.Struct]) -> tuple[str, ...]:
    """The names of `struct`'s int and float fields (optional ones too) that are series."""
    return tuple(f.name for f in msgspec.structs.fields(struct)
                 if _is_number(f.type) and f.name not in SKIPPED_FIELDS)


def _sensor_key(sensor: Sensor) -> str:
    return f"{sensor.chip}/{sensor.label}" if sensor.chip else sensor.label


HOST_PARTS: tuple[tuple[str, type[msgspec.Struct], Callable[[Snapshot], Any]], ...] = (
    ("cpu", CpuStats, lambda s: s.cpu),
    ("load", LoadAverage, lambda s: s.load),
    ("memory", MemoryStats, lambda s: s.memory),
    ("memory.swap", SwapStats, lambda s: s.memory.swap),
    ("disk", DiskStats, lambda s: s.disk),
    ("network", NetworkStats, lambda s: s.network),
    ("processes", ProcessStats, lambda s: s.processes),
    ("system", SystemInfo, lambda s: s.system),
)
"""Host-level parts: their figures are series with an empty item."""

LIST_PARTS: tuple[tuple[str, type[msgspec.Struct], Callable[[Snapshot], list[Any]],
                        Callable[[Any], str]], ...] = (
    ("cpu.per_core", CoreUsage, lambda s: s.cpu.per_core, lambda row: str(row.number)),
    ("disk.filesystems", Filesystem, lambda s: s.disk.filesystems, lambda row: row.mount_point),
    ("disk.io", DiskIO, lambda s: s.disk.io, lambda row: row.name),
    ("network.interfaces", NetInterface, lambda s: s.network.interfaces, lambda row: row.name),
    ("sensors", Sensor, lambda s: s.sensors, _sensor_key),
    ("gpus", Gpu, lambda s: s.gpus, lambda row: str(row.index)),
    ("irqs", IrqRate, lambda s: s.irqs, lambda row: row.line),
    ("wifi", WifiLink, lambda s: s.wifi, lambda row: row.interface),
    ("raid", RaidArray, lambda s: s.raid, lambda row: row.name),
)
"""List parts: one item per row, keyed by what identifies the row."""


@functools.cache
def _getter(struct: type[msgspec.Struct]) -> Callable[[Any], tuple[Any, ...]]:
    """All of a struct's series fields at once, as a tuple (one C call per row)."""
    names = numeric_fields(struct)
    if len(names) == 1:
        single = operator.attrgetter(names[0])
        return lambda row: (single(row),)
    return operator.attrgetter(*names)


@functools.lru_cache(maxsize=1 << 14)
def _part_keys(source: str, struct: type[msgspec.Struct], items: tuple[str, ...]) -> tuple[SeriesKey, ...]:
    """The keys of a part's rows, made once per (source, items): a host reports the same rows
    snapshot after snapshot. Rows sharing a name (two NVMe drives both `nvme/Composite`) are
    numbered from the second on."""
    names = numeric_fields(struct)
    seen: set[str] = set()
    keys: list[SeriesKey] = []
    for item in items:
        unique = item
        if unique in seen:
            unique = next(f"{item}#{n}" for n in range(2, len(items) + 2) if f"{item}#{n}" not in seen)
        seen.add(unique)
        keys.extend(SeriesKey(source, unique, name) for name in names)
    return tuple(keys)


def _extend(keys: list[SeriesKey], values: list[float], part_keys: tuple[SeriesKey, ...],
            part_values: list[Any]) -> None:
    if None in part_values:
        pairs = [(k, v) for k, v in zip(part_keys, part_values, strict=True) if v is not None]
        keys.extend(k for k, _ in pairs)
        values.extend(v for _, v in pairs)
    else:
        keys.extend(part_keys)
        values.extend(part_values)


def flatten(snapshot: Snapshot) -> tuple[list[SeriesKey], list[float]]:
    """Every series point of `snapshot`: keys and values, in a stable order."""
    keys: list[SeriesKey] = []
    values: list[float] = []
    for source, struct, part_of in HOST_PARTS:
        _extend(keys, values, _part_keys(source, struct, ("",)), list(_getter(struct)(part_of(snapshot))))
    for state, count in snapshot.network.tcp_states.items():
        keys.append(SeriesKey("network.tcp_states", state, "count"))
        values.append(count)
    for source, struct, rows_of, key_of in LIST_PARTS:
        rows = rows_of(snapshot)
        if not rows:
            continue
        getter = _getter(struct)
        part_keys = _part_keys(source, struct, tuple(map(key_of, rows)))
        _extend(keys, values, part_keys, [value for row in rows for value in getter(row)])
    return keys, values


_KNOWN_FIELDS: dict[str, frozenset[str]] = {
    **{source: frozenset(numeric_fields(struct)) for source, struct, _ in HOST_PARTS},
    **{source: frozenset(numeric_fields(struct)) for source, struct, _, _ in LIST_PARTS},
    "network.tcp_states": frozenset({"count"}),
    "monitors": frozenset({"delay", "up"}),
}
"""Every source and its fields; `monitors[ID]` holds service monitor probes (delay in ms, up 1/0)."""
_LIST_SOURCES = frozenset([source for source, *_ in LIST_PARTS] + ["network.tcp_states", "monitors"])


def is_known(key: SeriesKey) -> bool:
    """Whether `key` names a series hostwatch keeps (for some host), data or not."""
    fields = _KNOWN_FIELDS.get(key.source)
    if fields is None or key.field not in fields:
        return False
    return bool(key.item) == (key.source in _LIST_SOURCES)


_CPU_SHARES = frozenset(numeric_fields(CpuTimesPercent))
_SIZE_FIELDS = frozenset({"total", "available", "used", "free", "active", "inactive", "buffers", "cached",
                          "shared", "size", "sin", "sout"})
_SIZE_SOURCES = frozenset({"memory", "memory.swap", "disk.filesystems"})
_FIXED_UNITS = {"delay": "ms", "mem_used": "B", "mem_total": "B",
                "read_time": "ms", "write_time": "ms", "busy_time": "ms",
                "uptime": "s", "secs_left": "s", "boot_time": "unix s", "temperature": "°C",
                "power_watts": "W", "cpu_freq_current_mhz": "MHz", "cpu_freq_max_mhz": "MHz"}


def unit_of(key: SeriesKey) -> str:
    """The unit of a series as the model documents it (`%`, `B`, `B/s`, `/s`, `ms`, `s`, `°C` ...).

    Counts and figures without a unit give `""`.
    """
    field = key.field
    if "percent" in field or (key.source in ("cpu", "cpu.per_core") and field in _CPU_SHARES):
        return "%"
    if "bytes" in field:
        return "B/s" if field.endswith("_rate") else "B"
    if field.endswith("_rate"):
        return "/s"
    if key.source in _SIZE_SOURCES and field in _SIZE_FIELDS:
        return "B"
    return _FIXED_UNITS.get(field, "")
