"""A hub config where exactly one alert is always open: memory, from 0 %."""

from __future__ import annotations

from hostwatch.api.glances.limits import DEFAULT_LIMITS

_MARKS = ("_careful", "_warning", "_critical")
OUT_OF_REACH = 1e15


def _memory_mark(key: str) -> float:
    return 100.0 if key.endswith("_critical") else 0.0


def memory_alert_config() -> str:
    """TOML with memory's marks at 0 % and every other mark of every plugin out of reach,
    so a busy test machine opens no other event (and `global_msg` stays the memory one)."""
    lines: list[str] = []
    for plugin, limits in sorted(DEFAULT_LIMITS.items()):
        marks = sorted(key for key, value in limits.items()
                       if key.endswith(_MARKS) and isinstance(value, int | float))
        if not marks:
            continue
        lines.append(f"[glances.{plugin}]")
        for key in marks:
            lines.append(f"{key} = {_memory_mark(key) if plugin == 'mem' else OUT_OF_REACH}")
        lines.append("")
    return "\n".join(lines)
