"""Wireless link quality from /proc/net/wireless."""

from __future__ import annotations

from hostwatch.collect.base import Source
from hostwatch.collect.procfs import read_text
from hostwatch.model import WifiLink


def parse_wireless(text: str) -> list[WifiLink]:
    """Links listed after /proc/net/wireless's two header lines."""
    links: list[WifiLink] = []
    for line in text.splitlines()[2:]:
        name, _, rest = line.partition(":")
        fields = rest.split()
        if len(fields) < 4:
            continue
        try:
            link, level, noise = (float(f.rstrip(".")) for f in fields[1:4])
        except ValueError:
            continue
        links.append(WifiLink(interface=name.strip(), quality_link=link, quality_level=level, noise=noise))
    return links


class WifiSource(Source):
    """Each wireless interface's link quality and signal level."""

    name = "wifi"
    refresh = 5.0

    def sample(self, now: float) -> list[WifiLink]:
        text = read_text("/proc/net/wireless")
        return parse_wireless(text) if text else []

    def empty(self) -> list[WifiLink]:
        return []
