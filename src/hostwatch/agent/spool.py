"""The agent's durable outbox: every snapshot goes here first and leaves once the hub has it.

One SQLite file in the agent's state dir holds the agent's identity, its next
sequence number and the unsent snapshots (zstd-compressed MessagePack, each
with its process rows apart as the report sends them; older agents spooled
JSON with the rows inside, which `peek` hands over as MessagePack), so a hub
outage, an agent restart or both lose nothing until the spool is full; then the
oldest reports go first, counted in the log.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import uuid
from pathlib import Path
from typing import NamedTuple

import msgspec
import zstandard

from hostwatch.model import Snapshot

logger = logging.getLogger(__name__)

FILE_NAME = "spool.sqlite"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reports (seq INTEGER PRIMARY KEY, time REAL NOT NULL, body BLOB NOT NULL,
                                    rows BLOB);
"""


class Spooled(NamedTuple):
    """One unsent snapshot: MessagePack, and its process rows apart (empty where they are inside,
    as older agents spooled them)."""

    seq: int
    snapshot: bytes
    rows: bytes = b""


class Spool:
    """Unsent reports, oldest first, bounded to `capacity` entries."""

    def __init__(self, state_dir: Path, capacity: int) -> None:
        state_dir.mkdir(parents=True, exist_ok=True)
        self.path = state_dir / FILE_NAME
        self.capacity = capacity
        self._connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._connection.execute("PRAGMA journal_mode = WAL")
        self._connection.execute("PRAGMA synchronous = NORMAL")
        self._connection.executescript(_SCHEMA)
        columns = {row[1] for row in self._connection.execute("PRAGMA table_info(reports)")}
        if "rows" not in columns:  # a spool written by an agent from before rows went apart
            self._connection.execute("ALTER TABLE reports ADD COLUMN rows BLOB")
        self._lock = threading.Lock()
        self._compress = zstandard.ZstdCompressor(level=3)
        self._decompress = zstandard.ZstdDecompressor()
        self.dropped = 0
        self.agent_id = self._meta("agent_id") or self._set_meta("agent_id", uuid.uuid4().hex)
        newest = self._connection.execute("SELECT MAX(seq) FROM reports").fetchone()[0] or 0
        self._next_seq = max(int(self._meta("next_seq") or 1), newest + 1)

    def _meta(self, key: str) -> str | None:
        row = self._connection.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _set_meta(self, key: str, value: str) -> str:
        self._connection.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))
        return value

    def take_seq(self) -> int:
        """The next sequence number (kept across restarts: the hub drops replays by it)."""
        with self._lock:
            seq = self._next_seq
            self._next_seq += 1
            return seq

    def push(self, seq: int, time: float, body: bytes, rows: bytes = b"") -> None:
        """Keep one encoded snapshot and its process rows (apart, when `rows`); drop the oldest
        ones beyond capacity."""
        with self._lock:
            connection = self._connection
            connection.execute("BEGIN IMMEDIATE")
            try:
                packed_rows = self._compress.compress(rows) if rows else None
                connection.execute(
                    "INSERT OR REPLACE INTO reports (seq, time, body, rows) VALUES (?, ?, ?, ?)",
                    (seq, time, self._compress.compress(body), packed_rows))
                self._set_meta("next_seq", str(self._next_seq))
                (count,) = connection.execute("SELECT COUNT(*) FROM reports").fetchone()
                excess = count - self.capacity
                if excess > 0:
                    connection.execute("DELETE FROM reports WHERE seq IN "
                                       "(SELECT seq FROM reports ORDER BY seq LIMIT ?)", (excess,))
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
        if excess > 0:
            self.dropped += excess
            if self.dropped in (1, 10, 100) or self.dropped % 1000 == 0:
                logger.warning("spool full (%d reports): dropped the oldest, %d so far",
                               self.capacity, self.dropped)

    def peek(self, max_count: int, max_bytes: int) -> list[Spooled]:
        """The oldest snapshots, at most `max_count` and about `max_bytes`."""
        with self._lock:
            found = self._connection.execute(
                "SELECT seq, body, rows FROM reports ORDER BY seq LIMIT ?", (max_count,)).fetchall()
        batch: list[Spooled] = []
        size = 0
        for seq, body, rows in found:
            entry = Spooled(int(seq), _as_msgpack(self._decompress.decompress(body)),
                            self._decompress.decompress(rows) if rows else b"")
            entry_size = len(entry.snapshot) + len(entry.rows)
            if batch and size + entry_size > max_bytes:
                break
            batch.append(entry)
            size += entry_size
        return batch

    def drop_through(self, seq: int) -> None:
        """Forget every report up to and including `seq` (the hub has them)."""
        with self._lock:
            self._connection.execute("DELETE FROM reports WHERE seq <= ?", (seq,))

    def __len__(self) -> int:
        with self._lock:
            return int(self._connection.execute("SELECT COUNT(*) FROM reports").fetchone()[0])

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._connection.close()


def _as_msgpack(body: bytes) -> bytes:
    """A spooled snapshot as MessagePack; a JSON one (spooled by an older agent) re-encoded.
    An encoded snapshot is a map, so its first byte tells: `{` in JSON, 0x80-0x8f/0xde in
    MessagePack."""
    if body[:1] == b"{":
        return msgspec.msgpack.encode(msgspec.json.decode(body, type=Snapshot))
    return body
