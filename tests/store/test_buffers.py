"""Open rows per host: rollups as minutes and hours close, seals as windows end, late rows."""

from __future__ import annotations

import numpy as np

from hostwatch.store.base import HOUR, MINUTE, RAW
from hostwatch.store.buffers import Changes, HostBuffers, Row, to_chunks
from hostwatch.store.rollup import AVG, COUNT, LAST, MIN

DAY_MS = 86_400_000
T0 = 1_700_006_400_000 - 1_700_006_400_000 % DAY_MS  # a UTC midnight, in ms
IDS = np.array([1, 2], np.int32)


def raw(time_ms: int, a: float, b: float) -> Row:
    return Row(time_ms, IDS, np.array([[a, b]]), 0)


def feed(buffers: HostBuffers, rows: list[Row]) -> Changes:
    changes = Changes(journal_id=1)
    for row in rows:
        buffers.add(row, changes)
    return changes


def test_closing_a_minute_makes_its_records() -> None:
    """The first row of a new minute rolls up the previous minute's rows into one record per series."""
    buffers = HostBuffers(1)
    changes = feed(buffers, [raw(T0 + s * 1000, s, 100 - s) for s in range(61)])
    (record,) = buffers.rows[MINUTE.index]
    assert record.time == T0
    assert record.ids.tolist() == [1, 2]
    assert record.columns[:, 0].tolist() == [0, 29.5, 59, 59, 60]
    assert record.columns[:, 1].tolist() == [41, 70.5, 100, 41, 60]
    assert buffers.closed[MINUTE.index] == T0 + 60_000
    assert [row for _, row in changes.journal[MINUTE.index]] == [record]
    assert len(changes.journal[RAW.index]) == 61


def test_last_is_the_newest_by_time_not_by_arrival() -> None:
    """Rows of one minute that arrive out of order still give the newest row's value as `last`."""
    buffers = HostBuffers(1)
    feed(buffers, [raw(T0 + 50_000, 5, 5), raw(T0 + 10_000, 1, 1), raw(T0 + 30_000, 3, 3),
                   raw(T0 + 61_000, 0, 0)])
    (record,) = buffers.rows[MINUTE.index]
    assert record.columns[LAST].tolist() == [5, 5]
    assert record.columns[AVG].tolist() == [3, 3]


def test_hour_last_follows_the_newest_minute_even_after_a_late_partial() -> None:
    """A late partial record for an early minute does not become the hour's `last`."""
    buffers = HostBuffers(1)
    rows = [raw(T0 + m * 60_000 + 30_000, m, m) for m in range(60)]
    late = raw(T0 + 2 * 60_000 + 1000, -1, -1)
    feed(buffers, [*rows[:10], late, *rows[10:], raw(T0 + HOUR.bucket_ms, 0, 0)])
    (hour,) = buffers.rows[HOUR.index]
    assert hour.columns[LAST].tolist() == [59, 59]
    assert hour.columns[MIN].tolist() == [-1, -1]
    assert hour.columns[COUNT].tolist() == [61, 61]


def test_leaving_a_window_seals_its_rows() -> None:
    """Passing the end of a 10-minute raw window hands that window's rows out as one chunk per series."""
    buffers = HostBuffers(1)
    changes = feed(buffers, [raw(T0 + s * 10_000, s, -s) for s in range(61)])
    assert [(c.series, c.tier, c.window, len(c.times)) for c in changes.sealed] == [
        (1, RAW.index, T0, 60), (2, RAW.index, T0, 60)]
    assert buffers.sealed[RAW.index] == T0 + RAW.window_ms
    assert [row.time for row in buffers.rows[RAW.index]] == [T0 + 600_000]
    assert changes.sealed[1].columns[0].tolist() == [-s for s in range(60)]


