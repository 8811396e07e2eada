"""The host page: live charts, the range picker over the history API, processes, facts."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page, Route, expect

from conftest import Server, wait_for

from .conftest import canvas_ink, series_ink

CHARTS = ("cpu", "cores", "memory", "load", "network", "disk")


def _points(page: Page, chart: str) -> int:
    return int(page.locator(f"#chart-{chart}").get_attribute("data-points") or 0)


def _wait_for_points(page: Page, chart: str, at_least: int) -> None:
    """Waits until the chart holds `at_least` points (charts appear with the first snapshot)."""
    page.wait_for_function(
        "([id, n]) => Number(document.getElementById(id)?.dataset.points ?? 0) >= n",
        arg=[f"chart-{chart}", at_least],
    )


def test_charts_draw_and_grow_with_new_data(server: Server, open_page: Callable[..., Page]) -> None:
    """Every chart draws its lines; as snapshots arrive each chart holds more points and is drawn anew."""
    page = open_page()
    page.goto(f"{server.url}/#/host/1")
    expect(page.locator("#link")).to_have_text("live")
    _wait_for_points(page, "cpu", 3)
    for chart in CHARTS:
        expect(page.locator(f"#chart-{chart} canvas")).to_be_visible()
        assert canvas_ink(page, f"#chart-{chart} canvas") > 500, f"chart {chart} is blank"
    assert series_ink(page, "#chart-cpu canvas", "--c1") > 20, "the CPU total line is not drawn"
    assert series_ink(page, "#chart-memory canvas", "--c1") > 20, "the memory line is not drawn"

    before = {chart: (_points(page, chart), _pixels(page, chart)) for chart in CHARTS}
    for chart, (points, pixels) in before.items():
        # Each chart against its own count: `before` is read chart by chart, so one may already
        # hold the next snapshot that another has not drawn yet.
        _wait_for_points(page, chart, points + 4)
        assert _points(page, chart) >= points + 4, f"chart {chart} did not take new points"
        assert _pixels(page, chart) != pixels, f"chart {chart} was not redrawn"
    # The legend shows the newest figures while no pointer hovers the chart.
    expect(page.locator("#chart-cpu .u-legend .u-series").nth(1).locator(".u-value")).to_have_text(
        re.compile(r"^\d+\.\d %$")
    )


def _pixels(page: Page, chart: str) -> str:
    return str(page.evaluate("(id) => document.querySelector(`#${id} canvas`).toDataURL()", f"chart-{chart}"))


def test_host_page_shows_figures_filesystems_health_and_facts(
    server: Server, open_page: Callable[..., Page]
) -> None:
    """The tiles, each file system's usage bar, the health score and the system facts come from the hub."""
    with server.client() as client:
        snapshot = client.get("/api/v1/snapshot").json()
    page = open_page()
    page.goto(f"{server.url}/#/host/1")
    expect(page.locator("#host-name")).to_have_text(snapshot["host"]["name"])
    expect(page.locator("[data-tile='memory'] .tile-value")).to_have_text(re.compile(r"^\d+\.\d %$"))

    filesystems = snapshot["disk"]["filesystems"]
    expect(page.locator("#filesystems .fs-mount")).to_have_text([fs["mount_point"] for fs in filesystems])
    for fs, bar in zip(filesystems, page.locator("#filesystems .bar").all(), strict=True):
        assert abs(float(bar.get_attribute("aria-valuenow") or -1) - fs["percent"]) <= 1

    # The score the page shows is the one its warnings add up to (README: 10 a warning, 20 a critical).
    # Both read in one go: the section is redrawn whenever the health changes.
    score, levels = page.locator("#health").evaluate(
        "s => [+s.querySelector('.score').textContent,"
        " [...s.querySelectorAll('.warnings li')].map(i => i.dataset.level)]"
    )
    assert score == max(100 - 10 * levels.count("warning") - 20 * levels.count("critical"), 0)

    facts = page.locator("#facts dl")
    expect(facts).to_contain_text(snapshot["system"]["kernel"])
    expect(facts).to_contain_text(snapshot["system"]["hostname"])
    sensors = expect(page.locator("#sensors"))
    if snapshot["sensors"]:
        sensors.to_be_visible()
    else:
        sensors.to_be_hidden()


@pytest.fixture
def marked_child() -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """A sleeping Python child whose command line carries a unique marker."""
    marker = f"hostwatch-webtest-{uuid.uuid4().hex[:12]}"
    child = subprocess.Popen([sys.executable, "-c", "import sys, time; time.sleep(120)", marker])
    yield child, marker
    child.kill()
    child.wait()


