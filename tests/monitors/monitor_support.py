"""Real services on 127.0.0.1 for monitors to probe: an HTTP server and a TCP listener."""

from __future__ import annotations

import http.server
import socketserver
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

HEADER_DELAY = 0.05
"""Seconds `/ok` waits before its headers, so a measured delay has a known floor."""
SLOW = 3.0
"""Seconds `/slow` waits before answering: longer than the probes' timeouts in the tests."""


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/ok":
            time.sleep(HEADER_DELAY)
            self._answer(200)
        elif self.path == "/fail":
            self._answer(500)
        elif self.path == "/moved":
            self._answer(302, location="/ok")
        elif self.path == "/slow":
            time.sleep(SLOW)
            self._answer(200)
        else:
            self._answer(404)

    def _answer(self, status: int, location: str = "") -> None:
        body = b"hostwatch test\n"
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


class _QuietHTTPServer(http.server.ThreadingHTTPServer):
    def handle_error(self, *_args: object) -> None:
        """Probes hang up after the headers; the broken pipes that follow are expected."""


class _CloseAtOnce(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        pass


class _Listener(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@dataclass
class Services:
    """Where the services listen."""

    http_port: int
    tcp_port: int

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.http_port}{path}"


@contextmanager
def running_services() -> Iterator[Services]:
    """An HTTP server (`/ok` after HEADER_DELAY, `/fail` 500, `/moved` 302 to /ok, `/slow`) and a
    TCP listener that accepts and closes, both on free loopback ports, for the block's duration."""
    web = _QuietHTTPServer(("127.0.0.1", 0), _Handler)
    tcp = _Listener(("127.0.0.1", 0), _CloseAtOnce)
    threads = [threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
               for s in (web, tcp)]
    for thread in threads:
        thread.start()
    try:
        yield Services(http_port=web.server_address[1], tcp_port=tcp.server_address[1])
    finally:
        for server in (web, tcp):
            server.shutdown()
            server.server_close()
        for thread in threads:
            thread.join(timeout=5)
