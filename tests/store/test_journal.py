"""The journal entry format: (host, row) pairs in, the same pairs out."""

from __future__ import annotations

import numpy as np
import pytest

from hostwatch.store.buffers import Row
from hostwatch.store.journal import decode_rows, encode_rows


@pytest.mark.parametrize("ncolumns", [1, 5])
def test_rows_round_trip_exactly(ncolumns: int) -> None:
    """Hosts, times, series ids and float64 values of rows of any length come back bit for bit."""
    rng = np.random.default_rng(ncolumns)
    rows = []
    for i, length in enumerate((3, 0, 250, 1)):
        ids = rng.integers(1, 10_000, length).astype(np.int32)
        values = rng.normal(0, 1e9, (ncolumns, length))
        rows.append((i % 2 + 1, Row(1_700_000_000_000 + i * 1000, ids, values, 7)))
    decoded = decode_rows(encode_rows(rows), 42)
    assert len(decoded) == len(rows)
    for (host, row), (host2, row2) in zip(rows, decoded, strict=True):
        assert host2 == host
        assert row2.time == row.time
        assert row2.ids.dtype == np.int32
        assert np.array_equal(row2.ids, row.ids)
        assert row2.columns.shape == row.columns.shape
        assert np.array_equal(row2.columns, row.columns)
        assert row2.journal == 42


def test_decoded_rows_are_writable_copies() -> None:
    """Decoded arrays do not alias the decompressed buffer (they outlive it in the open rows)."""
    rows = [(1, Row(0, np.array([1, 2], np.int32), np.array([[1.0, 2.0]]), 0))]
    (_, row), = decode_rows(encode_rows(rows), 1)
    assert row.ids.flags.writeable
    assert row.ids.flags.owndata
    assert row.columns.flags.writeable
    assert row.columns.flags.owndata
