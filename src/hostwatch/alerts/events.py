"""Events: one period during which a rule stayed at WARNING or above, in Glances' shape."""

from __future__ import annotations

import msgspec

ONGOING = -1.0


class Event(msgspec.Struct, kw_only=True):
    """One alert period, with Glances' field names and meanings.

    `begin` and `end` are Unix seconds (`end` is -1 while ongoing); `state` is
    the worst level reached (`WARNING` or `CRITICAL`); the statistics cover every
    value seen while the event was open.
    """

    begin: float
    end: float = ONGOING
    state: str
    type: str
    max: float
    avg: float
    min: float
    sum: float
    count: int
    top: list[str] = []
    desc: str = ""
    sort: str = ""
    global_msg: str = ""

    @property
    def ongoing(self) -> bool:
        """True until the rule falls back below WARNING."""
        return self.end == ONGOING

    def add(self, value: float, state: str, top: list[str], desc: str) -> None:
        """Fold one more reading into the event; the state only ever escalates."""
        self.count += 1
        self.sum += value
        self.avg = self.sum / self.count
        self.max = max(self.max, value)
        self.min = min(self.min, value)
        if state == "CRITICAL":
            self.state = "CRITICAL"
        if top:
            self.top = top
        self.desc = desc


class EventLog:
    """A host's events, newest first, at most `size` of them (oldest finished dropped first)."""

    def __init__(self, size: int = 10) -> None:
        self.size = size
        self._events: list[Event] = []

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(list(self._events))

    def __len__(self) -> int:
        return len(self._events)

    def open_by_type(self) -> dict[str, Event]:
        """Every open event, by type (the newest where a type has several)."""
        return {e.type: e for e in reversed(self._events) if e.ongoing}

    def open(self, event: Event) -> None:
        """Add a new event at the head, dropping the oldest finished ones past `size`."""
        self._events.insert(0, event)
        while len(self._events) > self.size:
            finished = [e for e in self._events if not e.ongoing]
            if not finished:
                break
            self._events.remove(finished[-1])

    def clear(self, *, warnings_only: bool) -> int:
        """Forget finished events (only WARNING ones with `warnings_only`); how many went."""
        keep = [
            e for e in self._events
            if e.ongoing or (warnings_only and e.state != "WARNING")
        ]
        removed = len(self._events) - len(keep)
        self._events = keep
        return removed
