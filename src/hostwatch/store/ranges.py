"""Time ranges as users write them: `range=24h`, or `from`/`to` as ISO 8601 or Unix seconds."""

from __future__ import annotations

import datetime as dt

RANGES: dict[str, float] = {
    "5m": 300.0, "15m": 900.0, "30m": 1800.0, "1h": 3600.0, "4h": 4 * 3600.0, "6h": 6 * 3600.0,
    "12h": 12 * 3600.0, "24h": 86400.0, "7d": 7 * 86400.0, "30d": 30 * 86400.0,
    "90d": 90 * 86400.0, "365d": 365 * 86400.0,
}
"""The ranges every history surface accepts, in seconds."""


def parse_time(text: str) -> float:
    """Unix seconds from `1700000000`, `1700000000.5` or an ISO 8601 time (UTC unless it says)."""
    value = text.strip()
    try:
        return float(value)
    except ValueError:
        pass
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"not a time: {text!r} (use Unix seconds or ISO 8601)") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.timestamp()


def resolve_range(span: str | None, start: str | None, end: str | None, now: float,
                  default: str = "1h") -> tuple[float, float]:
    """(start, end) in Unix seconds from a named range or explicit bounds; ValueError explains a bad one."""
    if span is not None and (start is not None):
        raise ValueError("give either range or from/to, not both")
    stop = parse_time(end) if end is not None else now
    if start is not None:
        begin = parse_time(start)
    else:
        name = span if span is not None else default
        if name not in RANGES:
            raise ValueError(f"unknown range {name!r}; use one of {', '.join(RANGES)} or from/to")
        begin = stop - RANGES[name]
    if begin >= stop:
        raise ValueError("from must be before to")
    return begin, stop
