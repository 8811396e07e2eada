"""Known series written for three hours and read back from every tier, across restarts and a crash.

The three hours start at 22:00 UTC, so they cross 10-minute raw windows, 1-hour
minute-record windows and the 1-day window of hourly records.
"""

from __future__ import annotations

import contextlib
import itertools
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from hostwatch.store.base import HOUR, MINUTE, Retention, Tier
from hostwatch.store.codec import quantize
from hostwatch.store.rollup import COUNT
from hostwatch.store.series import SeriesKey
from hostwatch.store.sqlite import FILE_NAME, SqliteStore

HOST = 1
DAY = 86_400
START = 1_700_006_400 - 1_700_006_400 % DAY - 7200  # 22:00 UTC
SECONDS = 3 * 3600
FOREVER = Retention(raw=1e9, minute=1e9, hour=1e9)
FLOAT32_REL = 6e-8

PERCENT = SeriesKey("cpu", "", "total")
LOAD = SeriesKey("load", "", "min1")
COUNTER = SeriesKey("network", "", "bytes_recv")
MOUNT = SeriesKey("disk.filesystems", "/mnt/a b.c[1]", "percent")
EXACT = (PERCENT, COUNTER, MOUNT)
"""Short decimals and integers: stored exactly."""


def known_series() -> dict[SeriesKey, np.ndarray]:
    """One value per second for each series: decimals, floats, a counter, a sawtooth."""
    t = np.arange(SECONDS, dtype=np.float64)
    return {
        PERCENT: np.round(50 + 40 * np.sin(2 * np.pi * t / 1800) + 5 * np.sin(2 * np.pi * t / 37), 1),
        LOAD: 2 + np.sin(t / 77) * np.e,
        COUNTER: 1e12 + t * 12345 + (t // 7) ** 2,
        MOUNT: np.round((t % 1000) / 10, 1),
    }


VALUES = known_series()


class Stores:
    """Opens stores on one directory and closes those still open when the test ends, pass or fail."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.opened: list[SqliteStore] = []

    def open(self) -> SqliteStore:
        store = SqliteStore(self.data_dir, FOREVER, clock=lambda: START + SECONDS)
        store.open()
        self.opened.append(store)
        return store

    def crash(self, store: SqliteStore) -> None:
        """Drop `store` as a killed process would: no close(), no final flush, its file lock released."""
        self.opened.remove(store)
        assert store._lock_file is not None
        store._lock_file.close()  # the kernel releases a dead process's flock; nothing else is cleaned up


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[Stores]:
    opened = Stores(tmp_path)
    yield opened
    for store in opened.opened:
        store.close()


def write(store: SqliteStore, seconds: range, flush_every: int = 7) -> None:
    """Points for each second of `seconds`, flushed every `flush_every` seconds and at the end."""
    for second in seconds:
        store.append_points(HOST, START + second, {key: float(v[second]) for key, v in VALUES.items()})
        if second % flush_every == flush_every - 1:
            store.flush()
    store.flush()


def series_id(data_dir: Path, key: SeriesKey) -> int:
    with contextlib.closing(sqlite3.connect(data_dir / FILE_NAME)) as db:
        (sid,) = db.execute("SELECT id FROM series WHERE host = ? AND source = ? AND item = ? AND field = ?",
                            (HOST, *key)).fetchone()
    return int(sid)


def per_bucket(values: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    buckets = values.reshape(-1, width)
    return buckets.min(axis=1), buckets.mean(axis=1), buckets.max(axis=1)


def assert_close(actual: list[float], expected: np.ndarray, rel: float) -> None:
    got = np.asarray(actual)
    assert got.shape == expected.shape
    assert np.all(np.abs(got - expected) <= rel * np.abs(expected)), np.max(np.abs(got - expected) / expected)


def check_everything(store: SqliteStore, data_dir: Path) -> None:
    """Raw exactly (floats to float32), minute and hour min/avg/max against numpy, counts without doubles."""
    end = START + SECONDS - 1
    raw = store.query(HOST, list(VALUES), START, end, tier="raw")
    for data in raw.series:
        assert data.times == list(range(START, end + 1))
        expected = VALUES[data.key]
        if data.key in EXACT:
            assert data.values == expected.tolist()
        else:
            assert_close(data.values, expected, FLOAT32_REL)
    for tier, width in ((MINUTE, 60), (HOUR, 3600)):
        result = store.query(HOST, list(VALUES), START, end, tier=tier.name)
        assert result.step == width
        for data in result.series:
            lows, means, highs = per_bucket(VALUES[data.key], width)
            assert data.times == list(range(START, end, width))
            assert_close(data.values, means, 1e-6)
            exact = 0.0 if data.key in EXACT else FLOAT32_REL
            assert_close(data.min, lows, exact)
            assert_close(data.max, highs, exact)
        assert_counts(store, data_dir, tier, width)


def assert_counts(store: SqliteStore, data_dir: Path, tier: Tier, width: int) -> None:
    """Every record of `tier` counts exactly the points of its bucket: nothing lost, nothing twice."""
    for key in VALUES:
        sid = series_id(data_dir, key)
        times, columns = store.read(HOST, sid, tier, START * 1000, (START + SECONDS) * 1000)
        assert times.tolist() == list(range(START * 1000, (START + SECONDS) * 1000, width * 1000))
        assert columns[COUNT].tolist() == [width] * (SECONDS // width)


@pytest.mark.parametrize("interruption", ["none", "reopen", "crash"])
def test_three_hours_read_back_from_every_tier(stores: Stores, interruption: str) -> None:
    """Three hours of 1-s points: raw exact, 1m and 1h rollups equal numpy's, whatever happened between.

    `reopen` closes and reopens the store twice on the way; `crash` drops it
    without closing after a flush and opens a new one on the same directory,
    which must restore the open rows from the journal.
    """
    store = stores.open()
    stops = [0, 3600 + 1234, 2 * 3600 + 3599, SECONDS]
    for begin, end in itertools.pairwise(stops):
        write(store, range(begin, end))
        if interruption == "reopen" and end < SECONDS:
            store.close()
            store = stores.open()
        elif interruption == "crash" and end < SECONDS:
            stores.crash(store)
            del store
            store = stores.open()
    check_everything(store, stores.data_dir)
    store.close()

    store = stores.open()
    check_everything(store, stores.data_dir)
    store.flush(seal=True)
    check_everything(store, stores.data_dir)
    stats = store.stats()
    assert [(t.name, t.points) for t in stats.tiers] == [
        ("raw", SECONDS * len(VALUES)), ("1m", SECONDS // 60 * len(VALUES)), ("1h", 3 * len(VALUES))]
    assert stats.journal_bytes == 0, "nothing is open after a seal, so the journal is empty"


def test_sealed_values_are_exactly_the_open_ones(stores: Stores) -> None:
    """What a query returns before a window is sealed (from memory) equals what it returns after
    (from chunks), to float32 precision for floats."""
    store = stores.open()
    write(store, range(0, 900))
    before = store.query(HOST, list(VALUES), START, START + 899, tier="raw")
    store.flush(seal=True)
    after = store.query(HOST, list(VALUES), START, START + 899, tier="raw")
    for open_data, sealed in zip(before.series, after.series, strict=True):
        assert sealed.times == open_data.times
        expected = np.asarray(open_data.values)
        assert sealed.values == (expected if open_data.key in EXACT else quantize(expected)).tolist()


def test_rollup_averages_stay_within_min_and_max(stores: Stores) -> None:
    """A constant 12.3 (not a float32) beside varying minutes: after sealing, each minute's and the
    hour's average lies within its min and max, whose exact decimals the average's float32 rounding
    would otherwise overshoot."""
    store = stores.open()
    for second in range(180):
        store.append_points(HOST, START + second, {PERCENT: 12.3 if second < 120 else round(second / 7, 1)})
    store.flush(seal=True)
    for tier, points in (("1m", 0), ("1h", 0), ("raw", 3), ("1m", 2)):
        data = store.query(HOST, [PERCENT], START, START + 179, max_points=points, tier=tier).series[0]
        assert data.times
        assert all(lo <= v <= hi for lo, v, hi in zip(data.min, data.values, data.max, strict=True))
    assert store.query(HOST, [PERCENT], START, START + 60, tier="1m").series[0].values[0] == 12.3


CHILD = """
import sys
from pathlib import Path
from hostwatch.store.series import SeriesKey
from hostwatch.store.sqlite import SqliteStore

store = SqliteStore(Path(sys.argv[1]))
store.open()
key, start = SeriesKey("cpu", "", "total"), int(sys.argv[2])
for second in range(1000):
    store.append_points(1, start + second, {key: second / 10})
    if second == 899:
        store.flush()
print("flushed", flush=True)
sys.stdin.read()
"""


def test_killed_process_loses_only_what_it_had_not_flushed(stores: Stores) -> None:
    """A writer killed with SIGKILL: every flushed point is there after reopening (the open ones from the
    journal), the 100 queued after the last flush are not, and the rollups count each point once."""
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(stores.data_dir), str(START)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(child.stdout.readline()))  # type: ignore[union-attr]
        reader.start()
        reader.join(timeout=60)
        assert line == ["flushed\n"], "the child did not flush in time"
    finally:
        child.kill()
        child.wait(timeout=10)
        for stream in (child.stdin, child.stdout):
            if stream is not None:
                stream.close()
    wal = stores.data_dir / "history.sqlite-wal"
    assert wal.exists(), "killed before any checkpoint, as a crash would be"
    store = stores.open()
    key = SeriesKey("cpu", "", "total")
    raw = store.query(HOST, [key], START, START + 2000, tier="raw").series[0]
    assert raw.times == list(range(START, START + 900))
    assert raw.values == [s / 10 for s in range(900)]
    sid = series_id(stores.data_dir, key)
    times, columns = store.read(HOST, sid, MINUTE, START * 1000, (START + 2000) * 1000)
    assert columns[COUNT].tolist() == [60] * 15
    assert times.tolist() == [(START + 60 * m) * 1000 for m in range(15)]
