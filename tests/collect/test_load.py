"""Load averages, with the core count beside them."""

from __future__ import annotations

import os

from hostwatch.collect.load import LoadSource
from hostwatch.model import LoadAverage


def test_load_averages_are_the_kernels_with_the_logical_core_count() -> None:
    """min1/min5/min15 are os.getloadavg()'s (they move slowly), and cores is os.cpu_count()."""
    before = os.getloadavg()
    load = LoadSource().sample(0.0)
    after = os.getloadavg()
    for value, low, high in zip((load.min1, load.min5, load.min15), before, after, strict=True):
        assert min(low, high) - 0.5 <= value <= max(low, high) + 0.5
        assert value >= 0.0
    assert load.cores == os.cpu_count()


def test_empty_load_is_zero() -> None:
    """Where load averages are unavailable the source's empty value is all zeros."""
    assert LoadSource().empty() == LoadAverage()
