"""Remote agents at the hub: who may report, enrolment, and taking a report in.

A report passes when its token is the hub's own `--token` or a live agent
token. An unknown agent registers itself with an enrolment token (or the hub
token); a host token registers its host on first use and from then on only
that agent may use it. Snapshots at or below the agent's last accepted
sequence number are replays the hub already has and are dropped.
"""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from hostwatch.agent.protocol import PROTOCOL_VERSION, AgentReport, ReportReply
from hostwatch.auth.agent_tokens import AgentToken, AgentTokens
from hostwatch.hub.hosts import Host
from hostwatch.hub.hub import Hub
from hostwatch.hub.process_rows import ProcessRows
from hostwatch.model import Snapshot
from hostwatch.monitors.service import MonitorService

logger = logging.getLogger(__name__)

VERIFY_TTL = 2.0


class ReportRefused(Exception):
    """A report the hub will not take; `status` and `code` say how to answer."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class Delivery(NamedTuple):
    """One snapshot of a report, its MessagePack bytes when the report came in MessagePack, and
    its process rows when they were left encoded (then `snapshot` has the counts only)."""

    snapshot: Snapshot
    encoded: bytes | None = None
    rows: ProcessRows | None = None


@dataclass
class Credential:
    """Who presented the report's token: the hub token, or a stored agent token."""

    token: AgentToken | None


class AgentGateway:
    """Checks agents' tokens and feeds their reports to the hub."""

    def __init__(self, hub: Hub, tokens: AgentTokens | None, hub_token: str | None,
                 clock: Callable[[], float] = time.monotonic, monitors: MonitorService | None = None) -> None:
        self.hub = hub
        self.monitors = monitors
        self.tokens = tokens
        self.hub_token = hub_token
        self._clock = clock
        self._verified: dict[str, tuple[float, AgentToken]] = {}
        """Token -> (when checked, record): thousands of reports a second need not each query
        hub.sqlite; a revoked token is refused within `VERIFY_TTL`."""

    def authenticate(self, presented: str) -> Credential | None:
        """The credential behind `presented`, or None when it is no valid token."""
        if not presented:
            return None
        if self.hub_token is not None and hmac.compare_digest(presented.encode(), self.hub_token.encode()):
            return Credential(None)
        if self.tokens is None:
            return None
        now = self._clock()
        cached = self._verified.get(presented)
        if cached is not None and now - cached[0] < VERIFY_TTL:
            return Credential(cached[1])
        token = self.tokens.verify(presented)
        if token is None:
            self._verified.pop(presented, None)
            return None
        if len(self._verified) > 100_000:
            self._verified.clear()
        self._verified[presented] = (now, token)
        return Credential(token)

    def take(self, report: AgentReport, snapshots: list[Delivery], credential: Credential,
             address: str) -> ReportReply:
        """Register or find the agent's host, store new `snapshots` (the report's, decoded), and
        say what comes next."""
        if report.protocol != PROTOCOL_VERSION:
            raise ReportRefused(409, "incompatible_agent",
                                f"this hub speaks agent protocol {PROTOCOL_VERSION}, the agent "
                                f"{report.protocol}: upgrade the older one")
        if not report.agent_id or len(report.agent_id) > 128:
            raise ReportRefused(400, "bad_report", "agent_id must be 1-128 characters")
        host = self._host_for(report, credential)
        fresh = sorted((d for d in snapshots if d.snapshot.seq > host.last_seq), key=lambda d: d.snapshot.seq)
        for older in fresh[:-1]:
            self.hub.ingest_history(host, older.snapshot, encoded=older.encoded)
        if fresh:
            newest = fresh[-1]
            self.hub.ingest(host, newest.snapshot, address=address, encoded=newest.encoded, rows=newest.rows)
            host.last_seq = fresh[-1].snapshot.seq
        if report.monitor_results and self.monitors is not None:
            self.monitors.record(host.id, report.monitor_results)
        host.ipv4 = report.ipv4 or host.ipv4
        host.ipv6 = report.ipv6 or host.ipv6
        host.version = report.version or host.version
        state = self.hub.state(host.id)
        return ReportReply(host_id=host.id, accepted=len(fresh),
                           duplicates=len(snapshots) - len(fresh), last_seq=host.last_seq,
                           interval=host.interval, extended_pids=sorted(state.extended_pids),
                           monitors=self.monitors.assigned_to(host.id) if self.monitors else [])

    def _host_for(self, report: AgentReport, credential: Credential) -> Host:
        token = credential.token
        known = self.hub.hosts.by_agent(report.agent_id)
        if token is not None and token.kind == "host":
            if token.host_id is not None and (known is None or known.id != token.host_id):
                raise ReportRefused(403, "token_for_other_host",
                                    f"this token belongs to another host than agent {report.agent_id!r}")
            if known is None:
                known = self.hub.register(report.agent_id, token.name, tags=report.tags)
                logger.info("host %s (%s) registered with its host token", known.id, known.name)
            if token.host_id is None and self.tokens is not None:
                self.tokens.bind(token.id, known.id)
                token.host_id = known.id
            return known
        if known is None:
            known = self.hub.register(report.agent_id, report.name or report.agent_id, tags=report.tags)
            logger.info("host %s (%s) enrolled", known.id, known.name)
        return known
