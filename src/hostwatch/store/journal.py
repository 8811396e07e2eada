"""The journal: each flush's new open rows of one tier as one compressed entry.

Open rows live in memory until their window is sealed into chunks, which can
be ten minutes for raw points and a day for hourly records. The journal makes
them durable at every flush, in the same transaction as everything else, and
is replayed on start; entries no open row needs any more are deleted.
"""

from __future__ import annotations

import struct

import numpy as np
import zstandard

from hostwatch.store.buffers import Row

_HEADER = struct.Struct("<IB")


def encode_rows(rows: list[tuple[int, Row]]) -> bytes:
    """(host, row) pairs as one zstd-compressed entry."""
    ncolumns = rows[0][1].columns.shape[0]
    hosts = np.fromiter((host for host, _ in rows), np.int64, len(rows))
    times = np.fromiter((row.time for _, row in rows), np.int64, len(rows))
    lengths = np.fromiter((len(row.ids) for _, row in rows), np.int64, len(rows))
    ids = np.concatenate([row.ids for _, row in rows]).astype(np.int32)
    columns = np.hstack([row.columns for _, row in rows])
    payload = b"".join((_HEADER.pack(len(rows), ncolumns), hosts.tobytes(), times.tobytes(),
                        lengths.tobytes(), ids.tobytes(), columns.astype(np.float64).tobytes()))
    return zstandard.ZstdCompressor(level=1).compress(payload)


def decode_rows(blob: bytes, journal_id: int) -> list[tuple[int, Row]]:
    """The (host, row) pairs of one entry, each row marked with `journal_id`."""
    payload = zstandard.ZstdDecompressor().decompress(blob)
    count, ncolumns = _HEADER.unpack_from(payload, 0)
    offset = _HEADER.size
    hosts = np.frombuffer(payload, np.int64, count, offset)
    offset += 8 * count
    times = np.frombuffer(payload, np.int64, count, offset)
    offset += 8 * count
    lengths = np.frombuffer(payload, np.int64, count, offset)
    offset += 8 * count
    total = int(lengths.sum())
    ids = np.frombuffer(payload, np.int32, total, offset)
    offset += 4 * total
    columns = np.frombuffer(payload, np.float64, total * ncolumns, offset).reshape(ncolumns, total)
    bounds = np.concatenate(([0], np.cumsum(lengths))).tolist()
    return [
        (int(hosts[i]), Row(int(times[i]), ids[bounds[i]:bounds[i + 1]].copy(),
                            columns[:, bounds[i]:bounds[i + 1]].copy(), journal_id))
        for i in range(count)
    ]
