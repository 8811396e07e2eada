"""What an agent pushes to its hub and what the hub answers: shared by both sides.

An agent POSTs an `AgentReport` (MessagePack, or JSON for other clients; zstd- or
gzip-compressed) to `/api/v1/agent/report` with `Authorization: Bearer <agent token>`.
`Content-Type` says which encoding: MessagePack decodes in about two thirds of
JSON's time, which counts at thousands of reports a second. Snapshots
carry the agent's own sequence numbers, increasing across agent restarts, so
the hub can drop replays it already has. The reply tells the agent what the hub
wants next (extended process facts, monitors to run).
"""

from __future__ import annotations

import msgspec

from hostwatch.monitors.spec import MonitorResult, MonitorSpec

PROTOCOL_VERSION = 1
REPORT_PATH = "/api/v1/agent/report"
MSGPACK = "application/msgpack"
JSON = "application/json"


class AgentReport(msgspec.Struct, kw_only=True):
    """One push: who the agent is and its snapshots, oldest first."""

    protocol: int
    agent_id: str
    name: str
    tags: list[str] = []
    version: str = ""
    ipv4: str = ""
    ipv6: str = ""
    snapshots: list[msgspec.Raw] = []
    """Each snapshot (a `hostwatch.model.Snapshot`) still in the report's encoding: the hub
    decodes them one by one, and hands MessagePack ones on to its history store as they came."""
    monitor_results: list[MonitorResult] = []
    """Results of the monitors the hub assigned to this agent, since its last accepted push."""


class ReportReply(msgspec.Struct, kw_only=True):
    """The hub's answer to a push."""

    host_id: int
    accepted: int
    duplicates: int
    last_seq: int
    """The newest sequence number the hub holds for this agent."""
    interval: float
    extended_pids: list[int] = []
    monitors: list[MonitorSpec] = []
    """Monitors this agent should run, replacing the previous list."""
