"""A real snapshot of this machine, moved in time with a known CPU total, for store tests."""

from __future__ import annotations

import msgspec

from hostwatch.model import Snapshot


def at(snapshot: Snapshot, when: float, total: float) -> Snapshot:
    """The real snapshot moved to `when`, with a known CPU total."""
    cpu = msgspec.structs.replace(snapshot.cpu, total=total)
    return msgspec.structs.replace(snapshot, time=when, cpu=cpu)
