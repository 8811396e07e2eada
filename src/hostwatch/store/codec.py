"""Chunk encoding: one series' points over one time window, as a compact blob.

Layout (before zstd): a header, then the timestamps, then each value column.

- Timestamps (int64 ms) are stored as the first one, then deltas of deltas,
  zig-zag encoded: at a steady interval they are all zero.
- A value column that holds short decimals (every value equal to an integer
  over 10**e for some e <= 4, as percentages rounded to 0.1 or byte counts are)
  is stored exactly as those integers' deltas, zig-zag encoded.
- Any other column is stored as float64 rounded to float32's 23 bits of
  mantissa (a relative error under 6e-8, about 7 decimal digits) and XOR-ed
  with its predecessor, so slowly changing values leave mostly zero bits.
- Each column's bytes are transposed ("shuffled") so the k-th byte of every
  value is stored together; the zero high and low bytes then compress to
  almost nothing. The whole chunk is one zstd frame.
"""

from __future__ import annotations

import struct
import threading

import numpy as np
import numpy.typing as npt
import zstandard

FORMAT_VERSION = 1
_HEADER = struct.Struct("<BIB")
_COLUMN = struct.Struct("<BbI")
_DECIMAL, _FLOAT, _INTEGER = 1, 2, 3
_MAX_SCALE = 4
_EXACT_LIMIT = 2.0**52
_KEEP_MANTISSA = np.uint64(0xFFFFFFFFE0000000)
_ROUND_HALF = np.uint64(0x0000000010000000)

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]

_local = threading.local()


def _compressor() -> zstandard.ZstdCompressor:
    compressor: zstandard.ZstdCompressor | None = getattr(_local, "compressor", None)
    if compressor is None:
        compressor = _local.compressor = zstandard.ZstdCompressor(level=3)
    return compressor


def _decompressor() -> zstandard.ZstdDecompressor:
    decompressor: zstandard.ZstdDecompressor | None = getattr(_local, "decompressor", None)
    if decompressor is None:
        decompressor = _local.decompressor = zstandard.ZstdDecompressor()
    return decompressor


def _zigzag(values: Ints) -> npt.NDArray[np.uint64]:
    return ((values << 1) ^ (values >> 63)).view(np.uint64)


def _unzigzag(values: npt.NDArray[np.uint64]) -> Ints:
    return ((values >> np.uint64(1)).view(np.int64)) ^ -((values & np.uint64(1)).view(np.int64))


def _shuffle(words: npt.NDArray[np.uint64]) -> bytes:
    return words.view(np.uint8).reshape(-1, 8).T.tobytes()


def _unshuffle(data: bytes, count: int) -> npt.NDArray[np.uint64]:
    planes = np.frombuffer(data, dtype=np.uint8).reshape(8, count)
    return np.ascontiguousarray(planes.T).view(np.uint64).reshape(count)


def _delta_encode(integers: Ints) -> bytes:
    deltas = np.diff(integers, prepend=np.int64(0))
    return _shuffle(_zigzag(deltas))


def _delta_decode(data: bytes, count: int) -> Ints:
    return np.cumsum(_unzigzag(_unshuffle(data, count)), dtype=np.int64)


def _decimal_scale(values: Floats) -> int | None:
    """The smallest e <= 4 for which every value is an integer over 10**e, if any."""
    if not np.all(np.isfinite(values)):
        return None
    for scale in range(_MAX_SCALE + 1):
        scaled = values * (10.0**scale)
        if np.max(np.abs(scaled), initial=0.0) >= _EXACT_LIMIT:
            return None
        rounded = np.rint(scaled)
        if np.array_equal(rounded / (10.0**scale), values):
            return scale
    return None


def quantize(values: Floats) -> Floats:
    """`values` rounded to the precision the float encoding keeps (finite ones only)."""
    words = values.view(np.uint64)
    rounded = ((words + _ROUND_HALF) & _KEEP_MANTISSA).view(np.float64)
    return np.where(np.isfinite(values) & np.isfinite(rounded), rounded, values)


def _encode_column(values: Floats) -> tuple[int, int, bytes]:
    scale = _decimal_scale(values)
    if scale is not None:
        integers = np.rint(values * (10.0**scale)).astype(np.int64)
        return _DECIMAL, scale, _delta_encode(integers)
    words = quantize(values).view(np.uint64)
    xored = words ^ np.concatenate((np.zeros(1, np.uint64), words[:-1]))
    return _FLOAT, 0, _shuffle(xored)


def _decode_column(kind: int, scale: int, data: bytes, count: int) -> Floats:
    if kind == _DECIMAL:
        return _delta_decode(data, count).astype(np.float64) / (10.0**scale)
    if kind == _FLOAT:
        xored = _unshuffle(data, count)
        return np.bitwise_xor.accumulate(xored).view(np.float64)
    if kind == _INTEGER:
        return _delta_decode(data, count).astype(np.float64)
    raise ValueError(f"unknown column encoding {kind}")


