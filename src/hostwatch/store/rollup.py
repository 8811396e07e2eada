"""Rollup arithmetic on numpy arrays: grouping points into min/avg/max/last/count records.

Raw points have one value column; rollup records have five, in the order of
`ROLLUP_COLUMNS`. The same grouping serves three jobs: a closed minute's
records from its raw points, an hour's from its minute records, and a chart's
buckets when a query asks for fewer points than the tier holds.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

ROLLUP_COLUMNS: Final = ("min", "avg", "max", "last", "count")
MIN, AVG, MAX, LAST, COUNT = range(5)

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Columns = npt.NDArray[np.float64]
"""Shape (1, n) for raw points, (5, n) for rollup records."""


def as_rollup(columns: Columns) -> Columns:
    """Raw points seen as one-point records; rollup records unchanged."""
    if columns.shape[0] == len(ROLLUP_COLUMNS):
        return columns
    values = columns[0]
    return np.vstack((values, values, values, values, np.ones_like(values)))


def group(keys: npt.NDArray[np.int64] | npt.NDArray[np.int32], columns: Columns) -> tuple[Ints, Columns]:
    """Records per distinct key (sorted), from points or records given oldest first.

    Within a key the input order is kept, so `last` is the newest value and the
    average is weighted by each input's count.
    """
    records = as_rollup(columns)
    if not len(keys):
        return np.empty(0, np.int64), np.empty((len(ROLLUP_COLUMNS), 0))
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = np.flatnonzero(np.concatenate(([True], sorted_keys[1:] != sorted_keys[:-1])))
    ends = np.concatenate((starts[1:], [len(sorted_keys)])) - 1
    mins = np.minimum.reduceat(records[MIN][order], starts)
    maxs = np.maximum.reduceat(records[MAX][order], starts)
    counts = np.add.reduceat(records[COUNT][order], starts)
    sums = np.add.reduceat(records[AVG][order] * records[COUNT][order], starts)
    lasts = records[LAST][order][ends]
    # A sum's rounding can put the mean of equal values an ulp outside them.
    means = np.clip(sums / counts, mins, maxs)
    return sorted_keys[starts].astype(np.int64), np.vstack((mins, means, maxs, lasts, counts))


def normalize(times: Ints, columns: Columns) -> tuple[Ints, Columns]:
    """Points sorted by time with one entry per time: the newest raw point, or merged records.

    A record's average is kept within its min and max: a stored average has
    float32 precision while a min or max that is a short decimal is exact.
    """
    order = np.argsort(times, kind="stable")
    times, columns = times[order], columns[:, order]
    if len(times) >= 2 and np.any(times[1:] == times[:-1]):
        if columns.shape[0] == 1:
            keep = np.concatenate((times[1:] != times[:-1], [True]))
            return times[keep], columns[:, keep]
        return group(times, columns)
    if columns.shape[0] == len(ROLLUP_COLUMNS):
        columns[AVG] = np.clip(columns[AVG], columns[MIN], columns[MAX])
    return times, columns


def downsample(times: Ints, columns: Columns, start: int, width: int) -> tuple[Ints, Columns]:
    """Records per bucket of `width` ms counted from `start`, each stamped at its bucket's start."""
    buckets = (times - start) // width
    keys, records = group(buckets, columns)
    return start + keys * width, records
