"""Which numbers of a snapshot are series, what they are called, their units, on a real snapshot."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import msgspec
import numpy as np
import pytest

from hostwatch.collect.collector import Collector
from hostwatch.model import CpuStats, Filesystem, Gpu, IrqRate, NetInterface, Sensor, Snapshot
from hostwatch.store.base import Retention
from hostwatch.store.series import SeriesKey, flatten, is_known, numeric_fields, parse_metric, unit_of
from hostwatch.store.sqlite import SqliteStore

UNITS = {"%", "B", "B/s", "/s", "ms", "s", "unix s", "°C", "W", "MHz", ""}
ODD_MOUNTS = ["/", "/mnt/my disk", "/mnt/a.b", "/srv/x[1]", "/srv/a].b", "/data/].percent", "C:\\"]
ODD_SENSORS = [("coretemp", "Core 0"), ("", "Battery"), ("acpi[0]", "temp.1")]
ODD_INTERFACES = ["br-lan.100", "wg[0]", "en p0s3"]


@pytest.fixture(scope="module")
def snapshot() -> Snapshot:
    """A real snapshot of this machine; the second one, so rates are measured."""
    collector = Collector(interval=0.2)
    collector.collect()
    time.sleep(0.2)  # lets counters move, so the rates in the second snapshot are real
    return collector.collect()


@pytest.fixture
def odd(snapshot: Snapshot) -> Snapshot:
    """The real snapshot with items whose names hold dots, brackets, spaces and backslashes."""
    return msgspec.structs.replace(
        snapshot,
        disk=msgspec.structs.replace(snapshot.disk, filesystems=[
            Filesystem(device=f"/dev/x{n}", mount_point=m, size=10**12 + n, used=n * 4096, free=10**12,
                       percent=round(n * 1.1, 1)) for n, m in enumerate(ODD_MOUNTS)]),
        sensors=[Sensor(label=label, kind="temperature", value=40.5 + n, unit="°C", chip=chip, high=None)
                 for n, (chip, label) in enumerate(ODD_SENSORS)],
        network=msgspec.structs.replace(snapshot.network, interfaces=[
            NetInterface(name=name, bytes_recv=n * 1000, bytes_recv_rate=n * 12.5)
            for n, name in enumerate(ODD_INTERFACES)]),
    )


def test_real_snapshot_keys_round_trip(snapshot: Snapshot) -> None:
    """Every series of a real snapshot is a number, known, has a unit, and its text parses back to it."""
    keys, values = flatten(snapshot)
    assert len(keys) == len(values) > 50
    assert values.dtype == np.float64
    assert np.isfinite(values).all()
    for key in keys:
        assert parse_metric(key.metric()) == key
        assert is_known(key), key
        assert unit_of(key) in UNITS, key
    sources = {key.source for key in keys}
    assert {"cpu", "load", "memory", "memory.swap", "processes", "system", "cpu.per_core"} <= sources
    assert all(key.item.isdigit() for key in keys if key.source == "cpu.per_core")
    assert SeriesKey("cpu", "", "total") in keys
    assert all(key.field not in ("number", "index", "time_since_update") for key in keys)


def test_host_parts_give_every_numeric_field(snapshot: Snapshot) -> None:
    """The cpu part yields one series per int or float field of CpuStats, identities and bookkeeping aside."""
    keys, _ = flatten(snapshot)
    cpu = [key.field for key in keys if key.source == "cpu"]
    assert cpu == list(numeric_fields(CpuStats))
    assert "per_core" not in cpu
    assert "time_since_update" not in cpu
    assert "total" in cpu
    assert "ctx_switches_rate" in cpu


def test_missing_figures_are_no_points() -> None:
    """A `None` (a figure this host lacks) gives no series point at all."""
    snapshot = Snapshot(time=1.0, gpus=[Gpu(index=0, name="x", proc_percent=12.5, temperature=None)])
    keys, values = flatten(snapshot)
    gpu = {key.field: value for key, value in zip(keys, values, strict=True) if key.source == "gpus"}
    assert gpu == {"proc_percent": 12.5}
    assert not any(key.field.startswith("conntrack") for key in keys)


def test_odd_item_names_round_trip(odd: Snapshot) -> None:
    """Mount points, sensor labels and interface names with dots, brackets and spaces survive as text."""
    keys, _ = flatten(odd)
    items = {key.item for key in keys}
    assert set(ODD_MOUNTS) <= items
    assert {"coretemp/Core 0", "Battery", "acpi[0]/temp.1"} <= items
    assert set(ODD_INTERFACES) <= items
    for key in keys:
        assert parse_metric(key.metric()) == key, key.metric()
    spaced = SeriesKey("disk.filesystems", "/mnt/my disk", "percent")
    assert spaced.metric() == "disk.filesystems[/mnt/my disk].percent"
    bracketed = SeriesKey("disk.filesystems", "/srv/a].b", "percent")
    assert parse_metric("disk.filesystems[/srv/a].b].percent") == bracketed


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    opened = SqliteStore(tmp_path, Retention())
    opened.open()
    yield opened
    opened.close()


def test_odd_items_through_the_store(odd: Snapshot, store: SqliteStore) -> None:
    """A snapshot appended whole reads back per series, looked up by the metric's text."""
    store.append(7, odd)
    store.flush()
    keys, values = flatten(odd)
    assert store.series(7) == list(keys)
    for text, value in (("disk.filesystems[/srv/a].b].percent", 4.4), ("sensors[acpi[0]/temp.1].value", 42.5),
                        ("network.interfaces[en p0s3].bytes_recv_rate", 25.0), ("cpu.total", odd.cpu.total)):
        key = parse_metric(text)
        result = store.query(7, [key], odd.time - 1, odd.time + 1, tier="raw")
        assert result.series[0].values == [value], text
        assert result.series[0].times == [round(odd.time * 1000) / 1000]
    stored = store.query(7, keys, odd.time - 1, odd.time + 1, tier="raw")
    assert [s.values for s in stored.series] == [[v] for v in values.tolist()]


