"""The embedded agent: this machine's collector feeding the hub's `ingest`, like any remote agent."""

from __future__ import annotations

import asyncio
import logging
import socket
import time

from hostwatch.agent.addresses import own_addresses
from hostwatch.collect import Collector
from hostwatch.hub.hosts import LOCAL_AGENT_ID, Host
from hostwatch.hub.hub import Hub

logger = logging.getLogger(__name__)


class LocalAgent:
    """Collects on a worker thread at a fixed cadence and hands each snapshot to the hub."""

    def __init__(self, hub: Hub, collector: Collector) -> None:
        self.hub = hub
        self.collector = collector
        self.host: Host = hub.register(
            LOCAL_AGENT_ID, socket.gethostname(), local=True, interval=collector.interval
        )

    async def collect_once(self) -> None:
        """One collection, off the event loop, ingested on it."""
        self.collector.extend_processes(self.hub.state(self.host.id).extended_pids)
        snapshot = await asyncio.to_thread(self.collector.collect)
        if snapshot.seq % 60 == 1:
            self.host.ipv4, self.host.ipv6 = own_addresses(snapshot)
        self.hub.ingest(self.host, snapshot, address="127.0.0.1")

    async def run(self) -> None:
        """Collect every interval until cancelled, the first one interval from now (the app's
        start-up already collected once); ticks keep to a monotonic schedule."""
        interval = self.collector.interval
        next_tick = time.monotonic() + interval
        while True:
            await asyncio.sleep(max(next_tick - time.monotonic(), 0.0))
            next_tick += interval
            try:
                await self.collect_once()
            except Exception:  # loop boundary: keep watching even if one collection breaks
                logger.exception("local collection failed")
            # Fallen behind (a slow collection, a suspended machine): start afresh
            # rather than firing a burst of catch-up collections.
            next_tick = max(next_tick, time.monotonic())
