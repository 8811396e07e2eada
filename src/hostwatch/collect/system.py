"""Host facts: names, OS, kernel, CPU model and cores, boot time, virtualization."""

from __future__ import annotations

import os
import platform
import socket
import struct
from pathlib import Path

import psutil

from hostwatch import __version__
from hostwatch.collect.base import Source
from hostwatch.collect.procfs import read_text
from hostwatch.model import SystemInfo


def parse_os_release(text: str) -> dict[str, str]:
    """KEY=value pairs of os-release(5), quotes removed."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key and not key.startswith("#"):
            values[key.strip()] = value.strip().strip("'\"")
    return values


def cpu_model() -> str:
    """The CPU's marketing name from /proc/cpuinfo, else what `platform` knows."""
    text = read_text("/proc/cpuinfo") or ""
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("model name", "Hardware", "Processor", "cpu model"):
            return value.strip()
    return platform.processor()


def detect_virtualization() -> str:
    """Container or hypervisor this host runs in, as systemd-detect-virt would name it, else ``."""
    if Path("/.dockerenv").exists():
        return "docker"
    if Path("/run/.containerenv").exists():
        return "podman"
    environ = read_text("/proc/1/environ")
    if environ and "container=" in environ:
        for item in environ.split("\0"):
            if item.startswith("container="):
                return item.partition("=")[2] or "container"
    cgroup = read_text("/proc/1/cgroup") or ""
    for marker in ("docker", "kubepods", "lxc"):
        if marker in cgroup:
            return "docker" if marker == "docker" else marker
    vendor = " ".join(
        (read_text(f"/sys/class/dmi/id/{name}") or "").strip()
        for name in ("sys_vendor", "product_name")
    ).lower()
    for needle, name in (
        ("kvm", "kvm"), ("qemu", "qemu"), ("vmware", "vmware"), ("virtualbox", "oracle"),
        ("microsoft", "microsoft"), ("xen", "xen"), ("amazon ec2", "amazon"), ("google", "google"),
    ):
        if needle in vendor:
            return name
    cpuinfo = read_text("/proc/cpuinfo") or ""
    if " hypervisor" in cpuinfo:
        return "vm"
    return ""


class SystemSource(Source):
    """Rarely changing facts; the collector refreshes `uptime` on every snapshot."""

    name = "system"
    refresh = 60.0

    def sample(self, now: float) -> SystemInfo:
        uname = platform.uname()
        release = parse_os_release(
            read_text("/etc/os-release") or read_text("/usr/lib/os-release") or ""
        )
        freq = psutil.cpu_freq() if hasattr(psutil, "cpu_freq") else None
        boot = psutil.boot_time()
        return SystemInfo(
            hostname=socket.gethostname(),
            os_name=uname.system,
            distro=release.get("PRETTY_NAME", release.get("NAME", "")),
            distro_id=release.get("ID", ""),
            distro_version=release.get("VERSION_ID", ""),
            kernel=uname.release,
            arch=uname.machine,
            bits=struct.calcsize("P") * 8,
            cpu_model=cpu_model(),
            cpu_physical_cores=psutil.cpu_count(logical=False) or 0,
            cpu_logical_cores=psutil.cpu_count(logical=True) or os.cpu_count() or 0,
            cpu_freq_max_mhz=float(freq.max) if freq else 0.0,
            cpu_freq_current_mhz=float(freq.current) if freq else 0.0,
            boot_time=boot,
            virtualization=detect_virtualization(),
            agent_version=__version__,
            psutil_version=psutil.__version__,
        )

    def empty(self) -> SystemInfo:
        return SystemInfo(agent_version=__version__)
