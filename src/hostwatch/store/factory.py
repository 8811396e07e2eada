"""The store the settings ask for."""

from __future__ import annotations

from hostwatch.config import Settings
from hostwatch.store.base import Retention
from hostwatch.store.sqlite import SqliteStore


def store_for(settings: Settings, *, read_only: bool = False) -> SqliteStore:
    """The SQLite store in the settings' data dir, with their retention and flush interval."""
    history = settings.history
    return SqliteStore(
        settings.data_dir,
        Retention(raw=history.raw, minute=history.minute, hour=history.hour),
        flush_interval=history.flush_interval,
        retention_interval=history.retention_interval,
        read_only=read_only,
    )
