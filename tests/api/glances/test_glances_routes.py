"""The Glances v4 route patterns of a real `hostwatch serve`: fields, values, top, history, errors."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from conftest import Server, wait_for

# Copied from glances-api-v4.txt, "GET plugins list".
PLUGINS = ["alert", "amps", "cloud", "connections", "containers", "core", "cpu", "diskio", "folders",
           "fs", "gpu", "help", "ip", "irq", "load", "mem", "memswap", "network", "now", "percpu",
           "ports", "processcount", "processlist", "programlist", "psutilversion", "quicklook", "raid",
           "sensors", "smart", "system", "uptime", "version", "vms", "wifi"]
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+\+00:00$")


def api(server: Server, path: str, **kwargs: object) -> httpx.Response:
    return httpx.get(f"{server.url}/api/4/{path}", **kwargs)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def child() -> Iterator[subprocess.Popen[bytes]]:
    """A sleeping child process the tests can look up by PID."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield process
    process.kill()
    process.wait()


def test_status_answers_get_and_head(server: Server) -> None:
    """/status is 200 for GET and HEAD."""
    assert api(server, "status").status_code == 200
    assert httpx.head(f"{server.url}/api/4/status").status_code == 200


def test_pluginslist_equals_the_reference(server: Server) -> None:
    """/pluginslist is the reference's list, in its order."""
    assert api(server, "pluginslist").json() == PLUGINS


def test_every_plugin_answers(server: Server) -> None:
    """Each listed plugin has a route that answers 200."""
    for plugin in PLUGINS:
        assert api(server, plugin).status_code == 200, plugin


def test_field_of_dict_and_list_plugins(server: Server) -> None:
    """/{plugin}/{field}: the value of a dict plugin, each row's value for a list plugin."""
    cpu = api(server, "cpu").json()
    assert api(server, "cpu/cpucore").json() == {"cpucore": cpu["cpucore"]}
    numbers = api(server, "percpu/cpu_number").json()
    assert numbers == {"cpu_number": list(range(os.cpu_count() or 1))}


def test_value_route_including_the_root_mount(server: Server) -> None:
    """/fs/mnt_point/value// answers the root file system's row under the key "/"."""
    body = api(server, "fs/mnt_point/value//").json()
    assert list(body) == ["/"]
    assert body["/"][0]["mnt_point"] == "/"
    assert body["/"][0]["key"] == "mnt_point"
    assert api(server, "percpu/cpu_number/value/0").json()["0"][0]["cpu_number"] == 0


def test_field_of_one_row_by_key(server: Server) -> None:
    """/{plugin}/{field}/{key} picks the row whose key field equals `key`."""
    assert api(server, "fs/fs_type//").status_code == 404  # "//" is not a key: no route collision
    interface = api(server, "network/interface_name").json()["interface_name"]
    if interface:
        body = api(server, f"network/is_up/{interface[0]}").json()
        assert body == {"is_up": True}


def test_top_limits_list_plugins(server: Server) -> None:
    """/processlist/top/2 is the first two rows, busiest first."""
    rows = api(server, "processlist/top/2").json()
    assert len(rows) == 2
    assert rows[0]["cpu_percent"] >= rows[1]["cpu_percent"]
    assert api(server, "cpu/top/2").status_code == 404


def test_history_routes_and_nb(server: Server) -> None:
    """Plugin and field history as [iso, value] pairs; /history/{n} and ?nb= keep the last n."""
    wait_for(lambda: len(api(server, "cpu/history").json().get("user", [])) >= 3)
    full = api(server, "cpu/history").json()
    assert {"user", "system"} <= set(full)
    stamp, value = full["user"][0]
    assert ISO.match(stamp)
    assert isinstance(value, float)
    assert len(api(server, "cpu/history/2").json()["system"]) == 2
    assert len(api(server, "cpu/history", params={"nb": 2}).json()["user"]) == 2
    assert list(api(server, "cpu/user/history/2").json()) == ["user"]
    assert len(api(server, "cpu/user/history", params={"nb": 1}).json()["user"]) == 1
    assert set(api(server, "load/history/1").json()) == {"min1", "min5", "min15"}
    assert "/_percent" in api(server, "fs/history/1").json()
    assert api(server, "cpu/nope/history").status_code == 404


