"""Golden shape tests: every plugin of a real Glances 4.5.8 `/api/4/all` against hostwatch's.

`SAMPLE_SHAPES` is copied from glances-4.5.8-all-sample.json: each plugin's
kind (list, dict, str, null) and, per field, the JSON type of its value. A
hostwatch row may carry more fields (a documented superset), never fewer; a
field that Glances left null may hold anything.
"""

from __future__ import annotations

from typing import Any

import httpx

from conftest import Server

SAMPLE_SHAPES: dict[str, tuple[str, dict[str, str]]] = {'alert': ('list', {}),
 'amps': ('list',
          {'count': 'number',
           'countmax': 'null',
           'countmin': 'number',
           'key': 'str',
           'name': 'str',
           'refresh': 'number',
           'regex': 'bool',
           'result': 'null',
           'timer': 'number'}),
 'containers': ('list', {}),
 'core': ('dict', {'log': 'number', 'phys': 'number'}),
 'cpu': ('dict',
         {'cpucore': 'number',
          'ctx_switches': 'number',
          'ctx_switches_gauge': 'number',
          'ctx_switches_rate_per_sec': 'number',
          'guest': 'number',
          'idle': 'number',
          'interrupts': 'number',
          'interrupts_gauge': 'number',
          'interrupts_rate_per_sec': 'number',
          'iowait': 'number',
          'irq': 'number',
          'nice': 'number',
          'soft_interrupts': 'number',
          'soft_interrupts_gauge': 'number',
          'soft_interrupts_rate_per_sec': 'number',
          'steal': 'number',
          'syscalls': 'number',
          'syscalls_gauge': 'number',
          'syscalls_rate_per_sec': 'number',
          'system': 'number',
          'time_since_update': 'number',
          'total': 'number',
          'user': 'number'}),
 'diskio': ('list',
            {'disk_name': 'str',
             'key': 'str',
             'read_bytes': 'number',
             'read_bytes_gauge': 'number',
             'read_bytes_rate_per_sec': 'number',
             'read_count': 'number',
             'read_count_gauge': 'number',
             'read_count_rate_per_sec': 'number',
             'read_latency': 'number',
             'read_time': 'number',
             'read_time_gauge': 'number',
             'read_time_rate_per_sec': 'number',
             'time_since_update': 'number',
             'write_bytes': 'number',
             'write_bytes_gauge': 'number',
             'write_bytes_rate_per_sec': 'number',
             'write_count': 'number',
             'write_count_gauge': 'number',
             'write_count_rate_per_sec': 'number',
             'write_latency': 'number',
             'write_time': 'number',
             'write_time_gauge': 'number',
             'write_time_rate_per_sec': 'number'}),
 'folders': ('list', {}),
 'fs': ('list',
        {'device_name': 'str',
         'free': 'number',
         'fs_type': 'str',
         'key': 'str',
         'mnt_point': 'str',
         'options': 'str',
         'percent': 'number',
         'size': 'number',
         'used': 'number'}),
 'gpu': ('list', {}),
 'help': ('null', {}),
 'ip': ('dict', {'address': 'str', 'mask': 'str', 'mask_cidr': 'number'}),
 'load': ('dict', {'cpucore': 'number', 'min1': 'number', 'min15': 'number', 'min5': 'number'}),
 'mem': ('dict',
         {'active': 'number',
          'available': 'number',
          'buffers': 'number',
          'cached': 'number',
          'free': 'number',
          'inactive': 'number',
          'percent': 'number',
          'percent_max': 'number',
          'percent_mean': 'number',
          'percent_min': 'number',
          'shared': 'number',
          'total': 'number',
          'used': 'number'}),
 'memswap': ('dict',
             {'free': 'number',
              'percent': 'number',
              'sin': 'number',
              'sout': 'number',
              'time_since_update': 'number',
              'total': 'number',
              'used': 'number'}),
 'network': ('list',
             {'alias': 'null',
              'bytes_all': 'number',
              'bytes_all_gauge': 'number',
              'bytes_all_rate_per_sec': 'number',
              'bytes_recv': 'number',
              'bytes_recv_gauge': 'number',
              'bytes_recv_rate_per_sec': 'number',
              'bytes_sent': 'number',
              'bytes_sent_gauge': 'number',
              'bytes_sent_rate_per_sec': 'number',
              'interface_name': 'str',
              'key': 'str',
              'speed': 'number',
              'time_since_update': 'number'}),
 'now': ('dict', {'custom': 'str', 'iso': 'str'}),
 'percpu': ('list',
            {'cpu_number': 'number',
             'dpc': 'null',
             'guest': 'number',
             'guest_nice': 'number',
             'idle': 'number',
             'interrupt': 'null',
             'iowait': 'number',
             'irq': 'number',
             'key': 'str',
             'nice': 'number',
             'softirq': 'number',
             'steal': 'number',
             'system': 'number',
             'total': 'number',
             'user': 'number'}),
 'ports': ('list',
           {'description': 'str',
            'host': 'str',
            'indice': 'str',
            'key': 'str',
            'port': 'number',
            'refresh': 'number',
            'rtt_warning': 'null',
            'status': 'null',
            'timeout': 'number'}),
 'processcount': ('dict',
                  {'pid_max': 'number',
                   'running': 'number',
                   'sleeping': 'number',
                   'thread': 'number',
                   'total': 'number'}),
 'processlist': ('list',
                 {'cmdline': 'list',
                  'cpu_percent': 'number',
                  'cpu_times': 'dict',
                  'gids': 'dict',
                  'io_counters': 'list',
                  'key': 'str',
                  'memory_info': 'dict',
                  'memory_percent': 'number',
                  'name': 'str',
                  'nice': 'number',
                  'num_threads': 'number',
                  'pid': 'number',
                  'status': 'str',
                  'time_since_update': 'number',
                  'username': 'str'}),
 'programlist': ('list',
                 {'childrens': 'list',
                  'cmdline': 'list',
                  'cpu_percent': 'number',
                  'cpu_times': 'dict',
                  'io_counters': 'list',
                  'memory_info': 'dict',
                  'memory_percent': 'number',
                  'name': 'str',
                  'nice': 'number',
                  'nprocs': 'number',
                  'num_threads': 'number',
                  'pid': 'str',
                  'status': 'str',
                  'time_since_update': 'number',
                  'username': 'str'}),
 'psutilversion': ('str', {}),
 'quicklook': ('dict',
               {'cpu': 'number',
                'cpu_hz': 'null',
                'cpu_hz_current': 'number',
                'cpu_log_core': 'number',
                'cpu_name': 'str',
                'cpu_phys_core': 'number',
                'gpu_mem': 'number',
                'gpu_proc': 'number',
                'load': 'number',
                'mem': 'number',
                'percpu': 'list',
                'swap': 'number'}),
 'sensors': ('list', {}),
 'system': ('dict',
            {'hostname': 'str',
             'hr_name': 'str',
             'linux_distro': 'str',
             'os_name': 'str',
             'os_version': 'str',
             'platform': 'str'}),
 'uptime': ('str', {}),
 'version': ('str', {}),
 'wifi': ('list', {})}

