"""Settings: one typed object built from defaults < config file (TOML) < environment < flags.

Every setting is declared once in `SETTINGS` (name, default, help); the
environment spells a setting `HOSTWATCH_<NAME>` (`HOSTWATCH_PORT=8080`), and a
threshold or a refresh interval `HOSTWATCH_HEALTH_<NAME>` or
`HOSTWATCH_REFRESH_<SOURCE>`. In the TOML file, thresholds live in a
`[health]` table and refresh intervals in `[refresh]`.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hostwatch.errors import ConfigError

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, None: 1.0}


def parse_duration(value: str | float | int) -> float:
    """Seconds from `1.5`, `"500ms"`, `"2s"`, `"1m"`, `"1h"` or `"30d"`."""
    if isinstance(value, bool):
        raise ConfigError(f"not a duration: {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _DURATION.match(value)
        if not match:
            raise ConfigError(f"not a duration: {value!r} (use e.g. 1s, 500ms, 2m)")
        seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if seconds <= 0:
        raise ConfigError(f"a duration must be positive, got {value!r}")
    return seconds


def default_data_dir() -> Path:
    """$XDG_DATA_HOME/hostwatch, else ~/.local/share/hostwatch."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "hostwatch"


@dataclass(frozen=True)
class HealthThresholds:
    """Where the health score starts to warn; vminfo's defaults.

    Percentages are 0-100, `load_*` is the 1-minute load per logical core,
    `network_*` are events per second, `tcpconn_*` socket counts.
    """

    cpu_warning: float = 75.0
    cpu_critical: float = 90.0
    load_warning: float = 1.0
    load_critical: float = 1.5
    memory_warning: float = 80.0
    memory_critical: float = 90.0
    swap_warning: float = 50.0
    disk_warning: float = 85.0
    disk_critical: float = 95.0
    process_cpu_warning: float = 90.0
    network_errors_warning: float = 10.0
    network_errors_critical: float = 100.0
    network_drops_warning: float = 10.0
    network_drops_critical: float = 100.0
    tcpconn_warning: float = 5000.0
    tcpconn_critical: float = 20000.0
    conntrack_warning: float = 85.0
    conntrack_critical: float = 95.0


@dataclass(frozen=True)
class HistorySettings:
    """The `[history]` table: the on-disk store and how long each tier keeps points (seconds)."""

    enabled: bool = True
    raw: float = 2 * 86400.0
    minute: float = 30 * 86400.0
    hour: float = 400 * 86400.0
    flush_interval: float = 1.0
    retention_interval: float = 600.0
    writer_process: bool = True
    """Keep the store in a child process, off the server's GIL (see `store/process.py`);
    false keeps it in a thread of the server."""


@dataclass(frozen=True)
class Settings:
    """Everything `hostwatch serve` is told; see `SETTINGS` for each field's help."""

    bind: str = "127.0.0.1"
    port: int = 20021
    interval: float = 1.0
    token: str | None = None
    data_dir: Path = field(default_factory=default_data_dir)
    local: bool = True
    insecure: bool = False
    history_size: int = 300
    max_report_bytes: int = 4 << 20
    ws_queue_size: int = 8
    cors_origins: tuple[str, ...] = ()
    log_level: str = "info"
    refresh: Mapping[str, float] = field(default_factory=dict)
    health: HealthThresholds = field(default_factory=HealthThresholds)
    history: HistorySettings = field(default_factory=HistorySettings)
    monitors: tuple[Mapping[str, Any], ...] = ()
    """`[[monitors]]` tables of the config file, checked by `hostwatch.monitors`."""
    glances: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


SETTINGS: dict[str, str] = {
    "bind": "Address to listen on; anything beyond loopback needs a token or --insecure.",
    "port": "TCP port to listen on.",
    "interval": "Seconds between snapshots of this host (accepts 500ms, 2s, 1m).",
    "token": "Require this token for the dashboard, API and WebSocket (bare --token generates one).",
    "data_dir": "Directory for hostwatch's files.",
    "local": "Watch this machine through the embedded agent (false: a pure hub).",
    "insecure": "Allow listening beyond loopback without a token.",
    "history_size": "Snapshots per host kept in memory for short histories.",
    "max_report_bytes": "Largest agent report body the hub accepts (compressed); larger ones get 413.",
    "ws_queue_size": "Snapshots a slow WebSocket client may fall behind before older ones are dropped.",
    "cors_origins": "Origins allowed to read the API from a browser (never `*` in token mode).",
    "log_level": "debug, info, warning or error.",
    "refresh": "Per-source refresh intervals in seconds, e.g. processes = 2.",
    "health": "Health warning and critical thresholds.",
    "monitors": "Service monitors ([[monitors]] tables: name, kind icmp|tcp|http, target, ...).",
    "history": ("On-disk history: enabled, retention per tier (raw, minute, hour), flush_interval, "
                "writer_process (keep the store in a child process; default true)."),
    "glances": "Overrides of Glances' limits per plugin, e.g. [glances.cpu] cpu_user_careful = 40.",
}