def test_limits_description_unit_and_views(server: Server) -> None:
    """Per-plugin limits, the reference's description and unit, and decorated views."""
    assert api(server, "mem/limits").json() == {"history_size": 1200.0, "mem_careful": 50.0,
                                                "mem_critical": 90.0, "mem_disable": ["False"],
                                                "mem_warning": 70.0}
    assert api(server, "diskio/read_bytes/description").json() == "Number of bytes read."
    assert api(server, "diskio/read_bytes/unit").json() == "byte"
    assert api(server, "network/speed/unit").json() == "bitpersecond"
    views = api(server, "mem/views").json()
    assert views["percent"]["decoration"] in {"OK", "CAREFUL", "WARNING", "CRITICAL"}
    assert views["total"]["decoration"] == "DEFAULT"
    assert api(server, "mem/percent/views").json() == views["percent"]
    assert set(api(server, "all/views").json()) == set(PLUGINS)
    assert api(server, "fs/views").json()["/"]["percent"]["hidden"] is False


def test_processes_by_pid_and_extended(server: Server, child: subprocess.Popen[bytes]) -> None:
    """/processes/{pid} finds a child process; POST extended makes the agent gather its extended
    stats (from its next sample), for that process only, until disabled."""
    row = wait_for(lambda: (r := api(server, f"processes/{child.pid}")).status_code == 200 and r.json())
    assert row["pid"] == child.pid
    assert row["key"] == "pid"
    assert row["status"] in {"S", "R"}
    assert "extended_stats" not in row
    assert httpx.post(f"{server.url}/api/4/processes/extended/{child.pid}").status_code == 200
    extended = wait_for(lambda: (r := api(server, "processes/extended").json()).get("extended_stats") and r)
    assert extended["pid"] == child.pid
    assert extended["num_fds"] >= 3  # stdin, stdout, stderr at least
    assert extended["num_ctx_switches"]["voluntary"] >= 1
    assert set(extended["cpu_affinity"]) <= set(range(os.cpu_count() or 1))
    assert extended["memory_full_info"]["uss"] > 0
    assert extended["ionice"]["ioclass"] is not None
    assert extended["tcp"] == 0
    assert api(server, f"processes/{child.pid}").json()["extended_stats"] is True
    others = [r for r in api(server, "processlist").json() if r["pid"] != child.pid]
    assert not any("extended_stats" in r for r in others)
    assert httpx.post(f"{server.url}/api/4/processes/extended/disable").status_code == 200
    assert api(server, "processes/extended").json() == {}
    wait_for(lambda: "extended_stats" not in api(server, f"processes/{child.pid}").json())
    assert api(server, "processes/999999999").status_code == 404


def test_events_clear_routes(server: Server) -> None:
    """POST /events/clear/all and /events/clear/warning answer 200."""
    for kind in ("all", "warning"):
        assert httpx.post(f"{server.url}/api/4/events/clear/{kind}").status_code == 200


def test_errors_take_glances_shape(server: Server) -> None:
    """An unknown plugin is 400, an unknown field 404, each as {"detail": message}."""
    bad_plugin = api(server, "nope")
    assert bad_plugin.status_code == 400
    assert "Unknown plugin nope" in bad_plugin.json()["detail"]
    bad_field = api(server, "cpu/nope")
    assert bad_field.status_code == 404
    assert set(bad_field.json()) == {"detail"}
    assert "nope" in bad_field.json()["detail"]
    assert api(server, "cpu/nope/unit").status_code == 404
    assert api(server, "nope/limits").status_code == 400
    assert api(server, "cpu", params={"host": "nohost"}).json() == {"detail": "Unknown host nohost"}


def test_args_config_serverslist_and_host_parameter(server: Server) -> None:
    """args, config and serverslist answer; ?host= names the local host too."""
    assert api(server, "args/port").json() == server.port
    assert api(server, "config/mem/careful").json() == "50"
    assert api(server, "config/nope").status_code == 400
    assert api(server, "serverslist").json() == []
    assert api(server, "core", params={"host": "1"}).json() == api(server, "core").json()


def test_all_is_one_encoded_body_per_update(server: Server) -> None:
    """Two reads of /all within one update return byte-identical bodies, gzip when asked."""
    wait_for(lambda: api(server, "all").content == api(server, "all").content)
    gz = api(server, "all", headers={"accept-encoding": "gzip"})
    assert gz.headers["content-encoding"] == "gzip"
    assert "cpu" in gz.json()
