"""Many rows in few statements: every row goes in, whatever the connection's variable limit."""

from __future__ import annotations

import sqlite3

from hostwatch.store.statements import insert_rows, present_series


def _connection(limit: int) -> sqlite3.Connection:
    connection = sqlite3.connect(":memory:")
    connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, limit)
    connection.execute("CREATE TABLE chunks (series INTEGER, tier INTEGER, start INTEGER, data BLOB, "
                       "UNIQUE (series, tier, start))")
    return connection


def test_rows_beyond_one_statement_all_go_in() -> None:
    """With room for 3 rows of 4 values a statement, 10 rows take 4 statements and all land."""
    connection = _connection(12)
    statements: list[str] = []
    connection.set_trace_callback(statements.append)
    rows = [(n, 0, 600, bytes([n])) for n in range(10)]
    assert insert_rows(connection, "INSERT INTO chunks (series, tier, start, data) VALUES", rows) == 10
    assert len([s for s in statements if s.startswith("INSERT")]) == 4
    stored = connection.execute("SELECT series, tier, start, data FROM chunks ORDER BY series").fetchall()
    assert stored == rows
    assert insert_rows(connection, "INSERT INTO chunks (series, tier, start, data) VALUES", []) == 0


def test_present_series_finds_stored_chunks_across_statements() -> None:
    connection = _connection(5)
    insert_rows(connection, "INSERT INTO chunks (series, tier, start, data) VALUES",
                [(n, 1, 3600, b"") for n in range(0, 20, 2)])
    assert present_series(connection, 1, 3600, range(20)) == set(range(0, 20, 2))
    assert present_series(connection, 1, 7200, range(20)) == set()
    assert present_series(connection, 0, 3600, []) == set()
