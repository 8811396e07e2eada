"""The hub's side of service monitors: the specs (config file and API), the probes the hub runs
itself, and every result, whoever ran it.

A monitor with no `hosts` (or with the hub's own host among them) is run by the
hub through a `ProbeRunner` (as agents run theirs); its results go to the local
host (host id 0 on a hub without one). Agents run the monitors assigned to them
(`assigned_to`) and report results the agent ingest hands to `record`. Each
result is kept in memory (the latest per host, recent failures) and written to
the history store as the series `monitors[ID].delay` (ms, successes only) and
`monitors[ID].up` (1 or 0).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from hostwatch.config import Settings
from hostwatch.errors import ConfigError, HostwatchError, UnknownHostError
from hostwatch.hub.database import HubDatabase
from hostwatch.hub.hub import Hub
from hostwatch.monitors.runner import ProbeRunner
from hostwatch.monitors.spec import MonitorResult, MonitorSpec, explicit_id, parse_spec, spec_fields
from hostwatch.monitors.table import API, CONFIG, MonitorTable, StoredMonitor
from hostwatch.store.series import SeriesKey

logger = logging.getLogger(__name__)

FAILURES_KEPT = 20
"""Recent failures kept in memory per monitor (all hosts together)."""
HUB_HOST_ID = 0
"""Where the hub's own results go when it watches no local host."""


class UnknownMonitorError(HostwatchError, LookupError):
    """A monitor id the hub does not know."""


class ReadOnlyMonitorError(HostwatchError):
    """A config-file monitor: only the file can change it."""


def delay_key(monitor_id: int) -> SeriesKey:
    """The series of a monitor's delays (milliseconds, successful probes only)."""
    return SeriesKey("monitors", str(monitor_id), "delay")


def up_key(monitor_id: int) -> SeriesKey:
    """The series of a monitor's outcomes (1 up, 0 down)."""
    return SeriesKey("monitors", str(monitor_id), "up")


class MonitorState:
    """One monitor as the hub holds it: its spec, its origin, and what its probes found."""

    def __init__(self, spec: MonitorSpec, read_only: bool) -> None:
        self.spec = spec
        self.read_only = read_only
        """True for config-file monitors."""
        self.latest: dict[int, MonitorResult] = {}
        """The newest result per host that ran it."""
        self.failures: deque[tuple[int, MonitorResult]] = deque(maxlen=FAILURES_KEPT)
        """(host id, result) of recent failed probes, oldest first."""

    def newest(self) -> tuple[int, MonitorResult] | None:
        """The most recent result of any host, with that host's id."""
        if not self.latest:
            return None
        return max(self.latest.items(), key=lambda item: item[1].time)


def _config_specs(configured: Sequence[Mapping[str, Any]],
                  rows: list[StoredMonitor]) -> tuple[list[MonitorSpec], dict[str, int]]:
    """The config-file monitors with their ids, and the ids newly given (by name) to remember."""
    live_api = {row.id: row for row in rows if row.origin == API and not row.deleted}
    remembered = {row.config_key: row.id for row in rows if row.origin == CONFIG and row.config_key}
    drafts: list[tuple[str, int | None, MonitorSpec]] = []
    for index, table in enumerate(configured):
        try:
            spec = parse_spec({k: v for k, v in table.items() if k != "id"}, 0)
            ident = explicit_id(table)
        except ConfigError as exc:
            label = f" ({table['name']!r})" if isinstance(table.get("name"), str) else ""
            raise ConfigError(f"monitors[{index}]{label}: {exc}") from None
        drafts.append((f"monitors[{index}] ({spec.name!r})", ident, spec))
    explicit: dict[int, str] = {}
    names: set[str] = set()
    for where, ident, spec in drafts:
        if ident is None:
            if spec.name in names:
                raise ConfigError(f"{where}: another monitor has the same name; give each a distinct "
                                  "name or an explicit id")
            names.add(spec.name)
            continue
        if ident in explicit:
            raise ConfigError(f"{where}: id {ident} is also the id of {explicit[ident]}")
        if ident in live_api:
            owner = live_api[ident].spec
            raise ConfigError(f"{where}: id {ident} belongs to the monitor "
                              f"{owner.name if owner else ident!r} created through the API; choose another")
        explicit[ident] = where
    taken = {row.id for row in rows} | set(explicit)
    assigned: dict[str, int] = {}
    specs: list[MonitorSpec] = []
    for _where, given, spec in drafts:
        ident = given if given is not None else remembered.get(spec.name)
        if ident is None or (given is None and (ident in explicit or ident in live_api)):
            ident = max(taken, default=0) + 1
            assigned[spec.name] = ident
        taken.add(ident)
        spec.id = ident
        specs.append(spec)
    return specs, assigned