def test_rows_without_series_roll_up_and_seal_quietly() -> None:
    """Rows that hold no series at all (an empty `append_points`) close minutes and windows without error."""
    buffers = HostBuffers(1)
    empty = [Row(T0 + s * 30_000, np.empty(0, np.int32), np.empty((1, 0)), 0) for s in range(25)]
    changes = feed(buffers, empty)
    assert buffers.closed[MINUTE.index] == T0 + 720_000
    assert buffers.sealed[RAW.index] == T0 + RAW.window_ms
    assert changes.sealed == []
    assert all(len(row.ids) == 0 for row in buffers.rows[MINUTE.index])


def test_late_row_adds_partial_records() -> None:
    """A row for a minute already rolled up is kept in raw and adds a one-point record for its minute."""
    buffers = HostBuffers(1)
    feed(buffers, [raw(T0 + s * 2000, 1, 1) for s in range(100)])
    changes = feed(buffers, [raw(T0 + 3000, 7, 8)])
    assert changes.late == []
    partial = buffers.rows[MINUTE.index][-1]
    assert partial.time == T0
    assert partial.columns[:, 0].tolist() == [7, 7, 7, 7, 1]
    assert buffers.rows[RAW.index][-1].time == T0 + 3000


def test_late_row_for_a_sealed_window_goes_out_as_late_chunks() -> None:
    """A row older than a sealed window becomes late chunks (raw and minute) to merge with stored ones."""
    buffers = HostBuffers(1)
    feed(buffers, [raw(T0 + s * 10_000, 1, 1) for s in range(400)])
    changes = feed(buffers, [raw(T0 + 5000, 9, 9)])
    assert sorted((c.tier, c.window) for c in changes.late) == [
        (RAW.index, T0), (RAW.index, T0), (MINUTE.index, T0), (MINUTE.index, T0)]
    assert all(c.columns[:, 0].tolist() in ([9.0], [9.0, 9.0, 9.0, 9.0, 1.0]) for c in changes.late)


def test_to_chunks_regroups_per_series_and_window() -> None:
    """Rows of many series and windows come out as one sorted chunk per (series, window)."""
    rows = [Row(T0 + t, np.array([3, 1], np.int32), np.array([[t, -t]], np.float64), 0)
            for t in (900_000, 0, 300_000, 600_000)]
    chunks = sorted(to_chunks(RAW, rows), key=lambda c: (c.window, c.series))
    assert [(c.series, c.window) for c in chunks] == [(1, T0), (3, T0), (1, T0 + 600_000), (3, T0 + 600_000)]
    assert chunks[0].times.tolist() == [T0, T0 + 300_000]
    assert chunks[0].columns.tolist() == [[0, -300_000]]
    assert chunks[3].times.tolist() == [T0 + 600_000, T0 + 900_000]
    assert chunks[3].columns.tolist() == [[600_000, 900_000]]
    assert to_chunks(RAW, []) == []
    assert to_chunks(RAW, [Row(T0, np.empty(0, np.int32), np.empty((1, 0)), 0)]) == []


def test_rollup_records_of_one_layout_are_sealed_together() -> None:
    """Records with equal ids in separate arrays (as rollups make them) seal as one matrix:
    each chunk comes out encoded, not series by series."""
    rows = [Row(T0 + n * 60_000, np.array([1, 2, 3], np.int32), np.full((5, 3), float(n)), 0)
            for n in range(4)]
    chunks = to_chunks(MINUTE, rows)
    assert sorted(c.series for c in chunks) == [1, 2, 3]
    assert all(c.blob is not None for c in chunks)
    assert all(c.times.tolist() == [T0 + n * 60_000 for n in range(4)] for c in chunks)


def test_first_journal_is_the_oldest_entry_still_needed() -> None:
    """The oldest journal id among a tier's open rows, or None when none is open."""
    buffers = HostBuffers(1)
    assert buffers.first_journal(RAW) is None
    for journal_id, second in ((4, 1), (5, 2)):
        buffers.add(raw(T0 + second * 1000, 0, 0), Changes(journal_id=journal_id))
    assert buffers.first_journal(RAW) == 4
    assert buffers.first_journal(MINUTE) is None
