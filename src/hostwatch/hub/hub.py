"""The hub: the one entry point for snapshots, local or remote, and the state it keeps."""

from __future__ import annotations

import logging

from hostwatch.alerts.engine import AlertEngine
from hostwatch.config import HealthThresholds
from hostwatch.hub.broadcaster import Broadcaster
from hostwatch.hub.database import HubDatabase
from hostwatch.hub.health import evaluate
from hostwatch.hub.hosts import Host, HostRegistry
from hostwatch.hub.process_rows import ProcessRows
from hostwatch.hub.state import HostState
from hostwatch.model import Snapshot
from hostwatch.store.base import Store

logger = logging.getLogger(__name__)


class Hub:
    """Receives snapshots through `ingest` and keeps each host's latest state.

    The embedded local agent and remote agents both call `ingest`; readers (the
    API surfaces, the WebSocket streams) only read `state()` and never cause a
    collection.
    """

    def __init__(self, thresholds: HealthThresholds | None = None, history_size: int = 300,
                 queue_size: int = 8, alerts: AlertEngine | None = None,
                 store: Store | None = None, database: HubDatabase | None = None) -> None:
        self.thresholds = thresholds or HealthThresholds()
        self.alerts = alerts
        self.store = store
        self.database = database
        self.hosts = HostRegistry(database)
        self.broadcaster = Broadcaster(queue_size)
        self._history_size = history_size
        self._states: dict[int, HostState] = {h.id: HostState(h, history_size) for h in self.hosts}

    def register(self, agent_id: str, name: str, *, local: bool = False,
                 tags: list[str] | None = None, interval: float = 1.0) -> Host:
        """The host for `agent_id`, created if the hub has not seen it."""
        host = self.hosts.register(agent_id, name, local=local, tags=tags)
        host.interval = interval
        self._states.setdefault(host.id, HostState(host, self._history_size))
        return host

    def ingest(self, host: Host, snapshot: Snapshot, address: str = "",
               encoded: bytes | None = None, rows: ProcessRows | None = None) -> HostState:
        """Take a snapshot of `host`: health, latest state, history, alerts, subscribers.
        `encoded` is the snapshot as MessagePack when the caller has it (the store need not
        encode it again); `rows` are its process rows when they came apart, still encoded."""
        state = self._states[host.id]
        latest = state.figures
        if latest is not None and snapshot.time < latest.time:
            logger.debug("host %s sent an older snapshot than the latest; kept as history only", host.id)
        health = evaluate(snapshot, self.thresholds, rows.busiest() if rows is not None else None)
        state.update(snapshot, health, rows)
        if self.store is not None:
            self.store.append(host.id, snapshot, encoded)
        if self.alerts is not None:
            self.alerts.evaluate(host.id, snapshot, rows.briefs if rows is not None else None)
        host.interval = snapshot.interval
        host.version = snapshot.system.agent_version or host.version
        self.hosts.seen(host, address=address)
        self.broadcaster.publish(host.id)
        return state

    def ingest_history(self, host: Host, snapshot: Snapshot, encoded: bytes | None = None) -> None:
        """Take a snapshot older than the newest one being delivered (a replay): history only,
        so the latest state, alerts and subscribers see just the newest."""
        if self.store is not None:
            self.store.append(host.id, snapshot, encoded)

    def update_host(self, host_id: int, *, name: str | None = None, tags: list[str] | None = None,
                    display_index: int | None = None, hide_for_guest: bool | None = None) -> Host:
        """Rename, retag or reorder a host; the registry keeps it."""
        host = self.hosts.get(host_id)
        if name is not None:
            host.name = name
        if tags is not None:
            host.tags = tags
        if display_index is not None:
            host.display_index = display_index
        if hide_for_guest is not None:
            host.hide_for_guest = hide_for_guest
        self.hosts.save(host)
        self._states[host_id].version += 1
        return host

    def delete_host(self, host_id: int) -> Host:
        """Forget a host and its live state; its history stays in the store."""
        host = self.hosts.delete(host_id)
        self._states.pop(host_id, None)
        return host

    def extend_processes(self, host_id: int, pids: frozenset[int]) -> None:
        """Ask the host's agent for extended facts about these processes (replacing the last ask)."""
        self._states[host_id].extended_pids = pids

    def state(self, ref: str | int | None = None) -> HostState:
        """The state of the host named by id, name or agent id; the first host by default."""
        return self._states[self.hosts.resolve(ref).id]

    def states(self) -> list[HostState]:
        """Every host's state, in id order."""
        return [self._states[h.id] for h in self.hosts]
