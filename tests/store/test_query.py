"""Queries: which tier answers, how many points come back, and what downsampling keeps."""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from hostwatch.store.base import Retention
from hostwatch.store.series import SeriesKey
from hostwatch.store.sqlite import DETAIL_FACTOR, DETAIL_FLOOR, SqliteStore

HOST = 1
DAY = 86_400
START = 1_700_006_400 - 1_700_006_400 % DAY  # a UTC midnight
SECONDS = 4 * 3600
KEY = SeriesKey("cpu", "", "total")
OTHER = SeriesKey("memory", "", "percent")


def wave(second: int) -> float:
    """A known signal with one sharp spike and one sharp dip that downsampling must not lose."""
    if second == 5001:
        return 100.0
    if second == 9007:
        return -100.0
    return round(50 + 30 * math.sin(second / 700) + 5 * math.sin(second / 13), 1)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqliteStore]:
    """Four hours of 1-s points for two series; the clock is one second after the last point."""
    opened = SqliteStore(tmp_path_factory.mktemp("query"), Retention(raw=2 * 3600, minute=DAY, hour=30 * DAY),
                         clock=lambda: START + SECONDS)
    opened.open()
    for second in range(SECONDS):
        opened.append_points(HOST, START + second, {KEY: wave(second), OTHER: 42.0})
        if second % 60 == 59:
            opened.flush()
    opened.flush()
    yield opened
    opened.close()


def test_tier_follows_retention(store: SqliteStore) -> None:
    """Raw while raw's retention reaches back to the start, then 1m while its retention does, then 1h."""
    end = START + SECONDS
    assert store.choose_tier(HOST, end - 3600, end, 0).name == "raw"
    assert store.choose_tier(HOST, end - 3 * 3600, end, 0).name == "1m", "raw keeps two hours"
    assert store.choose_tier(HOST, end - 2 * DAY, end, 0).name == "1h", "1m keeps a day"
    assert store.query(HOST, [KEY], end - 3600, end, max_points=60).tier == "raw"
    assert store.query(HOST, [KEY], end - 3 * 3600, end).tier == "1m"


def test_tier_follows_detail(tmp_path: Path) -> None:
    """A tier is skipped when it holds more than DETAIL_FACTOR points per point asked for and more than
    DETAIL_FLOOR in all; one point over a long range comes from hours."""
    retention = Retention(raw=30 * DAY, minute=60 * DAY, hour=400 * DAY)
    store = SqliteStore(tmp_path, retention, clock=lambda: START)
    store.open()
    try:
        floor_span = DETAIL_FLOOR  # seconds of 1-s raw points
        assert store.choose_tier(HOST, START - floor_span, START, 1).name == "raw"
        assert store.choose_tier(HOST, START - floor_span - 1, START, 1).name == "1m"
        points = floor_span // DETAIL_FACTOR + 100
        assert store.choose_tier(HOST, START - points * DETAIL_FACTOR, START, points).name == "raw"
        assert store.choose_tier(HOST, START - points * DETAIL_FACTOR - 1, START, points).name == "1m"
        assert store.choose_tier(HOST, START - 20 * DAY, START, 1).name == "1h"
        assert store.choose_tier(HOST, START - 20 * DAY, START, 0).name == "raw", "0: every point"
    finally:
        store.close()


def test_forced_tier_and_steps(store: SqliteStore) -> None:
    """`tier` forces one; `step` is the host interval for raw, the bucket for rollups, the bucket
    width when downsampled."""
    end = START + SECONDS
    assert store.query(HOST, [KEY], START, end, tier="raw").step == 1.0
    assert store.query(HOST, [KEY], START, end, tier="1m").step == 60.0
    assert store.query(HOST, [KEY], START, end, tier="1h").step == 3600.0
    downsampled = store.query(HOST, [KEY], START, end - 1, max_points=100, tier="raw")
    assert downsampled.step == 144.0
    assert len(downsampled.series[0].times) == 100
    assert downsampled.document()["step"] == 144.0


