"""A hub that goes away: the page says it is disconnected, keeps retrying, and recovers on its own."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect

from conftest import Server, free_port

from .conftest import screenshot, start_on_port


def _outage(page: Page, tmp_path: Path, running: Server, shot: str) -> Server:
    """Stops the page's hub, checks the disconnected state, and starts a new hub on the same port."""
    expect(page.locator("#link")).to_have_text("live")
    running.stop()
    banner = page.locator("#banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Disconnected from hostwatch")
    expect(banner).to_contain_text("retrying")
    expect(page.locator("#link")).to_have_text("disconnected")
    expect(page.locator("body")).to_have_class("disconnected")
    screenshot(page, shot)
    restarted = start_on_port(tmp_path, running.port, "--interval", "500ms")
    # The back-off is capped at five seconds (with jitter), so the page is back well within 15.
    expect(page.locator("#link")).to_have_text("live", timeout=15_000)
    expect(banner).to_be_hidden()
    expect(page.locator("body")).not_to_have_class("disconnected")
    return restarted


def test_dropped_websocket_shows_disconnected_and_recovers(
    tmp_path: Path, open_page: Callable[..., Page]
) -> None:
    """The host page's socket, then the overview's polling, survive the hub being restarted."""
    port = free_port()
    hub = start_on_port(tmp_path, port, "--interval", "500ms")
    try:
        page = open_page()
        page.goto(f"{hub.url}/#/host/1")
        hub = _outage(page, tmp_path, hub, "disconnected-host-desktop")
        seq = page.locator("article.host-page").get_attribute("data-seq")
        expect(page.locator("article.host-page")).not_to_have_attribute("data-seq", seq or "")

        page.click("text=← All hosts")
        expect(page.locator("tr[data-host-id='1'] .status")).to_have_text("online")
        hub = _outage(page, tmp_path, hub, "disconnected-overview-desktop")
        row = page.locator("tr[data-host-id='1']")
        stamp = row.get_attribute("data-time")
        expect(row).not_to_have_attribute("data-time", stamp or "")
    finally:
        hub.stop()
