"""What a report body may be: MessagePack or JSON, zstd with or without a declared size, and
what the agent's spool hands over (older agents spooled JSON)."""

from __future__ import annotations

import gzip
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import msgspec
import pytest
import zstandard
from agent_support import create_token

from conftest import Server, start_server
from hostwatch.agent.protocol import (
    JSON,
    MSGPACK,
    PROTOCOL_VERSION,
    REPORT_PATH,
    ProcessRowsDocument,
    encode_apart,
)
from hostwatch.agent.spool import Spool
from hostwatch.collect.collector import Collector
from hostwatch.model import Snapshot


@pytest.fixture(scope="module")
def snapshot() -> Snapshot:
    return Collector().collect()


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    server = start_server(tmp_path_factory.mktemp("encodings"), "--no-local")
    try:
        yield server, create_token(server, "--name", "encodings")
    finally:
        server.stop()


def _report(agent_id: str, snapshot: object) -> dict[str, object]:
    return {"protocol": PROTOCOL_VERSION, "agent_id": agent_id, "name": agent_id, "snapshots": [snapshot]}


def _post(hub: Server, token: str, body: bytes, **headers: str) -> httpx.Response:
    return httpx.post(f"{hub.url}{REPORT_PATH}", content=body, timeout=30,
                      headers={"authorization": f"Bearer {token}", **headers})


def _names(hub: Server) -> set[str]:
    return {h["name"] for h in httpx.get(f"{hub.url}/api/v1/hosts", timeout=10).json()["hosts"]}


def test_msgpack_and_json_reports_give_the_same_host(hub: tuple[Server, str], snapshot: Snapshot) -> None:
    """The same snapshot sent as MessagePack (what the agent sends) and as JSON (with and
    without a Content-Type) lands as three hosts with identical figures."""
    server, token = hub
    bodies = {
        "packed": (msgspec.msgpack.encode(_report("packed", snapshot)), {"content-type": MSGPACK}),
        "json": (msgspec.json.encode(_report("json", snapshot)), {"content-type": f"{JSON}; charset=utf-8"}),
        "untyped": (msgspec.json.encode(_report("untyped", snapshot)), {}),
    }
    for name, (body, headers) in bodies.items():
        response = _post(server, token, zstandard.ZstdCompressor().compress(body),
                         **{"content-encoding": "zstd", **headers})
        assert response.status_code == 200, (name, response.text)
        assert response.json()["accepted"] == 1
    hosts = {h["name"]: h for h in httpx.get(f"{server.url}/api/v1/hosts", timeout=10).json()["hosts"]}
    figures = []
    for name in bodies:
        document = httpx.get(f"{server.url}/api/v1/snapshot", params={"host": str(hosts[name]["id"])}).json()
        figures.append((document["cpu"], document["memory"], document["disk"]))
    assert figures[0] == figures[1] == figures[2]


@pytest.mark.parametrize("media_type", ["text/plain", "application/xml", "application/octet-stream"])
def test_other_media_types_get_415_and_change_nothing(hub: tuple[Server, str], snapshot: Snapshot,
                                                      media_type: str) -> None:
    server, token = hub
    before = _names(server)
    response = _post(server, token, msgspec.json.encode(_report("typed-wrong", snapshot)),
                     **{"content-type": media_type})
    assert response.status_code == 415
    assert response.json()["error"] == "unsupported_media_type"
    assert media_type in response.json()["message"]
    assert _names(server) == before


def test_msgpack_that_is_not_a_report_gets_400(hub: tuple[Server, str]) -> None:
    server, token = hub
    for body in (b"\xc1", msgspec.msgpack.encode({"protocol": 1, "agent_id": "x", "name": "x",
                                                 "snapshots": [{"time": "soon"}]})):
        response = _post(server, token, body, **{"content-type": MSGPACK})
        assert response.status_code == 400
        assert response.json()["error"] == "bad_report"
    assert "x" not in _names(server)


def test_process_rows_must_match_the_snapshots(hub: tuple[Server, str], snapshot: Snapshot) -> None:
    """`process_rows` is empty or has one entry per snapshot; anything else is a 400 and
    changes nothing."""
    server, token = hub
    report = {**_apart_report("miscounted", snapshot), "process_rows": [b"", b""]}
    response = _post(server, token, msgspec.msgpack.encode(report), **{"content-type": MSGPACK})
    assert response.status_code == 400
    assert response.json()["error"] == "bad_report"
    assert "process_rows" in response.json()["message"]
    assert "miscounted" not in _names(server)


