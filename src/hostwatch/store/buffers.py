"""The open end of each host's history: rows not yet sealed into chunks, and rollups as time passes.

Rows arrive per host, oldest first. When a row's time passes the end of a
minute, that minute's 1-minute records are made from the raw rows held in
memory (and an hour's from its minute records): rollups cost a little work per
closed bucket, never a rescan of stored chunks. When a row passes the end of a
tier's chunk window, the rows of the older windows are handed out to be sealed
into chunks. Every row carries the id of the journal entry that made it
durable, so the journal can be trimmed to what no open row still needs.

A row older than a bucket already rolled up (a late point) still counts: it is
kept in raw, and partial records for its minute and hour are added; readers
merge records of the same bucket. A row for a window already sealed goes out
as a late chunk, merged with the stored one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from hostwatch.store.base import HOUR, MINUTE, RAW, TIERS, Tier
from hostwatch.store.codec import encode_chunks
from hostwatch.store.rollup import COUNT, Columns, Ints, group, normalize

SeriesIds = npt.NDArray[np.int32]


class Row(NamedTuple):
    """Points of one host at one time (raw) or records of one bucket (rollups)."""

    time: int
    """Unix milliseconds; a rollup record's bucket start."""
    ids: SeriesIds
    columns: Columns
    journal: int
    """Id of the journal entry holding this row; 0 for rows already in chunks."""


class Chunk(NamedTuple):
    """One series' points in one window of one tier, ready to encode (or already encoded)."""

    series: int
    tier: int
    window: int
    times: Ints
    columns: Columns
    blob: bytes | None = None


@dataclass
class Changes:
    """What one flush must write: journal rows per tier, chunks to seal, late chunks to merge."""

    journal_id: int
    journal: list[list[tuple[int, Row]]] = field(default_factory=lambda: [[] for _ in TIERS])
    sealed: list[Chunk] = field(default_factory=list)
    late: list[Chunk] = field(default_factory=list)
    hosts: set[int] = field(default_factory=set)
    """Hosts whose rollup or seal progress moved."""


def to_chunks(tier: Tier, rows: list[Row]) -> list[Chunk]:
    """Rows of one host and tier, regrouped per series and window.

    Rows that share a layout (the same series in the same order, as a host's
    snapshots do) are encoded together, a matrix at a time; the rest one series
    at a time.
    """
    groups: dict[tuple[bytes, int], list[Row]] = {}
    layouts: dict[int, bytes] = {}
    for row in rows:
        # By content, not identity: rollup records of one layout each carry their own ids array.
        layout = layouts.get(id(row.ids))
        if layout is None:
            layout = layouts[id(row.ids)] = row.ids.tobytes()
        groups.setdefault((layout, row.time - row.time % tier.window_ms), []).append(row)
    chunks: list[Chunk] = []
    rest: list[Row] = []
    for (_, window), same_layout in groups.items():
        times = np.fromiter((row.time for row in same_layout), np.int64, len(same_layout))
        if len(same_layout) > 1 and np.all(np.diff(times) > 0):
            chunks.extend(_encoded_chunks(tier, window, times, same_layout))
        else:
            rest.extend(same_layout)
    return chunks + _series_chunks(tier, rest)


def _encoded_chunks(tier: Tier, window: int, times: Ints, rows: list[Row]) -> list[Chunk]:
    ids = rows[0].ids
    stacked = np.stack([row.columns for row in rows])
    if stacked.shape[1] == 1:
        blobs = encode_chunks(times, [stacked[:, 0, :]])
    else:
        blobs = encode_chunks(times, [stacked[:, c, :] for c in range(COUNT)],
                              np.rint(stacked[:, COUNT, :]).astype(np.int64))
    return [Chunk(int(sid), tier.index, window, times, stacked[:, :, j].T, blob)
            for j, (sid, blob) in enumerate(zip(ids.tolist(), blobs, strict=True))]


def _series_chunks(tier: Tier, rows: list[Row]) -> list[Chunk]:
    if not rows:
        return []
    ids = np.concatenate([row.ids for row in rows])
    if not len(ids):
        return []
    times = np.repeat(np.fromiter((row.time for row in rows), np.int64, len(rows)),
                      [len(row.ids) for row in rows])
    columns = np.hstack([row.columns for row in rows])
    windows = times - times % tier.window_ms
    order = np.lexsort((times, ids, windows))
    ids, times, windows, columns = ids[order], times[order], windows[order], columns[:, order]
    changes = np.flatnonzero((ids[1:] != ids[:-1]) | (windows[1:] != windows[:-1])) + 1
    bounds = np.concatenate(([0], changes, [len(ids)]))
    chunks = []
    for begin, end in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        chunk_times, chunk_columns = normalize(times[begin:end], columns[:, begin:end])
        chunks.append(Chunk(int(ids[begin]), tier.index, int(windows[begin]), chunk_times, chunk_columns))
    return chunks


