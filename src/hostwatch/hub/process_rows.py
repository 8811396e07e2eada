"""Agents' process rows, kept as they arrived until someone reads them.

Process rows are most of an agent's snapshot (about two thirds of its bytes and
of its objects), yet at thousands of reports a second almost none of them is
read before the next one replaces it: host lists, health, history and alerts
need the counts, and only a view of that one host (Glances' process list, the
dashboard's table) needs the rows. So the hub keeps them encoded
(`ProcessRows`) and `HostState` decodes them on the first read. Health and
alerts still see the busiest processes through a lean decode of four fields
per row (`ProcessRows.briefs`).

Agents send the rows apart from the snapshot (`rows_apart`: one MessagePack
document the report decoder passes over unparsed); older agents' snapshots
carry them inside, and `decode_reported` splits them off.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import msgspec

from hostwatch.agent.protocol import ProcessRowsDocument
from hostwatch.model import ProcessInfo, ProcessStats, ProgramInfo, Snapshot, variant_fields

_ReportedProcesses = msgspec.defstruct(
    "ReportedProcesses",
    [*variant_fields(ProcessStats, leave_out=("items", "programs")),
     ("items", msgspec.Raw, msgspec.field(default=msgspec.Raw(), name="list")),
     ("programs", msgspec.Raw, msgspec.Raw())],
    kw_only=True, gc=False)
_ReportedSnapshot = msgspec.defstruct(
    "ReportedSnapshot", variant_fields(Snapshot, types={"processes": _ReportedProcesses}),
    kw_only=True, gc=False)

_fields_of = msgspec.structs.asdict


class BriefProcess(msgspec.Struct, gc=False):
    """What health and alerts read of a process row (its busiest and top processes), and nothing else."""

    pid: int
    name: str = ""
    cpu_percent: float = 0.0
    memory_percent: float = 0.0


class _BriefRows(msgspec.Struct, gc=False):
    """A `ProcessRowsDocument` read for its briefs only (programs passed over)."""

    items: list[BriefProcess] = msgspec.field(default_factory=list, name="list")


class _Format(NamedTuple):
    snapshot: msgspec.msgpack.Decoder[Any] | msgspec.json.Decoder[Any]
    items: msgspec.msgpack.Decoder[list[ProcessInfo]] | msgspec.json.Decoder[list[ProcessInfo]]
    programs: msgspec.msgpack.Decoder[list[ProgramInfo]] | msgspec.json.Decoder[list[ProgramInfo]]
    briefs: msgspec.msgpack.Decoder[list[BriefProcess]] | msgspec.json.Decoder[list[BriefProcess]]


_MSGPACK = _Format(msgspec.msgpack.Decoder(_ReportedSnapshot), msgspec.msgpack.Decoder(list[ProcessInfo]),
                   msgspec.msgpack.Decoder(list[ProgramInfo]), msgspec.msgpack.Decoder(list[BriefProcess]))
_JSON = _Format(msgspec.json.Decoder(_ReportedSnapshot), msgspec.json.Decoder(list[ProcessInfo]),
                msgspec.json.Decoder(list[ProgramInfo]), msgspec.json.Decoder(list[BriefProcess]))
_decode_document = msgspec.msgpack.Decoder(ProcessRowsDocument).decode
_decode_brief_rows = msgspec.msgpack.Decoder(_BriefRows).decode


class ProcessRows:
    """One snapshot's process rows (`list` and `programs`) still encoded; decoded once, on demand.

    Decoding checks them as strictly as a whole snapshot's decode would; rows that do not
    decode (an agent that sent a malformed row) read as none, and `error` says why.
    """

    __slots__ = ("_briefs", "_decoded", "error")

    def __init__(self) -> None:
        self._decoded: tuple[list[ProcessInfo], list[ProgramInfo]] | None = None
        self._briefs: list[BriefProcess] | None = None
        self.error = ""

    def _decode_rows(self) -> tuple[list[ProcessInfo], list[ProgramInfo]]:
        raise NotImplementedError

    def _decode_briefs(self) -> list[BriefProcess]:
        raise NotImplementedError

    def decode(self) -> tuple[list[ProcessInfo], list[ProgramInfo]]:
        """The rows and the programs, decoded on the first call."""
        if self._decoded is None:
            try:
                self._decoded = self._decode_rows()
            except msgspec.DecodeError as exc:
                self.error = f"process rows: {exc}"
                self._decoded = ([], [])
        return self._decoded

    def briefs(self) -> list[BriefProcess]:
        """A few fields of each row, read without decoding whole rows (once; from the rows
        themselves when they are decoded already). Rows that do not decode give none."""
        if self._briefs is None:
            if self._decoded is not None:
                self._briefs = [BriefProcess(p.pid, p.name, p.cpu_percent, p.memory_percent)
                                for p in self._decoded[0]]
            else:
                try:
                    self._briefs = self._decode_briefs()
                except msgspec.DecodeError:
                    self._briefs = []
        return self._briefs

    def busiest(self) -> BriefProcess | None:
        """The process with the most CPU."""
        return max(self.briefs(), key=lambda p: p.cpu_percent, default=None)

    def fill(self, snapshot: Snapshot) -> Snapshot:
        """`snapshot` (whose rows were left encoded) with its rows in place."""
        items, programs = self.decode()
        processes = msgspec.structs.replace(snapshot.processes, items=items, programs=programs)
        return msgspec.structs.replace(snapshot, processes=processes)


class _RowsApart(ProcessRows):
    """Rows an agent sent apart: one MessagePack `ProcessRowsDocument`."""

    __slots__ = ("_document",)

    def __init__(self, document: bytes) -> None:
        super().__init__()
        self._document = document

    def _decode_rows(self) -> tuple[list[ProcessInfo], list[ProgramInfo]]:
        document = _decode_document(self._document)
        self._document = b""
        return document.items, document.programs

    def _decode_briefs(self) -> list[BriefProcess]:
        return _decode_brief_rows(self._document).items


class _RowsInside(ProcessRows):
    """Rows split off a snapshot that carried them (older agents): its `list` and `programs`."""

    __slots__ = ("_format", "_items", "_programs")

    def __init__(self, items: msgspec.Raw, programs: msgspec.Raw, wire: _Format) -> None:
        super().__init__()
        self._items = items
        self._programs = programs
        self._format = wire

    def _decode_rows(self) -> tuple[list[ProcessInfo], list[ProgramInfo]]:
        items = self._format.items.decode(self._items) if len(self._items) else []
        programs = self._format.programs.decode(self._programs) if len(self._programs) else []
        self._items = self._programs = msgspec.Raw()
        return items, programs

    def _decode_briefs(self) -> list[BriefProcess]:
        return self._format.briefs.decode(self._items) if len(self._items) else []


def rows_apart(document: bytes) -> ProcessRows:
    """The rows an agent sent apart from their snapshot, as they came."""
    return _RowsApart(document)


def decode_reported(data: bytes | msgspec.Raw, *, msgpack: bool) -> tuple[Snapshot, ProcessRows]:
    """A snapshot that carries its process rows (an older agent's), without them, and the rows
    still encoded.

    Raises `msgspec.DecodeError` like a whole snapshot's decode for anything but the rows.
    """
    wire = _MSGPACK if msgpack else _JSON
    reported = wire.snapshot.decode(data)
    counts = _fields_of(reported.processes)
    rows = _RowsInside(counts.pop("items"), counts.pop("programs"), wire)
    parts = _fields_of(reported)
    parts["processes"] = ProcessStats(**counts)
    return Snapshot(**parts), rows
