"""What an agent pushes to its hub and what the hub answers: shared by both sides.

An agent POSTs an `AgentReport` (MessagePack, or JSON for other clients; zstd- or
gzip-compressed) to `/api/v1/agent/report` with `Authorization: Bearer <agent token>`.
`Content-Type` says which encoding: MessagePack decodes in about two thirds of
JSON's time, which counts at thousands of reports a second. Snapshots
carry the agent's own sequence numbers, increasing across agent restarts, so
the hub can drop replays it already has. The reply tells the agent what the hub
wants next (extended process facts, monitors to run).

Each snapshot's process rows travel apart from it (`process_rows`, made by
`encode_apart`): most of a snapshot's bytes are rows that a hub reads only
when a view of that host asks, and as one opaque MessagePack document a hub
passes over them without parsing and decodes them when asked. Reports from
older agents, with rows inside the snapshots, are taken too.
"""

from __future__ import annotations

import msgspec

from hostwatch.model import ProcessInfo, ProgramInfo, Snapshot, without_process_rows
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
    process_rows: list[bytes] = []
    """Empty, or one entry per snapshot: its process rows as a MessagePack `ProcessRowsDocument`
    (that snapshot then carries none of its own), or empty bytes where they are inside the
    snapshot (spooled by an older agent)."""
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


class ProcessRowsDocument(msgspec.Struct, kw_only=True, gc=False):
    """A snapshot's process rows sent apart from it: `processes.list` and `processes.programs`."""

    items: list[ProcessInfo] = msgspec.field(default_factory=list, name="list")
    programs: list[ProgramInfo] = []


def encode_apart(snapshot: Snapshot, encoder: msgspec.msgpack.Encoder) -> tuple[bytes, bytes]:
    """`snapshot` as an agent sends it: MessagePack without its process rows, and the rows as
    a `ProcessRowsDocument` (empty bytes when it has none)."""
    processes = snapshot.processes
    if not processes.items and not processes.programs:
        return encoder.encode(snapshot), b""
    rows = encoder.encode(ProcessRowsDocument(items=processes.items, programs=processes.programs))
    return encoder.encode(without_process_rows(snapshot)), rows