class HostBuffers:
    """One host's open rows per tier, with how far rollups and seals have got."""

    def __init__(self, host_id: int) -> None:
        self.host_id = host_id
        self.rows: list[list[Row]] = [[] for _ in TIERS]
        self.closed: list[int | None] = [None for _ in TIERS]
        """Per rollup tier: every bucket before this time has its records (None: nothing yet)."""
        self.sealed: list[int] = [0 for _ in TIERS]
        """Per tier: every window before this time is in chunks."""
        self.last_time = 0
        self.interval = 1.0

    def first_journal(self, tier: Tier) -> int | None:
        """The oldest journal entry an open row of `tier` still needs."""
        ids = [row.journal for row in self.rows[tier.index] if row.journal]
        return min(ids) if ids else None

    def add(self, row: Row, changes: Changes) -> None:
        """Take a raw row: roll up the buckets it closes, seal the windows it leaves behind."""
        minute_closed = self.closed[MINUTE.index]
        if minute_closed is not None and row.time < minute_closed:
            self._add_late(row, changes)
            return
        self.advance(row.time, changes)
        self._append(RAW, row, changes)
        self.last_time = max(self.last_time, row.time)

    def advance(self, time_ms: int, changes: Changes) -> None:
        """Close the buckets and seal the windows that end before `time_ms`."""
        self._close(MINUTE, RAW, time_ms, changes)
        self._close(HOUR, MINUTE, time_ms, changes)
        for tier in TIERS:
            self._seal_before(tier, tier.window_of(time_ms), changes)

    def seal_all(self, changes: Changes) -> None:
        """Roll up and seal everything held, up to the end of the buckets and windows holding
        the newest row (so later points of those alone arrive late)."""
        newest = max((row.time for rows in self.rows for row in rows), default=None)
        if newest is None:
            return
        self._close(MINUTE, RAW, newest + MINUTE.bucket_ms, changes)
        self._close(HOUR, MINUTE, newest + HOUR.bucket_ms, changes)
        for tier in TIERS:
            self._seal_before(tier, tier.window_of(newest) + tier.window_ms, changes)

    def _close(self, tier: Tier, below: Tier, time_ms: int, changes: Changes) -> None:
        limit = time_ms - time_ms % tier.bucket_ms
        closed = self.closed[tier.index]
        if closed is not None and closed >= limit:
            return
        source = [row for row in self.rows[below.index]
                  if row.time < limit and (closed is None or row.time >= closed)]
        self.closed[tier.index] = limit
        changes.hosts.add(self.host_id)
        if not source:
            return
        by_bucket: dict[int, list[Row]] = {}
        for row in source:
            by_bucket.setdefault(row.time - row.time % tier.bucket_ms, []).append(row)
        for bucket, rows in sorted(by_bucket.items()):
            self._append(tier, self._record(bucket, rows, changes.journal_id), changes)

    @staticmethod
    def _record(bucket: int, rows: list[Row], journal_id: int) -> Row:
        # Rows are held in arrival order; `last` must be the newest by time.
        rows = sorted(rows, key=lambda row: row.time)
        ids, records = group(np.concatenate([row.ids for row in rows]),
                             np.hstack([row.columns for row in rows]))
        return Row(bucket, ids.astype(np.int32), records, journal_id)

    def _append(self, tier: Tier, row: Row, changes: Changes) -> None:
        if row.time < self.sealed[tier.index]:
            changes.late.extend(to_chunks(tier, [row._replace(journal=0)]))
            return
        row = row._replace(journal=changes.journal_id)
        self.rows[tier.index].append(row)
        changes.journal[tier.index].append((self.host_id, row))

    def _seal_before(self, tier: Tier, window: int, changes: Changes) -> None:
        rows = self.rows[tier.index]
        if window <= self.sealed[tier.index]:
            return
        old = [row for row in rows if row.time < window]
        if old:
            self.rows[tier.index] = [row for row in rows if row.time >= window]
            changes.sealed.extend(to_chunks(tier, old))
        self.sealed[tier.index] = window
        changes.hosts.add(self.host_id)

    def _add_late(self, row: Row, changes: Changes) -> None:
        """A row whose minute is already rolled up: keep it, and add partial records for it."""
        self._append(RAW, row, changes)
        for tier in (MINUTE, HOUR):
            closed = self.closed[tier.index]
            if closed is None or row.time >= closed:
                break
            bucket = row.time - row.time % tier.bucket_ms
            self._append(tier, self._record(bucket, [row], changes.journal_id), changes)

    def restore(self, tier: Tier, row: Row) -> None:
        """Put back a row replayed from the journal after a restart."""
        self.rows[tier.index].append(row)
        if tier is RAW:
            self.last_time = max(self.last_time, row.time)
