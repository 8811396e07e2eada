"""Threshold rules: what to measure in a snapshot and where its careful/warning/critical marks are."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hostwatch.model import Snapshot

LEVELS = ("OK", "CAREFUL", "WARNING", "CRITICAL")


@dataclass(frozen=True)
class ThresholdRule:
    """One measured value with three marks; at or above a mark, that level holds."""

    type: str
    """The event type, e.g. `CPU_TOTAL`, `MEM`, `LOAD`."""
    measure: Callable[[Snapshot], float | None]
    """The value to judge, or None when the snapshot does not have it."""
    careful: float
    warning: float
    critical: float
    sort: str = "cpu_percent"
    """Which process figure picks the top three processes of an event."""
    message: str = ""
    """The global message while this rule alerts (Glances' wording)."""
    describe: Callable[[float], str] = lambda value: f"{value:.1f}"

    def level(self, value: float) -> str:
        """OK, CAREFUL, WARNING or CRITICAL for `value`."""
        if value >= self.critical:
            return "CRITICAL"
        if value >= self.warning:
            return "WARNING"
        if value >= self.careful:
            return "CAREFUL"
        return "OK"


def _percent(part: float, whole: float) -> float | None:
    return 100.0 * part / whole if whole else None


def _truthy(flag: Any) -> bool:
    """Glances writes booleans in its limits as `["True"]` lists."""
    if isinstance(flag, list | tuple):
        flag = flag[0] if flag else False
    return str(flag).strip().lower() in ("true", "1", "yes")


_CPU_FIELDS = ("total", "user", "system", "iowait", "steal")


def _marks(table: Mapping[str, Any], prefix: str) -> dict[str, float]:
    """`{prefix}_careful`, `_warning` and `_critical` of a Glances limits table, as rule arguments."""
    return {level: float(table[f"{prefix}_{level}"]) for level in ("careful", "warning", "critical")}


def _cpu_share(field: str) -> Callable[[Snapshot], float | None]:
    return lambda snapshot: float(getattr(snapshot.cpu, field))


def _cpu_text(field: str) -> Callable[[float], str]:
    return lambda value: f"CPU {field} {value:.1f}%"


def glances_rules(limits: Mapping[str, Mapping[str, Any]]) -> list[ThresholdRule]:
    """The rules Glances logs as events, from its `all/limits` table.

    As Glances does: CPU fields whose `cpu_<field>_log` flag is on (only `total`
    by default), memory and swap as a share of their totals, and the 15-minute
    load per core.
    """
    rules: list[ThresholdRule] = []
    cpu = limits.get("cpu", {})
    for field in _CPU_FIELDS:
        if not _truthy(cpu.get(f"cpu_{field}_log", False)):
            continue
        rules.append(ThresholdRule(
            type=f"CPU_{field.upper()}",
            measure=_cpu_share(field),
            **_marks(cpu, f"cpu_{field}"),
            sort="cpu_percent",
            message="High CPU consumption" if field == "total" else f"High CPU {field}",
            describe=_cpu_text(field),
        ))
    if "mem" in limits:
        rules.append(ThresholdRule(
            type="MEM",
            measure=lambda s: _percent(s.memory.total - s.memory.available, s.memory.total),
            **_marks(limits["mem"], "mem"), sort="memory_percent",
            message="High memory consumption", describe=lambda v: f"memory {v:.1f}%",
        ))
    if "memswap" in limits:
        rules.append(ThresholdRule(
            type="MEMSWAP",
            measure=lambda s: _percent(s.memory.swap.used, s.memory.swap.total),
            **_marks(limits["memswap"], "memswap"), sort="memory_percent",
            message="High swap (paging) usage", describe=lambda v: f"swap {v:.1f}%",
        ))
    if "load" in limits:
        rules.append(ThresholdRule(
            type="LOAD",
            measure=lambda s: s.load.min15 / (s.load.cores or s.cpu.cores or 1),
            **_marks(limits["load"], "load"), sort="cpu_percent",
            message="High CPU load", describe=lambda v: f"15-minute load {v:.2f} per core",
        ))
    return rules
