"""An agent pushing over HTTPS: trusted through --ca-file, refused without it (system store)."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from agent_support import create_token, start_agent

from conftest import Server, free_port, start_server, wait_for

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")


def _self_signed(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "hub.pem", directory / "hub.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True, timeout=60)
    return cert, key


class TlsProxy:
    """TLS in front of a plain-HTTP hub, on its own event loop thread."""

    def __init__(self, target_port: int, cert: Path, key: Path) -> None:
        self.port = free_port()
        self.target_port = target_port
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(cert, key)
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(
            asyncio.start_server(self._serve, "127.0.0.1", self.port, ssl=self.context))
        self.ready.set()
        self.loop.run_forever()
        server.close()
        pending = asyncio.all_tasks(self.loop)
        for task in pending:
            task.cancel()
        self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self.loop.run_until_complete(server.wait_closed())
        self.loop.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            except (ConnectionError, ssl.SSLError):
                pass
            finally:
                sink.close()

        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))

    def __enter__(self) -> TlsProxy:
        self.thread.start()
        assert self.ready.wait(10)
        return self

    def __exit__(self, *_: object) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Server]:
    server = start_server(tmp_path, "--no-local")
    yield server
    server.stop()


def test_agent_trusts_the_hub_through_its_ca_file(tmp_path: Path, hub: Server) -> None:
    cert, key = _self_signed(tmp_path)
    token = create_token(hub)
    with TlsProxy(hub.port, cert, key) as proxy:
        url = f"https://127.0.0.1:{proxy.port}"
        trusting = start_agent(tmp_path, hub, token, "trusting", "--hub", url, "--ca-file", str(cert))
        doubting = start_agent(tmp_path, hub, token, "doubting", "--hub", url)
        try:
            wait_for(lambda: [h for h in httpx.get(f"{hub.url}/api/v1/hosts").json()["hosts"]
                              if h["name"] == "trusting" and h["online"]], deadline=40)
            wait_for(lambda: "CERTIFICATE_VERIFY_FAILED" in doubting.output(), deadline=40)
            names = {h["name"] for h in httpx.get(f"{hub.url}/api/v1/hosts").json()["hosts"]}
            assert "doubting" not in names
            assert doubting.process.poll() is None, "an untrusted hub is retried, not given up on"
        finally:
            trusting.stop()
            doubting.stop()
