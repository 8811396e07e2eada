"""stats(): points, chunks and bytes per tier agree with what was written and with the file."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from hostwatch.store.base import Retention
from hostwatch.store.series import SeriesKey
from hostwatch.store.sqlite import FILE_NAME, SqliteStore

DAY = 86_400
START = 1_700_006_400 - 1_700_006_400 % DAY  # a UTC midnight
KEYS = [SeriesKey("cpu", "", "total"), SeriesKey("memory", "", "used"), SeriesKey("load", "", "min1")]
HOSTS = (1, 2)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    opened = SqliteStore(tmp_path, Retention(raw=1e9, minute=1e9, hour=1e9), clock=lambda: START)
    opened.open()
    yield opened
    opened.close()


def write(store: SqliteStore, seconds: int, step: int = 5) -> None:
    for second in range(0, seconds, step):
        for host in HOSTS:
            store.append_points(host, START + second, {KEYS[0]: round(second % 97 / 3, 1),
                                                       KEYS[1]: 2**33 + second * 4096,
                                                       KEYS[2]: 1 + second / 7777}, step)
        if second % 60 == 0:
            store.flush()


def test_empty_store(store: SqliteStore) -> None:
    """A new store: no series, no hosts, no points, no bytes per point, a file that exists."""
    stats = store.stats()
    assert (stats.series, stats.hosts, stats.journal_bytes) == (0, 0, 0)
    assert [(t.name, t.chunks, t.points, t.bytes) for t in stats.tiers] == [
        ("raw", 0, 0, 0), ("1m", 0, 0, 0), ("1h", 0, 0, 0)]
    assert stats.bytes_per_raw_point == 0.0
    assert stats.file_bytes > 0
    assert stats.path == str(store.path)


def test_figures_match_what_was_written(store: SqliteStore) -> None:
    """Two hosts, three series, two hours at 5 s then sealed: exact point and chunk counts per tier, bytes
    equal to the stored blobs, the file size equal to database + WAL."""
    write(store, 7200)
    open_stats = store.stats()
    assert open_stats.journal_bytes > 0, "open rows are in the journal"
    store.flush(seal=True)
    stats = store.stats()
    nseries = len(HOSTS) * len(KEYS)
    assert (stats.series, stats.hosts) == (nseries, len(HOSTS))
    raw, minute, hour = stats.tiers
    assert (raw.points, raw.chunks) == (nseries * 7200 // 5, nseries * 12)
    assert (minute.points, minute.chunks) == (nseries * 120, nseries * 2)
    assert (hour.points, hour.chunks) == (nseries * 2, nseries)
    assert stats.journal_bytes == 0
    with contextlib.closing(sqlite3.connect(store.path)) as db:
        per_tier = dict(db.execute("SELECT tier, SUM(length(data)) FROM chunks GROUP BY tier").fetchall())
    assert [raw.bytes, minute.bytes, hour.bytes] == [per_tier[0], per_tier[1], per_tier[2]]
    wal = store.path.with_name(FILE_NAME + "-wal")
    assert stats.file_bytes == os.path.getsize(store.path) + (os.path.getsize(wal) if wal.exists() else 0)
    share = stats.file_bytes * raw.bytes / (raw.bytes + minute.bytes + hour.bytes) / raw.points
    assert stats.bytes_per_raw_point == pytest.approx(share)
    assert raw.bytes / raw.points < 2.0, "the blobs alone: well under two bytes a point"


def test_vacuum_shrinks_the_file_and_keeps_the_data(store: SqliteStore) -> None:
    """After retention empties the store, vacuum() rewrites the file smaller; the series stay known."""
    write(store, 3600)
    store.flush(seal=True)
    before = store.stats()
    assert store.apply_retention(now=START + 10**10) == sum(t.chunks for t in before.tiers)
    store.vacuum()
    after = store.stats()
    assert [t.points for t in after.tiers] == [0, 0, 0]
    assert after.file_bytes < before.file_bytes
    assert after.series == before.series, "series stay known after their chunks expire"
