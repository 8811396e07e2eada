"""Many rows in few SQLite statements.

Python's sqlite3 gives the GIL away for every step of a statement and must win
it back afterwards; with the event loop busy that wait is up to the interpreter's
switch interval (5 ms). One `executemany` row is one step, so a flush that wrote
chunks and progress row by row took seconds under load and fell behind the
agents (measured: 11 ms a snapshot instead of 0.14). Here each statement carries
as many rows as SQLite's variable limit allows.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

MAX_VARIABLES = 30_000
"""Upper bound on parameters per statement; the connection's own limit may be lower."""


def _rows_per_statement(connection: sqlite3.Connection, width: int) -> int:
    limit = min(MAX_VARIABLES, connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    return max(1, limit // width)


def insert_rows(connection: sqlite3.Connection, head: str, rows: Sequence[Sequence[Any]]) -> int:
    """Run `head` (`INSERT ... (columns) VALUES`) for `rows`, many rows per statement;
    how many rows went in."""
    if not rows:
        return 0
    width = len(rows[0])
    per_statement = _rows_per_statement(connection, width)
    placeholder = "(" + ",".join("?" * width) + ")"
    inserted = 0
    for start in range(0, len(rows), per_statement):
        batch = rows[start:start + per_statement]
        values = [value for row in batch for value in row]
        inserted += connection.execute(f"{head} {','.join([placeholder] * len(batch))}", values).rowcount
    return inserted


def present_series(connection: sqlite3.Connection, tier: int, window: int, series: Iterable[int]) -> set[int]:
    """Which of `series` already have a chunk for (`tier`, `window`)."""
    ids = list(series)
    found: set[int] = set()
    per_statement = _rows_per_statement(connection, 1) - 2
    for start in range(0, len(ids), per_statement):
        batch = ids[start:start + per_statement]
        marks = ",".join("?" * len(batch))
        found.update(sid for (sid,) in connection.execute(
            f"SELECT series FROM chunks WHERE tier = ? AND start = ? AND series IN ({marks})",
            (tier, window, *batch)))
    return found
