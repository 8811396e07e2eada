"""Host facts: os-release, kernel, cores, boot time; the slowest source."""

from __future__ import annotations

import os
import platform
import socket
import struct
import time
from pathlib import Path

import psutil
import pytest
from collect_support import proc_stat_counter

from hostwatch import __version__
from hostwatch.collect.base import Source
from hostwatch.collect.collector import Collector, default_sources
from hostwatch.collect.system import SystemSource, parse_os_release
from hostwatch.model import SystemInfo

OS_RELEASE = """\
# a comment line
PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION='12 (bookworm)'
ID=debian

HOME_URL="https://www.debian.org/"
"""


def test_os_release_pairs_lose_their_quotes_and_comments() -> None:
    """KEY=value lines are read with single or double quotes removed; comments and blanks are ignored."""
    assert parse_os_release(OS_RELEASE) == {
        "PRETTY_NAME": "Debian GNU/Linux 12 (bookworm)",
        "NAME": "Debian GNU/Linux",
        "VERSION_ID": "12",
        "VERSION": "12 (bookworm)",
        "ID": "debian",
        "HOME_URL": "https://www.debian.org/",
    }


def test_os_release_value_may_contain_an_equals_sign() -> None:
    """Only the first `=` separates key from value."""
    assert parse_os_release('BUG_REPORT_URL="https://x.org/?a=b"\n') == {
        "BUG_REPORT_URL": "https://x.org/?a=b"
    }


def test_system_facts_match_the_kernel_and_interpreter() -> None:
    """Hostname, kernel, architecture, core count and boot time are this host's own."""
    info = SystemSource().sample(0.0)
    assert info.hostname == socket.gethostname()
    assert info.os_name == platform.system() == "Linux"
    assert info.kernel == os.uname().release
    assert info.arch == os.uname().machine
    assert info.bits == struct.calcsize("P") * 8
    assert info.cpu_logical_cores == os.cpu_count()
    # psutil cannot always tell physical cores (some VMs, ARM); it is then 0, never a guess.
    assert info.cpu_physical_cores == (psutil.cpu_count(logical=False) or 0)
    assert info.cpu_physical_cores <= info.cpu_logical_cores
    assert info.boot_time == pytest.approx(proc_stat_counter("btime"), abs=1.0)
    assert info.boot_time < time.time()
    assert info.agent_version == __version__
    assert info.psutil_version == psutil.__version__


def test_distribution_comes_from_os_release() -> None:
    """distro, distro_id and distro_version are os-release's PRETTY_NAME, ID and VERSION_ID."""
    path = next((p for p in (Path("/etc/os-release"), Path("/usr/lib/os-release")) if p.exists()), None)
    info = SystemSource().sample(0.0)
    if path is None:
        assert (info.distro, info.distro_id) == ("", "")
        return
    release = parse_os_release(path.read_text())
    assert info.distro == release.get("PRETTY_NAME", release.get("NAME", ""))
    assert info.distro_id == release.get("ID", "")
    assert info.distro_version == release.get("VERSION_ID", "")


def test_collector_recomputes_uptime_from_boot_time_on_every_snapshot() -> None:
    """Uptime is wall time since boot at assembly, so it moves even while system facts are cached."""
    clock = iter([0.0, 1.0])
    collector = Collector(sources=[SystemSource()], clock=lambda: next(clock))
    first = collector.collect()
    expected = time.time() - psutil.boot_time()
    assert first.system.uptime == pytest.approx(expected, abs=2.0)
    second = collector.collect()  # system not due again: same facts, fresh uptime
    assert second.system.boot_time == first.system.boot_time
    assert second.system.uptime >= first.system.uptime


def test_system_is_the_slowest_source() -> None:
    """Rarely changing host facts refresh less often than any other source."""
    others = [s.refresh for s in default_sources() if not isinstance(s, SystemSource)]
    assert SystemSource.refresh > max(others)


def test_empty_system_info_still_names_the_agent() -> None:
    """Where facts cannot be read, the empty value still says which hostwatch sent it."""
    empty = SystemSource().empty()
    assert isinstance(empty, SystemInfo)
    assert empty.agent_version == __version__
    assert empty.hostname == ""
    assert isinstance(SystemSource(), Source)
