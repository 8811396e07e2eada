"""Alert events on the host page, from a hub whose memory warning mark is 0 %: a MEM event is always open."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, Route, expect

from alert_support import memory_alert_config
from conftest import Server, start_server, wait_for

from .conftest import screenshot

CONFIG = memory_alert_config()


@pytest.fixture(scope="module")
def alerting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A hub with an ongoing MEM event on its own host."""
    tmp = Path(tmp_path_factory.mktemp("events"))
    config = tmp / "hostwatch.toml"
    config.write_text(CONFIG)
    server = start_server(tmp, "--interval", "500ms", "--config", str(config))
    events = f"{server.url}/api/v1/events"
    wait_for(lambda: httpx.get(events, params={"host": "1"}, timeout=10).json()["events"])
    yield server
    server.stop()


def test_an_ongoing_event_is_shown_and_highlighted(alerting: Server, open_page: Callable[..., Page]) -> None:
    """The open MEM event is listed with its state, message and how long it has lasted, tinted apart."""
    page = open_page()
    page.goto(f"{alerting.url}/#/host/1")
    event = page.locator("#events li.event[data-type='MEM']")
    expect(event).to_have_count(1)
    expect(event).to_have_attribute("data-ongoing", "true")
    expect(event.locator(".badge")).to_have_text("warning")
    expect(event).to_contain_text("High memory consumption")
    expect(event.locator(".event-when")).to_have_text(re.compile(r"^ongoing · since \d+"))
    expect(event.locator(".note")).to_contain_text("top:")
    expect(page.locator("#events .panel-head .note")).to_have_text("1 ongoing, 0 ended")
    assert event.evaluate("e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"
    # The count of readings grows as the list is refreshed with the live stream.
    readings = event.locator(".note").inner_text()
    expect(event.locator(".note")).not_to_have_text(readings, timeout=15_000)
    page.locator("#health").scroll_into_view_if_needed()
    screenshot(page, "host-events-desktop")


def test_an_ended_event_shows_its_span(alerting: Server, open_page: Callable[..., Page]) -> None:
    """An ended event (added to the hub's real answer) shows its begin, end and length, and is not tinted."""

    def with_ended(route: Route) -> None:
        document = route.fetch().json()
        begin = document["events"][0]["begin"] - 3600
        document["events"].append(dict(document["events"][0], type="LOAD", state="CRITICAL", begin=begin,
                                       end=begin + 330, ongoing=False, message="High CPU load", top=[]))
        route.fulfill(status=200, content_type="application/json", body=json.dumps(document))

    page = open_page()
    page.route("**/api/v1/events?*", with_ended)
    page.goto(f"{alerting.url}/#/host/1")
    ended = page.locator("#events li.event[data-type='LOAD']")
    expect(ended).to_have_attribute("data-ongoing", "false")
    expect(ended.locator(".badge")).to_have_text("critical")
    expect(ended.locator(".event-when")).to_have_text(re.compile(r"^.+ – .+ · 5m 30s$"))
    assert ended.evaluate("e => getComputedStyle(e).backgroundColor") == "rgba(0, 0, 0, 0)"
    expect(page.locator("#events .panel-head .note")).to_have_text("1 ongoing, 1 ended")
