"""The embedded history store: one SQLite file in WAL mode, written in batches off the event loop.

Tables:

- `series`: id per (host, source, item, field).
- `chunks`: one compressed blob per series, tier and window (`codec.py`).
- `journal`: each flush's new open rows per tier (`journal.py`), replayed on start.
- `progress`: per host and tier, how far rollups and seals have got.

`append` only queues; a writer thread flushes the queue at least every
`flush_interval` seconds in one transaction, so a crash loses at most that much.
Queries read with their own connection and may run in any thread.
"""

from __future__ import annotations

import fcntl
import logging
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import numpy as np

from hostwatch.errors import StoreError
from hostwatch.model import Snapshot
from hostwatch.store.base import (
    RAW,
    TIERS,
    TIERS_BY_NAME,
    QueryResult,
    Retention,
    SeriesData,
    Store,
    StoreStats,
    Tier,
    TierStats,
)
from hostwatch.store.buffers import Changes, Chunk, HostBuffers, Row
from hostwatch.store.codec import decode_chunk, encode_chunk
from hostwatch.store.journal import decode_rows, encode_rows
from hostwatch.store.rollup import COUNT, Columns, Ints, as_rollup, downsample, group, normalize
from hostwatch.store.series import SeriesKey, flatten, unit_of
from hostwatch.store.statements import insert_rows, present_series

log = logging.getLogger(__name__)

FILE_NAME = "history.sqlite"
DETAIL_FACTOR = 16
DETAIL_FLOOR = 20_000
"""A tier is read for a chart when it holds at most DETAIL_FACTOR points per point asked for,
or DETAIL_FLOOR points in all (cheap to read, and a short range keeps its detail)."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS series (
    id INTEGER PRIMARY KEY, host INTEGER NOT NULL,
    source TEXT NOT NULL, item TEXT NOT NULL, field TEXT NOT NULL,
    UNIQUE (host, source, item, field));
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY, series INTEGER NOT NULL, tier INTEGER NOT NULL,
    start INTEGER NOT NULL, count INTEGER NOT NULL, data BLOB NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS chunks_by_series ON chunks (series, tier, start);
CREATE INDEX IF NOT EXISTS chunks_by_age ON chunks (tier, start);
CREATE TABLE IF NOT EXISTS journal (
    flush INTEGER NOT NULL, tier INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (tier, flush));
CREATE TABLE IF NOT EXISTS progress (
    host INTEGER NOT NULL, tier INTEGER NOT NULL, closed INTEGER, sealed INTEGER NOT NULL,
    PRIMARY KEY (host, tier));
"""

Pending = tuple[int, int, float, Snapshot | tuple[tuple[SeriesKey, ...], np.ndarray]]


def _connect(path: Path, *, writer: bool = False, read_only: bool = False) -> sqlite3.Connection:
    target = f"file:{path}?mode=ro" if read_only else f"file:{path}"
    connection = sqlite3.connect(target, uri=True, isolation_level=None, check_same_thread=not writer,
                                 timeout=30)
    connection.execute("PRAGMA busy_timeout = 30000")
    if writer:
        connection.execute("PRAGMA auto_vacuum = INCREMENTAL")
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
    return connection