def test_unknown_series_come_back_empty_with_their_unit(store: SqliteStore) -> None:
    """A series the host never had is an empty series, not an error; so is an unknown host."""
    missing = SeriesKey("gpus", "0", "temperature")
    result = store.query(HOST, [missing, KEY], START, START + 10, tier="raw")
    assert (result.series[0].key, result.series[0].unit, result.series[0].times) == (missing, "°C", [])
    assert len(result.series[1].times) == 11
    assert store.query(99, [KEY], START, START + 10).series[0].times == []


SHAPES = [(START, START + SECONDS - 1, n) for n in (1, 7, 100, 999, 1000, 5000)] + [
    (START + 4000, START + 10_000, 300), (START + 4000, START + 4900, 1000), (START + 5000, START + 5003, 2)]


@pytest.mark.parametrize(("start", "end", "points"), SHAPES)
@pytest.mark.parametrize("tier", ["raw", "1m", None])
def test_downsampling_keeps_extremes_and_order(store: SqliteStore, start: int, end: int, points: int,
                                               tier: str | None) -> None:
    """Each point's min <= avg <= max, times increase, and the extremes of the points the returned
    buckets cover (the whole range for raw; whole minutes starting in it for 1m) survive."""
    result = store.query(HOST, [KEY], start, end, max_points=points, tier=tier)
    data = result.series[0]
    if result.tier == "raw":
        first, last = start, end
    else:
        bucket = 60 if result.tier == "1m" else 3600
        first = -(-start // bucket) * bucket
        last = min(end - end % bucket + bucket - 1, START + SECONDS - 1)
    covered = [wave(s - START) for s in range(first, last + 1)]
    assert len(data.times) <= points + 1
    assert data.times == sorted(set(data.times))
    assert all(lo <= v <= hi for lo, v, hi in zip(data.min, data.values, data.max, strict=True))
    if not covered:
        assert data.times == []
        return
    assert min(data.min) == min(covered)
    assert max(data.max) == max(covered)


@pytest.mark.parametrize(("span", "points"), [(3600, 60), (60, 60), (1000, 100)])
def test_never_more_than_max_points(store: SqliteStore, span: int, points: int) -> None:
    """At most `max_points` points per series, whatever the range."""
    data = store.query(HOST, [KEY], START, START + span, max_points=points, tier="raw").series[0]
    assert len(data.times) <= points


def test_every_series_of_a_query_comes_from_the_same_tier_and_step(store: SqliteStore) -> None:
    """Two series queried together share the tier, the step and the bucket times."""
    result = store.query(HOST, [KEY, OTHER], START, START + SECONDS - 1, max_points=50)
    first, second = result.series
    assert first.times == second.times
    assert second.values == [42.0] * len(second.times)


def test_a_query_during_a_flush_sees_every_point(tmp_path: Path) -> None:
    """A reader in another thread, while the writer commits a flush that seals a window, misses nothing."""
    store = SqliteStore(tmp_path, clock=lambda: START)
    store.open()
    try:
        for second in range(600):
            store.append_points(HOST, START + second, {KEY: float(second)})
        store.flush()
        seen: list[int] = []
        commit = store._transaction
        reader = threading.Thread(target=lambda: seen.append(len(
            store.query(HOST, [KEY], START, START + 600, tier="raw").series[0].times)))

        @contextmanager
        def query_meanwhile(connection):  # type: ignore[no-untyped-def]
            with commit(connection):
                reader.start()
                reader.join(timeout=1)  # a store that makes readers wait for the commit is fine too
                yield

        store._transaction = query_meanwhile  # type: ignore[method-assign]
        store.append_points(HOST, START + 600, {KEY: 600.0})  # leaves the first 10-minute window: seals it
        store.flush()
        reader.join(timeout=30)
        assert seen == [601]
    finally:
        vars(store).pop("_transaction", None)
        store.close()


def test_query_values_are_the_raw_values(store: SqliteStore) -> None:
    """Undownsampled raw queries return exactly what was written, min and max equal to the value."""
    data = store.query(HOST, [KEY], START + 100, START + 200, tier="raw").series[0]
    expected = [wave(s) for s in range(100, 201)]
    assert data.values == expected
    assert data.min == expected
    assert data.max == expected
    assert np.array_equal(np.diff(data.times), np.ones(100))
