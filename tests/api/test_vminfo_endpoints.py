"""The vminfo-shaped API of a real `hostwatch serve`, endpoint by endpoint."""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path

import httpx

from conftest import Server, wait_for

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def meminfo_bytes(key: str) -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name == key:
            return int(rest.split()[0]) * 1024
    raise KeyError(key)


def test_healthz_reports_status_and_websocket_clients(server: Server) -> None:
    """`/healthz` answers vminfo's `{status, ws_clients}`."""
    body = httpx.get(f"{server.url}/healthz").json()
    assert body["status"] == "ok"
    assert isinstance(body["ws_clients"], int)


def test_snapshot_has_every_documented_section(server: Server) -> None:
    """`/api/v1/snapshot` carries vminfo's keys, an ISO UTC timestamp, and live values."""
    body = httpx.get(f"{server.url}/api/v1/snapshot").json()
    for key in ("timestamp", "system", "cpu", "memory", "disk", "network", "load", "processes", "health"):
        assert key in body, key
    assert ISO_UTC.match(body["timestamp"])
    assert body["system"]["hostname"] == socket.gethostname()
    assert body["processes"]["total"] == len(body["processes"]["list"]) > 0
    assert 0 <= body["health"]["score"] <= 100


def test_cpu_has_totals_per_core_and_a_growing_history(server: Server) -> None:
    """`/api/v1/cpu` gives the breakdown, one entry per core, and a short history that grows."""
    first = httpx.get(f"{server.url}/api/v1/cpu").json()
    assert len(first["per_core"]) == os.cpu_count()
    for key in ("total", "user", "system", "idle", "iowait", "irq", "softirq", "nice", "steal",
                "ctx_switches", "ctx_switches_rate", "interrupts_rate"):
        assert key in first
    assert 0 <= first["total"] <= 100
    grown = wait_for(lambda: (b := httpx.get(f"{server.url}/api/v1/cpu").json())
                     and len(b["history"]) > len(first["history"]) and b)
    point = grown["history"][-1]
    assert set(point) >= {"time", "total", "per_core"}
    assert len(point["per_core"]) == os.cpu_count()


def test_memory_matches_the_kernel(server: Server) -> None:
    """`/api/v1/memory` totals equal /proc/meminfo's, with swap nested."""
    body = httpx.get(f"{server.url}/api/v1/memory").json()
    assert body["total"] == meminfo_bytes("MemTotal")
    assert body["swap"]["total"] == meminfo_bytes("SwapTotal")
    assert 0 <= body["percent"] <= 100
    for key in ("available", "used", "free", "active", "inactive", "buffers", "cached", "shared"):
        assert key in body


def test_disk_lists_the_root_file_system_and_device_rates(server: Server) -> None:
    """`/api/v1/disk` has `/` with statvfs's size, and per-device I/O rates that are not negative."""
    body = httpx.get(f"{server.url}/api/v1/disk").json()
    root = next(fs for fs in body["filesystems"] if fs["mount_point"] == "/")
    st = os.statvfs("/")
    assert root["size"] == st.f_blocks * st.f_frsize
    for device in body["io"]:
        assert device["read_bytes_rate"] >= 0
        assert device["write_bytes_rate"] >= 0
    assert body["read_bytes_rate"] >= 0


def test_network_has_interfaces_and_socket_counts(server: Server) -> None:
    """`/api/v1/network` lists interfaces with counters, and counts TCP and UDP sockets."""
    body = httpx.get(f"{server.url}/api/v1/network").json()
    names = {i["name"] for i in body["interfaces"]}
    assert "lo" in names
    assert body["tcp_count"] >= 1  # at least the server's own listening socket
    assert body["tcp_states"].get("LISTEN", 0) >= 1
    assert body["udp_count"] >= 0
    assert body["bytes_recv_rate"] >= 0


def test_system_describes_the_host(server: Server) -> None:
    """`/api/v1/system` has names, kernel, arch, cores and uptime."""
    body = httpx.get(f"{server.url}/api/v1/system").json()
    assert body["hostname"] == socket.gethostname()
    assert body["kernel"] == os.uname().release
    assert body["arch"] == os.uname().machine
    assert body["cpu_logical_cores"] == os.cpu_count()
    assert body["uptime"] > 0
    assert body["host"]["id"] == 1


def test_health_has_a_score_and_coded_warnings(server: Server) -> None:
    """`/api/v1/health` is `{score, warnings}` with vminfo's warning fields."""
    body = httpx.get(f"{server.url}/api/v1/health").json()
    assert 0 <= body["score"] <= 100
    for warning in body["warnings"]:
        assert warning["level"] in ("warning", "critical")
        assert warning["code"]
        assert warning["message"]


