"""`hostwatch agent`: this machine's collector pushing to a hub over HTTP(S).

Two loops share a spool. The collector loop samples every interval and puts
each snapshot in the spool (so nothing is lost while the hub is away); the
sender loop pushes the oldest spooled snapshots in batches, in order, and
forgets them once the hub has answered. While the hub cannot be reached the
sender backs off exponentially with jitter; a refused token or an incompatible
hub ends the agent with a clear message instead of retrying for ever.
"""

from __future__ import annotations

import asyncio
import logging
import random
import socket
import ssl
import time
from collections import deque

import httpx
import msgspec
import zstandard

from hostwatch import __version__
from hostwatch.agent.addresses import own_addresses
from hostwatch.agent.protocol import MSGPACK, PROTOCOL_VERSION, REPORT_PATH, ReportReply, encode_apart
from hostwatch.agent.settings import AgentSettings
from hostwatch.agent.spool import Spool, Spooled
from hostwatch.collect import Collector
from hostwatch.errors import HostwatchError
from hostwatch.model import ProcessStats
from hostwatch.monitors.runner import ProbeRunner
from hostwatch.monitors.spec import MonitorResult

logger = logging.getLogger(__name__)

TOP_PROCESSES = 10
MAX_PENDING_RESULTS = 10_000
BATCH_REPORTS = 120
BATCH_BYTES = 2 << 20
BACKOFF_FIRST = 1.0
BACKOFF_MAX = 60.0


class AgentRefused(HostwatchError):
    """The hub will not take this agent's reports (bad token, other host's token, wrong protocol)."""


def compact_processes(processes: ProcessStats, mode: str) -> ProcessStats:
    """The process list as the report carries it: the busiest by CPU and by memory, all, or none."""
    if mode == "all":
        return processes
    if mode == "none":
        return msgspec.structs.replace(processes, items=[], programs=[])
    by_cpu = sorted(processes.items, key=lambda p: p.cpu_percent, reverse=True)[:TOP_PROCESSES]
    by_memory = sorted(processes.items, key=lambda p: p.memory.rss, reverse=True)[:TOP_PROCESSES]
    keep = {p.pid: p for p in by_cpu + by_memory}
    return msgspec.structs.replace(processes, items=list(keep.values()),
                                   programs=processes.programs[:TOP_PROCESSES])


def tls_context(ca_file: str) -> ssl.SSLContext:
    """The system trust store, or only `ca_file` when given."""
    return ssl.create_default_context(cafile=ca_file or None)


