"""Runs a set of monitors' probes on their schedules: the hub for its own monitors, an agent for
the ones assigned to it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable

import httpx

from hostwatch.monitors.probes import http_client, probe
from hostwatch.monitors.spec import MonitorResult, MonitorSpec

logger = logging.getLogger(__name__)


class ProbeRunner:
    """One asyncio task per enabled spec, probing at once and then every interval; each result goes
    to `on_result` on the event loop.

    `set_specs` replaces the set: tasks of removed or changed specs are cancelled
    (a cancelled probe reports nothing), new ones start.
    """

    def __init__(self, on_result: Callable[[MonitorResult], object]) -> None:
        self._on_result = on_result
        self._running: dict[int, tuple[MonitorSpec, asyncio.Task[None]]] = {}
        self._ending: set[asyncio.Task[None]] = set()
        self._client: httpx.AsyncClient | None = None

    async def start(self) -> None:
        """Open the HTTP client the probes share; specs run from the next `set_specs`."""
        if self._client is None:
            self._client = http_client()

    def set_specs(self, specs: Iterable[MonitorSpec]) -> None:
        """Run exactly the enabled ones of `specs` from now on (needs `start` first)."""
        wanted = {spec.id: spec for spec in specs if spec.enabled}
        for monitor_id, (spec, task) in list(self._running.items()):
            if wanted.get(monitor_id) != spec:
                del self._running[monitor_id]
                task.cancel()
                self._ending.add(task)
                task.add_done_callback(self._ending.discard)
        for monitor_id, spec in wanted.items():
            if monitor_id not in self._running:
                task = asyncio.create_task(self._run(spec), name=f"monitor-{monitor_id}")
                self._running[monitor_id] = (spec, task)

    def specs(self) -> list[MonitorSpec]:
        """The specs being run now."""
        return [spec for spec, _task in self._running.values()]

    async def stop(self) -> None:
        """Cancel every probe, wait for them to end, and close the client."""
        self.set_specs([])
        for task in list(self._ending):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _run(self, spec: MonitorSpec) -> None:
        next_tick = time.monotonic()
        while True:
            try:
                self._on_result(await probe(spec, self._client))
            except Exception:  # loop boundary: one broken probe must not end the monitor
                logger.exception("monitor %d (%s): probe failed unexpectedly", spec.id, spec.name)
            next_tick = max(next_tick + spec.interval, time.monotonic())
            await asyncio.sleep(next_tick - time.monotonic())
