"""The store the settings ask for."""

from __future__ import annotations

from hostwatch.config import Settings
from hostwatch.store.base import Retention, Store
from hostwatch.store.process import ProcessStore, StoreConfig
from hostwatch.store.sqlite import SqliteStore


def _retention(settings: Settings) -> Retention:
    history = settings.history
    return Retention(raw=history.raw, minute=history.minute, hour=history.hour)


def store_for(settings: Settings, *, read_only: bool = False) -> SqliteStore:
    """The SQLite store in the settings' data dir, opened in this process (offline commands,
    or a hub whose settings say `writer_process = false`)."""
    history = settings.history
    return SqliteStore(
        settings.data_dir,
        _retention(settings),
        flush_interval=history.flush_interval,
        retention_interval=history.retention_interval,
        read_only=read_only,
    )


def hub_store_for(settings: Settings) -> Store:
    """The store a running hub writes: in a child process unless the settings say otherwise."""
    history = settings.history
    if not history.writer_process:
        return store_for(settings)
    return ProcessStore(StoreConfig(settings.data_dir, _retention(settings), history.flush_interval,
                                    history.retention_interval))
