"""Wireless link quality from /proc/net/wireless."""

from __future__ import annotations

from pathlib import Path

import pytest

from hostwatch.collect import wifi
from hostwatch.collect.wifi import WifiSource, parse_wireless
from hostwatch.model import WifiLink

WIRELESS = """\
Inter-| sta-|   Quality        |   Discarded packets               | Missed | WE
 face | tus | link level noise |  nwid  crypt   frag  retry   misc | beacon | 22
 wlan0: 0000   54.  -56.  -256        0      0      0      0      0        0
wlp3s0: 0000   70.  -40.  -95.        0      0      0     12      3        0
"""


def test_wireless_table_gives_link_level_and_noise_per_interface() -> None:
    """Quality figures lose the kernel's trailing dot; the two header lines are skipped."""
    assert parse_wireless(WIRELESS) == [
        WifiLink(interface="wlan0", quality_link=54.0, quality_level=-56.0, noise=-256.0),
        WifiLink(interface="wlp3s0", quality_link=70.0, quality_level=-40.0, noise=-95.0),
    ]


def test_headers_only_or_garbled_lines_give_no_links() -> None:
    """No interfaces, a truncated line or a non-numeric field yields nothing for that line."""
    headers = "".join(WIRELESS.splitlines(keepends=True)[:2])
    assert parse_wireless(headers) == []
    assert parse_wireless(headers + " wlan0: 0000 54.\n") == []
    assert parse_wireless(headers + " wlan0: 0000 good bad ugly\n") == []


def test_wifi_source_without_the_kernel_file_is_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    """A host without wireless extensions (no /proc/net/wireless) reports the empty list."""
    monkeypatch.setattr(wifi, "read_text", lambda path: None)
    assert WifiSource().sample(0.0) == WifiSource().empty() == []


def test_wifi_source_on_this_host_reports_wifi_links() -> None:
    """On this host the source gives WifiLink records, and none where the kernel lists none."""
    links = WifiSource().sample(0.0)
    assert isinstance(links, list)
    assert all(isinstance(link, WifiLink) for link in links)
    table = Path("/proc/net/wireless")
    assert links == (parse_wireless(table.read_text()) if table.exists() else [])