class SqliteStore(Store):
    """History in `DATA_DIR/history.sqlite`; see the module's docstring."""

    def __init__(self, data_dir: Path, retention: Retention | None = None, *,
                 flush_interval: float = 1.0, retention_interval: float = 600.0,
                 max_pending: int = 200_000, clock: Callable[[], float] = time.time,
                 read_only: bool = False, lock_wait: float = 0.0) -> None:
        self.path = Path(data_dir) / FILE_NAME
        self.read_only = read_only
        self.lock_wait = lock_wait
        """Seconds to wait for another writer to let go of the file (one that is finishing)."""
        """Open without writing (for offline commands beside a running hub): queries only."""
        self.retention = retention or Retention()
        self.flush_interval = flush_interval
        self.retention_interval = retention_interval
        self._clock = clock
        self._pending: deque[Pending] = deque()
        self._max_pending = max_pending
        self._dropped = 0
        self._lock = threading.Lock()
        """Guards the buffers and the series maps, shared by the writer and readers."""
        self._flush_lock = threading.Lock()
        self._maps_lock = threading.Lock()
        """Guards the series maps, so listing series never waits for a flush."""
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._writer: sqlite3.Connection | None = None
        self._opened = False
        self._lock_file: IO[str] | None = None
        self._readers = threading.local()
        self._series: dict[tuple[int, SeriesKey], int] = {}
        self._keys: dict[int, SeriesKey] = {}
        self._host_series: dict[int, list[SeriesKey]] = {}
        self._layouts: dict[int, tuple[tuple[SeriesKey, ...], np.ndarray]] = {}
        self._hosts: dict[int, HostBuffers] = {}
        self._last_wall: dict[int, float] = {}
        self._next_series = 1
        self._next_flush = 1

    # -- lifecycle -----------------------------------------------------------------------------

    def open(self) -> None:
        """Open the file, create what is missing and replay the journal; no thread yet."""
        if self._opened:
            return
        if self.read_only:
            if not self.path.exists():
                raise StoreError(f"no history store at {self.path}")
            connection = self._reader()
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._take_file_lock()
            connection = self._writer = _connect(self.path, writer=True)
            connection.executescript(_SCHEMA)
        try:
            self._load(connection)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot read the history store {self.path}: {exc}") from exc
        self._opened = True

    def _take_file_lock(self) -> None:
        """One writer per file: a second hub (or `store compact`) on the same data dir stops here."""
        self._lock_file = open(self.path.with_name(FILE_NAME + ".lock"), "w")  # noqa: SIM115 - held open
        give_up = time.monotonic() + self.lock_wait
        while True:
            try:
                fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= give_up:
                    break
                time.sleep(0.05)
        self._lock_file.close()
        self._lock_file = None
        raise StoreError(f"another hostwatch process is writing {self.path}; stop it first")

    def _load(self, connection: sqlite3.Connection) -> None:
        for sid, host, source, item, field in connection.execute(
                "SELECT id, host, source, item, field FROM series"):
            self._remember(sid, host, SeriesKey(source, item, field))
        self._next_series = max(self._keys, default=0) + 1
        for host, tier, closed, sealed in connection.execute(
                "SELECT host, tier, closed, sealed FROM progress"):
            buffers = self._buffers(host)
            buffers.closed[tier] = closed
            buffers.sealed[tier] = sealed
        self._replay(connection)

    def start(self) -> None:
        self.open()
        if self._thread is None and not self.read_only:
            self._stopping.clear()
            self._thread = threading.Thread(target=self._run, name="hostwatch-store", daemon=True)
            self._thread.start()

    def close(self) -> None:
        if self._thread is not None:
            self._stopping.set()
            self._wake.set()
            self._thread.join()
            self._thread = None
        if self._writer is not None:
            self.flush()
            self._writer.close()
            self._writer = None
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None
        self._opened = False

    def _run(self) -> None:
        last_retention = time.monotonic()
        while not self._stopping.is_set():
            self._wake.wait(self.flush_interval)
            self._wake.clear()
            try:
                self.flush()
                if time.monotonic() - last_retention >= self.retention_interval:
                    last_retention = time.monotonic()
                    self.apply_retention()
            except sqlite3.Error:
                log.exception("history store: write failed; retrying at the next flush")

    # -- writing -------------------------------------------------------------------------------

    def append(self, host_id: int, snapshot: Snapshot, encoded: bytes | None = None) -> None:
        self._queue((host_id, round(snapshot.time * 1000), snapshot.interval, snapshot))

    def append_points(self, host_id: int, time: float, points: dict[SeriesKey, float],
                      interval: float = 1.0) -> None:
        self._queue((host_id, round(time * 1000), interval,
                     (tuple(points), np.array(list(points.values()), np.float64))))

    def _queue(self, item: Pending) -> None:
        if len(self._pending) >= self._max_pending:
            self._pending.popleft()
            self._dropped += 1
            if self._dropped in (1, 10, 100) or self._dropped % 1000 == 0:
                log.warning("history store: writer behind, %d snapshots dropped so far", self._dropped)
        self._pending.append(item)
        if len(self._pending) >= 4096:
            self._wake.set()

    def flush(self, *, seal: bool = False) -> None:
        """Write everything queued; with `seal`, also seal every open row into chunks
        (`hostwatch store compact`: later points of those windows are merged into them)."""
        with self._flush_lock:
            if self._writer is None:
                raise StoreError("the history store is not open for writing")
            self._flush(self._writer, seal)

    def _flush(self, writer: sqlite3.Connection, seal: bool) -> None:
        items: list[Pending] = []
        while self._pending:
            items.append(self._pending.popleft())
        changes = Changes(journal_id=self._next_flush)
        new_series: list[tuple[int, int, SeriesKey]] = []
        now = time.monotonic()
        # The lock spans the commit: a reader never finds sealed rows gone from memory
        # but not yet in the file.
        with self._lock:
            for host_id, time_ms, interval, payload in items:
                keys, values = payload if isinstance(payload, tuple) else flatten(payload)
                ids = self._ids(host_id, keys, new_series)
                buffers = self._buffers(host_id)
                buffers.interval = interval
                self._last_wall[host_id] = now
                buffers.add(Row(time_ms, ids, values.reshape(1, -1), 0), changes)
            for host_id, buffers in self._hosts.items():
                idle = now - self._last_wall.get(host_id, now)
                if seal:
                    buffers.seal_all(changes)
                elif idle * 1000 > RAW.window_ms and buffers.rows[RAW.index]:
                    buffers.advance(buffers.last_time + RAW.window_ms, changes)
            trims = [self._first_needed(tier) for tier in TIERS]
            progress = [(host_id, tier.index, self._hosts[host_id].closed[tier.index],
                         self._hosts[host_id].sealed[tier.index])
                        for host_id in changes.hosts for tier in TIERS]
            with self._transaction(writer):
                insert_rows(writer, "INSERT INTO series (id, host, source, item, field) VALUES",
                            [(sid, host, *key) for sid, host, key in new_series])
                for tier in TIERS:
                    rows = changes.journal[tier.index]
                    if rows:
                        writer.execute("INSERT INTO journal (flush, tier, data) VALUES (?, ?, ?)",
                                       (changes.journal_id, tier.index, encode_rows(rows)))
                self._write_chunks(writer, changes.sealed + changes.late)
                insert_rows(writer, "INSERT OR REPLACE INTO progress (host, tier, closed, sealed) VALUES",
                            progress)
                for tier, needed in zip(TIERS, trims, strict=True):
                    writer.execute("DELETE FROM journal WHERE tier = ? AND flush < ?",
                                   (tier.index, needed if needed is not None else changes.journal_id + 1))
        self._next_flush += 1

    @contextmanager
    def _transaction(self, connection: sqlite3.Connection) -> Iterator[None]:
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    def _first_needed(self, tier: Tier) -> int | None:
        firsts = [b.rows[tier.index][0].journal for b in self._hosts.values() if b.rows[tier.index]]
        return min(firsts, default=None)

    def _write_chunks(self, writer: sqlite3.Connection, chunks: list[Chunk]) -> None:
        """New chunks inserted many to a statement; a chunk whose series and window are
        already stored (late points, or a window sealed twice in one flush) is merged into it."""
        places: dict[tuple[int, int], list[Chunk]] = {}
        for chunk in chunks:
            places.setdefault((chunk.tier, chunk.window), []).append(chunk)
        merges: list[Chunk] = []
        for (tier, window), placed in places.items():
            taken = present_series(writer, tier, window, {chunk.series for chunk in placed})
            fresh: list[tuple[int, int, int, int, bytes]] = []
            for chunk in placed:
                if chunk.series in taken:
                    merges.append(chunk)
                    continue
                taken.add(chunk.series)
                blob = chunk.blob if chunk.blob is not None else _encode(chunk.times, chunk.columns)
                fresh.append((chunk.series, chunk.tier, chunk.window, len(chunk.times), blob))
            insert_rows(writer, "INSERT INTO chunks (series, tier, start, count, data) VALUES", fresh)
        for chunk in merges:
            self._merge_chunk(writer, chunk)

    def _merge_chunk(self, writer: sqlite3.Connection, chunk: Chunk) -> None:
        (stored,) = writer.execute("SELECT data FROM chunks WHERE series = ? AND tier = ? AND start = ?",
                                   (chunk.series, chunk.tier, chunk.window)).fetchone()
        times, columns = _decode(stored)
        times, columns = normalize(np.concatenate((times, chunk.times)), np.hstack((columns, chunk.columns)))
        writer.execute("UPDATE chunks SET count = ?, data = ? WHERE series = ? AND tier = ? AND start = ?",
                       (len(times), _encode(times, columns), chunk.series, chunk.tier, chunk.window))

    def _ids(self, host_id: int, keys: tuple[SeriesKey, ...],
             new_series: list[tuple[int, int, SeriesKey]]) -> np.ndarray:
        layout = self._layouts.get(host_id)
        if layout is not None and (layout[0] is keys or layout[0] == keys):
            return layout[1]
        ids = []
        for key in keys:
            sid = self._series.get((host_id, key))
            if sid is None:
                sid = self._next_series
                self._next_series += 1
                self._remember(sid, host_id, key)
                new_series.append((sid, host_id, key))
            ids.append(sid)
        array = np.asarray(ids, np.int32)
        self._layouts[host_id] = (keys, array)
        return array

    def _remember(self, sid: int, host_id: int, key: SeriesKey) -> None:
        with self._maps_lock:
            self._series[(host_id, key)] = sid
            self._keys[sid] = key
            self._host_series.setdefault(host_id, []).append(key)

    def _buffers(self, host_id: int) -> HostBuffers:
        buffers = self._hosts.get(host_id)
        if buffers is None:
            buffers = self._hosts[host_id] = HostBuffers(host_id)
        return buffers

    def _replay(self, connection: sqlite3.Connection) -> None:
        replayed = 0
        for flush, tier_index, blob in connection.execute(
                "SELECT flush, tier, data FROM journal ORDER BY tier, flush").fetchall():
            tier = TIERS[tier_index]
            for host_id, row in decode_rows(blob, flush):
                buffers = self._buffers(host_id)
                if row.time >= buffers.sealed[tier.index]:
                    buffers.restore(tier, row)
                    replayed += 1
            self._next_flush = max(self._next_flush, flush + 1)
        opened = time.monotonic()
        for host_id in self._hosts:
            self._last_wall[host_id] = opened
        if replayed:
            log.info("history store: %d open rows restored from the journal", replayed)

    # -- retention and maintenance -------------------------------------------------------------

    def apply_retention(self, now: float | None = None) -> int:
        now_ms = round((self._clock() if now is None else now) * 1000)
        dropped = 0
        with self._flush_lock:
            writer = self._writer
            if writer is None:
                raise StoreError("the history store is not open for writing")
            with self._transaction(writer):
                for tier in TIERS:
                    cutoff = now_ms - round(self.retention.of(tier) * 1000) - tier.window_ms
                    dropped += writer.execute("DELETE FROM chunks WHERE tier = ? AND start <= ?",
                                              (tier.index, cutoff)).rowcount
            (free,) = writer.execute("PRAGMA freelist_count").fetchone()
            (pages,) = writer.execute("PRAGMA page_count").fetchone()
            if free and free * 4 >= pages:
                # executescript steps the pragma to the end; execute() would free one page.
                writer.executescript("PRAGMA incremental_vacuum;")
            writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        if dropped:
            log.info("history store: retention dropped %d chunks", dropped)
        return dropped

    def vacuum(self) -> None:
        """Rewrite the file at its smallest size."""
        with self._flush_lock:
            assert self._writer is not None
            self._writer.execute("VACUUM")
            self._writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # -- reading -------------------------------------------------------------------------------

    def _reader(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._readers, "connection", None)
        if connection is None:
            connection = self._readers.connection = _connect(self.path, read_only=self.read_only)
        return connection

    def hosts(self) -> list[int]:
        """Hosts with at least one series."""
        with self._maps_lock:
            return sorted(self._host_series)

    def series(self, host_id: int) -> list[SeriesKey]:
        with self._maps_lock:
            return list(self._host_series.get(host_id, ()))

    def interval(self, host_id: int) -> float:
        """The host's latest snapshot interval in seconds (1 when unknown)."""
        buffers = self._hosts.get(host_id)
        return buffers.interval if buffers is not None else 1.0

    def choose_tier(self, host_id: int, start: float, end: float, max_points: int) -> Tier:
        """The finest tier whose retention reaches `start` and that is not far more detailed than asked."""
        now = self._clock()
        span = max(end - start, 0.0)
        for tier in TIERS[:-1]:
            if start < now - self.retention.of(tier):
                continue
            resolution = self.interval(host_id) if tier is RAW else tier.bucket_ms / 1000
            if max_points and span / resolution > max(max_points * DETAIL_FACTOR, DETAIL_FLOOR):
                continue
            return tier
        return TIERS[-1]

    def query(self, host_id: int, keys: list[SeriesKey], start: float, end: float,
              max_points: int = 0, tier: str | None = None) -> QueryResult:
        chosen = TIERS_BY_NAME[tier] if tier else self.choose_tier(host_id, start, end, max_points)
        start_ms, end_ms = round(start * 1000), round(end * 1000)
        resolution_ms = (self.interval(host_id) if chosen is RAW else chosen.bucket_ms / 1000) * 1000
        result = QueryResult(start, end, chosen.name, resolution_ms / 1000, [])
        for key in keys:
            data = SeriesData(key, unit_of(key))
            result.series.append(data)
            with self._maps_lock:
                sid = self._series.get((host_id, key))
            if sid is None:
                continue
            times, columns = self.read(host_id, sid, chosen, start_ms, end_ms)
            if max_points and len(times) > max_points:
                # Buckets over the closed range [start, end]: one more millisecond than the span
                # keeps a point on `end` inside the last of `max_points` buckets.
                per_point = (end_ms - start_ms + 1) / max_points
                width = int(np.ceil(per_point / resolution_ms) * resolution_ms)
                times, columns = downsample(times, columns, start_ms, width)
                result.step = max(result.step, width / 1000)
            data.times = (times / 1000).tolist()
            if columns.shape[0] == 1:
                data.values = data.min = data.max = columns[0].tolist()
            else:
                data.values, data.min, data.max = (columns[1].tolist(), columns[0].tolist(),
                                                   columns[2].tolist())
        return result

    def read(self, host_id: int, sid: int, tier: Tier, start_ms: int, end_ms: int) -> tuple[Ints, Columns]:
        """Every point or record of one series in [start_ms, end_ms], stored and open, merged and sorted."""
        parts_times: list[Ints] = []
        parts_columns: list[Columns] = []
        with self._lock:
            # Chunks and open rows read together: a flush cannot move rows between them meanwhile.
            blobs = self._reader().execute(
                "SELECT data FROM chunks WHERE series = ? AND tier = ? AND start > ? AND start <= ?",
                (sid, tier.index, start_ms - tier.window_ms, end_ms)).fetchall()
            buffers = self._hosts.get(host_id)
            rows = [list(buffers.rows[t.index]) for t in TIERS] if buffers else None
            closed = list(buffers.closed) if buffers else []
        for (blob,) in blobs:
            times, columns = _decode(blob)
            parts_times.append(times)
            parts_columns.append(columns)
        for times, columns in _open(rows, closed, sid, tier) if rows else []:
            parts_times.append(times)
            parts_columns.append(columns)
        width = 1 if tier is RAW else 5
        if not parts_times:
            return np.empty(0, np.int64), np.empty((width, 0))
        times = np.concatenate(parts_times)
        columns = np.hstack([c if c.shape[0] == width else as_rollup(c) for c in parts_columns])
        keep = (times >= start_ms) & (times <= end_ms)
        return normalize(times[keep], columns[:, keep])

    # -- statistics ----------------------------------------------------------------------------

    def stats(self) -> StoreStats:
        connection = self._reader()
        totals = connection.execute(
            "SELECT tier, COUNT(*), SUM(count), SUM(length(data)) FROM chunks GROUP BY tier")
        per_tier = {tier: (chunks, points or 0, size or 0) for tier, chunks, points, size in totals}
        tiers = [TierStats(t.name, *per_tier.get(t.index, (0, 0, 0))) for t in TIERS]
        (journal,) = connection.execute("SELECT COALESCE(SUM(length(data)), 0) FROM journal").fetchone()
        (series, hosts) = connection.execute("SELECT COUNT(*), COUNT(DISTINCT host) FROM series").fetchone()
        size = sum(p.stat().st_size for p in (self.path, self.path.with_name(FILE_NAME + "-wal"))
                   if p.exists())
        return StoreStats(str(self.path), series, hosts, tiers, journal, size)


