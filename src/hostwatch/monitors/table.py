"""The `monitors` table of `DATA_DIR/hub.sqlite`: API-created monitors, and the ids of config-file ones.

A config-file monitor without an explicit `id` keeps the id it was first given,
remembered here under its name, so its history stays its own across restarts
and edits of the file. Deleted monitors keep their row (with `deleted_at`) so
their id is never handed out again: the store keys history by monitor id.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import msgspec

from hostwatch.hub.database import HubDatabase
from hostwatch.monitors.spec import MonitorSpec

_SCHEMA = """
CREATE TABLE IF NOT EXISTS monitors (
    id INTEGER PRIMARY KEY,
    origin TEXT NOT NULL,
    config_key TEXT,
    spec TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    deleted_at REAL NOT NULL DEFAULT 0)
"""
API = "api"
CONFIG = "config"


@dataclass(frozen=True)
class StoredMonitor:
    """One row: an API monitor's spec, or a config monitor's remembered id."""

    id: int
    origin: str
    config_key: str | None
    spec: MonitorSpec | None
    deleted: bool


class MonitorTable:
    """Reads and writes the `monitors` table; every write is one short transaction."""

    def __init__(self, database: HubDatabase) -> None:
        self.database = database
        with database.transaction() as connection:
            connection.execute(_SCHEMA)

    def rows(self) -> list[StoredMonitor]:
        """Every row, deleted ones included, by id."""
        found = []
        for ident, origin, key, spec, deleted in self.database.query(
                "SELECT id, origin, config_key, spec, deleted_at FROM monitors ORDER BY id"):
            parsed = msgspec.json.decode(spec, type=MonitorSpec) if origin == API and spec else None
            found.append(StoredMonitor(ident, origin, key, parsed, bool(deleted)))
        return found

    def insert(self, spec: MonitorSpec) -> None:
        """Keep a new API monitor."""
        now = time.time()
        with self.database.transaction() as connection:
            connection.execute(
                "INSERT INTO monitors (id, origin, spec, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                (spec.id, API, msgspec.json.encode(spec).decode(), now, now))

    def update(self, spec: MonitorSpec) -> None:
        """Replace an API monitor's spec."""
        with self.database.transaction() as connection:
            connection.execute("UPDATE monitors SET spec = ?, updated_at = ? WHERE id = ? AND origin = ?",
                               (msgspec.json.encode(spec).decode(), time.time(), spec.id, API))

    def delete(self, monitor_id: int) -> None:
        """Mark an API monitor deleted; its id stays taken."""
        with self.database.transaction() as connection:
            connection.execute("UPDATE monitors SET deleted_at = ? WHERE id = ? AND origin = ?",
                               (time.time(), monitor_id, API))

    def remember_config(self, assigned: dict[str, int]) -> None:
        """Keep the ids given to config monitors, by name (a name seen before keeps its row)."""
        if not assigned:
            return
        now = time.time()
        with self.database.transaction() as connection:
            for key, ident in assigned.items():
                connection.execute("DELETE FROM monitors WHERE origin = ? AND config_key = ?", (CONFIG, key))
                connection.execute(
                    "INSERT OR REPLACE INTO monitors (id, origin, config_key, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?)", (ident, CONFIG, key, now, now))
