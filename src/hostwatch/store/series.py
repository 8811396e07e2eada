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
from itertools import chain
from typing import Any, NamedTuple, Union, get_args, get_origin

import msgspec
import numpy as np
import numpy.typing as npt

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

Floats = npt.NDArray[np.float64]

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


def _sensor_item(identity: tuple[str, str]) -> str:
    chip, label = identity
    return f"{chip}/{label}" if chip else label


HOST_PARTS: tuple[tuple[str, type[msgspec.Struct], Callable[[Snapshot], Any]], ...] = (
    ("cpu", CpuStats, operator.attrgetter("cpu")),
    ("load", LoadAverage, operator.attrgetter("load")),
    ("memory", MemoryStats, operator.attrgetter("memory")),
    ("memory.swap", SwapStats, operator.attrgetter("memory.swap")),
    ("disk", DiskStats, operator.attrgetter("disk")),
    ("network", NetworkStats, operator.attrgetter("network")),
    ("processes", ProcessStats, operator.attrgetter("processes")),
    ("system", SystemInfo, operator.attrgetter("system")),
)
"""Host-level parts: their figures are series with an empty item."""

LIST_PARTS: tuple[tuple[str, type[msgspec.Struct], Callable[[Snapshot], list[Any]],
                        Callable[[Any], Any], Callable[[Any], str]], ...] = (
    ("cpu.per_core", CoreUsage, operator.attrgetter("cpu.per_core"), operator.attrgetter("number"), str),
    ("disk.filesystems", Filesystem, operator.attrgetter("disk.filesystems"),
     operator.attrgetter("mount_point"), str),
    ("disk.io", DiskIO, operator.attrgetter("disk.io"), operator.attrgetter("name"), str),
    ("network.interfaces", NetInterface, operator.attrgetter("network.interfaces"),
     operator.attrgetter("name"), str),
    ("sensors", Sensor, operator.attrgetter("sensors"), operator.attrgetter("chip", "label"), _sensor_item),
    ("gpus", Gpu, operator.attrgetter("gpus"), operator.attrgetter("index"), str),
    ("irqs", IrqRate, operator.attrgetter("irqs"), operator.attrgetter("line"), str),
    ("wifi", WifiLink, operator.attrgetter("wifi"), operator.attrgetter("interface"), str),
    ("raid", RaidArray, operator.attrgetter("raid"), operator.attrgetter("name"), str),
)
"""List parts: one item per row. Each has the getter of what identifies a row (one C call per
row, for telling layouts apart) and how that identity is written as the series' item."""


@functools.cache
def _getter(struct: type[msgspec.Struct]) -> Callable[[Any], tuple[Any, ...]]:
    """All of a struct's series fields at once, as a tuple (one C call per row)."""
    names = numeric_fields(struct)
    if len(names) == 1:
        single = operator.attrgetter(names[0])
        return lambda row: (single(row),)
    return operator.attrgetter(*names)


_HOST_VALUES = tuple((_getter(struct), part_of) for _, struct, part_of in HOST_PARTS)
_LIST_VALUES = tuple((_getter(struct), rows_of, identity) for _, struct, rows_of, identity, _ in LIST_PARTS)


def _part_keys(source: str, struct: type[msgspec.Struct], items: list[str]) -> list[SeriesKey]:
    """The keys of a part's rows. Rows sharing a name (two NVMe drives both `nvme/Composite`)
    are numbered from the second on."""
    names = numeric_fields(struct)
    seen: set[str] = set()
    keys: list[SeriesKey] = []
    for item in items:
        unique = item
        if unique in seen:
            unique = next(f"{item}#{n}" for n in range(2, len(items) + 2) if f"{item}#{n}" not in seen)
        seen.add(unique)
        keys.extend(SeriesKey(source, unique, name) for name in names)
    return keys


@functools.lru_cache(maxsize=1 << 12)
def _layout(signature: tuple[tuple[Any, ...], ...]) -> tuple[SeriesKey, ...]:
    """Every key of a snapshot, in `flatten`'s order, made once per layout: a host reports
    the same rows snapshot after snapshot. `signature` is the TCP states, then each list
    part's row identities."""
    tcp_states, *identities = signature
    keys: list[SeriesKey] = []
    for source, struct, _ in HOST_PARTS:
        keys.extend(SeriesKey(source, "", name) for name in numeric_fields(struct))
    keys.extend(SeriesKey("network.tcp_states", state, "count") for state in tcp_states)
    for (source, struct, _, _, item_of), rows in zip(LIST_PARTS, identities, strict=True):
        keys.extend(_part_keys(source, struct, [item_of(identity) for identity in rows]))
    return tuple(keys)


@functools.lru_cache(maxsize=1 << 12)
def _present(keys: tuple[SeriesKey, ...], missing: bytes) -> tuple[SeriesKey, ...]:
    """`keys` without those `missing` marks (one byte per key, non-zero: no value)."""
    return tuple(key for key, absent in zip(keys, missing, strict=True) if not absent)


def flatten(snapshot: Snapshot) -> tuple[tuple[SeriesKey, ...], Floats]:
    """Every series point of `snapshot`: keys and values, in a stable order.

    Snapshots of one layout get the very same keys tuple, so a store can tell a layout it
    already knows by identity. Missing figures (`None`) and NaNs are left out.
    """
    values: list[Any] = []
    extend = values.extend
    for getter, part_of in _HOST_VALUES:
        extend(getter(part_of(snapshot)))
    tcp_states = snapshot.network.tcp_states
    extend(tcp_states.values())
    signature: list[tuple[Any, ...]] = [tuple(tcp_states)]
    for getter, rows_of, identity in _LIST_VALUES:
        rows = rows_of(snapshot)
        signature.append(tuple(map(identity, rows)))
        extend(chain.from_iterable(map(getter, rows)))
    keys = _layout(tuple(signature))
    array = np.array(values, np.float64)
    missing = np.isnan(array)
    if missing.any():
        return _present(keys, missing.tobytes()), array[~missing]
    return keys, array


_KNOWN_FIELDS: dict[str, frozenset[str]] = {
    **{source: frozenset(numeric_fields(struct)) for source, struct, _ in HOST_PARTS},
    **{source: frozenset(numeric_fields(struct)) for source, struct, *_ in LIST_PARTS},
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
