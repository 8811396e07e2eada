"""Browser fixtures: Debian's chromium driven by Playwright, against real `hostwatch serve` processes.

Every page a test opens is watched: an uncaught script error, or a request to
anything but the loopback hub, fails the test at teardown.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from conftest import HOSTWATCH, Server, wait_until_responds

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 780}


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless chromium for the whole session."""
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: run `make browser-deps` (apt-get install -y chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--disable-gpu"])
        yield browser
        browser.close()


@dataclass
class PageWatch:
    """What a page did that a test must not let pass: script errors and requests to other hosts."""

    errors: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)

    def request(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme in {"data", "blob", "about"}:
            return
        if parts.hostname != "127.0.0.1":
            self.foreign.append(url)


@pytest.fixture
def open_page(browser: Browser) -> Iterator[Callable[..., Page]]:
    """Opens pages in fresh browser contexts (no cookies): `open_page(width=360, scheme="dark")`."""
    contexts = []
    watches: list[PageWatch] = []

    def opener(viewport: dict[str, int] | None = None, scheme: Literal["light", "dark"] = "light") -> Page:
        context = browser.new_context(viewport=viewport or DESKTOP, color_scheme=scheme)
        contexts.append(context)
        page = context.new_page()
        watch = PageWatch()
        watches.append(watch)
        page.on("pageerror", lambda error: watch.errors.append(str(error)))
        page.on("request", lambda request: watch.request(request.url))
        page.on("websocket", lambda socket: watch.request(socket.url))
        page.set_default_timeout(15_000)
        return page

    yield opener
    for context in contexts:
        context.close()
    for watch in watches:
        assert not watch.errors, f"uncaught errors in the page: {watch.errors}"
        assert not watch.foreign, f"the page reached beyond the hub: {watch.foreign}"


def screenshot(page: Page, name: str) -> Path:
    """Saves a full-page screenshot under tests/web/artifacts/ (gitignored) and returns its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def start_on_port(tmp_path: Path, port: int, *args: str) -> Server:
    """`hostwatch serve` on a given port (to restart a hub where a page expects it), ready to answer."""
    data_dir = tmp_path / "data"
    log = tmp_path / f"server-{port}-{len(list(tmp_path.glob('server-*.log')))}.log"
    command = [*HOSTWATCH, "serve", "--port", str(port), "--data-dir", str(data_dir), *args]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
    server = Server(process=process, port=port, data_dir=data_dir, log=log)
    wait_until_responds(server)
    return server


INK_SCRIPT = """
(selector) => {
  // Pixels of a chart's canvas that are neither transparent nor the plain background:
  // grid lines and labels count a little, series lines most.
  const canvas = document.querySelector(selector);
  if (!canvas || !canvas.width || !canvas.height) return 0;
  const { data } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
  let ink = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] > 0) ink += 1;
  return ink;
}
"""

SERIES_INK_SCRIPT = """
([selector, color]) => {
  // Pixels close to one series' stroke colour: the line itself, not the grid or the labels.
  const canvas = document.querySelector(selector);
  if (!canvas || !canvas.width) return 0;
  const probe = document.createElement("canvas").getContext("2d");
  probe.fillStyle = color;
  probe.fillRect(0, 0, 1, 1);
  const [r, g, b] = probe.getImageData(0, 0, 1, 1).data;
  const { data } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
  let ink = 0;
  for (let i = 0; i < data.length; i += 4) {
    const distance = Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b);
    if (data[i + 3] > 200 && distance < 60) ink += 1;
  }
  return ink;
}
"""


def canvas_ink(page: Page, selector: str) -> int:
    """How many pixels of the canvas at `selector` are drawn on."""
    return int(page.evaluate(INK_SCRIPT, selector))


def series_ink(page: Page, selector: str, css_var: str) -> int:
    """How many pixels of the canvas at `selector` carry the colour of the CSS variable `css_var`."""
    color = page.evaluate(
        "(name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim()", css_var
    )
    return int(page.evaluate(SERIES_INK_SCRIPT, [selector, color]))
