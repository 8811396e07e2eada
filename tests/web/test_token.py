"""Token mode in the browser: the prompt without the cookie, the `/?token=` cookie flow, a lost cookie."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect

from conftest import Server

from .conftest import PHONE, screenshot


def test_missing_token_shows_the_prompt_and_the_token_signs_in(
    token_server: Server, open_page: Callable[..., Page]
) -> None:
    """Without the cookie the hub's prompt shows; the token sets an HttpOnly cookie, opens the dashboard."""
    page = open_page()
    response = page.goto(token_server.url)
    assert response is not None
    assert response.status == 401
    expect(page.locator("input[name='token']")).to_be_visible()

    page.fill("input[name='token']", "wrong-token")
    page.keyboard.press("Enter")
    expect(page.locator("input[name='token']")).to_be_visible()
    assert not page.context.cookies()

    page.fill("input[name='token']", token_server.token or "")
    page.keyboard.press("Enter")
    expect(page.locator("tr[data-host-id='1'] .status")).to_have_text("online")
    assert "token" not in page.url
    (cookie,) = page.context.cookies()
    assert cookie["httpOnly"]
    assert token_server.token not in cookie["value"]


def test_lost_cookie_brings_up_the_dashboards_prompt(
    token_server: Server, open_page: Callable[..., Page]
) -> None:
    """When API calls start answering 401 the page stops, asks for the token, and returns to the same host."""
    page = open_page()
    page.goto(f"{token_server.url}/?token={token_server.token}#/host/1")
    expect(page.locator("#link")).to_have_text("live")
    assert page.url == f"{token_server.url}/#/host/1"

    page.context.clear_cookies()
    prompt = page.locator("#token-input")
    expect(prompt).to_be_visible()
    expect(prompt).to_be_focused()
    expect(page.locator("#link")).to_be_hidden()
    screenshot(page, "login-desktop")

    prompt.fill(token_server.token or "")
    page.get_by_role("button", name="Open dashboard").click()
    expect(page.locator("#link")).to_have_text("live")
    expect(page).to_have_url(f"{token_server.url}/#/host/1")
    expect(page.locator("#chart-cpu canvas")).to_be_visible()


def test_prompt_reads_well_on_a_phone(token_server: Server, open_page: Callable[..., Page]) -> None:
    """The dashboard's own prompt fits a 360 px screen."""
    page = open_page(viewport=PHONE, scheme="dark")
    page.goto(f"{token_server.url}/?token={token_server.token}")
    expect(page.locator("tr[data-host-id='1']")).to_be_visible()
    page.context.clear_cookies()
    expect(page.locator("#token-input")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "login-phone")