def _open(rows: list[list[Row]], closed: list[int | None], sid: int,
          tier: Tier) -> list[tuple[Ints, Columns]]:
    """The series' rows still in memory for `tier`, with the partial buckets not yet rolled up."""
    found: list[tuple[Ints, Columns]] = [_pick(rows[tier.index], sid)]
    if tier is not RAW:
        pending = []
        for lower in TIERS[:tier.index]:
            limit = closed[lower.index + 1]
            candidates = [r for r in rows[lower.index] if limit is None or r.time >= limit]
            pending.append(_pick(candidates, sid))
        times = np.concatenate([t for t, _ in pending])
        if len(times):
            columns = np.hstack([as_rollup(c) for _, c in pending])
            order = np.argsort(times, kind="stable")
            times, columns = times[order], columns[:, order]
            buckets, records = group(times - times % tier.bucket_ms, columns)
            found.append((buckets, records))
    return found


def _pick(rows: list[Row], sid: int) -> tuple[Ints, Columns]:
    """One series' values out of rows that each hold many series."""
    positions: dict[int, int | None] = {}
    times: list[int] = []
    values: list[np.ndarray] = []
    for row in rows:
        layout = id(row.ids)
        if layout not in positions:
            hits = np.flatnonzero(row.ids == sid)
            positions[layout] = int(hits[0]) if len(hits) else None
        position = positions[layout]
        if position is not None:
            times.append(row.time)
            values.append(row.columns[:, position])
    if not times:
        width = rows[0].columns.shape[0] if rows else 1
        return np.empty(0, np.int64), np.empty((width, 0))
    return np.asarray(times, np.int64), np.column_stack(values)


def _encode(times: Ints, columns: Columns) -> bytes:
    if columns.shape[0] == 1:
        return encode_chunk(times, [columns[0]])
    return encode_chunk(times, [columns[i] for i in range(COUNT)], np.rint(columns[COUNT]).astype(np.int64))


def _decode(blob: bytes) -> tuple[Ints, Columns]:
    times, columns = decode_chunk(blob)
    return times, np.vstack(columns)


