"""Small readers of Linux /proc and /sys files that psutil does not cover.

Each returns its declared empty value when the file is absent (another OS, a
kernel built without the feature), so callers need no platform checks.
"""

from __future__ import annotations

from pathlib import Path

PROC = Path("/proc")


def read_text(path: str | Path) -> str | None:
    """A whole small file, or None when it does not exist or cannot be read."""
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except (FileNotFoundError, PermissionError, NotADirectoryError, IsADirectoryError):
        return None


def read_int(path: str | Path) -> int | None:
    """A file holding one integer, or None."""
    text = read_text(path)
    if text is None:
        return None
    try:
        return int(text.strip())
    except ValueError:
        return None


def count_socket_lines(path: str | Path) -> int:
    """Sockets listed in a /proc/net/{tcp,udp}[6] table (lines after the header)."""
    text = read_text(path)
    if not text:
        return 0
    return max(text.count("\n") - 1, 0)


# /proc/net/tcp's `st` column, in the kernel's enum order (include/net/tcp_states.h).
TCP_STATE_NAMES: dict[str, str] = {
    "01": "ESTABLISHED",
    "02": "SYN_SENT",
    "03": "SYN_RECV",
    "04": "FIN_WAIT1",
    "05": "FIN_WAIT2",
    "06": "TIME_WAIT",
    "07": "CLOSE",
    "08": "CLOSE_WAIT",
    "09": "LAST_ACK",
    "0A": "LISTEN",
    "0B": "CLOSING",
    "0C": "NEW_SYN_RECV",
}


def tcp_states(paths: tuple[str, ...] = ("/proc/net/tcp", "/proc/net/tcp6")) -> dict[str, int] | None:
    """TCP sockets by state from the kernel's tables; None when there are none to read."""
    counts: dict[str, int] = {}
    found = False
    for path in paths:
        text = read_text(path)
        if text is None:
            continue
        found = True
        for line in text.splitlines()[1:]:
            fields = line.split(None, 4)
            if len(fields) < 4:
                continue
            state = TCP_STATE_NAMES.get(fields[3], "UNKNOWN")
            counts[state] = counts.get(state, 0) + 1
    return counts if found else None


def default_gateways(path: str = "/proc/net/route") -> dict[str, str]:
    """Interface name to IPv4 default gateway, the preferred (lowest metric) route first.

    A default route without a gateway (a point-to-point link such as WireGuard
    or PPP) maps its interface to ``.
    """
    text = read_text(path)
    routes: list[tuple[int, str, str]] = []
    if not text:
        return {}
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 8 or fields[1] != "00000000" or fields[7] != "00000000":
            continue
        raw = int(fields[2], 16)
        gateway = ".".join(str((raw >> s) & 0xFF) for s in (0, 8, 16, 24)) if raw else ""
        routes.append((int(fields[6]), fields[0], gateway))
    gateways: dict[str, str] = {}
    for _metric, interface, gateway in sorted(routes):
        gateways.setdefault(interface, gateway)
    return gateways