def test_hosts_lists_the_local_host_first(server: Server) -> None:
    """`/api/v1/hosts` starts with this machine, online."""
    hosts = httpx.get(f"{server.url}/api/v1/hosts").json()["hosts"]
    assert hosts[0]["id"] == 1
    assert hosts[0]["local"] is True
    assert hosts[0]["online"] is True
    assert hosts[0]["name"] == socket.gethostname()


def test_host_scoped_routes_take_a_host_parameter(server: Server) -> None:
    """`?host=` accepts the id or the name; an unknown host is a 404 with a JSON error."""
    by_id = httpx.get(f"{server.url}/api/v1/system", params={"host": "1"})
    by_name = httpx.get(f"{server.url}/api/v1/system", params={"host": socket.gethostname()})
    assert by_id.status_code == by_name.status_code == 200
    missing = httpx.get(f"{server.url}/api/v1/cpu", params={"host": "no-such-host"})
    assert missing.status_code == 404
    assert missing.json()["error"] == "unknown_host"
    assert "no-such-host" in missing.json()["message"]


def test_json_is_gzipped_when_the_client_accepts_it(server: Server) -> None:
    """Large answers come gzip-compressed to a client that accepts gzip, plain to one that does not."""
    zipped = httpx.get(f"{server.url}/api/v1/snapshot", headers={"accept-encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.json()["system"]
    plain = httpx.get(f"{server.url}/api/v1/snapshot", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.json()["system"]


def test_reads_never_trigger_a_collection(server: Server) -> None:
    """Many reads in a burst all see the same snapshot sequence: the API only reads the hub."""
    with server.client() as client:
        seqs = {client.get("/api/v1/snapshot").json()["seq"] for _ in range(5)}
    assert len(seqs) <= 2  # at most one collection tick may fall inside the burst


def test_unknown_routes_and_methods_answer_json_errors(server: Server) -> None:
    """A wrong path is a JSON 404 and a wrong method a JSON 405, never HTML or a 500."""
    missing = httpx.get(f"{server.url}/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"
    wrong = httpx.post(f"{server.url}/api/v1/snapshot")
    assert wrong.status_code == 405
    assert wrong.json()["status"] == 405


def test_openapi_documents_every_route(server: Server) -> None:
    """`/openapi.json` lists every vminfo route and `/docs` serves Swagger UI from hostwatch itself."""
    paths = httpx.get(f"{server.url}/openapi.json").json()["paths"]
    for path in ("/healthz", "/api/v1/snapshot", "/api/v1/cpu", "/api/v1/memory", "/api/v1/disk",
                 "/api/v1/network", "/api/v1/processes", "/api/v1/system", "/api/v1/health",
                 "/api/v1/hosts", "/ws"):
        assert path in paths, path
    schemas = httpx.get(f"{server.url}/openapi.json").json()["components"]["schemas"]
    assert {"Snapshot", "CpuStats", "ProcessInfo", "Health"} <= set(schemas)
    docs = httpx.get(f"{server.url}/docs")
    assert docs.status_code == 200
    assert "swagger-ui" in docs.text
    assert "cdn" not in docs.text.lower()
    asset = re.search(r'src="([^"]+swagger-ui-bundle\.js)"', docs.text)
    assert asset
    assert httpx.get(f"{server.url}{asset.group(1)}").status_code == 200


def test_dashboard_is_served_at_root(server: Server) -> None:
    """`/` serves the dashboard page, which loads nothing from other hosts."""
    page = httpx.get(f"{server.url}/")
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert not re.search(r'(src|href)="(https?:)?//', page.text)
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', page.text)
    assert scripts, "the page loads its script from hostwatch itself"
    for script in scripts:
        assert httpx.get(f"{server.url}/{script.removeprefix('./').lstrip('/')}").status_code == 200


def test_fast_path_and_framework_route_serve_the_same_document(server: Server) -> None:
    """A plain read (served ahead of the framework) and one with an extra parameter (served by
    the routed handler) give the same shape, built from the same table."""
    for path in ("/api/v1/snapshot", "/api/v1/cpu", "/api/v1/memory", "/api/v1/disk",
                 "/api/v1/network", "/api/v1/system", "/api/v1/health", "/api/v1/processes"):
        plain = httpx.get(f"{server.url}{path}")
        routed = httpx.get(f"{server.url}{path}", params={"host": "1", "extra": "x"})
        assert plain.status_code == routed.status_code == 200
        assert plain.headers["content-type"] == routed.headers["content-type"] == "application/json"
        assert set(plain.json()) == set(routed.json()), path


def test_head_answers_headers_only(server: Server) -> None:
    """HEAD on a document gives its length and type with no body."""
    response = httpx.head(f"{server.url}/api/v1/system")
    assert response.status_code == 200
    assert int(response.headers["content-length"]) > 0
    assert response.content == b""