class MonitorService:
    """Every monitor's spec and results; runs the hub's own probes between `start` and `stop`."""

    def __init__(self, hub: Hub, configured: Sequence[Mapping[str, Any]], database: HubDatabase, *,
                 owns_database: bool = False) -> None:
        """Check the config-file monitors (ConfigError) and load the API-created ones."""
        self.hub = hub
        self._database = database
        self._owns_database = owns_database
        self._table = MonitorTable(database)
        rows = self._table.rows()
        specs, assigned = _config_specs(configured, rows)
        self._table.remember_config(assigned)
        self._states: dict[int, MonitorState] = {spec.id: MonitorState(spec, True) for spec in specs}
        for row in rows:
            if row.origin == API and not row.deleted and row.spec is not None:
                self._states[row.id] = MonitorState(row.spec, False)
        self._high_water = max([row.id for row in rows] + list(self._states), default=0)
        self._revisions: dict[int, int] = {}
        self._generation = 0
        self._assigned: dict[int, list[MonitorSpec]] = {}
        self._assigned_generation = 0
        self._runner = ProbeRunner(self._hub_result)
        self._write_lock = asyncio.Lock()
        self._running = False

    @classmethod
    def from_settings(cls, settings: Settings, hub: Hub) -> MonitorService:
        """The service for `serve`: `[[monitors]]` from the settings, the hub's database
        (or its own connection to `DATA_DIR/hub.sqlite` when the hub has none)."""
        if hub.database is not None:
            return cls(hub, settings.monitors, hub.database)
        return cls(hub, settings.monitors, HubDatabase(settings.data_dir), owns_database=True)

    # ---- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        """Start probing every enabled monitor the hub runs."""
        await self._runner.start()
        self._running = True
        self._reschedule()

    async def stop(self) -> None:
        """Stop the hub's probes and close what the service opened."""
        self._running = False
        await self._runner.stop()
        if self._owns_database:
            self._database.close()

    def _reschedule(self) -> None:
        """Have the runner probe exactly the monitors the hub runs now."""
        if self._running:
            self._runner.set_specs([s.spec for s in self._states.values() if self.hub_runs(s.spec)])

    def _hub_result(self, result: MonitorResult) -> None:
        self.record(self.hub_host_id(), [result])

    # ---- reading -------------------------------------------------------------------------------

    def monitors(self) -> list[MonitorState]:
        """Every monitor, by id."""
        return [self._states[i] for i in sorted(self._states)]

    def get(self, monitor_id: int) -> MonitorState:
        """The monitor with this id; UnknownMonitorError otherwise."""
        try:
            return self._states[monitor_id]
        except KeyError:
            raise UnknownMonitorError(f"unknown monitor: {monitor_id}") from None

    def hub_host_id(self) -> int:
        """The host the hub's own probes are recorded under: the local host, else 0."""
        local = self.hub.hosts.local()
        return local.id if local is not None else HUB_HOST_ID

    def hub_runs(self, spec: MonitorSpec) -> bool:
        """Whether the hub probes `spec` itself (no hosts named, or the hub's own host among them)."""
        return not spec.hosts or self.hub_host_id() in spec.hosts

    def runners(self, spec: MonitorSpec) -> list[int]:
        """The ids of the hosts whose results `spec` takes (the hub's own under its host id)."""
        ids = set(spec.hosts)
        if self.hub_runs(spec):
            ids.add(self.hub_host_id())
        return sorted(ids)

    def assigned_to(self, host_id: int) -> list[MonitorSpec]:
        """The enabled monitors an agent's host must run: what its push responses carry (one
        reply per report, so kept per host until the monitors change; do not modify)."""
        if self._assigned_generation != self._generation:
            self._assigned.clear()
            self._assigned_generation = self._generation
        assigned = self._assigned.get(host_id)
        if assigned is None:
            assigned = self._assigned[host_id] = [
                s.spec for s in self.monitors() if s.spec.enabled and host_id in s.spec.hosts]
        return assigned

    def naming(self, host_id: int) -> list[MonitorSpec]:
        """The monitors, enabled or not, that name `host_id` among the hosts that run them."""
        return [s.spec for s in self.monitors() if host_id in s.spec.hosts]

    def monitors_of(self, host_id: int) -> list[MonitorState]:
        """The monitors whose results `host_id` records (Glances' `ports`, Nezha's monitor list)."""
        return [s for s in self.monitors() if host_id in self.runners(s.spec)]

    def revision(self, host_id: int) -> int:
        """Grows with every result recorded under `host_id` and every change of the monitors:
        readers cache what they build from the results against it."""
        return self._revisions.get(host_id, 0) + self._generation

    # ---- results -------------------------------------------------------------------------------

    def record(self, host_id: int, results: Iterable[MonitorResult]) -> int:
        """Take results that `host_id` reports (or the hub's own); the number accepted.

        Results for unknown monitors, or monitors not assigned to that host, are dropped.
        """
        accepted = 0
        for result in results:
            state = self._states.get(result.monitor_id)
            if state is None or host_id not in self.runners(state.spec):
                logger.debug("host %d reported monitor %d, which it does not run; dropped",
                             host_id, result.monitor_id)
                continue
            previous = state.latest.get(host_id)
            if previous is None or result.time >= previous.time:
                state.latest[host_id] = result
            if not result.up:
                state.failures.append((host_id, result))
            self._store(host_id, state.spec, result)
            self._revisions[host_id] = self._revisions.get(host_id, 0) + 1
            accepted += 1
        return accepted

    def _store(self, host_id: int, spec: MonitorSpec, result: MonitorResult) -> None:
        store = self.hub.store
        if store is None:
            return
        points = {up_key(spec.id): 1.0 if result.up else 0.0}
        if result.up and result.delay_ms is not None:
            points[delay_key(spec.id)] = result.delay_ms
        try:
            # The host's own interval: the store takes it as the host's raw step.
            interval = self.hub.hosts.get(host_id).interval
        except UnknownHostError:
            interval = spec.interval
        store.append_points(host_id, result.time, points, interval)

    # ---- changes through the API ---------------------------------------------------------------

    def _check_hosts(self, spec: MonitorSpec) -> None:
        for host_id in spec.hosts:
            try:
                self.hub.hosts.get(host_id)
            except UnknownHostError:
                raise ConfigError(f"hosts: unknown host id {host_id}") from None

    def _writable(self, monitor_id: int) -> MonitorState:
        state = self.get(monitor_id)
        if state.read_only:
            raise ReadOnlyMonitorError(
                f"monitor {monitor_id} ({state.spec.name!r}) comes from the config file; change or remove "
                "its [[monitors]] table there and restart")
        return state

    def _changed(self) -> None:
        self._generation += 1

    async def create(self, data: Mapping[str, Any]) -> MonitorState:
        """Add a monitor from an API body; ConfigError (nothing changed) when the body is invalid."""
        if "id" in data:
            raise ConfigError("id is assigned by the hub; leave it out")
        async with self._write_lock:
            spec = parse_spec(data, self._high_water + 1)
            self._check_hosts(spec)
            await asyncio.to_thread(self._table.insert, spec)
            self._high_water = spec.id
            state = self._states[spec.id] = MonitorState(spec, False)
            self._changed()
            self._reschedule()
            return state

    async def update(self, monitor_id: int, data: Mapping[str, Any]) -> MonitorState:
        """Change the fields `data` gives; a change of kind drops the old kind's own fields."""
        async with self._write_lock:
            state = self._writable(monitor_id)
            if data.get("id", monitor_id) != monitor_id:
                raise ConfigError(f"id cannot change (this is monitor {monitor_id})")
            current = spec_fields(state.spec)
            if data.get("kind", state.spec.kind) != state.spec.kind:
                current = {k: current[k] for k in ("name", "interval", "timeout", "hosts", "enabled")}
            merged = {**current, **{k: v for k, v in data.items() if k != "id"}}
            merged.pop("id", None)
            spec = parse_spec(merged, monitor_id)
            self._check_hosts(spec)
            await asyncio.to_thread(self._table.update, spec)
            state.spec = spec
            # Results of hosts that no longer run it are stale.
            for host_id in [h for h in state.latest if h not in self.runners(spec)]:
                del state.latest[host_id]
            self._changed()
            self._reschedule()
            return state

    async def delete(self, monitor_id: int) -> MonitorSpec:
        """Remove an API-created monitor; its history stays in the store."""
        async with self._write_lock:
            state = self._writable(monitor_id)
            await asyncio.to_thread(self._table.delete, monitor_id)
            del self._states[monitor_id]
            self._changed()
            self._reschedule()
            return state.spec
