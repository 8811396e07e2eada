"""`/api/v1/processes`: filter, sort, limit and bad values, against a child process the test owns."""

from __future__ import annotations

import getpass
import os
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from conftest import Server, wait_for

MARKER = "hostwatch-test-marker-7f3a"


@pytest.fixture(scope="module")
def child() -> Iterator[subprocess.Popen[bytes]]:
    """A sleeping child whose command line carries a marker."""
    process = subprocess.Popen(
        [sys.executable, "-c", "import time, sys; time.sleep(120)", MARKER]
    )
    yield process
    process.kill()
    process.wait()


def find(server: Server, **params: object) -> dict:  # type: ignore[type-arg]
    response = httpx.get(f"{server.url}/api/v1/processes", params=params)  # type: ignore[arg-type]
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_filter_finds_the_child_by_its_command(server: Server, child: subprocess.Popen[bytes]) -> None:
    """Filtering on the marker returns exactly the child, with every documented row field."""
    body = wait_for(lambda: (b := find(server, filter=MARKER)) and b["total"] == 1 and b)
    row = body["list"][0]
    assert row["pid"] == child.pid
    assert row["ppid"] == os.getpid()
    assert row["user"] == getpass.getuser()
    assert MARKER in row["command"]
    assert row["name"].startswith("python")
    assert row["status"] in ("S", "R")
    assert row["rss"] > 0
    assert row["threads"] >= 1
    assert row["uptime"] >= 0
    assert row["started_at_unix"] > 0
    assert set(row) == {"pid", "ppid", "name", "user", "cpu_percent", "mem_percent", "rss", "status",
                        "command", "threads", "nice", "uptime", "started_at_unix"}


def test_q_is_an_alias_of_filter_and_matching_ignores_case(
    server: Server, child: subprocess.Popen[bytes]
) -> None:
    """`q` works like `filter`, case-insensitively; a PID matches too."""
    wait_for(lambda: find(server, q=MARKER.upper())["total"] == 1)
    by_pid = find(server, filter=str(child.pid))
    assert child.pid in [row["pid"] for row in by_pid["list"]]


def test_each_sort_order(server: Server) -> None:
    """sort=cpu and mem go busiest first, pid ascending, name alphabetical."""
    rows = find(server, sort="cpu")["list"]
    assert [r["cpu_percent"] for r in rows] == sorted((r["cpu_percent"] for r in rows), reverse=True)
    rows = find(server, sort="mem")["list"]
    assert [r["mem_percent"] for r in rows] == sorted((r["mem_percent"] for r in rows), reverse=True)
    rows = find(server, sort="pid")["list"]
    assert [r["pid"] for r in rows] == sorted(r["pid"] for r in rows)
    rows = find(server, sort="name")["list"]
    assert [r["name"].lower() for r in rows] == sorted(r["name"].lower() for r in rows)


def test_limit_cuts_the_list_but_not_the_total(server: Server) -> None:
    """limit=N returns N rows; 0 means no limit."""
    everything = find(server, limit=0)
    limited = find(server, limit=3, sort="pid")
    assert len(limited["list"]) == 3
    assert limited["total"] >= 3
    assert len(everything["list"]) == everything["total"]


@pytest.mark.parametrize(
    ("params", "code", "words"),
    [
        ({"sort": "foo"}, "bad_sort", "sort"),
        ({"limit": "-1"}, "bad_limit", "limit"),
        ({"limit": "ten"}, "bad_request", "limit"),
        ({"limit": "1.5"}, "bad_request", "limit"),
    ],
)
def test_bad_query_values_get_a_400_naming_the_problem(server: Server, params: dict[str, str], code: str,
                                                       words: str) -> None:
    """A bad value is a 400 whose JSON error names the parameter, and the server keeps serving."""
    response = httpx.get(f"{server.url}/api/v1/processes", params=params)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == code
    assert words in body["message"]
    assert httpx.get(f"{server.url}/api/v1/processes").status_code == 200
