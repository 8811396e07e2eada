"""Nezha's API on a real `hostwatch serve` in token mode, with a ping monitor the hub runs itself."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from conftest import Server, start_server, wait_for

TOKEN = "s3cret-token"


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("nezha-serve")
    config = tmp / "hostwatch.toml"
    config.write_text('[[monitors]]\nname = "loopback"\nkind = "icmp"\ntarget = "127.0.0.1"\ninterval = 1\n')
    server = start_server(tmp, "--interval", "500ms", "--token", TOKEN, "--config", str(config))
    server.token = TOKEN
    yield server
    server.stop()


def _result(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["code"], body["message"]) == (0, "success")
    return body["result"]


def test_the_bare_token_in_authorization_opens_the_server_routes(hub: Server) -> None:
    """Nezha's clients send `Authorization: TOKEN`; without it the routes are 401."""
    url = f"{hub.url}/api/v1/server/list"
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, headers={"Authorization": "not-it"}).status_code == 401
    (local,) = _result(httpx.get(url, headers={"Authorization": TOKEN}))
    assert local["id"] == 1
    assert local["tag"] == ""
    assert abs(local["last_active"] - time.time()) < 60
    assert local["valid_ip"] == (local["ipv4"] or local["ipv6"])
    (details,) = _result(httpx.get(f"{hub.url}/api/v1/server/details?id=1",
                                   headers={"Authorization": TOKEN}))
    assert details["host"]["MemTotal"] > 0
    assert details["status"]["ProcessCount"] > 0
    assert details["host"]["Version"]


def test_ping_history_is_public_and_grows_per_minute(hub: Server) -> None:
    """`/api/v1/monitor/1` answers without a token; the hub's own ICMP probes of loopback appear as
    minute points in milliseconds with their average delay."""
    def history() -> list[dict[str, Any]] | None:
        entries = _result(httpx.get(f"{hub.url}/api/v1/monitor/1"))
        return entries if entries and entries[0]["created_at"] else None

    (entry,) = wait_for(history, deadline=30)
    assert {k: entry[k] for k in ("monitor_id", "server_id", "monitor_name")} == {
        "monitor_id": 1, "server_id": 1, "monitor_name": "loopback"}
    assert entry["server_name"]
    assert len(entry["created_at"]) == len(entry["avg_delay"]) >= 1
    assert all(t % 60_000 == 0 for t in entry["created_at"])
    assert abs(entry["created_at"][-1] / 1000 - time.time()) < 180
    assert all(0 < d < 1000 for d in entry["avg_delay"])


def test_monitor_errors_keep_nezhas_envelope(hub: Server) -> None:
    """A bad or unknown server id is answered in the envelope even without a token."""
    bad = httpx.get(f"{hub.url}/api/v1/monitor/x")
    assert bad.status_code == 400
    assert bad.json()["code"] == 400
    assert bad.json()["result"] is None
    missing = httpx.get(f"{hub.url}/api/v1/monitor/77")
    assert (missing.status_code, missing.json()["code"]) == (404, 404)
