"""Glances' thresholds: the reference's `/api/4/all/limits` as defaults, and the effective values.

Numeric limits (`*_careful`, `*_warning`, `*_critical`) and list options (`*_hide`,
`*_disable`, ...) are kept exactly as Glances serves them: numbers as floats and
options as lists of strings. Overrides come from the `[glances.<plugin>]` tables
of hostwatch's config file; an unknown plugin or key is a ConfigError at start-up.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from hostwatch.errors import ConfigError

DEFAULT_LIMITS: dict[str, dict[str, Any]] = {'alert': {'alert_disable': ['False'], 'history_size': 1200.0},
 'amps': {'amps_disable': ['False'], 'history_size': 1200.0},
 'containers': {'containers_all': ['False'],
                'containers_disable': ['False'],
                'containers_max_name_size': 20.0,
                'history_size': 1200.0},
 'core': {'history_size': 1200.0},
 'cpu': {'cpu_ctx_switches_careful': 640000.0,
         'cpu_ctx_switches_critical': 800000.0,
         'cpu_ctx_switches_warning': 720000.0,
         'cpu_disable': ['False'],
         'cpu_iowait_careful': 5.0,
         'cpu_iowait_critical': 6.25,
         'cpu_iowait_warning': 5.625,
         'cpu_steal_careful': 50.0,
         'cpu_steal_critical': 90.0,
         'cpu_steal_warning': 70.0,
         'cpu_system_careful': 50.0,
         'cpu_system_critical': 90.0,
         'cpu_system_log': ['False'],
         'cpu_system_warning': 70.0,
         'cpu_total_careful': 65.0,
         'cpu_total_critical': 85.0,
         'cpu_total_log': ['True'],
         'cpu_total_warning': 75.0,
         'cpu_user_careful': 50.0,
         'cpu_user_critical': 90.0,
         'cpu_user_log': ['False'],
         'cpu_user_warning': 70.0,
         'history_size': 1200.0},
 'diskio': {'diskio_disable': ['False'],
            'diskio_hide': ['loop.*', '/dev/loop.*'],
            'diskio_hide_zero': ['False'],
            'history_size': 1200.0},
 'folders': {'folders_disable': ['False'], 'history_size': 1200.0},
 'fs': {'fs_careful': 50.0,
        'fs_critical': 90.0,
        'fs_disable': ['False'],
        'fs_hide': ['/boot.*', '.*/snap.*'],
        'fs_warning': 70.0,
        'history_size': 1200.0},
 'gpu': {'gpu_disable': ['False'],
         'gpu_mem_careful': 50.0,
         'gpu_mem_critical': 90.0,
         'gpu_mem_warning': 70.0,
         'gpu_proc_careful': 50.0,
         'gpu_proc_critical': 90.0,
         'gpu_proc_warning': 70.0,
         'gpu_temperature_careful': 60.0,
         'gpu_temperature_critical': 80.0,
         'gpu_temperature_warning': 70.0,
         'history_size': 1200.0},
 'help': {'history_size': 1200.0},
 'ip': {'history_size': 1200.0,
        'ip_disable': ['False'],
        'ip_public_api': ['https://ipv4.ipleak.net/json/'],
        'ip_public_disabled': ['True'],
        'ip_public_field': ['ip'],
        'ip_public_refresh_interval': 300.0,
        'ip_public_template': ['{continent_name}/{country_name}/{city_name}']},
 'load': {'history_size': 1200.0,
          'load_careful': 0.7,
          'load_critical': 5.0,
          'load_disable': ['False'],
          'load_warning': 1.0},
 'mem': {'history_size': 1200.0,
         'mem_careful': 50.0,
         'mem_critical': 90.0,
         'mem_disable': ['False'],
         'mem_warning': 70.0},
 'memswap': {'history_size': 1200.0,
             'memswap_careful': 50.0,
             'memswap_critical': 90.0,
             'memswap_disable': ['False'],
             'memswap_warning': 70.0},
 'network': {'history_size': 1200.0,
             'network_disable': ['False'],
             'network_hide': ['docker.*', 'lo'],
             'network_hide_no_ip': ['True'],
             'network_hide_no_up': ['True'],
             'network_hide_zero': ['False'],
             'network_rx_careful': 70.0,
             'network_rx_critical': 90.0,
             'network_rx_warning': 80.0,
             'network_tx_careful': 70.0,
             'network_tx_critical': 90.0,
             'network_tx_warning': 80.0},
 'now': {'history_size': 1200.0},
 'percpu': {'history_size': 1200.0,
            'percpu_disable': ['False'],
            'percpu_iowait_careful': 50.0,
            'percpu_iowait_critical': 90.0,
            'percpu_iowait_warning': 70.0,
            'percpu_max_cpu_display': 4.0,
            'percpu_system_careful': 50.0,
            'percpu_system_critical': 90.0,
            'percpu_system_warning': 70.0,
            'percpu_user_careful': 50.0,
            'percpu_user_critical': 90.0,
            'percpu_user_warning': 70.0},
 'ports': {'history_size': 1200.0,
           'ports_disable': ['False'],
           'ports_port_default_gateway': ['True'],
           'ports_refresh': 30.0,
           'ports_timeout': 3.0},
 'processcount': {'history_size': 1200.0, 'processcount_disable': ['False']},
 'processlist': {'history_size': 1200.0,
                 'processlist_cpu_careful': 50.0,
                 'processlist_cpu_critical': 90.0,
                 'processlist_cpu_warning': 70.0,
                 'processlist_disable': ['False'],
                 'processlist_mem_careful': 50.0,
                 'processlist_mem_critical': 90.0,
                 'processlist_mem_warning': 70.0,
                 'processlist_nice_warning': ['-20',
                                              '-19',
                                              '-18',
                                              '-17',
                                              '-16',
                                              '-15',
                                              '-14',
                                              '-13',
                                              '-12',
                                              '-11',
                                              '-10',
                                              '-9',
                                              '-8',
                                              '-7',
                                              '-6',
                                              '-5',
                                              '-4',
                                              '-3',
                                              '-2',
                                              '-1',
                                              '1',
                                              '2',
                                              '3',
                                              '4',
                                              '5',
                                              '6',
                                              '7',
                                              '8',
                                              '9',
                                              '10',
                                              '11',
                                              '12',
                                              '13',
                                              '14',
                                              '15',
                                              '16',
                                              '17',
                                              '18',
                                              '19'],
                 'processlist_status_critical': ['Z', 'D'],
                 'processlist_status_ok': ['R', 'W', 'P', 'I']},
 'programlist': {'history_size': 1200.0},
 'psutilversion': {'history_size': 1200.0},
 'quicklook': {'history_size': 1200.0,
               'quicklook_bar_char': ['|'],
               'quicklook_cpu_careful': 50.0,
               'quicklook_cpu_critical': 90.0,
               'quicklook_cpu_warning': 70.0,
               'quicklook_disable': ['False'],
               'quicklook_list': ['cpu', 'mem', 'load'],
               'quicklook_load_careful': 70.0,
               'quicklook_load_critical': 500.0,
               'quicklook_load_warning': 100.0,
               'quicklook_mem_careful': 50.0,
               'quicklook_mem_critical': 90.0,
               'quicklook_mem_warning': 70.0,
               'quicklook_swap_careful': 50.0,
               'quicklook_swap_critical': 90.0,
               'quicklook_swap_warning': 70.0},
 'sensors': {'history_size': 1200.0,
             'sensors_battery_careful': 70.0,
             'sensors_battery_critical': 90.0,
             'sensors_battery_warning': 80.0,
             'sensors_disable': ['False'],
             'sensors_hide': ['unknown.*'],
             'sensors_refresh': 6.0,
             'sensors_temperature_hdd_careful': 45.0,
             'sensors_temperature_hdd_critical': 60.0,
             'sensors_temperature_hdd_warning': 52.0},
 'system': {'history_size': 1200.0, 'system_disable': ['False'], 'system_refresh': 60},
 'uptime': {'history_size': 1200.0},
 'version': {'history_size': 1200.0},
 'wifi': {'history_size': 1200.0,
          'wifi_careful': -65.0,
          'wifi_critical': -85.0,
          'wifi_disable': ['False'],
          'wifi_warning': -75.0}}

"""Glances 4.5.8's own defaults, copied from the reference's `all/limits` example."""


def _coerce(plugin: str, key: str, value: Any, default: Any) -> Any:
    """`value` in the shape of `default`: a float for a number, a list of strings for an option."""
    if isinstance(default, list):
        items = value if isinstance(value, list) else [value]
        return [str(item) for item in items]
    if isinstance(default, int | float) and not isinstance(value, bool):
        try:
            return float(value) if isinstance(default, float) else int(value)
        except (TypeError, ValueError):
            pass
    raise ConfigError(f"glances.{plugin}.{key}: expected a number like {default!r}, got {value!r}")


def effective_limits(overrides: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """The default limits with `overrides` applied; a ConfigError names any unknown plugin or key."""
    limits = {plugin: dict(values) for plugin, values in DEFAULT_LIMITS.items()}
    for plugin, values in overrides.items():
        if plugin not in limits:
            raise ConfigError(
                f"glances.{plugin}: unknown Glances plugin for limits (known: {', '.join(sorted(limits))})"
            )
        for key, value in values.items():
            if key not in limits[plugin]:
                raise ConfigError(
                    f"glances.{plugin}.{key}: unknown limit (known: {', '.join(sorted(limits[plugin]))})"
                )
            limits[plugin][key] = _coerce(plugin, key, value, limits[plugin][key])
    return limits


@lru_cache(maxsize=256)
def _pattern(regex: str) -> re.Pattern[str]:
    return re.compile(regex)


def is_hidden(name: str, patterns: Iterable[str]) -> bool:
    """True when `name` fully matches one of Glances' `*_hide` regular expressions."""
    return any(_pattern(p).fullmatch(name) for p in patterns)


def hide_patterns(limits: Mapping[str, Mapping[str, Any]], plugin: str) -> list[str]:
    """The `<plugin>_hide` patterns in effect, or none."""
    patterns = limits.get(plugin, {}).get(f"{plugin}_hide", [])
    return [str(p) for p in patterns]


def decoration(value: float | None, limits: Mapping[str, Any], prefix: str) -> str:
    """Glances' decoration of `value` against `<prefix>_careful|warning|critical`.

    Below careful is OK; a field with no limits is DEFAULT. Thresholds that
    decrease (wifi's dBm) are compared the other way round.
    """
    careful = limits.get(f"{prefix}_careful")
    warning = limits.get(f"{prefix}_warning")
    critical = limits.get(f"{prefix}_critical")
    if value is None or not all(isinstance(x, int | float) for x in (careful, warning, critical)):
        return "DEFAULT"
    sign = -1.0 if critical < careful else 1.0  # type: ignore[operator]
    v = sign * value
    if v >= sign * critical:  # type: ignore[operator]
        return "CRITICAL"
    if v >= sign * warning:  # type: ignore[operator]
        return "WARNING"
    if v >= sign * careful:  # type: ignore[operator]
        return "CAREFUL"
    return "OK"
