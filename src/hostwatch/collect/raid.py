"""Software RAID arrays from /proc/mdstat."""

from __future__ import annotations

import re

from hostwatch.collect.base import Source
from hostwatch.collect.procfs import read_text
from hostwatch.model import RaidArray

_ARRAY = re.compile(r"^(md\S*)\s*:\s*(\S+)\s*(.*)$")
_MEMBER = re.compile(r"(\S+?)\[(\d+)\](?:\([A-Z]\))?")
_COUNTS = re.compile(r"\[(\d+)/(\d+)\]\s*\[([U_]+)\]")


def parse_mdstat(text: str) -> list[RaidArray]:
    """Arrays with their level, members, and working/expected member counts."""
    arrays: list[RaidArray] = []
    current: RaidArray | None = None
    for line in text.splitlines():
        match = _ARRAY.match(line)
        if match:
            name, status, rest = match.groups()
            words = rest.split()
            level = next((w for w in words if w.startswith(("raid", "linear", "multipath"))), "")
            current = RaidArray(
                name=name,
                status=status,
                level=level,
                components={m.group(1): m.group(2) for m in _MEMBER.finditer(rest)},
            )
            arrays.append(current)
            continue
        counts = _COUNTS.search(line)
        if current is not None and counts:
            current.available, current.used = int(counts.group(1)), int(counts.group(2))
            current.config = counts.group(3)
    for array in arrays:
        if not array.available:
            array.available = len(array.components)
            # Without a [n/m] line nothing says the members work; an inactive array has none working.
            array.used = 0 if array.status == "inactive" else len(array.components)
    return arrays


class RaidSource(Source):
    """Arrays the md driver knows; empty where there are none."""

    name = "raid"
    refresh = 5.0

    def sample(self, now: float) -> list[RaidArray]:
        text = read_text("/proc/mdstat")
        return parse_mdstat(text) if text else []

    def empty(self) -> list[RaidArray]:
        return []
