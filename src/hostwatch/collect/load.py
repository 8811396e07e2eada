"""Load averages over 1, 5 and 15 minutes."""

from __future__ import annotations

import os

import psutil

from hostwatch.collect.base import Source
from hostwatch.model import LoadAverage


class LoadSource(Source):
    """The kernel's run-queue averages, with the logical core count beside them."""

    name = "load"
    refresh = 1.0

    def sample(self, now: float) -> LoadAverage:
        min1, min5, min15 = psutil.getloadavg()
        return LoadAverage(
            min1=min1, min5=min5, min15=min15, cores=psutil.cpu_count() or os.cpu_count() or 0
        )

    def empty(self) -> LoadAverage:
        return LoadAverage()
