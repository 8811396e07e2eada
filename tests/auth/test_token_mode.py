"""Token mode on a real server: every way to present the token, the cookie flow, origins, and logs."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from conftest import Server, start_server, wait_for


def test_healthz_stays_public(token_server: Server) -> None:
    """`/healthz` answers without any token."""
    assert httpx.get(f"{token_server.url}/healthz").status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/snapshot", "/api/v1/processes", "/api/v1/hosts", "/openapi.json"])
def test_api_without_token_is_401_json(token_server: Server, path: str) -> None:
    """The API answers 401 with a JSON error when no token is presented."""
    response = httpx.get(f"{token_server.url}{path}")
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"


def test_a_wrong_token_is_refused_everywhere(token_server: Server) -> None:
    """A wrong token fails in the query, the Bearer header, X-API-Token and the cookie alike."""
    url = f"{token_server.url}/api/v1/health"
    assert httpx.get(url, params={"token": "nope"}).status_code == 401
    assert httpx.get(url, headers={"authorization": "Bearer nope"}).status_code == 401
    assert httpx.get(url, headers={"x-api-token": "nope"}).status_code == 401
    assert httpx.get(url, cookies={"hostwatch_token": "nope"}).status_code == 401


def test_each_way_of_presenting_the_token_works(token_server: Server) -> None:
    """The token is accepted as `?token=`, `Authorization: Bearer` and `X-API-Token`."""
    url = f"{token_server.url}/api/v1/health"
    token = token_server.token
    assert httpx.get(url, params={"token": token}).status_code == 200
    assert httpx.get(url, headers={"authorization": f"Bearer {token}"}).status_code == 200
    assert httpx.get(url, headers={"x-api-token": token}).status_code == 200


def test_dashboard_without_token_shows_the_login_prompt(token_server: Server) -> None:
    """`/` without the cookie answers 401 with a page that asks for the token."""
    response = httpx.get(f"{token_server.url}/")
    assert response.status_code == 401
    assert "text/html" in response.headers["content-type"]
    assert 'name="token"' in response.text


def test_token_visit_sets_a_strict_cookie_and_redirects_to_a_clean_url(token_server: Server) -> None:
    """`/?token=` sets an HttpOnly SameSite=Strict cookie, redirects to a clean URL; the cookie works."""
    response = httpx.get(f"{token_server.url}/", params={"token": token_server.token, "view": "cpu"})
    assert response.status_code == 303
    assert response.headers["location"] == "/?view=cpu"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie
    assert token_server.token not in cookie  # the cookie holds a derived value, not the token
    with httpx.Client(base_url=token_server.url, cookies=response.cookies) as browser:
        assert browser.get("/").status_code == 200
        assert browser.get("/api/v1/snapshot").status_code == 200


def test_no_permissive_cors_in_token_mode(token_server: Server) -> None:
    """Cross-origin requests never get `Access-Control-Allow-Origin: *`."""
    response = httpx.get(
        f"{token_server.url}/api/v1/health",
        headers={"origin": "http://evil.example", "x-api-token": token_server.token or ""},
    )
    assert "access-control-allow-origin" not in response.headers
    preflight = httpx.options(
        f"{token_server.url}/api/v1/health",
        headers={"origin": "http://evil.example", "access-control-request-method": "GET"},
    )
    assert preflight.headers.get("access-control-allow-origin") != "*"


def test_websocket_needs_the_token(token_server: Server) -> None:
    """A WebSocket handshake without the token is refused."""
    with pytest.raises(InvalidStatus) as refused:
        connect(f"{token_server.ws_url}/ws", open_timeout=5)
    assert refused.value.response.status_code == 403


def test_websocket_from_another_origin_is_refused(token_server: Server) -> None:
    """Even with the token, a browser page from another origin may not open the stream."""
    with pytest.raises(InvalidStatus):
        connect(f"{token_server.ws_url}/ws?token={token_server.token}", origin="http://evil.example",
                open_timeout=5)


def test_websocket_with_token_and_own_origin_streams(token_server: Server) -> None:
    """The dashboard's own origin with the cookie, or a script with the header, gets the stream."""
    origin = f"http://127.0.0.1:{token_server.port}"
    login = httpx.get(f"{token_server.url}/", params={"token": token_server.token})
    cookie = login.headers["set-cookie"].split(";")[0]
    with connect(f"{token_server.ws_url}/ws", origin=origin, additional_headers={"cookie": cookie}) as ws:
        assert "system" in ws.recv(timeout=5)
    with connect(f"{token_server.ws_url}/ws", additional_headers={"x-api-token": token_server.token}) as ws:
        assert "system" in ws.recv(timeout=5)


def test_the_token_never_reaches_the_logs(token_server: Server) -> None:
    """After requests carrying the token in every form, the server's output does not contain it."""
    token = token_server.token or ""
    httpx.get(f"{token_server.url}/?token={token}")
    httpx.get(f"{token_server.url}/api/v1/health?token={token}")
    httpx.get(f"{token_server.url}/api/v1/health?token=wrong-{token}")
    assert token not in token_server.output()


def test_bare_token_flag_generates_one_and_prints_the_url_once(tmp_path: Path) -> None:
    """`--token` alone makes a URL-safe token, prints the dashboard URL with it, and enforces it."""
    srv = start_server(tmp_path, "--token")
    try:
        match = wait_for(lambda: re.search(r"\?token=([A-Za-z0-9_\-]+)", srv.output()))
        token = match.group(1)
        assert len(token) >= 32
        assert srv.output().count(token) == 1
        assert httpx.get(f"{srv.url}/api/v1/health").status_code == 401
        assert httpx.get(f"{srv.url}/api/v1/health", params={"token": token}).status_code == 200
    finally:
        srv.stop()


def test_basic_auth_with_the_token_as_password_works(token_server: Server) -> None:
    """HTTP Basic credentials whose password is the token pass, whatever the user name; others fail."""
    url = f"{token_server.url}/api/v1/health"
    assert httpx.get(url, auth=("anyone", token_server.token or "")).status_code == 200
    assert httpx.get(url, auth=("anyone", "wrong")).status_code == 401
    assert httpx.get(url, headers={"authorization": "Basic !!!not-base64"}).status_code == 401
    assert httpx.get(url, headers={"authorization": "Basic bm9jb2xvbg=="}).status_code == 401  # "nocolon"
