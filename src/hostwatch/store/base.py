"""The history store's interface, its tiers and what its queries return.

`SqliteStore` is the embedded implementation; a PostgreSQL one can implement
the same `Store` for hubs that outgrow one file.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field

from hostwatch.model import Snapshot
from hostwatch.store.series import SeriesKey

DAY = 86_400.0


@dataclass(frozen=True)
class Tier:
    """One resolution of history: raw points or rollups over `bucket_ms`, kept in `window_ms` chunks."""

    index: int
    name: str
    bucket_ms: int
    window_ms: int

    def window_of(self, time_ms: int) -> int:
        """Start of the chunk window holding `time_ms`."""
        return time_ms - time_ms % self.window_ms


RAW = Tier(0, "raw", 0, 600_000)
MINUTE = Tier(1, "1m", 60_000, 3_600_000)
HOUR = Tier(2, "1h", 3_600_000, 86_400_000)
TIERS: tuple[Tier, ...] = (RAW, MINUTE, HOUR)
TIERS_BY_NAME = {tier.name: tier for tier in TIERS}


@dataclass(frozen=True)
class Retention:
    """Seconds each tier keeps its points."""

    raw: float = 2 * DAY
    minute: float = 30 * DAY
    hour: float = 400 * DAY

    def of(self, tier: Tier) -> float:
        """The retention of `tier` in seconds."""
        return (self.raw, self.minute, self.hour)[tier.index]


@dataclass
class SeriesData:
    """One series as a query returns it: times (Unix s) with bucket averages, minimums and maximums."""

    key: SeriesKey
    unit: str
    times: list[float] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    min: list[float] = field(default_factory=list)
    max: list[float] = field(default_factory=list)


@dataclass
class QueryResult:
    """Series over one range, all from the same tier and bucket width."""

    start: float
    end: float
    tier: str
    step: float
    """Seconds between returned points: the bucket width, or the host's interval for raw points."""
    series: list[SeriesData]

    def document(self) -> dict[str, object]:
        """The result as `/api/v1/history` and `store export --format json` write it."""
        return {
            "from": self.start, "to": self.end, "tier": self.tier, "step": self.step,
            "series": [{"metric": s.key.metric(), "unit": s.unit, "times": s.times, "values": s.values,
                        "min": s.min, "max": s.max} for s in self.series],
        }


@dataclass
class TierStats:
    """How much one tier holds."""

    name: str
    chunks: int
    points: int
    bytes: int


@dataclass
class StoreStats:
    """What `hostwatch store stats` prints."""

    path: str
    series: int
    hosts: int
    tiers: list[TierStats]
    journal_bytes: int
    file_bytes: int

    @property
    def bytes_per_raw_point(self) -> float:
        """Bytes on disk per raw point, including the chunks' share of the file's indexes and free pages."""
        raw = self.tiers[0]
        chunk_bytes = sum(t.bytes for t in self.tiers)
        if not raw.points or not chunk_bytes:
            return 0.0
        return self.file_bytes * raw.bytes / chunk_bytes / raw.points


class Store(abc.ABC):
    """Where the hub keeps every host's series, across restarts."""

    @abc.abstractmethod
    def start(self) -> None:
        """Open the store and start writing in the background."""

    @abc.abstractmethod
    def append(self, host_id: int, snapshot: Snapshot, encoded: bytes | None = None) -> None:
        """Queue a host's snapshot; it is durable after the next flush (at most a second away).
        `encoded` is the same snapshot as MessagePack, when the caller has it at hand."""

    @abc.abstractmethod
    def append_points(self, host_id: int, time: float, points: dict[SeriesKey, float],
                      interval: float = 1.0) -> None:
        """Queue arbitrary points of one host at one time (service monitors, imports, tests)."""

    @abc.abstractmethod
    def flush(self) -> None:
        """Write everything queued so far, now, and return when it is durable."""

    @abc.abstractmethod
    def series(self, host_id: int) -> list[SeriesKey]:
        """Every series the store has for a host."""

    @abc.abstractmethod
    def query(self, host_id: int, keys: list[SeriesKey], start: float, end: float,
              max_points: int = 0, tier: str | None = None) -> QueryResult:
        """Series between two Unix times from the finest tier that covers them, at most
        `max_points` points each (0: every point of that tier); `tier` forces one."""

    @abc.abstractmethod
    def apply_retention(self, now: float | None = None) -> int:
        """Drop the chunks every tier no longer keeps; the number dropped."""

    @abc.abstractmethod
    def stats(self) -> StoreStats:
        """Counts and sizes per tier."""

    @abc.abstractmethod
    def close(self) -> None:
        """Flush and stop; the store can be opened again later."""