def _coerce(name: str, value: Any, template: Any) -> Any:
    """`value` converted to the type of the default `template`, or a ConfigError naming `name`."""
    try:
        if name == "interval":
            return parse_duration(value)
        if isinstance(template, bool):
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ValueError(value)
        if isinstance(template, int) and not isinstance(template, bool):
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError(value)
            return int(value)
        if isinstance(template, float):
            if isinstance(value, bool):
                raise ValueError(value)
            return float(value)
        if isinstance(template, Path):
            return Path(str(value)).expanduser()
        if isinstance(template, tuple):
            items = value.split(",") if isinstance(value, str) else list(value)
            return tuple(str(i).strip() for i in items if str(i).strip())
        return None if value is None else str(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{name}: invalid value {value!r}") from exc


def load_file(path: Path) -> dict[str, Any]:
    """The TOML config file as a dict; a clear ConfigError when unreadable or malformed."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ConfigError(f"config file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc


def from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """HOSTWATCH_* variables as a layer of settings."""
    layer: dict[str, Any] = {}
    health: dict[str, Any] = {}
    refresh: dict[str, Any] = {}
    history: dict[str, Any] = {}
    for key, value in environ.items():
        if not key.startswith("HOSTWATCH_"):
            continue
        name = key.removeprefix("HOSTWATCH_").lower()
        if name.startswith("health_"):
            health[name.removeprefix("health_")] = value
        elif name.startswith("refresh_"):
            refresh[name.removeprefix("refresh_")] = value
        elif name.startswith("history_") and name != "history_size":
            history[name.removeprefix("history_")] = value
        elif name != "config":
            layer[name] = value
    if health:
        layer["health"] = health
    if refresh:
        layer["refresh"] = refresh
    if history:
        layer["history"] = history
    return layer


def build_settings(*layers: Mapping[str, Any]) -> Settings:
    """Settings from layers applied in order, later ones winning, each value checked."""
    defaults = Settings()
    values: dict[str, Any] = {}
    health: dict[str, float] = {}
    refresh: dict[str, float] = {}
    glances: dict[str, dict[str, Any]] = {}
    history: dict[str, Any] = {}
    history_fields = {f.name: getattr(HistorySettings(), f.name) for f in dataclasses.fields(HistorySettings)}
    known = {f.name for f in dataclasses.fields(Settings)}
    thresholds = {f.name: getattr(HealthThresholds(), f.name) for f in dataclasses.fields(HealthThresholds)}
    for layer in layers:
        for raw_name, value in layer.items():
            name = raw_name.replace("-", "_")
            if name not in known:
                raise ConfigError(f"unknown setting: {name}")
            if name == "health":
                for key, threshold in _table(name, value).items():
                    if key not in thresholds:
                        raise ConfigError(f"unknown health threshold: {key}")
                    health[key] = _coerce(f"health.{key}", threshold, 0.0)
            elif name == "refresh":
                for source, seconds in _table(name, value).items():
                    refresh[source] = parse_duration(seconds)
            elif name == "history":
                for key, setting in _table(name, value).items():
                    if key not in history_fields:
                        raise ConfigError(f"unknown history setting: {key}")
                    template = history_fields[key]
                    history[key] = (_coerce(f"history.{key}", setting, template) if isinstance(template, bool)
                                    else _duration(f"history.{key}", setting))
            elif name == "monitors":
                if not isinstance(value, list | tuple) or not all(isinstance(m, Mapping) for m in value):
                    raise ConfigError("monitors must be a list of tables ([[monitors]])")
                values["monitors"] = tuple(dict(m) for m in value)
            elif name == "glances":
                for plugin, limits in _table(name, value).items():
                    glances.setdefault(plugin, {}).update(_table(f"glances.{plugin}", limits))
            else:
                template = "" if name == "token" else getattr(defaults, name)
                values[name] = _coerce(name, value, template)
    settings = dataclasses.replace(
        defaults, **values, refresh=refresh, health=HealthThresholds(**health), glances=glances,
        history=HistorySettings(**history),
    )
    _validate(settings)
    return settings


def _duration(name: str, value: Any) -> float:
    try:
        return parse_duration(value)
    except ConfigError as exc:
        raise ConfigError(f"{name}: {exc}") from exc


def _table(name: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{name} must be a table")
    return {str(k).replace("-", "_"): v for k, v in value.items()}


def _validate(settings: Settings) -> None:
    if not 0 <= settings.port <= 65535:
        raise ConfigError(f"port must be 0-65535, got {settings.port}")
    if settings.history_size < 1 or settings.ws_queue_size < 1:
        raise ConfigError("history_size and ws_queue_size must be at least 1")
    if settings.log_level.lower() not in ("debug", "info", "warning", "error"):
        raise ConfigError(f"log_level must be debug, info, warning or error, got {settings.log_level!r}")
    if settings.token is not None and not settings.token:
        raise ConfigError("token must not be empty")
