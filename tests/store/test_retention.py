"""Retention on an injected clock: old chunks go, and the file stops growing as pages are reused."""

from __future__ import annotations

import contextlib
import math
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from hostwatch.store.base import TIERS, Retention
from hostwatch.store.series import SeriesKey
from hostwatch.store.sqlite import FILE_NAME, SqliteStore

HOST = 1
DAY = 86_400
START = 1_700_006_400 - 1_700_006_400 % DAY  # a UTC midnight
STEP = 30
KEYS = [SeriesKey("cpu.per_core", str(core), "total") for core in range(3)]
SHORT = Retention(raw=1200, minute=3600, hour=DAY)


class Clock:
    """The store's wall clock, moved by the test."""

    def __init__(self) -> None:
        self.now = float(START)

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> Iterator[SqliteStore]:
    opened = SqliteStore(tmp_path, SHORT, clock=clock)
    opened.open()
    yield opened
    opened.close()


def oldest_chunks(data_dir: Path) -> dict[int, int]:
    """Per tier index, the start (Unix ms) of its oldest chunk."""
    with contextlib.closing(sqlite3.connect(data_dir / FILE_NAME)) as db:
        return dict(db.execute("SELECT tier, MIN(start) FROM chunks GROUP BY tier").fetchall())


def file_size(store: SqliteStore) -> int:
    wal = store.path.with_name(FILE_NAME + "-wal")
    return os.path.getsize(store.path) + (os.path.getsize(wal) if wal.exists() else 0)


def run(store: SqliteStore, clock: Clock, days: int, on_day_end: list[int]) -> int:
    """Write every STEP seconds for `days`, flush every 10 min, apply retention hourly; chunks dropped."""
    dropped = 0
    for second in range(0, days * DAY, STEP):
        clock.now = START + second
        store.append_points(HOST, clock.now, {key: round(50 + 40 * math.sin((second + 300 * n) / 900), 1)
                                              for n, key in enumerate(KEYS)}, STEP)
        if second % 600 == 600 - STEP:
            store.flush()
        if second % 3600 == 3600 - STEP:
            dropped += store.apply_retention()
            now_ms = round(clock.now * 1000)
            for tier in TIERS:
                oldest = oldest_chunks(store.path.parent).get(tier.index)
                limit = now_ms - SHORT.of(tier) * 1000 - tier.window_ms
                assert oldest is None or oldest > limit, f"{tier.name} keeps a chunk past its retention"
        if second % DAY == DAY - STEP:
            on_day_end.append(file_size(store))
    return dropped


def test_retention_drops_old_chunks_and_the_file_stops_growing(store: SqliteStore, clock: Clock) -> None:
    """Over four days of 20-minute raw, 1-hour minute and 1-day hour retention, every tier drops its old
    chunks hourly and the file (database + WAL, after the checkpoint) stays the size it had after day one."""
    sizes: list[int] = []
    dropped = run(store, clock, 4, sizes)
    stats = store.stats()
    present = sum(t.chunks for t in stats.tiers)
    assert dropped > 10 * present, "far more chunks came and went than the file holds"
    assert all(t.chunks for t in stats.tiers), "each tier still holds its recent chunks"
    assert max(sizes[1:]) <= sizes[1] + 2 * 4096, f"file grew: {sizes}"
    assert stats.file_bytes == file_size(store)

    end = clock.now
    assert store.query(HOST, KEYS, START, START + DAY, tier="raw").series[0].times == []
    assert store.query(HOST, KEYS, START, START + DAY, tier="1m").series[0].times == []
    recent = store.query(HOST, KEYS, end - 1200, end, tier="raw").series[0]
    assert recent.times == [end - 1200 + s for s in range(0, 1201, STEP)]
    hours = store.query(HOST, KEYS, end - 3 * DAY, end, tier="1h").series[0].times
    assert hours, "the current day's hours are still there"
    assert min(hours) >= end - SHORT.hour - DAY


def test_retention_uses_the_store_clock_and_keeps_what_is_young(store: SqliteStore, clock: Clock) -> None:
    """apply_retention() without `now` reads the injected clock; nothing younger than retention goes."""
    run(store, clock, 1, [])
    store.flush(seal=True)
    before = store.stats()
    assert store.apply_retention() == 0, "the hourly runs already dropped what was due"
    clock.now += 10 * DAY
    assert store.apply_retention() == sum(t.chunks for t in before.tiers)
    assert [t.chunks for t in store.stats().tiers] == [0, 0, 0]


def test_retention_gives_freed_space_back_when_a_quarter_is_free(store: SqliteStore, clock: Clock) -> None:
    """Once retention frees at least a quarter of the file's pages, the file shrinks."""
    noisy = [SeriesKey("disk.io", f"sd{n}", "read_bytes_rate") for n in range(20)]
    for second in range(1800):
        store.append_points(HOST, START + second, {key: math.sin(second * (n + 1)) * 1e6
                                                   for n, key in enumerate(noisy)})
        if second % 60 == 59:
            store.flush()
    store.flush(seal=True)
    clock.now = START + 1800
    store.apply_retention()
    before = file_size(store)
    assert before > 100_000
    clock.now += 10 * DAY
    assert store.apply_retention() > 0
    with contextlib.closing(sqlite3.connect(store.path)) as db:
        (free,) = db.execute("PRAGMA freelist_count").fetchone()
        (pages,) = db.execute("PRAGMA page_count").fetchone()
    assert free * 4 < pages
    assert file_size(store) < before / 2
