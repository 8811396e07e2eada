"""A page left open: its JS heap stays flat while updates keep coming."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import CDPSession, Page, expect

from conftest import start_server

from .conftest import ARTIFACTS

SOAK_S = 300
WARM_UP_S = 60


def _heap_after_gc(cdp: CDPSession) -> int:
    """Bytes of live JS heap after garbage collection (run twice: the second finds what the first freed)."""
    cdp.send("HeapProfiler.collectGarbage")
    cdp.send("HeapProfiler.collectGarbage")
    return int(cdp.send("Runtime.getHeapUsage")["usedSize"])


@pytest.mark.slow
@pytest.mark.timeout(SOAK_S + 120)
def test_host_page_heap_grows_less_than_10_percent_after_the_first_minute(
    tmp_path: Path, open_page: Callable[..., Page]
) -> None:
    """Five minutes of the host page at 1 Hz: the heap at the end is within 10 % of the first minute's."""
    hub = start_server(tmp_path, "--interval", "1s")
    try:
        page = open_page()
        page.goto(f"{hub.url}/#/host/1")
        expect(page.locator("#link")).to_have_text("live")
        cdp = page.context.new_cdp_session(page)
        started = time.monotonic()
        seq_start = int(page.locator("article.host-page").get_attribute("data-seq") or 0)
        samples: list[tuple[int, int]] = []
        for at in range(WARM_UP_S, SOAK_S + 1, 30):
            page.wait_for_timeout(max(started + at - time.monotonic(), 0) * 1000)
            samples.append((at, _heap_after_gc(cdp)))
        seq_end = int(page.locator("article.host-page").get_attribute("data-seq") or 0)
        cdp.detach()
    finally:
        hub.stop()

    baseline, final = samples[0][1], samples[-1][1]
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "heap.json").write_text(json.dumps({
        "samples": [{"second": at, "used_bytes": used} for at, used in samples],
        "growth_after_first_minute": final / baseline - 1,
        "updates": seq_end - seq_start,
    }, indent=2))
    assert seq_end - seq_start >= SOAK_S * 0.8, "the page stopped receiving updates"
    assert final <= baseline * 1.10, f"heap grew from {baseline} to {final} bytes: {samples}"
