"""The overview page: every host with live figures, search, tag filter, sorting, keyboard use."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable

from playwright.sync_api import Page, Route, expect

from conftest import Server

from .conftest import screenshot

LOCAL_ROW = "tr[data-host-id='1']"


def test_overview_lists_the_local_host_with_live_numbers(
    server: Server, open_page: Callable[..., Page]
) -> None:
    """The local host's row shows its name, state and figures, and the figures change as updates arrive."""
    with server.client() as client:
        name = client.get("/api/v1/hosts").json()["hosts"][0]["name"]
    page = open_page()
    page.goto(server.url)
    row = page.locator(LOCAL_ROW)
    expect(row.locator(".host-link")).to_have_text(name)
    expect(row.locator(".status")).to_have_text("online")
    expect(page.locator("#link")).to_have_text("live")
    expect(row.locator("td[data-col='cpu'] .figure")).to_have_text(re.compile(r"^\d+\.\d %$"))

    seen_times: set[str] = set()
    seen_figures: set[str] = set()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and (len(seen_times) < 3 or len(seen_figures) < 2):
        seen_times.add(row.get_attribute("data-time") or "")
        seen_figures.add(" | ".join(
            row.locator(f"td[data-col='{col}']").inner_text()
            for col in ("cpu", "memory", "network", "diskio", "load")
        ))
        page.wait_for_timeout(300)
    assert len(seen_times) >= 3, f"the row was not updated: {seen_times}"
    assert len(seen_figures) >= 2, f"the figures never changed: {seen_figures}"
    assert all(text.strip() != "–" for text in row.locator("td[data-col='uptime']").all_inner_texts())


def _with_remote_hosts(route: Route) -> None:
    """The hub's real answer plus two reporting hosts, one of them offline (agents do not push yet)."""
    hosts = route.fetch().json()["hosts"]
    local = hosts[0]
    summary = dict(local["summary"], cpu=97.5, memory=12.0)
    hosts.append(dict(local, id=2, agent_id="db-1", name="db-1", tags=["db", "eu"], local=False,
                      online=True, health=70, summary=summary))
    hosts.append(dict(local, id=3, agent_id="edge-7", name="edge-7", tags=["edge"], local=False,
                      online=False, last_seen=local["last_seen"] - 600, health=0,
                      summary=dict(local["summary"], cpu=0.5)))
    route.fulfill(status=200, content_type="application/json", body=json.dumps({"hosts": hosts}))


def test_search_tags_and_sorting(server: Server, open_page: Callable[..., Page]) -> None:
    """Search narrows by name, the tag filter by tag, a header sorts, and an offline host stands out."""
    page = open_page()
    page.route("**/api/v1/hosts", _with_remote_hosts)
    page.goto(server.url)
    rows = page.locator("table.hosts tbody tr[data-host-id]")
    expect(rows).to_have_count(3)

    offline = page.locator("tr[data-host-id='3']")
    expect(offline).to_have_class("offline")
    expect(offline.locator(".status")).to_have_text("offline")
    expect(offline.locator("td[data-col='status'] .note")).to_contain_text("last seen 10m")
    badge = offline.locator(".status").evaluate("e => getComputedStyle(e).backgroundColor")
    assert badge != "rgba(0, 0, 0, 0)", "the offline badge has no background"
    screenshot(page, "overview-offline-desktop")

    page.fill("#host-search", "db-")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-host-id", "2")
    page.fill("#host-search", "")
    expect(rows).to_have_count(3)

    page.select_option("#tag-filter", "edge")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-host-id", "3")
    page.select_option("#tag-filter", "")

    page.click("thead th[data-col='cpu'] button")
    expect(page.locator("thead th[data-col='cpu']")).to_have_attribute("aria-sort", "descending")
    expect(rows.first).to_have_attribute("data-host-id", "2")
    expect(rows.last).to_have_attribute("data-host-id", "3")
    page.click("thead th[data-col='cpu'] button")
    expect(page.locator("thead th[data-col='cpu']")).to_have_attribute("aria-sort", "ascending")
    expect(rows.first).to_have_attribute("data-host-id", "3")

    page.click("thead th[data-col='name'] button")
    expect(page.locator("thead th[data-col='name']")).to_have_attribute("aria-sort", "ascending")
    names = rows.locator(".host-link").all_inner_texts()
    assert names == sorted(names, key=str.lower)


def test_keyboard_reaches_and_opens_a_host(server: Server, open_page: Callable[..., Page]) -> None:
    """Tab reaches the host's link and Enter opens its page."""
    page = open_page()
    page.goto(server.url)
    link = page.locator(f"{LOCAL_ROW} .host-link")
    expect(link).to_be_visible()
    name = link.inner_text()
    for _ in range(25):
        page.keyboard.press("Tab")
        if link.evaluate("e => e === document.activeElement"):
            break
    else:
        raise AssertionError("the host link is not reachable with Tab")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{server.url}/#/host/1")
    expect(page.locator("#host-name")).to_have_text(name)
