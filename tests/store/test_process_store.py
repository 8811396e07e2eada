"""The store in a child process: the same answers as in-process, ordering, errors and a dead child."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest

from hostwatch.collect.collector import Collector
from hostwatch.errors import StoreError
from hostwatch.model import Snapshot
from hostwatch.store.base import Retention, Store
from hostwatch.store.process import ProcessStore, StoreConfig
from hostwatch.store.series import SeriesKey, flatten
from hostwatch.store.sqlite import SqliteStore

from .real_snapshots import at

HOST = 4
TOTAL = SeriesKey("cpu", "", "total")
PROCESSES = SeriesKey("processes", "", "total")
DELAY = SeriesKey("monitors", "7", "delay")


@pytest.fixture(scope="module")
def snapshot() -> Snapshot:
    return Collector().collect()


def process_store(data_dir: Path, flush_interval: float = 1.0) -> ProcessStore:
    return ProcessStore(StoreConfig(data_dir, Retention(), flush_interval, 600.0))


def raw_totals(store: Store, start: float) -> list[float]:
    """The host's raw `cpu.total` points of the minute from `start`."""
    return store.query(HOST, [TOTAL], start - 1, start + 60, tier="raw").series[0].values


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ProcessStore]:
    opened = process_store(tmp_path)
    opened.start()
    yield opened
    opened.close()


def test_answers_match_the_store_in_this_process(tmp_path: Path, store: ProcessStore,
                                                 snapshot: Snapshot) -> None:
    """Snapshots and points appended through the child read back exactly as from a SqliteStore
    fed the same data: series, values, process counts (rows are stripped, counts are not)."""
    start = float(int(time.time())) - 3600
    feed = [at(snapshot, start + n * 5, n / 4) for n in range(300)]
    local = SqliteStore(tmp_path / "local", Retention())
    local.open()
    try:
        for target in (store, local):
            for item in feed:
                target.append(HOST, item)
            target.append_points(HOST, start, {DELAY: 12.5})
            target.flush()
        assert store.series(HOST) == local.series(HOST)
        assert set(flatten(snapshot)[0]) <= set(store.series(HOST))
        for tier in ("raw", "1m"):
            ours = store.query(HOST, [TOTAL, PROCESSES, DELAY], start - 1, start + 1500, tier=tier)
            theirs = local.query(HOST, [TOTAL, PROCESSES, DELAY], start - 1, start + 1500, tier=tier)
            assert ours == theirs
        raw = store.query(HOST, [TOTAL, PROCESSES], start - 1, start + 1500, tier="raw")
        assert raw.series[0].values == [n / 4 for n in range(300)]
        assert raw.series[1].values == [float(snapshot.processes.total)] * 300
        stats = store.stats()
        assert stats.hosts == 1
        assert stats.tiers[0].points > 0
    finally:
        local.close()


def test_a_flush_covers_every_append_made_before_it(store: ProcessStore, snapshot: Snapshot) -> None:
    """Appends go down in batches and calls on the same pipe, so the child takes them in order:
    a flush right after appends (no waiting for the sender) finds every one of them."""
    start = float(int(time.time())) - 600
    for n in range(50):
        store.append(HOST, at(snapshot, start + n, float(n)))
    store.flush()
    result = store.query(HOST, [TOTAL], start - 1, start + 60, tier="raw")
    assert result.series[0].values == [float(n) for n in range(50)]


def test_history_survives_closing_and_opening_again(tmp_path: Path, snapshot: Snapshot) -> None:
    start = float(int(time.time())) - 600
    first = process_store(tmp_path)
    first.start()
    for n in range(20):
        first.append(HOST, at(snapshot, start + n, float(n)))
    first.close()
    second = process_store(tmp_path)
    second.start()
    try:
        values = raw_totals(second, start)
        assert values == [float(n) for n in range(20)]
    finally:
        second.close()


def test_errors_in_the_child_reach_the_caller(store: ProcessStore) -> None:
    """A bad call raises the child's own exception here, and the store goes on working."""
    with pytest.raises(KeyError, match="5s"):
        store.query(HOST, [TOTAL], 0, 10, tier="5s")
    assert store.series(999) == []


def test_a_second_writer_is_refused_at_start(tmp_path: Path, store: ProcessStore) -> None:
    """The child holds the file's writer lock: another store on the same data dir fails to
    start with StoreError (after waiting a moment for a finishing writer)."""
    other = ProcessStore(StoreConfig(store.config.data_dir, Retention(), 1.0, 600.0))
    started = time.monotonic()
    with pytest.raises(StoreError, match="another hostwatch process"):
        other.start()
    assert time.monotonic() - started < 60


def test_a_dead_child_is_replaced(tmp_path: Path, snapshot: Snapshot) -> None:
    """Killing the child: calls raise StoreError at once (no hang), a new child starts by
    itself, and what was flushed before and appended after (some of it refused by the dead
    child's pipe) is all there."""
    start = float(int(time.time())) - 600
    store = process_store(tmp_path)
    store.start()
    try:
        for n in range(5):
            store.append(HOST, at(snapshot, start + n, float(n)))
        store.flush()
        first = store._process
        assert first is not None
        assert first.pid is not None
        os.kill(first.pid, signal.SIGKILL)
        first.join(10)
        with pytest.raises(StoreError, match="stopped"):
            store.series(HOST)
        for n in range(5, 10):
            store.append(HOST, at(snapshot, start + n, float(n)))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                store.flush()
                break
            except StoreError:
                time.sleep(0.2)
        assert store._process is not None
        assert store._process is not first
        values = raw_totals(store, start)
        assert values == [float(n) for n in range(10)]
        assert store.dropped == 0
    finally:
        store.close()


def test_the_child_flushes_what_it_has_when_the_server_is_killed(tmp_path: Path, snapshot: Snapshot) -> None:
    """If the server dies without closing the store (its end of the pipes closes), the child
    still writes what it had received, and a new store can open the file."""
    start = float(int(time.time())) - 600
    store = process_store(tmp_path, flush_interval=3600.0)
    store.start()
    for n in range(10):
        store.append(HOST, at(snapshot, start + n, float(n)))
    store.series(HOST)  # everything appended has reached the child
    assert store._down is not None
    assert store._up is not None
    assert store._process is not None
    store._stopping.set()
    store._down.close()
    store._up.close()
    store._process.join(30)
    assert store._process.exitcode == 0
    reopened = SqliteStore(tmp_path, Retention())
    reopened.open()
    try:
        values = raw_totals(reopened, start)
        assert values == [float(n) for n in range(10)]
    finally:
        reopened.close()


def test_snapshots_handed_over_encoded_are_stored_alike(store: ProcessStore, snapshot: Snapshot) -> None:
    """A snapshot appended with its MessagePack bytes (as agents' reports bring them) is stored
    as one appended as an object."""
    start = float(int(time.time())) - 600
    for n in range(6):
        item = at(snapshot, start + n, float(n))
        store.append(HOST, item, msgspec.msgpack.encode(item) if n % 2 else None)
    store.flush()
    result = store.query(HOST, [TOTAL, PROCESSES], start - 1, start + 60, tier="raw")
    assert result.series[0].values == [float(n) for n in range(6)]
    assert result.series[1].values == [float(snapshot.processes.total)] * 6
