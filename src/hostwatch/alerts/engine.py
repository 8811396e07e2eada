"""The alert engine: evaluates every rule on every ingest and keeps each host's events."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from hostwatch.alerts.events import Event, EventLog
from hostwatch.alerts.rules import ThresholdRule
from hostwatch.model import Snapshot

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Transition:
    """An event opened, escalated to CRITICAL, or closed: what notifiers will be told."""

    host_id: int
    kind: str
    """`opened`, `escalated` or `closed`."""
    event: Event


Listener = Callable[[Transition], None]


class RankedProcess(Protocol):
    """What `top_processes` reads of a process: a whole row or a brief of one."""

    @property
    def name(self) -> str: ...
    @property
    def cpu_percent(self) -> float: ...
    @property
    def memory_percent(self) -> float: ...


def top_processes(processes: Sequence[RankedProcess], sort: str, count: int = 3) -> list[str]:
    """Names of the `count` processes highest by `sort` (`cpu_percent` or `memory_percent`)."""
    key = (lambda p: p.memory_percent) if sort == "memory_percent" else (lambda p: p.cpu_percent)
    return [p.name for p in sorted(processes, key=key, reverse=True)[:count]]


class AlertEngine:
    """Opens an event when a rule reaches WARNING, updates it while it holds, closes it below.

    Rules come from `rules_for(host_id)`, so hosts can have rules of their own.
    """

    def __init__(self, rules_for: Callable[[int], list[ThresholdRule]], max_events: int = 10,
                 clock: Callable[[], float] = time.time) -> None:
        self._rules_for = rules_for
        self._max_events = max_events
        self._clock = clock
        self._logs: dict[int, EventLog] = {}
        self._revisions: dict[int, int] = {}
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        """Call `listener` with every transition from now on."""
        self._listeners.append(listener)

    def revision(self, host_id: int) -> int:
        """Grows whenever the host's events may have changed, so readers can cache what they derive."""
        return self._revisions.get(host_id, 0)

    def _changed(self, host_id: int) -> None:
        self._revisions[host_id] = self._revisions.get(host_id, 0) + 1

    def events(self, host_id: int) -> list[Event]:
        """The host's events, newest first."""
        return list(self._logs.get(host_id, EventLog()))

    def clear(self, host_id: int, *, warnings_only: bool) -> int:
        """Drop finished events (only warnings with `warnings_only`), as Glances' clear routes do."""
        log = self._logs.get(host_id)
        removed = log.clear(warnings_only=warnings_only) if log else 0
        if removed:
            self._changed(host_id)
        return removed

    def forget_host(self, host_id: int) -> None:
        """Drop every event of a host that is gone."""
        self._logs.pop(host_id, None)
        self._changed(host_id)

    def evaluate(self, host_id: int, snapshot: Snapshot,
                 processes: Callable[[], Sequence[RankedProcess]] | None = None) -> list[Transition]:
        """Judge one snapshot against the host's rules; the transitions it caused. An event names
        the top processes: from `processes()` when given (an agent's rows stay encoded and are
        read only for an alert), else from the snapshot's rows."""
        log = self._logs.setdefault(host_id, EventLog(self._max_events))
        now = snapshot.time or self._clock()
        transitions: list[Transition] = []
        alerting: list[str] = []
        open_events = log.open_by_type()
        for rule in self._rules_for(host_id):
            value = rule.measure(snapshot)
            if value is None:
                continue
            level = rule.level(value)
            current = open_events.get(rule.type)
            if level in ("WARNING", "CRITICAL"):
                alerting.append(rule.message)
                ranked = processes() if processes is not None else snapshot.processes.items
                top = top_processes(ranked, rule.sort)
                if current is None:
                    current = Event(begin=now, state=level, type=rule.type, max=value, avg=value,
                                    min=value, sum=value, count=1, top=top, desc=rule.describe(value),
                                    sort=rule.sort)
                    log.open(current)
                    open_events[rule.type] = current
                    transitions.append(Transition(host_id, "opened", current))
                else:
                    was = current.state
                    current.add(value, level, top, rule.describe(value))
                    if was != current.state:
                        transitions.append(Transition(host_id, "escalated", current))
            elif current is not None:
                current.end = now
                del open_events[rule.type]
                transitions.append(Transition(host_id, "closed", current))
        if alerting or transitions:
            self._changed(host_id)
        message = "; ".join(dict.fromkeys(alerting))
        for event in open_events.values():
            event.global_msg = message
        for transition in transitions:
            for listener in self._listeners:
                try:
                    listener(transition)
                except Exception:  # a broken notifier must not stop alerting
                    logger.exception("alert listener failed")
        return transitions
