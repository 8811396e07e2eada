"""The writer thread: appends become visible without an explicit flush, and close() writes the rest."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from hostwatch.collect.collector import Collector
from hostwatch.errors import StoreError
from hostwatch.model import Snapshot
from hostwatch.store.base import Retention
from hostwatch.store.series import SeriesKey
from hostwatch.store.sqlite import SqliteStore

from .real_snapshots import at

HOST = 2
TOTAL = SeriesKey("cpu", "", "total")
T = TypeVar("T")


def wait_for(predicate: Callable[[], T], deadline: float) -> tuple[T, float]:
    """Poll `predicate` until it returns something truthy; that value and the seconds it took."""
    began = time.monotonic()
    while True:
        value = predicate()
        waited = time.monotonic() - began
        if value or waited > deadline:
            return value, waited
        time.sleep(0.02)


@pytest.fixture(scope="module")
def snapshot() -> Snapshot:
    return Collector().collect()


def points(store: SqliteStore, start: float, end: float) -> list[float]:
    return store.query(HOST, [TOTAL], start, end, tier="raw").series[0].values


def test_appends_become_visible_and_close_flushes_the_rest(tmp_path: Path, snapshot: Snapshot) -> None:
    """Snapshots appended over two seconds are all queryable within two seconds of the last one, with no
    flush() call; the ones appended just before close() are on disk for the next store."""
    store = SqliteStore(tmp_path, Retention())  # the default flush interval, one second
    store.start()
    try:
        start = float(int(time.time()))
        for n in range(20):
            store.append(HOST, at(snapshot, start + n, n / 10))
            time.sleep(0.1)  # paces the appends over two seconds while the writer flushes
        expected = [n / 10 for n in range(20)]
        seen, waited = wait_for(lambda: points(store, start, start + 100) == expected, 3.0)
        assert seen, f"not visible after {waited:.1f} s: {points(store, start, start + 100)}"
        assert waited <= 2.0
        for n in range(20, 25):
            store.append(HOST, at(snapshot, start + n, n / 10))
    finally:
        store.close()
    again = SqliteStore(tmp_path, Retention())
    again.open()
    try:
        assert points(again, start, start + 100) == [n / 10 for n in range(25)]
        assert len(again.series(HOST)) > 50
    finally:
        again.close()


def test_a_burst_wakes_the_writer_before_its_interval(tmp_path: Path) -> None:
    """Thousands of queued appends are written at once, not after the (here one-minute) flush interval."""
    store = SqliteStore(tmp_path, Retention(), flush_interval=60)
    store.start()
    try:
        start = float(int(time.time()))
        for n in range(5000):
            store.append_points(HOST, start + n / 100, {TOTAL: n % 100})
        seen, waited = wait_for(lambda: len(points(store, start, start + 50)) >= 4096, 5.0)
        assert seen, f"the burst was not written within {waited:.1f} s"
    finally:
        store.close()


def test_points_without_series_do_not_stop_the_writer(tmp_path: Path) -> None:
    """Empty `append_points` across minute and window ends are written quietly, and the writer thread
    goes on writing what comes after them."""
    store = SqliteStore(tmp_path, Retention(), flush_interval=0.05)
    store.start()
    try:
        start = 1_700_006_400.0
        for second in range(0, 1300, 10):
            store.append_points(HOST, start + second, {})
        store.append_points(HOST, start + 1300, {TOTAL: 7.5})
        seen, waited = wait_for(lambda: points(store, start, start + 1400) == [7.5], 3.0)
        assert seen, f"nothing written after {waited:.1f} s"
    finally:
        store.close()


def test_writer_applies_retention_on_its_own(tmp_path: Path) -> None:
    """With a short retention interval the writer thread drops expired chunks without being asked."""
    now = [1_700_006_400.0]
    store = SqliteStore(tmp_path, Retention(raw=600, minute=3600, hour=86_400), retention_interval=0.05,
                        flush_interval=0.05, clock=lambda: now[0])
    store.open()
    for n in range(0, 1500, 10):
        store.append_points(HOST, now[0] - 1500 + n, {TOTAL: 1.0}, 10)
    store.flush()
    assert store.stats().tiers[0].chunks >= 1
    store.start()
    try:
        now[0] += 3 * 86_400
        _, waited = wait_for(lambda: store.stats().tiers[0].chunks == 0, 5.0)
        assert store.stats().tiers[0].chunks == 0, f"still there after {waited:.1f} s"
    finally:
        store.close()


def test_one_writer_per_file_and_read_only_beside_it(tmp_path: Path) -> None:
    """A second writer on the same directory is refused; a read-only store can query beside the writer."""
    store = SqliteStore(tmp_path, Retention())
    store.start()
    try:
        store.append_points(HOST, 1_700_000_000, {TOTAL: 5.5})
        store.flush(seal=True)
        with pytest.raises(StoreError, match="another hostwatch process"):
            SqliteStore(tmp_path).open()
        reader = SqliteStore(tmp_path, read_only=True)
        reader.open()
        try:
            assert points(reader, 1_699_999_999, 1_700_000_001) == [5.5]
            with pytest.raises(StoreError, match="not open for writing"):
                reader.flush()
        finally:
            reader.close()
    finally:
        store.close()
    with pytest.raises(StoreError, match="no history store"):
        SqliteStore(tmp_path / "missing", read_only=True).open()
