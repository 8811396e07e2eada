"""What a service monitor is (`MonitorSpec`), what one probe found (`MonitorResult`), and the checks
that turn a `[[monitors]]` table or an API body into a spec.

Both structs travel as JSON: the hub sends specs to the agents that run them and
agents report results back, so they hold plain values only.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import urlsplit

import msgspec

from hostwatch.config import parse_duration
from hostwatch.errors import ConfigError

Kind = Literal["icmp", "tcp", "http"]
KINDS: tuple[str, ...] = ("icmp", "tcp", "http")

DEFAULT_INTERVAL = 60.0
MIN_INTERVAL = 1.0
MAX_INTERVAL = 86_400.0
DEFAULT_TIMEOUT = 5.0
MAX_TIMEOUT = 60.0
ICMP_FALLBACK_PORT = 80
MAX_NAME = 100
MAX_ID = 2**31 - 1


class MonitorSpec(msgspec.Struct, kw_only=True):
    """One service monitor: what to probe, how often, and which hosts probe it."""

    id: int
    name: str
    kind: Kind
    target: str
    """A host name or address for icmp and tcp, an http(s) URL for http."""
    port: int = 0
    """tcp: the port to connect to; icmp: the port of the TCP fallback (0: 80)."""
    expected_status: int = 200
    """http: the status that counts as up."""
    follow_redirects: bool = False
    interval: float = DEFAULT_INTERVAL
    """Seconds between probes."""
    timeout: float = DEFAULT_TIMEOUT
    """Seconds a probe may take before it counts as failed."""
    hosts: list[int] = []
    """Ids of the hosts that run it; empty: the hub runs it."""
    enabled: bool = True


class MonitorResult(msgspec.Struct, kw_only=True):
    """One probe's outcome; a failed probe has `up` false and no delay."""

    monitor_id: int
    time: float
    """Unix seconds when the probe started."""
    delay_ms: float | None
    up: bool
    error: str = ""
    fallback: bool = False
    """ICMP only: the kernel refused ICMP sockets and a TCP connect stood in for the echo."""


FIELDS: tuple[str, ...] = ("id", "name", "kind", "target", "port", "expected_status", "follow_redirects",
                           "interval", "timeout", "hosts", "enabled")
"""The keys a `[[monitors]]` table or an API body may have."""

_HOSTNAME = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}[A-Za-z0-9_])?"
                       r"(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}[A-Za-z0-9_])?)*\.?$")


def _integer(name: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{name} must be an integer, got {value!r}")
    if not low <= value <= high:
        raise ConfigError(f"{name} must be {low}-{high}, got {value}")
    return value


def _seconds(name: str, value: Any, low: float, high: float) -> float:
    if not isinstance(value, str | int | float):
        raise ConfigError(f"{name} must be a duration such as 30, \"30s\" or \"5m\", got {value!r}")
    try:
        seconds = parse_duration(value)
    except ConfigError as exc:
        raise ConfigError(f"{name}: {exc}") from None
    if not low <= seconds <= high:
        raise ConfigError(f"{name} must be {low:g}-{high:g} seconds, got {seconds:g}")
    return seconds


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{name} must be a non-empty string, got {value!r}")
    return value.strip()


def _host_target(value: str) -> str:
    """A host name or an IP address, without a scheme or a port."""
    try:
        return str(ipaddress.ip_address(value.strip("[]")))
    except ValueError:
        pass
    if not _HOSTNAME.match(value):
        raise ConfigError(f"target must be a host name or an IP address (no scheme, no port), got {value!r}")
    return value


def _url_target(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"target of an http monitor must be an http:// or https:// URL, got {value!r}")
    try:
        parts.port  # noqa: B018 - urlsplit checks the port only when asked
    except ValueError:
        raise ConfigError(f"target has an invalid port: {value!r}") from None
    return value


def _hosts(value: Any) -> list[int]:
    if not isinstance(value, list | tuple):
        raise ConfigError(f"hosts must be a list of host ids, got {value!r}")
    ids = [_integer("hosts[]", item, 1, MAX_ID) for item in value]
    return sorted(set(ids))


def _bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{name} must be true or false, got {value!r}")
    return value


def parse_spec(data: Mapping[str, Any], monitor_id: int) -> MonitorSpec:
    """The spec a `[[monitors]]` table or an API body describes, under `monitor_id`.

    ConfigError names the first bad field and says what it takes; unknown keys
    are refused, so a misspelt key never silently falls back to a default.
    """
    if not isinstance(data, Mapping):
        raise ConfigError(f"a monitor must be a table (JSON object), got {data!r}")
    unknown = sorted(str(k) for k in data if k not in FIELDS)
    if unknown:
        raise ConfigError(f"unknown field(s) {', '.join(unknown)}; a monitor takes {', '.join(FIELDS)}")
    kind = data.get("kind")
    if kind not in KINDS:
        raise ConfigError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if "target" not in data:
        raise ConfigError("target is required: a host name or address (icmp, tcp) or a URL (http)")
    raw_target = _text("target", data["target"])
    target = _url_target(raw_target) if kind == "http" else _host_target(raw_target)
    port = 0
    if kind == "tcp":
        if "port" not in data:
            raise ConfigError("port is required for a tcp monitor")
        port = _integer("port", data["port"], 1, 65535)
    elif kind == "icmp" and "port" in data:
        port = _integer("port", data["port"], 1, 65535)
    elif "port" in data:
        raise ConfigError("port is not used by http monitors: put it in the URL")
    if kind != "http":
        for key in ("expected_status", "follow_redirects"):
            if key in data:
                raise ConfigError(f"{key} applies to http monitors only")
    expected = _integer("expected_status", data.get("expected_status", 200), 100, 599)
    name = _text("name", data["name"]) if "name" in data else f"{kind} {raw_target}"
    if len(name) > MAX_NAME:
        raise ConfigError(f"name must be at most {MAX_NAME} characters")
    return MonitorSpec(
        id=monitor_id,
        name=name,
        kind=kind,
        target=target,
        port=port,
        expected_status=expected,
        follow_redirects=_bool("follow_redirects", data.get("follow_redirects", False)),
        interval=_seconds("interval", data.get("interval", DEFAULT_INTERVAL), MIN_INTERVAL, MAX_INTERVAL),
        timeout=_seconds("timeout", data.get("timeout", DEFAULT_TIMEOUT), 0.001, MAX_TIMEOUT),
        hosts=_hosts(data.get("hosts", [])),
        enabled=_bool("enabled", data.get("enabled", True)),
    )


def explicit_id(data: Mapping[str, Any]) -> int | None:
    """The `id` a `[[monitors]]` table gives itself, if any."""
    return None if data.get("id") is None else _integer("id", data["id"], 1, MAX_ID)


def spec_fields(spec: MonitorSpec) -> dict[str, Any]:
    """The spec as the plain mapping `parse_spec` reads back (for updates that change some fields)."""
    fields: dict[str, Any] = msgspec.to_builtins(spec)
    if spec.kind == "http" or not spec.port:
        del fields["port"]
    if spec.kind != "http":
        del fields["expected_status"], fields["follow_redirects"]
    return fields
