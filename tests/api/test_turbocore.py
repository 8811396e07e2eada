"""TurboCore's `/api/health/ws` on real servers: `auth` first, then `sysinfo` from the snapshot."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import time
from pathlib import Path

import httpx
import msgspec
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from conftest import HOSTWATCH, Server
from hostwatch.api import turbocore
from hostwatch.api.turbocore import sysinfo
from hostwatch.auth import jwt_tokens
from hostwatch.model import (
    CoreUsage,
    CpuStats,
    DiskStats,
    Filesystem,
    MemoryStats,
    Snapshot,
    SwapStats,
    SystemInfo,
)

PATH = "/api/health/ws"


def ask(ws: ClientConnection, command: str | bytes) -> str:
    """Send one command and return the reply's text."""
    ws.send(command)
    reply = ws.recv(timeout=5)
    assert isinstance(reply, str)
    return reply


def cli_jwt(data_dir: Path, ttl: str = "1h") -> str:
    """A JWT from the real `hostwatch token jwt` command."""
    done = subprocess.run([*HOSTWATCH, "token", "jwt", "--ttl", ttl, "--data-dir", str(data_dir)],
                          capture_output=True, text=True, timeout=30, check=True)
    return done.stdout.strip()


def test_commands_before_auth_are_refused_and_the_socket_stays_open(token_server: Server) -> None:
    """`sysinfo` or any other command before `auth` answers an error; `auth` still works after it."""
    with connect(f"{token_server.ws_url}{PATH}", open_timeout=5) as ws:
        assert ask(ws, "sysinfo") == "error: not authenticated"
        assert ask(ws, "hello").startswith("error: ")
        assert ask(ws, f"auth {token_server.token}") == "ok"
        assert ask(ws, "sysinfo").startswith("{")


def test_a_jwt_signed_with_another_secret_is_refused(token_server: Server) -> None:
    """A well-formed JWT from a foreign key answers "error: invalid token" and grants nothing."""
    jwt_tokens.load_or_create_secret(token_server.data_dir)  # so the hub has a secret: only the key differs
    foreign = jwt_tokens.mint(secrets.token_bytes(32), 3600)
    with connect(f"{token_server.ws_url}{PATH}", open_timeout=5) as ws:
        assert ask(ws, f"auth {foreign}") == "error: invalid token"
        assert ask(ws, "sysinfo") == "error: not authenticated"
        assert ask(ws, "auth not-even-a-jwt") == "error: invalid token"


def test_an_expired_jwt_is_refused(token_server: Server) -> None:
    """A JWT signed with the hub's own secret but past its `exp` answers "error: token expired"."""
    secret = jwt_tokens.load_or_create_secret(token_server.data_dir)
    expired = jwt_tokens.mint(secret, 3600, now=time.time() - 7200)
    with connect(f"{token_server.ws_url}{PATH}", open_timeout=5) as ws:
        assert ask(ws, f"auth {expired}") == "error: token expired"
        assert ask(ws, "sysinfo") == "error: not authenticated"


def test_a_jwt_from_the_cli_is_accepted(token_server: Server) -> None:
    """`hostwatch token jwt --ttl 1h --data-dir <the hub's>` prints a JWT the hub accepts."""
    token = cli_jwt(token_server.data_dir)
    assert token.count(".") == 2
    with connect(f"{token_server.ws_url}{PATH}", open_timeout=5) as ws:
        assert ask(ws, f"  auth {token}  ") == "ok"
        assert "cpus" in json.loads(ask(ws, "sysinfo"))


def test_sysinfo_has_the_documented_shape_and_matches_the_snapshot(token_server: Server) -> None:
    """CPUs per core with the model, memory and swap in bytes, disks by device: as /api/v1/snapshot says."""
    with connect(f"{token_server.ws_url}{PATH}", open_timeout=5) as ws:
        assert ask(ws, f"auth {token_server.token}") == "ok"
        info = json.loads(ask(ws, "sysinfo"))
    snapshot = httpx.get(f"{token_server.url}/api/v1/snapshot",
                         headers={"x-api-token": token_server.token or ""}).json()
    assert set(info) == {"cpus", "mem", "disks"}

    assert len(info["cpus"]) == os.cpu_count()
    assert [cpu["name"] for cpu in info["cpus"]] == [str(n) for n in range(1, len(info["cpus"]) + 1)]
    for cpu in info["cpus"]:
        assert set(cpu) == {"name", "model", "usage"}
        assert cpu["model"] == snapshot["system"]["cpu_model"]
        assert isinstance(cpu["usage"], float)
        assert 0.0 <= cpu["usage"] <= 100.0

    mem = info["mem"]
    assert set(mem) == {"total", "used", "free", "swap_total", "swap_used", "swap_free"}
    assert all(isinstance(value, int) for value in mem.values())
    meminfo = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
    assert mem["total"] == int(meminfo["MemTotal"].split()[0]) * 1024
    assert mem["total"] == snapshot["memory"]["total"]
    assert mem["swap_total"] == snapshot["memory"]["swap"]["total"]
    assert mem["used"] <= mem["total"]
    assert mem["free"] <= mem["total"]

    filesystems = snapshot["disk"]["filesystems"]
    assert [(d["name"], d["total"]) for d in info["disks"]] == [(f["device"], f["size"]) for f in filesystems]
    root = os.statvfs("/")
    assert root.f_blocks * root.f_frsize in {disk["total"] for disk in info["disks"]}
    for disk in info["disks"]:
        assert set(disk) == {"name", "total", "free"}
        assert 0 <= disk["free"] <= disk["total"]


