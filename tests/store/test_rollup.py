"""Rollup arithmetic against plain-Python sums over known data: group, normalize and downsample."""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import pytest

from hostwatch.store.rollup import AVG, COUNT, LAST, MAX, MIN, as_rollup, downsample, group, normalize


def reference(keys: list[int], records: list[tuple[float, float, float, float, float]]) -> dict[int, tuple]:
    """min, weighted avg, max, last, count per key in plain Python, inputs taken in the order given."""
    by_key: dict[int, list[tuple[float, float, float, float, float]]] = defaultdict(list)
    for key, record in zip(keys, records, strict=True):
        by_key[key].append(record)
    out = {}
    for key, rows in by_key.items():
        count = sum(r[4] for r in rows)
        out[key] = (min(r[0] for r in rows), sum(r[1] * r[4] for r in rows) / count,
                    max(r[2] for r in rows), rows[-1][3], count)
    return out


def check(keys: np.ndarray, columns: np.ndarray, expected: dict[int, tuple]) -> None:
    assert keys.tolist() == sorted(expected)
    for i, key in enumerate(keys.tolist()):
        lo, avg, hi, last, count = expected[key]
        assert columns[MIN, i] == lo
        assert columns[AVG, i] == pytest.approx(avg, rel=1e-12)
        assert columns[MAX, i] == hi
        assert columns[LAST, i] == last
        assert columns[COUNT, i] == count


def test_group_raw_points() -> None:
    """Raw points grouped by unsorted keys: per key min, mean, max, the last given, and the count."""
    rng = np.random.default_rng(0)
    keys = rng.integers(0, 13, 2000)
    values = np.round(rng.normal(50, 20, 2000), 1)
    out_keys, columns = group(keys, values.reshape(1, -1))
    assert columns.shape == (5, 13)
    check(out_keys, columns, reference(keys.tolist(), [(v, v, v, v, 1.0) for v in values.tolist()]))


def test_group_records_weights_averages_by_count() -> None:
    """Rollup records merge with averages weighted by their counts, not averaged plainly."""
    records = np.array([
        # min, avg, max, last, count
        [1.0, 2.0, 3.0, 3.0, 60.0],
        [0.5, 10.0, 20.0, 11.0, 1.0],
        [4.0, 5.0, 6.0, 5.5, 30.0],
    ]).T
    keys = np.array([7, 7, 3])
    out_keys, columns = group(keys, records)
    check(out_keys, columns, reference(keys.tolist(), [tuple(r) for r in records.T.tolist()]))
    assert columns[AVG, 1] == pytest.approx((2.0 * 60 + 10.0) / 61)
    assert columns[AVG, 1] != pytest.approx((2.0 + 10.0) / 2)


def test_group_of_nothing_is_empty() -> None:
    """No input gives no records (a bucket of rows that hold no series)."""
    keys, columns = group(np.empty(0, np.int64), np.empty((1, 0)))
    assert keys.shape == (0,)
    assert columns.shape == (5, 0)


def test_as_rollup_sees_points_as_one_point_records() -> None:
    """A raw point is a record with min = avg = max = last = itself and a count of one."""
    values = np.array([[1.5, -2.0]])
    assert as_rollup(values).tolist() == [[1.5, -2.0]] * 4 + [[1.0, 1.0]]
    records = np.ones((5, 2))
    assert as_rollup(records) is records


def test_normalize_raw_keeps_the_newest_of_duplicates() -> None:
    """Raw points: sorted by time, and of two points at one time the one given later wins."""
    times = np.array([30, 10, 20, 10, 30, 40])
    values = np.array([[3.0, 1.0, 2.0, 1.5, 3.5, 4.0]])
    out_times, out = normalize(times, values)
    assert out_times.tolist() == [10, 20, 30, 40]
    assert out.tolist() == [[1.5, 2.0, 3.5, 4.0]]


