"""`/ws`: the latest snapshot on connect, a fresh one each interval, several clients at once."""

from __future__ import annotations

import json

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from conftest import Server, wait_for


def test_first_message_is_the_latest_snapshot_and_updates_follow(server: Server) -> None:
    """The first frame arrives at once; the next one after an interval carries a newer snapshot."""
    with connect(f"{server.ws_url}/ws", open_timeout=5) as ws:
        first = json.loads(ws.recv(timeout=5))
        assert set(first) >= {"timestamp", "system", "cpu", "memory", "processes", "health"}
        second = json.loads(ws.recv(timeout=5))
        assert second["seq"] > first["seq"]
        assert second["time"] > first["time"]


def test_two_clients_each_get_every_update_and_are_counted(server: Server) -> None:
    """Two concurrent clients both receive updates, and /healthz counts them while connected."""
    with connect(f"{server.ws_url}/ws") as a, connect(f"{server.ws_url}/ws") as b:
        seqs_a = [json.loads(a.recv(timeout=5))["seq"] for _ in range(3)]
        seqs_b = [json.loads(b.recv(timeout=5))["seq"] for _ in range(3)]
        assert seqs_a == sorted(seqs_a)
        assert seqs_b == sorted(seqs_b)
        assert httpx.get(f"{server.url}/healthz").json()["ws_clients"] >= 2
    wait_for(lambda: httpx.get(f"{server.url}/healthz").json()["ws_clients"] == 0)


def test_a_client_that_never_reads_does_not_hold_up_others(server: Server) -> None:
    """A stalled client (never reading) does not stop another client's stream."""
    with connect(f"{server.ws_url}/ws") as stalled, connect(f"{server.ws_url}/ws") as reader:
        seqs = [json.loads(reader.recv(timeout=5))["seq"] for _ in range(4)]
        assert seqs == sorted(seqs)
        assert len(set(seqs)) >= 3
        assert stalled.protocol.state.name == "OPEN"


def test_unknown_host_is_refused(server: Server) -> None:
    """A stream for a host the hub does not know closes with a policy-violation code."""
    with connect(f"{server.ws_url}/ws?host=9999") as ws, pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=5)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1008
    assert "9999" in closed.value.rcvd.reason