def test_process_filter_narrows_the_table_to_the_child(
    server: Server, open_page: Callable[..., Page], marked_child: tuple[subprocess.Popen[bytes], str]
) -> None:
    """Typing the child's marker in the filter leaves exactly its row; sort and limit are the API's."""
    child, marker = marked_child
    with server.client() as client:
        wait_for(lambda: client.get("/api/v1/processes", params={"filter": marker}).json()["total"] == 1)
    page = open_page()
    page.goto(f"{server.url}/#/host/1")
    rows = page.locator("table.processes tbody tr[data-pid]")
    expect(rows).to_have_count(25)

    page.locator("#process-filter").press_sequentially(marker, delay=10)
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-pid", str(child.pid))
    expect(rows.first.locator("td.command")).to_contain_text(marker)
    expect(page.locator("#process-count")).to_have_text(f"1 of 1 matching “{marker}”")

    page.fill("#process-filter", "")
    page.select_option("#process-limit", "10")
    expect(rows).to_have_count(10)
    page.click("table.processes th button:text-is('PID')")
    expect(page.locator("table.processes th[aria-sort]")).to_contain_text("PID")
    page.wait_for_function(
        "[...document.querySelectorAll('table.processes tbody tr[data-pid]')]"
        ".map(r => +r.dataset.pid).every((pid, i, all) => i === 0 || all[i - 1] < pid)"
    )


def test_range_picker_reads_the_history_api(server: Server, open_page: Callable[..., Page]) -> None:
    """Choosing 1 h asks the history API and draws what it answers; Live goes back to the stream."""
    page = open_page()
    page.goto(f"{server.url}/#/host/1")
    _wait_for_points(page, "cpu", 2)
    hour = page.locator("button[data-range='1h']")
    with page.expect_request(lambda r: "/api/v1/history" in r.url and "range=1h" in r.url):
        hour.click()
    expect(hour).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".range-note")).to_contain_text("one point per")
    assert _points(page, "cpu") > 0
    assert series_ink(page, "#chart-cpu canvas", "--c1") > 0
    page.click("button[data-range='live']")
    expect(page.locator("button[data-range='live']")).to_have_attribute("aria-pressed", "true")


def test_history_gaps_break_the_lines(server: Server, open_page: Callable[..., Page]) -> None:
    """Buckets missing from a history answer become a gap (a null point), not a slope across them.

    The answer is the hub's own for `range=24h`, with its times replaced by a
    series of ten buckets that lacks the middle four, so the test does not
    depend on how much history this fresh hub holds.
    """

    def gapped(route: Route) -> None:
        response = route.fetch()
        if response.status != 200:
            route.fulfill(response=response)
            return
        document = response.json()
        step = 3600.0
        times = [document["to"] - step * (9 - i) for i in range(10) if i not in (3, 4, 5, 6)]
        for k, series in enumerate(document["series"]):
            level = 10.0 + 7 * (k % 10)  # a level per series, so no line hides another
            series.update(times=times, values=[level] * len(times),
                          min=[level - 5] * len(times), max=[level + 5] * len(times))
        document.update(step=step, tier="1h")
        route.fulfill(status=200, content_type="application/json", body=json.dumps(document))

    page = open_page()
    page.route("**/api/v1/history?*range=24h*", gapped)
    page.goto(f"{server.url}/#/host/1")
    _wait_for_points(page, "cpu", 2)
    page.click("button[data-range='24h']")
    expect(page.locator(".range-note")).to_contain_text("1h data, one point per 1h 0m")
    assert _points(page, "cpu") == 6 + 1, "four missing buckets should leave six points and one null"
    assert series_ink(page, "#chart-cpu canvas", "--c1") > 0


def test_without_a_history_api_the_charts_stay_live(server: Server, open_page: Callable[..., Page]) -> None:
    """A hub whose history API answers 404 (an older hub) leaves the live charts and disables the ranges."""
    page = open_page()
    page.route("**/api/v1/history?*", lambda route: route.fulfill(
        status=404, content_type="application/json",
        body=json.dumps({"error": "not_found", "message": "Not Found", "status": 404}),
    ))
    page.goto(f"{server.url}/#/host/1")
    expect(page.locator("button[data-range='1h']")).to_be_disabled()
    expect(page.locator(".range-note")).to_contain_text("keeps no history")
    expect(page.locator("button[data-range='live']")).to_have_attribute("aria-pressed", "true")
    points = _points(page, "cpu")
    _wait_for_points(page, "cpu", points + 1)


def test_unknown_host_says_so(server: Server, open_page: Callable[..., Page]) -> None:
    """A link to a host the hub does not know shows a plain message instead of a page that never fills."""
    page = open_page()
    page.goto(f"{server.url}/#/host/no-such-host")
    expect(page.get_by_role("alert")).to_contain_text("knows no host")