def test_a_body_of_several_zstd_frames_is_read_whole(hub: tuple[Server, str], snapshot: Snapshot) -> None:
    """Two frames back to back (each declaring its size) are one body: the report they make
    together is taken, not cut at the first frame's end; a broken second frame is a 400."""
    server, token = hub
    body = msgspec.msgpack.encode(_apart_report("two-frames", snapshot))
    compressor = zstandard.ZstdCompressor()
    half = len(body) // 2
    framed = compressor.compress(body[:half]) + compressor.compress(body[half:])
    response = _post(server, token, framed, **{"content-type": MSGPACK, "content-encoding": "zstd"})
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == 1
    broken = compressor.compress(body[:half]) + b"\x28\xb5\x2f\xfd" + b"\x00" * 8
    response = _post(server, token, broken, **{"content-type": MSGPACK, "content-encoding": "zstd"})
    assert response.status_code == 400
    assert response.json()["error"] == "bad_report"


def test_gzip_bodies_whole_in_members_bounded_and_checked(hub: tuple[Server, str],
                                                          snapshot: Snapshot) -> None:
    """gzip works like zstd: one member or several back to back make the report; one that
    inflates beyond the limit is a 413, a cut-off one a 400."""
    server, token = hub
    headers = {"content-type": MSGPACK, "content-encoding": "gzip"}
    body = msgspec.msgpack.encode(_apart_report("gzipped", snapshot))
    assert _post(server, token, gzip.compress(body), **headers).status_code == 200
    half = len(body) // 2
    body = msgspec.msgpack.encode(_apart_report("gzip-members", snapshot))
    members = gzip.compress(body[:half]) + gzip.compress(body[half:])
    response = _post(server, token, members, **headers)
    assert response.status_code == 200, response.text
    assert {"gzipped", "gzip-members"} <= _names(server)
    bomb = _post(server, token, gzip.compress(b"\x00" * (80 << 20)), **headers)
    assert bomb.status_code == 413
    cut = _post(server, token, gzip.compress(body)[:-20], **headers)
    assert cut.status_code == 400
    assert "gzip" in cut.json()["message"]


def test_zstd_frames_without_a_declared_size_are_read_and_bounded(hub: tuple[Server, str],
                                                                 snapshot: Snapshot) -> None:
    """A streamed frame (no content size in its header) is read in pieces: a good one is
    taken, one that expands beyond the limit gets 413 before it is all inflated."""
    server, token = hub
    streaming = zstandard.ZstdCompressor(write_content_size=False)
    good = streaming.compress(msgspec.msgpack.encode(_report("streamed", snapshot)))
    assert zstandard.frame_content_size(good) == -1
    response = _post(server, token, good, **{"content-type": MSGPACK, "content-encoding": "zstd"})
    assert response.status_code == 200
    bomb = streaming.compress(b"\x00" * (80 << 20))
    response = _post(server, token, bomb, **{"content-type": MSGPACK, "content-encoding": "zstd"})
    assert response.status_code == 413
    assert response.json()["error"] == "report_too_large"


def _host_id(hub: Server, name: str) -> str:
    hosts = httpx.get(f"{hub.url}/api/v1/hosts", timeout=10).json()["hosts"]
    return str(next(h["id"] for h in hosts if h["name"] == name))


def _apart_report(agent_id: str, snapshot: Snapshot) -> dict[str, object]:
    """A report as `hostwatch agent` makes it: the process rows apart from the snapshot."""
    light, rows = encode_apart(snapshot, msgspec.msgpack.Encoder())
    return {**_report(agent_id, msgspec.Raw(light)), "process_rows": [rows]}


@pytest.mark.parametrize(("media_type", "apart"), [(MSGPACK, True), (MSGPACK, False), (JSON, False)])
def test_process_rows_reach_the_views_that_show_them(hub: tuple[Server, str], snapshot: Snapshot,
                                                     media_type: str, apart: bool) -> None:
    """The hub keeps an agent's process rows encoded until read, whether they came apart (as
    the agent sends them) or inside the snapshot (older agents); Glances' process and program
    lists and the snapshot document still show every row the agent sent."""
    server, token = hub
    name = f"rows-{media_type.rpartition('/')[2]}-{'apart' if apart else 'inside'}"
    if apart:
        body = msgspec.msgpack.encode(_apart_report(name, snapshot))
    else:
        encode = msgspec.msgpack.encode if media_type == MSGPACK else msgspec.json.encode
        body = encode(_report(name, snapshot))
    response = _post(server, token, body, **{"content-type": media_type})
    assert response.status_code == 200
    host = _host_id(server, name)
    listed = httpx.get(f"{server.url}/api/4/processlist", params={"host": host}, timeout=10).json()
    assert sorted(row["pid"] for row in listed) == sorted(p.pid for p in snapshot.processes.items)
    programs = httpx.get(f"{server.url}/api/4/programlist", params={"host": host}, timeout=10).json()
    assert len(programs) == len(snapshot.processes.programs)
    document = httpx.get(f"{server.url}/api/v1/snapshot", params={"host": host}, timeout=10).json()
    assert len(document["processes"]["list"]) == len(snapshot.processes.items)