def test_unknown_commands_and_binary_frames_get_errors_and_the_socket_stays_open(
    token_server: Server,
) -> None:
    """After auth, an unknown command and a binary frame each answer an error; `sysinfo` then works."""
    with connect(f"{token_server.ws_url}{PATH}", open_timeout=5) as ws:
        assert ask(ws, f"auth {token_server.token}") == "ok"
        assert ask(ws, "foo bar") == "error: unknown command 'foo bar'"
        assert ask(ws, "sysinfo please").startswith("error: unknown command")
        assert ask(ws, b"sysinfo") == "error: text frames only"
        assert "mem" in json.loads(ask(ws, "sysinfo"))


def test_repeated_failed_auth_closes_the_socket(token_server: Server) -> None:
    """Each failure is answered; after the fifth the server closes with a policy-violation code."""
    with connect(f"{token_server.ws_url}{PATH}", open_timeout=5) as ws:
        for _ in range(5):
            assert ask(ws, "auth wrong") == "error: invalid token"
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1008


def test_a_foreign_origin_is_refused_in_token_mode(token_server: Server) -> None:
    """The guard lets the handshake through without a token, but not from another site's page."""
    with pytest.raises(InvalidStatus) as refused:
        connect(f"{token_server.ws_url}{PATH}", origin="http://evil.example", open_timeout=5)
    assert refused.value.response.status_code == 403
    own = f"http://127.0.0.1:{token_server.port}"
    with connect(f"{token_server.ws_url}{PATH}", origin=own, open_timeout=5) as ws:
        assert ask(ws, f"auth {token_server.token}") == "ok"


def test_open_mode_accepts_any_auth_but_still_requires_the_step(server: Server) -> None:
    """Without a token configured, `auth anything` answers ok; `sysinfo` before it is still refused."""
    with connect(f"{server.ws_url}{PATH}", open_timeout=5) as ws:
        assert ask(ws, "sysinfo") == "error: not authenticated"
        assert ask(ws, "auth anything") == "ok"
        assert len(json.loads(ask(ws, "sysinfo"))["cpus"]) == os.cpu_count()


def test_an_unknown_host_is_closed_with_a_reason(server: Server) -> None:
    """`?host=` picks the host like `/ws`; an unknown one closes with 1008 naming it."""
    with connect(f"{server.ws_url}{PATH}?host=9999") as ws, pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=5)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1008
    assert "9999" in closed.value.rcvd.reason


def test_sysinfo_translates_the_canonical_snapshot() -> None:
    """Cores count from "1" with the system's model; memory, swap and file systems map field by field."""
    snapshot = Snapshot(
        time=0.0,
        system=SystemInfo(cpu_model="Apple M1 Pro"),
        cpu=CpuStats(per_core=[CoreUsage(number=0, total=48.5), CoreUsage(number=1, total=0.0)]),
        memory=MemoryStats(total=100, used=60, free=10, swap=SwapStats(total=50, used=20, free=30)),
        disk=DiskStats(filesystems=[Filesystem(device="/dev/sda1", mount_point="/", size=1000, free=400)]),
    )
    assert msgspec.to_builtins(sysinfo(snapshot)) == {
        "cpus": [
            {"name": "1", "model": "Apple M1 Pro", "usage": 48.5},
            {"name": "2", "model": "Apple M1 Pro", "usage": 0.0},
        ],
        "mem": {"total": 100, "used": 60, "free": 10, "swap_total": 50, "swap_used": 20, "swap_free": 30},
        "disks": [{"name": "/dev/sda1", "total": 1000, "free": 400}],
    }


def test_a_jwt_session_ends_at_the_tokens_expiry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands are allowed until the JWT's `exp`; after it they answer "token expired"."""
    secret = jwt_tokens.load_or_create_secret(tmp_path)
    session = turbocore._Session("api-token", tmp_path)
    assert asyncio.run(session.auth(jwt_tokens.mint(secret, 60))) is None
    assert session.refusal() is None
    later = time.time() + 120
    monkeypatch.setattr(turbocore.time, "time", lambda: later)
    assert session.refusal() == jwt_tokens.EXPIRED
    assert session.refusal() == "not authenticated"
