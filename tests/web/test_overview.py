"""The overview page: every host with live figures, search, tag filter, sorting, real agents, keyboard use."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from agents.agent_support import Agent, create_token, start_agent
from conftest import Server, start_server, wait_for

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


AGENTS = {"db-1": "db,eu", "edge-7": "edge"}


def _agent_ids(hub: Server) -> dict[str, int] | None:
    """Names to ids of the agents' hosts once the hub lists every one of them online."""
    hosts = httpx.get(f"{hub.url}/api/v1/hosts", timeout=10).json()["hosts"]
    online = {host["name"]: host["id"] for host in hosts if host["online"] and host["name"] in AGENTS}
    return online if len(online) == len(AGENTS) else None


def _cpu_column(page: Page) -> list[float]:
    """The CPU figures of the listed rows, top to bottom, read in one go (rows re-sort as figures change)."""
    return list(page.eval_on_selector_all(
        "table.hosts tbody tr[data-host-id] td[data-col='cpu'] .figure",
        "cells => cells.map(c => parseFloat(c.textContent))",
    ))


def test_search_tags_sorting_and_an_offline_agent(tmp_path: Path, open_page: Callable[..., Page]) -> None:
    """With two real agents reporting: search narrows by name, the tag filter by tag, a header sorts, and
    an agent that stops is shown offline, standing out, once it has missed three intervals."""
    hub = start_server(tmp_path, "--interval", "1s")
    agents: list[Agent] = []
    try:
        token = create_token(hub, "--name", "web-test")
        agents = [start_agent(tmp_path, hub, token, name, "--tags", tags, "--interval", "1s")
                  for name, tags in AGENTS.items()]
        ids = wait_for(lambda: _agent_ids(hub), deadline=40)
        page = open_page()
        page.goto(hub.url)
        rows = page.locator("table.hosts tbody tr[data-host-id]")
        expect(rows).to_have_count(3)
        db = page.locator(f"tr[data-host-id='{ids['db-1']}']")
        edge = page.locator(f"tr[data-host-id='{ids['edge-7']}']")
        expect(db.locator(".tags")).to_have_text("dbeu")
        expect(edge.locator(".status")).to_have_text("online")

        page.fill("#host-search", "db-")
        expect(rows).to_have_count(1)
        expect(rows.first).to_have_attribute("data-host-id", str(ids["db-1"]))
        page.fill("#host-search", "")
        expect(rows).to_have_count(3)

        page.select_option("#tag-filter", "edge")
        expect(rows).to_have_count(1)
        expect(rows.first).to_have_attribute("data-host-id", str(ids["edge-7"]))
        page.select_option("#tag-filter", "")
        expect(rows).to_have_count(3)

        page.click("thead th[data-col='cpu'] button")
        expect(page.locator("thead th[data-col='cpu']")).to_have_attribute("aria-sort", "descending")
        figures = _cpu_column(page)
        assert figures == sorted(figures, reverse=True), figures
        page.click("thead th[data-col='cpu'] button")
        expect(page.locator("thead th[data-col='cpu']")).to_have_attribute("aria-sort", "ascending")
        figures = _cpu_column(page)
        assert figures == sorted(figures), figures

        page.click("thead th[data-col='name'] button")
        expect(page.locator("thead th[data-col='name']")).to_have_attribute("aria-sort", "ascending")
        names = rows.locator(".host-link").all_inner_texts()
        assert names == sorted(names, key=str.lower)

        # Three missed one-second intervals: offline within a few seconds of the agent stopping.
        agents[1].stop()
        expect(edge).to_have_class(re.compile(r"\boffline\b"), timeout=15_000)
        expect(edge.locator(".status")).to_have_text("offline")
        expect(edge.locator("td[data-col='status'] .note")).to_contain_text("last seen")
        expect(db.locator(".status")).to_have_text("online")
        badge = edge.locator(".status").evaluate("e => getComputedStyle(e).backgroundColor")
        assert badge != "rgba(0, 0, 0, 0)", "the offline badge has no background"
        screenshot(page, "overview-offline-desktop")
    finally:
        for agent in agents:
            agent.stop()
        hub.stop()


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