@pytest.mark.parametrize("apart", [True, False])
def test_process_rows_that_do_not_decode_cost_only_themselves(hub: tuple[Server, str], apart: bool) -> None:
    """Rows are checked when first read: a report whose rows are malformed is taken, its figures
    and counts are shown, its rows read as none; nothing answers 500."""
    server, token = hub
    rows = {"list": [{"pid": "one"}], "programs": [{"pids": 3}]}
    bad: dict[str, object] = {"time": time.time(), "seq": 1, "cpu": {"total": 12.5},
                              "processes": {"total": 2, **({} if apart else rows)}}
    name = f"bad-rows-{'apart' if apart else 'inside'}"
    report = _report(name, bad)
    if apart:
        report["process_rows"] = [msgspec.msgpack.encode(rows)]
    response = _post(server, token, msgspec.msgpack.encode(report), **{"content-type": MSGPACK})
    assert response.status_code == 200
    host = _host_id(server, name)
    assert httpx.get(f"{server.url}/api/4/processlist", params={"host": host}, timeout=10).json() == []
    assert httpx.get(f"{server.url}/api/4/programlist", params={"host": host}, timeout=10).json() == []
    document = httpx.get(f"{server.url}/api/v1/snapshot", params={"host": host}, timeout=10).json()
    assert document["cpu"]["total"] == 12.5
    assert document["processes"]["total"] == 2


def test_the_spool_hands_over_msgpack_even_for_json_entries(tmp_path: Path, snapshot: Snapshot) -> None:
    """Entries spooled as JSON by an older agent come out of `peek` as MessagePack, in order,
    equal to what was spooled, beside entries spooled as MessagePack."""
    spool = Spool(tmp_path, capacity=10)
    try:
        first = msgspec.structs.replace(snapshot, seq=spool.take_seq())
        second = msgspec.structs.replace(snapshot, seq=spool.take_seq(), time=snapshot.time + 1)
        spool.push(first.seq, first.time, msgspec.json.encode(first))
        spool.push(second.seq, second.time, msgspec.msgpack.encode(second))
        batch = spool.peek(10, 1 << 20)
        assert [entry.seq for entry in batch] == [first.seq, second.seq]
        decoded = [msgspec.msgpack.decode(entry.snapshot, type=Snapshot) for entry in batch]
        assert decoded == [first, second]
        assert [entry.rows for entry in batch] == [b"", b""]
    finally:
        spool.close()


def test_the_spool_keeps_rows_apart_and_reads_an_older_agents_file(tmp_path: Path,
                                                                   snapshot: Snapshot) -> None:
    """A spool file from before rows went apart (no `rows` column) opens and hands over its
    entries; entries spooled since carry their rows apart, as the report sends them."""
    old = sqlite3.connect(tmp_path / "spool.sqlite")
    old.executescript("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                      "CREATE TABLE reports (seq INTEGER PRIMARY KEY, time REAL NOT NULL,"
                      " body BLOB NOT NULL);")
    whole = msgspec.structs.replace(snapshot, seq=1)
    old.execute("INSERT INTO reports VALUES (1, ?, ?)",
                (whole.time, zstandard.ZstdCompressor().compress(msgspec.msgpack.encode(whole))))
    old.commit()
    old.close()
    spool = Spool(tmp_path, capacity=10)
    try:
        newer = msgspec.structs.replace(snapshot, seq=spool.take_seq(), time=snapshot.time + 1)
        assert newer.seq == 2
        spool.push(newer.seq, newer.time, *encode_apart(newer, msgspec.msgpack.Encoder()))
        older_entry, newer_entry = spool.peek(10, 1 << 20)
        assert msgspec.msgpack.decode(older_entry.snapshot, type=Snapshot) == whole
        assert older_entry.rows == b""
        light = msgspec.msgpack.decode(newer_entry.snapshot, type=Snapshot)
        assert light.processes.items == []
        assert light.processes.total == newer.processes.total
        rows = msgspec.msgpack.decode(newer_entry.rows, type=ProcessRowsDocument)
        assert rows.items == newer.processes.items
        assert rows.programs == newer.processes.programs
    finally:
        spool.close()