def encode_chunk(times: Ints, columns: list[Floats], counts: Ints | None = None) -> bytes:
    """One blob for points at `times` (ms) with one or more value columns (and rollup counts)."""
    count = len(times)
    parts = [_HEADER.pack(FORMAT_VERSION, count, len(columns) + (counts is not None))]
    first_deltas = np.diff(times, prepend=np.int64(0))
    second = np.diff(first_deltas, prepend=np.int64(0))
    stamps = _shuffle(_zigzag(second))
    parts += [_COLUMN.pack(_INTEGER, 0, len(stamps)), stamps]
    for column in columns:
        kind, scale, data = _encode_column(column)
        parts += [_COLUMN.pack(kind, scale, len(data)), data]
    if counts is not None:
        data = _delta_encode(counts)
        parts += [_COLUMN.pack(_INTEGER, 0, len(data)), data]
    return _compressor().compress(b"".join(parts))


def decode_chunk(blob: bytes) -> tuple[Ints, list[Floats]]:
    """Timestamps (ms) and every column of a chunk, counts last when it has them (as floats)."""
    raw = _decompressor().decompress(blob)
    version, count, ncolumns = _HEADER.unpack_from(raw, 0)
    if version != FORMAT_VERSION:
        raise ValueError(f"chunk format {version} is not {FORMAT_VERSION}")
    offset = _HEADER.size
    _kind, _scale, length = _COLUMN.unpack_from(raw, offset)
    offset += _COLUMN.size
    second = _unzigzag(_unshuffle(raw[offset:offset + length], count))
    times = np.cumsum(np.cumsum(second, dtype=np.int64), dtype=np.int64)
    offset += length
    columns: list[Floats] = []
    for _ in range(ncolumns):
        kind, scale, length = _COLUMN.unpack_from(raw, offset)
        offset += _COLUMN.size
        columns.append(_decode_column(kind, scale, raw[offset:offset + length], count))
        offset += length
    return times, columns


def _planes(words: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint8]:
    """Per column of an (n, m) word matrix, its bytes shuffled as `_shuffle` does: shape (m, 8n)."""
    n, m = words.shape
    planes = np.ascontiguousarray(words).view(np.uint8).reshape(n, m, 8).transpose(1, 2, 0)
    return np.ascontiguousarray(planes).reshape(m, 8 * n)


def _encode_matrix(values: npt.NDArray[np.float64]) -> tuple[list[int], list[int], npt.NDArray[np.uint8]]:
    """Every column of an (n, m) matrix encoded as `_encode_column` would: kinds, scales, bytes."""
    n, m = values.shape
    scales = np.full(m, -1, np.int64)
    finite = np.isfinite(values).all(axis=0)
    with np.errstate(invalid="ignore", over="ignore"):
        for scale in range(_MAX_SCALE + 1):
            scaled = values * (10.0**scale)
            exact = (np.rint(scaled) / (10.0**scale) == values).all(axis=0)
            fits = (np.abs(scaled) < _EXACT_LIMIT).all(axis=0)
            scales[exact & fits & finite & (scales < 0)] = scale
            if (scales >= 0).all():
                break
    decimal = scales >= 0
    data = np.empty((m, 8 * n), np.uint8)
    if decimal.any():
        integers = np.rint(values[:, decimal] * (10.0 ** scales[decimal])).astype(np.int64)
        deltas = np.diff(integers, axis=0, prepend=np.zeros((1, integers.shape[1]), np.int64))
        data[decimal] = _planes(_zigzag(deltas))
    if not decimal.all():
        words = np.ascontiguousarray(quantize(np.ascontiguousarray(values[:, ~decimal]))).view(np.uint64)
        previous = np.vstack((np.zeros((1, words.shape[1]), np.uint64), words[:-1]))
        data[~decimal] = _planes(words ^ previous)
    kinds = np.where(decimal, _DECIMAL, _FLOAT).tolist()
    return kinds, np.where(decimal, scales, 0).tolist(), data


def encode_chunks(times: Ints, columns: list[npt.NDArray[np.float64]],
                  counts: npt.NDArray[np.int64] | None = None) -> list[bytes]:
    """One blob per series for series that share `times`: series j's k-th column is
    `columns[k][:, j]`. The blobs are those `encode_chunk` makes, at a fraction of the cost."""
    count, series = columns[0].shape
    head = _HEADER.pack(FORMAT_VERSION, count, len(columns) + (counts is not None))
    first_deltas = np.diff(times, prepend=np.int64(0))
    stamps = _shuffle(_zigzag(np.diff(first_deltas, prepend=np.int64(0))))
    prefix = head + _COLUMN.pack(_INTEGER, 0, len(stamps)) + stamps
    encoded = [_encode_matrix(column) for column in columns]
    if counts is not None:
        deltas = np.diff(counts, axis=0, prepend=np.zeros((1, series), np.int64))
        encoded.append(([_INTEGER] * series, [0] * series, _planes(_zigzag(deltas))))
    compress = _compressor().compress
    size = 8 * count
    blobs = []
    for j in range(series):
        parts = [prefix]
        for kinds, scales, data in encoded:
            parts += [_COLUMN.pack(kinds[j], scales[j], size), data[j].tobytes()]
        blobs.append(compress(b"".join(parts)))
    return blobs
