"""Each page at desktop and phone width, light and dark: nothing wider than the screen, and a screenshot."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from conftest import Server

from .conftest import DESKTOP, PHONE, screenshot

WIDTHS = {"desktop": DESKTOP, "phone": PHONE}

NO_OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth"

BACKGROUND_LUMINANCE = """
() => {
  const [r, g, b] = getComputedStyle(document.body).backgroundColor.match(/\\d+/g).map(Number);
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}
"""


@pytest.mark.parametrize(("size", "scheme"), [("desktop", "light"), ("phone", "light"), ("desktop", "dark"),
                                              ("phone", "dark")])
def test_pages_fit_the_screen(server: Server, open_page: Callable[..., Page], size: str, scheme: str) -> None:
    """The overview and the host page fit the width without sideways scrolling, in the system's theme."""
    page = open_page(viewport=WIDTHS[size], scheme=scheme)
    page.goto(server.url)
    expect(page.locator("tr[data-host-id='1'] .status")).to_have_text("online")
    assert page.evaluate(NO_OVERFLOW), "the overview is wider than the screen"
    luminance = page.evaluate(BACKGROUND_LUMINANCE)
    assert luminance < 0.2 if scheme == "dark" else luminance > 0.8
    screenshot(page, f"overview-{size}-{scheme}")

    page.goto(f"{server.url}/#/host/1")
    page.wait_for_function("Number(document.getElementById('chart-network')?.dataset.points ?? 0) >= 4")
    expect(page.locator("table.processes tbody tr[data-pid]").first).to_be_visible()
    assert page.evaluate(NO_OVERFLOW), "the host page is wider than the screen"
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, f"host-{size}-{scheme}")