# Plugins for which hostwatch has no source: Glances' documented empty value, not the sample's rows.
NO_SOURCE = {"amps": [], "ports": [], "containers": [], "folders": [], "cloud": {}, "smart": {}, "vms": {}}

# Fields the reference documents that Glances itself may omit; clients (Home Assistant) read them.
DOCUMENTED_EXTRAS = {"network": {"is_up": "bool"}}


def json_type(value: Any) -> str:
    """The sample's name for a JSON value's type."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return {str: "str", list: "list", dict: "dict"}[type(value)]


def check_fields(plugin: str, item: dict[str, Any], expected: dict[str, str]) -> None:
    for field, kind in expected.items():
        assert field in item, f"{plugin}: missing field {field}"
        if kind != "null":
            assert json_type(item[field]) == kind, f"{plugin}.{field}: {item[field]!r} is not {kind}"


def test_all_has_every_sample_plugin_with_its_shape(server: Server) -> None:
    """Each plugin of the sample is in /all, same kind, with the sample's fields and value types."""
    everything = httpx.get(f"{server.url}/api/4/all").json()
    for plugin, (kind, sample_fields) in SAMPLE_SHAPES.items():
        assert plugin in everything, plugin
        value = everything[plugin]
        if plugin in NO_SOURCE:
            assert value == NO_SOURCE[plugin], plugin
            continue
        assert json_type(value) == kind, f"{plugin} is {json_type(value)}, Glances gives {kind}"
        expected = {**sample_fields, **DOCUMENTED_EXTRAS.get(plugin, {})}
        for item in value if kind == "list" else [value] if kind == "dict" else []:
            check_fields(plugin, item, expected)
            if "key" in expected:
                assert item["key"] in item, f"{plugin}: key names a missing field"


def test_plugins_absent_from_the_sample_have_their_documented_kind(server: Server) -> None:
    """connections, irq, raid and the source-less plugins answer with the reference's kinds."""
    everything = httpx.get(f"{server.url}/api/4/all").json()
    kinds = {"connections": "dict", "irq": "list", "raid": "dict", "cloud": "dict", "smart": "dict",
             "vms": "dict"}
    for plugin, kind in kinds.items():
        assert json_type(everything[plugin]) == kind, plugin
    connections = everything["connections"]
    for field in ("LISTEN", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "initiated", "terminated"):
        assert isinstance(connections[field], int), field


def test_rates_come_as_delta_gauge_and_rate(server: Server) -> None:
    """cpu's counters: the plain name is rate x time_since_update, `_gauge` the cumulative count."""
    cpu = httpx.get(f"{server.url}/api/4/cpu").json()
    for name in ("ctx_switches", "interrupts", "soft_interrupts", "syscalls"):
        assert cpu[f"{name}_gauge"] >= cpu[name] >= 0
        assert cpu[name] == round(cpu[f"{name}_rate_per_sec"] * cpu["time_since_update"])
    for row in httpx.get(f"{server.url}/api/4/network").json():
        assert row["bytes_all_gauge"] == row["bytes_recv_gauge"] + row["bytes_sent_gauge"]
        assert row["speed"] % 1048576 == 0


def test_scalar_plugins_have_glances_formats(server: Server) -> None:
    """uptime is H:MM:SS (with days), version the Glances release, now has custom and iso."""
    import re

    everything = httpx.get(f"{server.url}/api/4/all").json()
    assert re.fullmatch(r"(\d+ days?, )?\d+:\d\d:\d\d", everything["uptime"])
    assert everything["version"] == "4.5.8"
    assert re.fullmatch(r"\d+\.\d+\.\d+", everything["psutilversion"])
    assert set(everything["now"]) == {"custom", "iso"}
    assert everything["help"] is None
