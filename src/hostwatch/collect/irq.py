"""Interrupt lines and their rates, from /proc/interrupts."""

from __future__ import annotations

from hostwatch.collect.base import RateMeter, Source
from hostwatch.collect.procfs import read_text
from hostwatch.model import IrqRate


def parse_interrupts(text: str) -> dict[str, int]:
    """Line name to its count summed over every CPU.

    Numbered lines are named after their device (`26_ttyS0`), as Glances does,
    so a person can tell them apart; named lines (`LOC`, `NMI`) keep the name.
    """
    lines = text.splitlines()
    if not lines:
        return {}
    cpus = len(lines[0].split())
    totals: dict[str, int] = {}
    for line in lines[1:]:
        head, _, rest = line.partition(":")
        fields = rest.split()
        counts = []
        for field in fields[:cpus]:
            if not field.isdigit():
                break
            counts.append(int(field))
        label = head.strip()
        description = fields[len(counts):]
        if label.isdigit() and description:
            label = f"{label}_{description[-1]}"
        totals[label] = sum(counts)
    return totals


class IrqSource(Source):
    """Per-line interrupt totals and rates; empty where /proc/interrupts is absent."""

    name = "irq"
    refresh = 5.0

    def __init__(self) -> None:
        self._meter = RateMeter()

    def sample(self, now: float) -> list[IrqRate]:
        text = read_text("/proc/interrupts")
        if text is None:
            return []
        totals = parse_interrupts(text)
        result = [
            IrqRate(line=line, total=total, rate=round(self._meter.rates(line, (total,), now)[0], 1))
            for line, total in totals.items()
        ]
        self._meter.forget_missing(set(totals))
        return result

    def empty(self) -> list[IrqRate]:
        return []
