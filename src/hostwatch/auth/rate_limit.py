"""Slowing down guessers: too many bad tokens from one address within a window locks it out a while."""

from __future__ import annotations

import time
from collections.abc import Callable


class FailureLimiter:
    """Counts failures per address; `retry_after` says how long a locked-out address must wait."""

    def __init__(self, max_failures: int = 5, window: float = 60.0, lockout: float = 60.0,
                 clock: Callable[[], float] = time.monotonic, max_addresses: int = 10_000) -> None:
        self.max_failures = max_failures
        self.window = window
        self.lockout = lockout
        self._clock = clock
        self._max_addresses = max_addresses
        self._failures: dict[str, list[float]] = {}
        self._locked_until: dict[str, float] = {}

    def retry_after(self, address: str) -> float:
        """Seconds until `address` may try again; 0 when it may now."""
        until = self._locked_until.get(address)
        if until is None:
            return 0.0
        remaining = until - self._clock()
        if remaining <= 0:
            del self._locked_until[address]
            return 0.0
        return remaining

    def fail(self, address: str) -> None:
        """Count one failure; lock the address out once it has too many."""
        now = self._clock()
        if len(self._failures) >= self._max_addresses and address not in self._failures:
            self._failures.clear()
        recent = [t for t in self._failures.get(address, []) if now - t < self.window]
        recent.append(now)
        self._failures[address] = recent
        if len(recent) >= self.max_failures:
            self._locked_until[address] = now + self.lockout
            self._failures.pop(address, None)

    def succeed(self, address: str) -> None:
        """Forget an address's failures."""
        self._failures.pop(address, None)
