"""`DATA_DIR/hub.sqlite`: what the hub must remember across restarts besides history.

Hosts (the registry) and agent tokens live here; service monitors add their own
table. Small, rarely written tables, so one short transaction per change.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

FILE_NAME = "hub.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS hosts (
    id INTEGER PRIMARY KEY, agent_id TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '[]', first_seen REAL NOT NULL DEFAULT 0, last_seen REAL NOT NULL DEFAULT 0,
    interval REAL NOT NULL DEFAULT 1, address TEXT NOT NULL DEFAULT '', version TEXT NOT NULL DEFAULT '',
    local INTEGER NOT NULL DEFAULT 0, ipv4 TEXT NOT NULL DEFAULT '', ipv6 TEXT NOT NULL DEFAULT '',
    display_index INTEGER NOT NULL DEFAULT 0, hide_for_guest INTEGER NOT NULL DEFAULT 0,
    last_seq INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS agent_tokens (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, digest TEXT NOT NULL UNIQUE,
    host_id INTEGER, created_at REAL NOT NULL, revoked_at REAL NOT NULL DEFAULT 0);
"""


class HubDatabase:
    """One connection to hub.sqlite, shared by the hub's threads under a lock."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / FILE_NAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False,
                                           timeout=30)
        self._connection.execute("PRAGMA journal_mode = WAL")
        self._connection.execute("PRAGMA synchronous = NORMAL")
        self._connection.executescript(_SCHEMA)
        self._lock = threading.Lock()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """The connection inside one write transaction."""
        with self._lock:
            self._connection.execute("BEGIN IMMEDIATE")
            try:
                yield self._connection
            except BaseException:
                self._connection.execute("ROLLBACK")
                raise
            self._connection.execute("COMMIT")

    def query(self, sql: str, parameters: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        """Every row of a read."""
        with self._lock:
            return self._connection.execute(sql, parameters).fetchall()

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._connection.close()