@pytest.mark.parametrize("text", ["", "cpu", "CPU.total", "cpu.total.", "cpu[x]", "1cpu.total", "cpu..total",
                                  "cpu.Total", "disk.filesystems[/].", "[x].total"])
def test_bad_metric_names_are_refused(text: str) -> None:
    """Anything that is not `source.field` or `source[item].field` raises ValueError naming the forms."""
    with pytest.raises(ValueError, match=r"source\.field"):
        parse_metric(text)


def test_metric_text_is_trimmed() -> None:
    """Spaces around a metric name are ignored; spaces inside an item are kept."""
    assert parse_metric("  cpu.total\n") == SeriesKey("cpu", "", "total")
    assert parse_metric(" sensors[ Core 0 ].value ") == SeriesKey("sensors", " Core 0 ", "value")
    assert parse_metric("memory.swap.percent") == SeriesKey("memory.swap", "", "percent")


@pytest.mark.parametrize(("text", "unit"), [
    ("cpu.total", "%"), ("cpu.per_core[3].iowait", "%"), ("memory.percent", "%"), ("memory.used", "B"),
    ("memory.swap.sin", "B"), ("memory.swap.sin_rate", "/s"), ("disk.filesystems[/].size", "B"),
    ("disk.io[sda].read_bytes", "B"), ("disk.io[sda].read_bytes_rate", "B/s"),
    ("disk.io[sda].read_count_rate", "/s"), ("disk.io[sda].read_time", "ms"),
    ("disk.io[sda].busy_percent", "%"),
    ("network.bytes_recv", "B"), ("network.interfaces[eth0].packets_recv_rate", "/s"), ("system.uptime", "s"),
    ("system.boot_time", "unix s"),
    ("gpus[0].temperature", "°C"), ("gpus[0].mem_used", "B"), ("gpus[0].power_watts", "W"),
    ("system.cpu_freq_current_mhz", "MHz"), ("load.min1", ""), ("processes.total", ""),
    ("cpu.ctx_switches", ""), ("network.tcp_states[ESTABLISHED].count", ""),
])
def test_units(text: str, unit: str) -> None:
    """Each series' unit, as the model documents it."""
    assert unit_of(parse_metric(text)) == unit


def test_two_drives_with_the_same_sensor_label_are_two_series() -> None:
    """Two sensors that differ only by position give two distinct series keys."""
    sensors = [Sensor(label="Composite", kind="temperature", value=value, unit="°C", chip="nvme")
               for value in (35.85, 61.85)]
    keys, _ = flatten(Snapshot(time=1.0, sensors=sensors))
    sensor_keys = [key for key in keys if key.source == "sensors"]
    assert len(set(sensor_keys)) == len(sensor_keys) == 2


def test_one_layout_gives_one_keys_object(snapshot: Snapshot) -> None:
    """Snapshots with the same rows share one keys tuple (a store knows the layout by identity);
    a row appearing or a figure going missing gives other keys, and the values follow them."""
    keys, _ = flatten(snapshot)
    again = msgspec.structs.replace(snapshot, time=snapshot.time + 1)
    assert flatten(again)[0] is keys
    more = msgspec.structs.replace(snapshot, irqs=[*snapshot.irqs, IrqRate(line="999", rate=3.5)])
    more_keys, more_values = flatten(more)
    assert more_keys is not keys
    assert dict(zip(more_keys, more_values.tolist(), strict=True))[SeriesKey("irqs", "999", "rate")] == 3.5
    load = msgspec.structs.replace(snapshot.load, min1=float("nan"))
    lacking = msgspec.structs.replace(snapshot, load=load)
    lacking_keys, lacking_values = flatten(lacking)
    assert SeriesKey("load", "", "min1") not in lacking_keys
    assert len(lacking_keys) == len(lacking_values) == len(keys) - 1
    assert flatten(lacking)[0] is lacking_keys
