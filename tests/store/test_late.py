"""Late and out-of-order points: stored in raw, counted in the rollups of their minute and hour."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from hostwatch.store.base import HOUR, MINUTE, Retention, Tier
from hostwatch.store.rollup import COUNT, LAST
from hostwatch.store.series import SeriesKey
from hostwatch.store.sqlite import FILE_NAME, SqliteStore

HOST = 3
DAY = 86_400
START = 1_700_006_400 - 1_700_006_400 % DAY  # a UTC midnight
DECIMAL = SeriesKey("memory", "", "percent")
FLOAT = SeriesKey("load", "", "min5")
FLOAT32_REL = 6e-8


@pytest.fixture
def open_store(tmp_path: Path) -> Iterator[Callable[[], SqliteStore]]:
    """Opens stores on one directory; those still open are closed when the test ends, pass or fail."""
    opened: list[SqliteStore] = []

    def make() -> SqliteStore:
        store = SqliteStore(tmp_path, Retention(raw=1e9, minute=1e9, hour=1e9), clock=lambda: START + 7200)
        store.open()
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def store(open_store: Callable[[], SqliteStore]) -> SqliteStore:
    return open_store()


def value_of(second: int) -> tuple[float, float]:
    return round(40 + 30 * np.sin(second / 500), 1), 1 + np.cos(second / 300) / 3


def expected_records(points: dict[int, tuple[float, float]], width: int, index: int) -> dict[int, tuple]:
    """min, avg, max, count per bucket of `width` seconds, from the points in plain numpy."""
    buckets: dict[int, list[float]] = {}
    for second, values in points.items():
        buckets.setdefault(START + second - second % width, []).append(values[index])
    return {t: (min(v), float(np.mean(v)), max(v), len(v)) for t, v in sorted(buckets.items())}


def series_id(store: SqliteStore, key: SeriesKey) -> int:
    with contextlib.closing(sqlite3.connect(store.path.parent / FILE_NAME)) as db:
        (sid,) = db.execute("SELECT id FROM series WHERE host = ? AND source = ? AND item = ? AND field = ?",
                            (HOST, *key)).fetchone()
    return int(sid)


def check(store: SqliteStore, points: dict[int, tuple[float, float]]) -> None:
    first, last = START + min(points), START + max(points)
    raw = store.query(HOST, [DECIMAL, FLOAT], first, last, tier="raw")
    seconds = sorted(points)
    assert raw.series[0].times == [START + s for s in seconds]
    assert raw.series[0].values == [points[s][0] for s in seconds]
    floats = np.array([points[s][1] for s in seconds])
    assert np.all(np.abs(np.array(raw.series[1].values) - floats) <= FLOAT32_REL * np.abs(floats))
    for tier, width in ((MINUTE, 60), (HOUR, 3600)):
        result = store.query(HOST, [DECIMAL, FLOAT], first - width, last, tier=tier.name)
        for index, data in enumerate(result.series):
            expected = expected_records(points, width, index)
            assert data.times == list(expected)
            assert data.min == pytest.approx([e[0] for e in expected.values()], rel=FLOAT32_REL)
            assert data.values == pytest.approx([e[1] for e in expected.values()], rel=1e-6)
            assert data.max == pytest.approx([e[2] for e in expected.values()], rel=FLOAT32_REL)
            assert_counts(store, data.key, tier, first - width, last, [e[3] for e in expected.values()])


def assert_counts(store: SqliteStore, key: SeriesKey, tier: Tier, start: int, end: int,
                  counts: list[int]) -> None:
    _, columns = store.read(HOST, series_id(store, key), tier, start * 1000, end * 1000)
    assert columns[COUNT].tolist() == counts


def test_late_points_are_stored_and_rolled_up(open_store: Callable[[], SqliteStore]) -> None:
    """Points older than a closed minute, a sealed raw window, a sealed minute window and a sealed day
    all land in raw and in their minute's and hour's records, before and after sealing and reopening."""
    store = open_store()
    points = {second: value_of(second) for second in range(0, 7200, 2)}
    for n, second in enumerate(sorted(points)):
        store.append_points(HOST, START + second, dict(zip((DECIMAL, FLOAT), points[second], strict=True)), 2)
        if n % 30 == 29:
            store.flush()
    store.flush()
    late = {
        7001: (99.9, 7.5),  # its minute is rolled up; its raw window is still open
        5001: (-12.5, -3.25),  # its raw window is sealed; its minute records are still open
        1001: (0.1, 1e-3),  # its raw and minute-record windows are sealed; its hour is closed
        -5 * 3600 + 17: (55.5, 2.0),  # the day before: even the hourly window is sealed
    }
    for second, values in late.items():
        store.append_points(HOST, START + second, dict(zip((DECIMAL, FLOAT), values, strict=True)), 2)
        store.flush()
    points.update(late)
    check(store, points)
    store.close()
    store = open_store()
    check(store, points)
    store.flush(seal=True)
    check(store, points)


def test_points_out_of_order_within_the_open_minute(store: SqliteStore) -> None:
    """Points of one minute given out of order are sorted in raw, and the minute's `last` is the newest."""
    for second, value in ((50, 5.0), (10, 1.0), (30, 3.0), (20, 2.0), (61, 0.0)):
        store.append_points(HOST, START + second, {DECIMAL: value})
    store.flush()
    raw = store.query(HOST, [DECIMAL], START, START + 120, tier="raw").series[0]
    assert raw.times == [START + s for s in (10, 20, 30, 50, 61)]
    assert raw.values == [1.0, 2.0, 3.0, 5.0, 0.0]
    _, columns = store.read(HOST, series_id(store, DECIMAL), MINUTE, START * 1000, START * 1000)
    assert columns[:, 0].tolist() == [1.0, 2.75, 5.0, 5.0, 4]


