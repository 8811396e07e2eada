"""History survives a restart and a SIGKILL of the real server, in a real SQLite file."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import httpx
import psutil
import pytest

from conftest import HOSTWATCH, Server, start_server, wait_for

CPU = "cpu.total"


def _times(server: Server, metric: str = CPU, span: str = "15m") -> list[float]:
    response = httpx.get(f"{server.url}/api/v1/history",
                         params={"metric": metric, "range": span, "points": 10_000}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["series"][0]["times"]


def _store_file(server: Server) -> Path:
    return server.data_dir / "history.sqlite"


def test_history_survives_a_restart(tmp_path: Path) -> None:
    first = start_server(tmp_path, "--interval", "250ms")
    try:
        before = wait_for(lambda: (t := _times(first)) and len(t) >= 8 and t)
        glances_before = httpx.get(f"{first.url}/api/4/mem/history").json()["percent"]
    finally:
        first.stop()
    assert "Application shutdown complete" in first.output()
    second = start_server(tmp_path, "--interval", "250ms", "--data-dir", str(first.data_dir))
    try:
        after = wait_for(lambda: (t := _times(second)) and len(t) > len(before) and t)
        assert set(before) <= set(after), "every point seen before the restart is still there"
        assert len(after) == len(set(after))
        glances_after = httpx.get(f"{second.url}/api/4/mem/history").json()["percent"]
        stamps_after = {stamp for stamp, _ in glances_after}
        assert {stamp for stamp, _ in glances_before} <= stamps_after
    finally:
        second.stop()


@pytest.mark.slow
def test_sigkill_while_ingesting_loses_at_most_the_last_second(tmp_path: Path) -> None:
    server = start_server(tmp_path, "--interval", "100ms")
    try:
        wait_for(lambda: len(_times(server)) >= 30, deadline=30)
        seen = _times(server)
        killed_at = time.time()
    finally:
        server.stop(signal.SIGKILL)
    assert server.process.returncode == -signal.SIGKILL
    with sqlite3.connect(_store_file(server)) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    restarted = start_server(tmp_path, "--interval", "100ms", "--data-dir", str(server.data_dir))
    try:
        stored = set(wait_for(lambda: _times(restarted)))
        missing = [t for t in seen if t not in stored]
        # The writer flushes every second: only points younger than one flush may be lost.
        assert all(t > killed_at - 2.0 for t in missing), (len(missing), killed_at - min(missing))
        assert len(missing) <= 12
    finally:
        restarted.stop()


def test_store_commands_work_offline(tmp_path: Path) -> None:
    server = start_server(tmp_path, "--interval", "250ms")
    try:
        wait_for(lambda: len(_times(server)) >= 6)
        data_dir = str(server.data_dir)
        busy = subprocess.run([*HOSTWATCH, "store", "compact", "--data-dir", data_dir],
                              capture_output=True, text=True, timeout=60, check=False)
        assert busy.returncode == 2
        assert "another hostwatch process" in busy.stderr
        stats = subprocess.run([*HOSTWATCH, "store", "stats", "--data-dir", data_dir],
                               capture_output=True, text=True, timeout=60, check=True).stdout
        assert "series" in stats
        assert "bytes per point" in stats
    finally:
        server.stop()
    compact = subprocess.run([*HOSTWATCH, "store", "compact", "--data-dir", data_dir],
                             capture_output=True, text=True, timeout=60, check=True).stdout
    assert "compacted" in compact
    stats = subprocess.run([*HOSTWATCH, "store", "stats", "--data-dir", data_dir],
                           capture_output=True, text=True, timeout=60, check=True).stdout
    raw_line = next(line for line in stats.splitlines() if line.startswith("tier raw"))
    assert int(raw_line.split()[2].replace(",", "")) >= 6, stats
    csv_out = subprocess.run([*HOSTWATCH, "store", "export", "--data-dir", data_dir, "--host", "1",
                              "--metric", "cpu.total,memory.percent", "--range", "15m", "--tier", "raw"],
                             capture_output=True, text=True, timeout=60, check=True).stdout.splitlines()
    assert csv_out[0] == "metric,unit,time,value,min,max"
    assert {line.split(",")[0] for line in csv_out[1:]} == {"cpu.total", "memory.percent"}
    assert len(csv_out) - 1 >= 12
    json_out = subprocess.run([*HOSTWATCH, "store", "export", "--data-dir", data_dir, "--host", "1",
                               "--metric", "memory.percent", "--range", "15m", "--format", "json"],
                              capture_output=True, text=True, timeout=60, check=True).stdout
    assert '"metric":"memory.percent"' in json_out
    bad = subprocess.run([*HOSTWATCH, "store", "export", "--data-dir", data_dir, "--host", "1",
                          "--metric", "cpu.total", "--range", "2x"],
                         capture_output=True, text=True, timeout=60, check=False)
    assert bad.returncode == 2
    assert "unknown range" in bad.stderr


def test_no_history_keeps_the_in_memory_ring(tmp_path: Path) -> None:
    server = start_server(tmp_path, "--interval", "250ms", "--no-history")
    try:
        response = httpx.get(f"{server.url}/api/v1/history", params={"metric": CPU})
        assert response.status_code == 404
        assert response.json()["error"] == "history_disabled"
        assert wait_for(lambda: httpx.get(f"{server.url}/api/4/cpu/history").json().get("total"))
        assert not _store_file(server).exists()
    finally:
        server.stop()


@pytest.mark.parametrize(("writer_process", "children"), [("true", 1), ("false", 0)])
def test_the_store_runs_where_the_settings_say(tmp_path: Path, writer_process: str, children: int) -> None:
    """By default the store is a child process of the server; `writer_process = false` keeps it
    in the server. History works either way, and stopping the server stops the child."""
    server = start_server(tmp_path, "--interval", "250ms",
                          env={"HOSTWATCH_HISTORY_WRITER_PROCESS": writer_process})
    try:
        assert wait_for(lambda: len(_times(server)) >= 4)
        stores = [child for child in psutil.Process(server.process.pid).children()
                  if "multiprocessing.spawn" in " ".join(child.cmdline())]
        assert len(stores) == children
    finally:
        server.stop()
    assert "Application shutdown complete" in server.output()
    assert "unflushed points are lost" not in server.output()
    for child in stores:
        child.wait(timeout=30)  # not our child: psutil cannot tell its exit status, only that it ended
        assert not child.is_running()
