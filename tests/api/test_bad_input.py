"""Whatever a client sends, the server answers with a 2xx or a 4xx in its JSON shape, never a 500."""

from __future__ import annotations

import pytest

from conftest import Server

ROUTES = ["/api/v1/snapshot", "/api/v1/cpu", "/api/v1/memory", "/api/v1/disk", "/api/v1/network",
          "/api/v1/processes", "/api/v1/system", "/api/v1/health", "/api/v1/hosts"]
ODD_QUERIES = [
    {"host": ""}, {"host": "0"}, {"host": "-1"}, {"host": "1" * 400}, {"host": "\x00"}, {"host": "é✓"},
    {"filter": "\x00"}, {"filter": "%" * 50}, {"q": "(" * 20}, {"sort": ""}, {"sort": "CPU"},
    {"limit": "99999999999999999999999"}, {"limit": ""}, {"limit": "0x10"}, {"unknown": "x"},
]


@pytest.mark.parametrize("route", ROUTES)
def test_odd_queries_never_cause_a_server_error(server: Server, route: str) -> None:
    """Each odd query value gets a 200 or a JSON 4xx naming the problem."""
    with server.client() as client:
        for params in ODD_QUERIES:
            response = client.get(route, params=params)
            assert response.status_code < 500, (route, params, response.text)
            if response.status_code >= 400:
                assert response.json()["message"], (route, params)


def test_odd_headers_never_cause_a_server_error(server: Server) -> None:
    """Broken cookies, odd encodings and huge headers are answered without a 500."""
    with server.client() as client:
        for headers in ({"cookie": "=;;==; hostwatch_token"}, {"accept-encoding": "gzip;q=abc, *"},
                        {"authorization": "Bearer"}, {"x-forwarded-for": "x" * 4000}):
            assert client.get("/api/v1/snapshot", headers=headers).status_code == 200


def test_bodies_on_read_routes_are_ignored_or_refused(server: Server) -> None:
    """A body sent to a read-only route is a 405, not a crash."""
    with server.client() as client:
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            response = client.request(method, "/api/v1/processes", content=b"\xff" * 1000)
            assert response.status_code == 405