def test_a_point_sent_twice_keeps_the_newest_value_in_raw(store: SqliteStore) -> None:
    """The same time sent again (an agent resending a snapshot) reads back as the value sent last."""
    store.append_points(HOST, START + 5, {DECIMAL: 1.0})
    store.flush()
    store.append_points(HOST, START + 5, {DECIMAL: 2.0})
    store.flush()
    assert store.query(HOST, [DECIMAL], START, START + 10, tier="raw").series[0].values == [2.0]
    store.flush(seal=True)
    assert store.query(HOST, [DECIMAL], START, START + 10, tier="raw").series[0].values == [2.0]


def test_open_hour_last_is_the_newest_point(store: SqliteStore) -> None:
    """An hour still open reads back with the newest raw point as its `last`."""
    for second in range(0, 181):
        store.append_points(HOST, START + second, {DECIMAL: float(second)})
    store.flush()
    _, columns = store.read(HOST, series_id(store, DECIMAL), HOUR, START * 1000, START * 1000)
    assert columns[LAST].tolist() == [180.0]


def test_points_after_a_seal_are_buffered_again(store: SqliteStore) -> None:
    """After `flush(seal=True)` (`store compact`), points of windows that start later are open rows again,
    not late points merged into stored chunks at every flush; and they still read back."""
    for second in range(0, 300, 5):
        store.append_points(HOST, START + second, {DECIMAL: 1.0})
    store.flush(seal=True)
    sealed = store.stats()
    for second in range(3 * 3600, 3 * 3600 + 300, 5):  # three hours on: a new raw window, minute and hour
        store.append_points(HOST, START + second, {DECIMAL: 2.0})
        store.flush()
    raw = store.query(HOST, [DECIMAL], START + 3 * 3600, START + 3 * 3600 + 300, tier="raw").series[0]
    assert raw.values == [2.0] * 60
    assert [t.points for t in store.stats().tiers] == [t.points for t in sealed.tiers]
