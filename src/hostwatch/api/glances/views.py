"""Glances' `views`: how the web UI should decorate each field, judged against the limits.

A view is `{"decoration", "optional", "additional", "splittable", "hidden"}`;
decorations are DEFAULT (no threshold), OK, CAREFUL, WARNING or CRITICAL. A
dict plugin's views are keyed by field; a list plugin's by each row's key value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hostwatch.api.glances.limits import decoration

# plugin -> field -> limit prefix; load is judged per core, as Glances scales its limits.
_DECORATED: dict[str, dict[str, str]] = {
    "cpu": {"user": "cpu_user", "system": "cpu_system", "iowait": "cpu_iowait", "steal": "cpu_steal",
            "total": "cpu_total"},
    "percpu": {"user": "percpu_user", "system": "percpu_system", "iowait": "percpu_iowait"},
    "mem": {"percent": "mem"},
    "memswap": {"percent": "memswap"},
    "load": {"min1": "load", "min5": "load", "min15": "load"},
    "fs": {"percent": "fs"},
    "quicklook": {"cpu": "quicklook_cpu", "mem": "quicklook_mem", "swap": "quicklook_swap",
                  "load": "quicklook_load"},
    "processlist": {"cpu_percent": "processlist_cpu", "memory_percent": "processlist_mem"},
    "gpu": {"mem": "gpu_mem", "proc": "gpu_proc", "temperature": "gpu_temperature"},
    "wifi": {"quality_level": "wifi"},
}


def _view(decor: str) -> dict[str, Any]:
    return {"decoration": decor, "optional": False, "additional": False, "splittable": False, "hidden": False}


def _field_views(plugin: str, stats: Mapping[str, Any], limits: Mapping[str, Any]) -> dict[str, Any]:
    decorated = _DECORATED.get(plugin, {})
    views = {}
    for field, value in stats.items():
        prefix = decorated.get(field)
        number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
        if plugin == "load" and number is not None:
            number = number / max(int(stats.get("cpucore") or 1), 1)
        views[field] = _view(decoration(number, limits, prefix) if prefix else "DEFAULT")
    return views


def plugin_views(plugin: str, value: Any, limits: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The views of one plugin's current value."""
    own = limits.get(plugin, {})
    if isinstance(value, list):
        return {str(row[row["key"]]): _field_views(plugin, row, own)
                for row in value if isinstance(row, dict) and "key" in row}
    if isinstance(value, dict):
        return _field_views(plugin, value, own)
    return {}
