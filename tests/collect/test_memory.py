"""Physical memory and swap against the kernel's own /proc/meminfo."""

from __future__ import annotations

import time

import pytest
from collect_support import meminfo

from hostwatch.collect.memory import MemorySource
from hostwatch.model import MemoryStats


def test_total_memory_is_exactly_memtotal() -> None:
    """`total` is MemTotal in bytes, to the byte."""
    assert MemorySource().sample(time.monotonic()).total == meminfo()["MemTotal"]


def test_available_memory_is_close_to_memavailable() -> None:
    """`available` is MemAvailable, which moves between two readings, so within 5 % of total."""
    before = meminfo()["MemAvailable"]
    stats = MemorySource().sample(time.monotonic())
    after = meminfo()["MemAvailable"]
    tolerance = stats.total * 0.05
    assert min(before, after) - tolerance <= stats.available <= max(before, after) + tolerance
    assert 0 < stats.available <= stats.total


def test_swap_total_is_exactly_swaptotal() -> None:
    """Swap `total` is SwapTotal in bytes (0 on hosts without swap), and used + free add up."""
    swap = MemorySource().sample(time.monotonic()).swap
    assert swap.total == meminfo()["SwapTotal"]
    assert swap.used + swap.free == pytest.approx(swap.total, abs=1 << 20)


def test_percent_is_the_used_share_of_total() -> None:
    """`percent` is (total - available) / total, in 0..100."""
    stats = MemorySource().sample(time.monotonic())
    assert 0.0 <= stats.percent <= 100.0
    assert stats.percent == pytest.approx(100.0 * (stats.total - stats.available) / stats.total, abs=0.2)


def test_first_swap_rates_are_zero_and_later_ones_non_negative() -> None:
    """Swap-in/out counters since boot are not reported as one interval's rate on the first sample."""
    source = MemorySource()
    first = source.sample(10.0)
    assert (first.swap.sin_rate, first.swap.sout_rate) == (0.0, 0.0)
    second = source.sample(11.0)
    assert second.swap.sin_rate >= 0.0
    assert second.swap.sout_rate >= 0.0


def test_empty_memory_value_is_all_zero() -> None:
    """A host whose memory cannot be read reports zeros, not a guess."""
    empty = MemorySource().empty()
    assert isinstance(empty, MemoryStats)
    assert (empty.total, empty.available, empty.swap.total) == (0, 0, 0)