class RemoteAgent:
    """Collects, spools and pushes until cancelled or refused."""

    def __init__(self, settings: AgentSettings, collector: Collector, spool: Spool,
                 client: httpx.AsyncClient) -> None:
        self.settings = settings
        self.collector = collector
        self.spool = spool
        self.client = client
        self.name = settings.name or socket.gethostname()
        self.addresses = ("", "")
        self._wake = asyncio.Event()
        self.probes = ProbeRunner(self._keep_result)
        self._results: deque[MonitorResult] = deque(maxlen=MAX_PENDING_RESULTS)
        self._sending: list[MonitorResult] = []
        self._encoder = msgspec.msgpack.Encoder()
        self._compressor = zstandard.ZstdCompressor(level=3)
        self.sent = 0

    async def run(self) -> None:
        """Both loops; returns only by raising (AgentRefused) or being cancelled."""
        sampler = asyncio.create_task(self._sample_forever(), name="agent-sampler")
        await self.probes.start()
        try:
            await self._send_forever()
        finally:
            sampler.cancel()
            await asyncio.gather(sampler, return_exceptions=True)
            await self.probes.stop()

    def _keep_result(self, result: MonitorResult) -> None:
        """A probe result, held until a push carries it (the newest ones, if the hub is away long)."""
        self._results.append(result)

    async def _sample_forever(self) -> None:
        interval = self.settings.interval
        next_tick = time.monotonic()
        while True:
            try:
                await self.sample_once()
            except Exception:  # loop boundary: keep sampling even if one collection breaks
                logger.exception("collection failed")
            next_tick = max(next_tick + interval, time.monotonic())
            await asyncio.sleep(next_tick - time.monotonic())

    async def sample_once(self) -> None:
        """Collect one snapshot and spool it."""
        snapshot = await asyncio.to_thread(self.collector.collect)
        snapshot = msgspec.structs.replace(
            snapshot, seq=self.spool.take_seq(),
            processes=compact_processes(snapshot.processes, self.settings.processes))
        if snapshot.seq % 60 == 1 or not any(self.addresses):
            self.addresses = own_addresses(snapshot)
        body, rows = encode_apart(snapshot, self._encoder)
        await asyncio.to_thread(self.spool.push, snapshot.seq, snapshot.time, body, rows)
        self._wake.set()

    def _body(self, batch: list[Spooled]) -> bytes:
        self._sending = list(self._results)
        body = self._encoder.encode({
            "protocol": PROTOCOL_VERSION, "agent_id": self.spool.agent_id, "name": self.name,
            "tags": list(self.settings.tags), "version": __version__,
            "ipv4": self.addresses[0], "ipv6": self.addresses[1], "monitor_results": self._sending,
            "snapshots": [msgspec.Raw(entry.snapshot) for entry in batch],
            "process_rows": [entry.rows for entry in batch],
        })
        return self._compressor.compress(body)

    async def _send_forever(self) -> None:
        url = self.settings.hub.rstrip("/") + REPORT_PATH
        headers = {"authorization": f"Bearer {self.settings.token}", "content-encoding": "zstd",
                   "content-type": MSGPACK, "user-agent": f"hostwatch-agent/{__version__}"}
        backoff = BACKOFF_FIRST
        batch_limit = BATCH_REPORTS
        unreachable_since: float | None = None
        while True:
            batch = await asyncio.to_thread(self.spool.peek, batch_limit, BATCH_BYTES)
            if not batch:
                self._wake.clear()
                await self._wake.wait()
                continue
            try:
                response = await self.client.post(url, content=self._body(batch), headers=headers)
            except httpx.HTTPError as exc:
                if unreachable_since is None:
                    unreachable_since = time.monotonic()
                    logger.warning("hub %s unreachable (%s); spooling and retrying", self.settings.hub, exc)
                await asyncio.sleep(backoff * random.uniform(0.5, 1.5))
                backoff = min(backoff * 2, BACKOFF_MAX)
                continue
            status = response.status_code
            if status == 200:
                if unreachable_since is not None:
                    logger.info("hub reachable again after %.0f s; replaying %d spooled reports",
                                time.monotonic() - unreachable_since, len(self.spool))
                    unreachable_since = None
                backoff = BACKOFF_FIRST
                batch_limit = BATCH_REPORTS
                await asyncio.to_thread(self.spool.drop_through, batch[-1].seq)
                self.sent += len(batch)
                self._apply(msgspec.json.decode(response.content, type=ReportReply))
            elif status in (401, 403, 409):
                raise AgentRefused(f"the hub at {self.settings.hub} refused this agent ({status}): "
                                   f"{_message(response)}")
            elif status == 413:
                if len(batch) == 1:
                    logger.error("dropping report %d: larger than the hub accepts", batch[0].seq)
                    await asyncio.to_thread(self.spool.drop_through, batch[0].seq)
                batch_limit = max(1, len(batch) // 2)
            elif status == 429:
                wait = float(response.headers.get("retry-after", "5") or 5)
                logger.warning("hub asks to wait %.0f s", wait)
                await asyncio.sleep(wait)
            elif status == 400:
                logger.error("hub rejected reports %d-%d as invalid: %s; dropping them",
                             batch[0].seq, batch[-1].seq, _message(response))
                await asyncio.to_thread(self.spool.drop_through, batch[-1].seq)
            else:
                logger.warning("hub answered %d: %s; retrying", status, _message(response))
                await asyncio.sleep(backoff * random.uniform(0.5, 1.5))
                backoff = min(backoff * 2, BACKOFF_MAX)

    def _apply(self, reply: ReportReply) -> None:
        for _ in range(min(len(self._sending), len(self._results))):
            self._results.popleft()
        self._sending = []
        self.collector.extend_processes(frozenset(reply.extended_pids))
        self.probes.set_specs(reply.monitors)


def _message(response: httpx.Response) -> str:
    try:
        return str(response.json().get("message") or response.text[:200])
    except (ValueError, AttributeError):
        return response.text[:200]


async def run_agent(settings: AgentSettings) -> None:
    """Run an agent with `settings` until cancelled; AgentRefused when the hub says no."""
    collector = Collector(interval=settings.interval)
    spool = Spool(settings.state_dir, settings.spool_capacity)
    https = settings.hub.startswith("https")
    verify: ssl.SSLContext | bool = tls_context(settings.ca_file) if https else True
    logger.info("agent %s pushing to %s every %.3g s (%d reports spooled)",
                spool.agent_id, settings.hub, settings.interval, len(spool))
    try:
        async with httpx.AsyncClient(verify=verify, timeout=httpx.Timeout(10.0, connect=5.0)) as client:
            await RemoteAgent(settings, collector, spool, client).run()
    finally:
        spool.close()
