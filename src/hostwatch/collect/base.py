"""What every source shares: the `Source` contract and counter-to-rate arithmetic."""

from __future__ import annotations

from collections.abc import Container, Hashable
from typing import Any, ClassVar


class Source:
    """One kind of measurement, sampled on its own refresh interval.

    Subclasses set `name` and `refresh` (seconds, a default the settings may
    override) and implement `sample`, which may block and may raise: the
    collector catches, logs, and falls back to `empty()`.
    """

    name: ClassVar[str]
    refresh: ClassVar[float] = 1.0

    def sample(self, now: float) -> Any:
        """Measure now; `now` is the collector's monotonic clock in seconds."""
        raise NotImplementedError

    def empty(self) -> Any:
        """The declared value of a source that cannot be read on this host."""
        raise NotImplementedError


class RateMeter:
    """Turns cumulative counters into per-second rates over a monotonic clock.

    The first sample of a key reports zero rates rather than a spike, and a
    counter that goes backwards (wrap, reset, device re-created) also reports
    zero for that interval.
    """

    def __init__(self) -> None:
        self._last: dict[Hashable, tuple[float, tuple[float, ...]]] = {}

    def rates(self, key: Hashable, counters: tuple[float, ...], now: float) -> tuple[float, ...]:
        """Per-second rates of `counters` since the previous call with `key`."""
        previous = self._last.get(key)
        self._last[key] = (now, counters)
        if previous is None:
            return (0.0,) * len(counters)
        then, before = previous
        elapsed = now - then
        if elapsed <= 0 or len(before) != len(counters):
            return (0.0,) * len(counters)
        return tuple(
            (c - b) / elapsed if c >= b else 0.0 for c, b in zip(counters, before, strict=True)
        )

    def elapsed(self, key: Hashable, now: float) -> float:
        """Seconds since `key` was last measured, 0 when never."""
        previous = self._last.get(key)
        return now - previous[0] if previous else 0.0

    def forget(self, key: Hashable) -> None:
        """Start `key` afresh: its next sample reports zero rates."""
        self._last.pop(key, None)

    def forget_missing(self, keys: Container[object]) -> None:
        """Drop state for keys that no longer exist (exited processes, removed devices)."""
        for key in [k for k in self._last if k not in keys]:
            del self._last[key]
