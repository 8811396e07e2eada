"""Fixtures shared by the suites: real `hostwatch serve` processes on free ports."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

HOSTWATCH = [sys.executable, "-m", "hostwatch"]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A running `hostwatch serve` and how to reach it."""

    process: subprocess.Popen[bytes]
    port: int
    data_dir: Path
    log: Path
    token: str | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def client(self, **kwargs: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=10, **kwargs)  # type: ignore[arg-type]

    def output(self) -> str:
        """Everything the server printed so far."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10) -> int:
        """Signal the server and wait for it to exit; its exit status."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise


def start_server(tmp_path: Path, *args: str, env: dict[str, str] | None = None,
                 ready: bool = True, port: int | None = None) -> Server:
    """Start `hostwatch serve` on a free port (or `port`) and, unless told not to, wait until
    /healthz answers."""
    port = port or free_port()
    data_dir = tmp_path / f"data-{port}"
    command = [*HOSTWATCH, "serve", "--port", str(port), "--data-dir", str(data_dir), *args]
    log = tmp_path / f"server-{port}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, stdout=sink, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
        )
    server = Server(process=process, port=port, data_dir=data_dir, log=log)
    if ready:
        wait_until_responds(server)
    return server


def wait_until_responds(server: Server, deadline: float = 30.0) -> None:
    """Poll /healthz until it answers 200; fail with the server's output if it dies or never does."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if server.process.poll() is not None:
            pytest.fail(f"hostwatch exited with {server.process.returncode}:\n{server.output()}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    server.stop(signal.SIGKILL)
    pytest.fail("hostwatch did not answer /healthz in time")


def wait_for(predicate, deadline: float = 15.0, step: float = 0.05):  # type: ignore[no-untyped-def]
    """Poll `predicate` until it returns something truthy; that value, or a failure at the deadline."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    pytest.fail(f"condition not met within {deadline} s")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One open-mode server for a test module, collecting every half second."""
    srv = start_server(tmp_path_factory.mktemp("serve"), "--interval", "500ms")
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def token_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One token-mode server with a known token."""
    srv = start_server(tmp_path_factory.mktemp("token"), "--interval", "500ms", "--token", "s3cret-token")
    srv.token = "s3cret-token"
    yield srv
    srv.stop()