def test_normalize_records_merges_duplicates() -> None:
    """Records of one bucket (a late partial beside the full one) merge into one weighted record."""
    times = np.array([60_000, 0, 60_000])
    records = np.array([
        [1.0, 2.0, 3.0, 3.0, 59.0],
        [5.0, 5.0, 5.0, 5.0, 60.0],
        [0.0, 0.0, 0.0, 0.0, 1.0],
    ]).T
    out_times, out = normalize(times, records)
    assert out_times.tolist() == [0, 60_000]
    check(out_times, out, reference(times.tolist(), [tuple(r) for r in records.T.tolist()]))
    assert out[COUNT, 1] == 60
    assert out[MIN, 1] == 0.0


def test_normalize_without_duplicates_only_sorts() -> None:
    """Distinct times are only put in order; values are untouched."""
    times = np.array([3, 1, 2])
    records = np.arange(15, dtype=np.float64).reshape(5, 3)
    out_times, out = normalize(times, records)
    assert out_times.tolist() == [1, 2, 3]
    assert np.array_equal(out, records[:, [1, 2, 0]])


@pytest.mark.parametrize(("width", "start"), [(1000, 0), (7000, 0), (60_000, 0), (13_000, -2500)])
def test_downsample_matches_plain_buckets(width: int, start: int) -> None:
    """Buckets of `width` from `start`, stamped at their start, equal plain-Python bucket sums."""
    rng = np.random.default_rng(width)
    times = np.sort(rng.choice(np.arange(0, 600_000, 500), 700, replace=False)).astype(np.int64)
    values = np.round(100 * np.sin(times / 50_000) + rng.normal(0, 3, len(times)), 2)
    out_times, columns = downsample(times, values.reshape(1, -1), start, width)
    buckets = [(t - start) // width for t in times.tolist()]
    expected = reference(buckets, [(v, v, v, v, 1.0) for v in values.tolist()])
    assert out_times.tolist() == [start + b * width for b in sorted(expected)]
    check((out_times - start) // width, columns, expected)
    assert columns[MIN].min() == values.min()
    assert columns[MAX].max() == values.max()
    assert columns[COUNT].sum() == len(values)
    assert np.all(columns[MIN] <= columns[AVG])
    assert np.all(columns[AVG] <= columns[MAX])


def test_downsample_of_records_keeps_weights() -> None:
    """Downsampling minute records into 5-minute buckets gives the same means as the raw points would."""
    rng = np.random.default_rng(5)
    raw_times = np.arange(0, 3_600_000, 1000, dtype=np.int64)
    raw = rng.uniform(0, 100, len(raw_times))
    keep = rng.random(len(raw)) > 0.3  # gaps: minutes get different counts
    raw_times, raw = raw_times[keep], raw[keep]
    minute_times, minutes = downsample(raw_times, raw.reshape(1, -1), 0, 60_000)
    five_times, five = downsample(minute_times, minutes, 0, 300_000)
    for i, t in enumerate(five_times.tolist()):
        inside = raw[(raw_times >= t) & (raw_times < t + 300_000)]
        assert five[AVG, i] == pytest.approx(math.fsum(inside) / len(inside), rel=1e-12)
        assert five[MIN, i] == inside.min()
        assert five[MAX, i] == inside.max()
        assert five[LAST, i] == inside[-1]
        assert five[COUNT, i] == len(inside)


def test_mean_of_equal_values_is_that_value() -> None:
    """Summing 0.1 three times rounds up; the mean of equal values is still the value, inside [min, max]."""
    _, columns = group(np.zeros(3, np.int64), np.full((1, 3), 0.1))
    assert columns[AVG, 0] == 0.1
    _, columns = group(np.zeros(7, np.int64), np.full((1, 7), 12.3))
    assert columns[MIN, 0] <= columns[AVG, 0] <= columns[MAX, 0]


def test_normalize_keeps_a_stored_average_within_min_and_max() -> None:
    """A record read back with a float32-rounded average just above its exact max is brought back to it."""
    records = np.array([[12.3], [np.float32(12.3)], [12.3], [12.3], [60.0]])
    assert records[AVG, 0] > records[MAX, 0]
    _, out = normalize(np.array([0]), records)
    assert out[AVG, 0] == 12.3
    assert records[AVG, 0] > 12.3, "the caller's array is not modified"
