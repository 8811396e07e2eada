"""The monitors page against a hub probing a real listener on 127.0.0.1 and a port nobody listens on."""

from __future__ import annotations

import re
import socketserver
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from conftest import Server, free_port, start_server, wait_for

from .conftest import PHONE, canvas_ink, screenshot, series_ink

NO_OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth"


class _Listener(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class _HangUp(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        """A TCP probe only needs the connection to open."""


@dataclass
class Monitored:
    """A hub with two TCP monitors: `open` on a live listener, `closed` on a port nobody listens on."""

    hub: Server
    open: int
    closed: int


def _create(hub: Server, name: str, port: int) -> int:
    response = httpx.post(f"{hub.url}/api/v1/monitors", timeout=10, json={
        "name": name, "kind": "tcp", "target": "127.0.0.1", "port": port, "interval": "1s", "timeout": 2})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def _probes(hub: Server, monitor: int) -> int:
    history = httpx.get(f"{hub.url}/api/v1/monitors/{monitor}/history", params={"range": "5m"}, timeout=10)
    return len(history.json()["up"]["times"])


def _wait_for_chart(page: Page, monitor: int, field: str, at_least: int) -> None:
    """Waits until the monitor's chart holds `at_least` points (`field="points"`) or failure marks."""
    page.wait_for_function(
        "([id, field, n]) => Number(document.getElementById(id)?.dataset[field] ?? 0) >= n",
        arg=[f"chart-monitor-{monitor}", field, at_least],
    )


@pytest.fixture(scope="module")
def monitored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Monitored]:
    listener = _Listener(("127.0.0.1", 0), _HangUp)
    threading.Thread(target=listener.serve_forever, daemon=True).start()
    hub = start_server(Path(tmp_path_factory.mktemp("monitors")), "--interval", "500ms")
    try:
        monitored = Monitored(hub, _create(hub, "listener", listener.server_address[1]),
                              _create(hub, "nobody home", free_port()))
        # Each probed twice at least, so the open one's chart has a line to draw.
        wait_for(lambda: min(_probes(hub, monitored.open), _probes(hub, monitored.closed)) >= 2)
        yield monitored
    finally:
        hub.stop()
        listener.shutdown()
        listener.server_close()


def test_monitors_page_lists_up_and_down_monitors(
    monitored: Monitored, open_page: Callable[..., Page]
) -> None:
    """The header links to the page; the open port is up with a delay and a drawn chart; the closed one
    is down, tinted, with its error and its failures marked on the chart."""
    page = open_page()
    page.goto(monitored.hub.url)
    page.click("#nav-monitors")
    expect(page).to_have_url(f"{monitored.hub.url}/#/monitors")
    expect(page.locator("#nav-monitors")).to_have_attribute("aria-current", "page")
    expect(page.locator("article.monitor")).to_have_count(2)
    expect(page.locator(".monitors-page .toolbar .note")).to_have_text("2 monitors, 1 down")

    up = page.locator(f"article[data-monitor-id='{monitored.open}']")
    expect(up).to_have_attribute("data-state", "up")
    expect(up.locator("h2")).to_have_text("listener")
    expect(up.locator(".monitor-spec")).to_contain_text("tcp · 127.0.0.1:")
    expect(up.locator(".monitor-figures dd").first).to_have_text(re.compile(r"^\d+(\.\d+)? m?s$"))
    expect(up.locator(".monitor-figures")).to_contain_text("100 %")
    expect(up.locator(".monitor-figures a")).to_have_attribute("href", "#/host/1")
    chart = f"#chart-monitor-{monitored.open} canvas"
    # A young monitor's chart spans at least five minutes: a line of two probes a second apart is a
    # few pixels long; six make one long enough to see (and to count).
    _wait_for_chart(page, monitored.open, "points", 6)
    assert canvas_ink(page, chart) > 500, "the delay chart is blank"
    assert series_ink(page, chart, "--c1") > 10, "the delay line is not drawn"

    down = page.locator(f"article[data-monitor-id='{monitored.closed}']")
    expect(down).to_have_attribute("data-state", "down")
    expect(down.locator(".monitor-state")).to_have_text("down")
    expect(down.locator(".monitor-error")).to_contain_text("refused")
    background = "e => getComputedStyle(e).backgroundColor"
    assert down.evaluate(background) != up.evaluate(background), "a down monitor does not stand out"
    _wait_for_chart(page, monitored.closed, "marks", 2)
    assert series_ink(page, f"#chart-monitor-{monitored.closed} canvas", "--bad") > 8, "failures not marked"
    assert page.evaluate(NO_OVERFLOW)
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "monitors-desktop-light")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_monitors_page_fits_a_phone(
    monitored: Monitored, open_page: Callable[..., Page], scheme: str
) -> None:
    """At 360 px the cards stack without sideways scrolling, and the down one is still marked."""
    page = open_page(viewport=PHONE, scheme=scheme)
    page.goto(f"{monitored.hub.url}/#/monitors")
    down = page.locator(f"article[data-monitor-id='{monitored.closed}']")
    expect(down).to_have_attribute("data-state", "down")
    _wait_for_chart(page, monitored.open, "points", 2)
    assert page.evaluate(NO_OVERFLOW), "the monitors page is wider than the screen"
    screenshot(page, f"monitors-phone-{scheme}")


def test_a_hub_without_monitors_says_how_to_add_one(server: Server, open_page: Callable[..., Page]) -> None:
    """An empty list says how to add a monitor rather than showing nothing; the header still links it."""
    page = open_page()
    page.goto(f"{server.url}/#/monitors")
    expect(page.locator(".empty-note")).to_contain_text("No monitors yet")
    expect(page.locator(".empty-note")).to_contain_text("POST /api/v1/monitors")
    expect(page.locator("#nav-monitors")).to_be_visible()
