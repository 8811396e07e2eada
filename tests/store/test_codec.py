"""Chunk encoding: what round-trips exactly, what keeps float32 precision, and how small it gets."""

from __future__ import annotations

import numpy as np
import pytest

from hostwatch.store.codec import decode_chunk, encode_chunk, quantize

FLOAT32_REL = 6e-8
T0_MS = 1_700_000_000_000


def steady(count: int, step_ms: int = 1000) -> np.ndarray:
    """Timestamps every `step_ms` from T0."""
    return T0_MS + step_ms * np.arange(count, dtype=np.int64)


def round_trip(times: np.ndarray, *columns: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    return decode_chunk(encode_chunk(times, [np.asarray(c, np.float64) for c in columns]))


def rel_error(decoded: np.ndarray, original: np.ndarray) -> float:
    return float(np.max(np.abs(decoded - original) / np.maximum(np.abs(original), 1e-300)))


@pytest.mark.parametrize("decimals", [0, 1, 2, 3, 4])
def test_short_decimals_round_trip_exactly(decimals: int) -> None:
    """Values with at most four decimal places, negative ones included, come back bit for bit."""
    rng = np.random.default_rng(decimals)
    values = np.round(rng.normal(0, 500, 3600), decimals)
    times, (decoded,) = round_trip(steady(3600), values)
    assert np.array_equal(times, steady(3600))
    assert np.array_equal(decoded, values)


def test_cpu_percentages_wandering_compress_below_two_bytes_a_point() -> None:
    """A percentage with one decimal that wanders, at a steady interval, takes under 2 bytes a point."""
    rng = np.random.default_rng(1)
    values = np.round(np.clip(30 + np.cumsum(rng.normal(0, 1.5, 600)), 0, 100), 1)
    blob = encode_chunk(steady(600), [values])
    assert len(blob) / 600 < 2.0
    assert np.array_equal(decode_chunk(blob)[1][0], values)


def test_integers_and_counters_round_trip_exactly() -> None:
    """Byte counters up to 2**52 and increasing counters are exact, and a counter compresses well."""
    counters = 2**40 + np.cumsum(np.full(600, 4096 * 7)).astype(np.float64)
    big = np.array([0, 1, 2**52 - 1, 123_456_789_012_345, 2**51], dtype=np.float64)
    _, (decoded,) = round_trip(steady(600), counters)
    assert np.array_equal(decoded, counters)
    _, (decoded_big,) = round_trip(steady(5), big)
    assert np.array_equal(decoded_big, big)
    assert len(encode_chunk(steady(600), [counters])) < 100


def test_constants_cost_almost_nothing() -> None:
    """A constant series at a steady interval is exact and under 128 bytes for an hour of points."""
    for constant in (0.0, 16_777_216_000.0, 3.14159265358979):
        values = np.full(3600, constant)
        blob = encode_chunk(steady(3600), [values])
        assert len(blob) < 128
        decoded = decode_chunk(blob)[1][0]
        assert np.all(decoded == decoded[0])
        assert abs(decoded[0] - constant) <= FLOAT32_REL * abs(constant)


def test_non_finite_values_survive() -> None:
    """NaN and both infinities come back as such; the finite values beside them keep float32 precision."""
    values = np.array([1.5, np.nan, np.inf, -np.inf, 12.3, 1e300, -7.25e-12, np.nan])
    _, (decoded,) = round_trip(steady(len(values)), values)
    assert np.array_equal(np.isnan(decoded), np.isnan(values))
    assert decoded[2] == np.inf
    assert decoded[3] == -np.inf
    finite = np.isfinite(values)
    assert rel_error(decoded[finite], values[finite]) < FLOAT32_REL


def test_floats_keep_float32_precision() -> None:
    """Any float over many magnitudes comes back within 6e-8 relative, as `quantize` says."""
    rng = np.random.default_rng(7)
    values = rng.lognormal(0, 20, 5000) * rng.choice([-1.0, 1.0], 5000)
    _, (decoded,) = round_trip(steady(5000), values)
    assert rel_error(decoded, values) < FLOAT32_REL
    assert np.array_equal(decoded, quantize(values))
    assert not np.array_equal(decoded, values), "these floats are not short decimals"


def test_quantize_is_idempotent_and_keeps_sign() -> None:
    """Quantizing twice changes nothing, and signs and zeros are kept (normal floats; subnormals flush)."""
    values = np.array([-1 / 3, 1 / 3, 0.0, 2.0**-1000, -np.pi * 1e200])
    once = quantize(values)
    assert np.array_equal(quantize(once), once)
    assert np.array_equal(np.sign(once), np.sign(values))


@pytest.mark.parametrize("kind", ["irregular", "jittery", "gaps", "one point", "descending deltas"])
def test_timestamps_round_trip_exactly(kind: str) -> None:
    """Timestamps at any spacing come back exactly, including a single point."""
    rng = np.random.default_rng(3)
    if kind == "irregular":
        times = T0_MS + np.cumsum(rng.integers(1, 120_000, 500))
    elif kind == "jittery":
        times = steady(600) + rng.integers(-40, 41, 600)
    elif kind == "gaps":
        times = np.concatenate((steady(100), steady(100) + 86_400_000 * 3))
    elif kind == "one point":
        times = np.array([T0_MS + 123], np.int64)
    else:
        times = T0_MS + np.cumsum(np.arange(300, 0, -1) * 997)
    times = times.astype(np.int64)
    values = np.round(rng.uniform(0, 100, len(times)), 1)
    decoded_times, (decoded,) = round_trip(times, values)
    assert decoded_times.dtype == np.int64
    assert np.array_equal(decoded_times, times)
    assert np.array_equal(decoded, values)


def test_steady_timestamps_cost_almost_nothing() -> None:
    """At a steady interval the deltas of deltas are all zero: an hour of stamps and zeros: < 100 bytes."""
    blob = encode_chunk(steady(3600), [np.zeros(3600)])
    assert len(blob) < 100


def test_rollup_columns_with_counts() -> None:
    """Five rollup columns plus integer counts: counts and decimal columns exact, averages float32-close."""
    rng = np.random.default_rng(11)
    samples = np.round(rng.uniform(0, 100, (60, 60)), 1)
    mins, maxs, lasts = samples.min(axis=1), samples.max(axis=1), samples[:, -1]
    avgs = samples.mean(axis=1)
    counts = np.full(60, 60, np.int64)
    counts[7] = 59
    times = steady(60, 60_000)
    blob = encode_chunk(times, [mins, avgs, maxs, lasts, counts.astype(np.float64)], counts)
    decoded_times, columns = decode_chunk(blob)
    assert np.array_equal(decoded_times, times)
    assert len(columns) == 6, "five rollup columns, counts last"
    assert np.array_equal(columns[0], mins)
    assert rel_error(columns[1], avgs) < FLOAT32_REL
    assert np.array_equal(columns[2], maxs)
    assert np.array_equal(columns[3], lasts)
    assert np.array_equal(columns[5], counts.astype(np.float64))


def test_columns_pick_their_own_encoding() -> None:
    """One chunk can hold an exact decimal column beside a float column without either suffering."""
    times = steady(100)
    decimals = np.round(np.linspace(0, 99.9, 100), 1)
    floats = np.sqrt(np.arange(100) + 2.0)
    _, (d, f) = round_trip(times, decimals, floats)
    assert np.array_equal(d, decimals)
    assert rel_error(f, floats) < FLOAT32_REL


def test_unknown_format_version_is_refused() -> None:
    """A chunk written by another format version raises ValueError instead of decoding garbage."""
    import zstandard

    raw = zstandard.ZstdDecompressor().decompress(encode_chunk(steady(3), [np.zeros(3)]))
    forged = zstandard.ZstdCompressor().compress(bytes([99]) + raw[1:])
    with pytest.raises(ValueError, match="format 99"):
        decode_chunk(forged)
