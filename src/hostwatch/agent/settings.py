"""`hostwatch agent` settings: defaults < the config file's `[agent]` table < HOSTWATCH_* < flags."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from hostwatch.config import parse_duration
from hostwatch.errors import ConfigError

PROCESS_MODES = ("top", "all", "none")


def default_state_dir() -> Path:
    """$XDG_STATE_HOME/hostwatch-agent, else ~/.local/state/hostwatch-agent."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "hostwatch-agent"


@dataclass(frozen=True)
class AgentSettings:
    """Where to push, as whom, and how often."""

    hub: str = ""
    token: str = ""
    name: str = ""
    """The host's name at the hub; its hostname when empty."""
    tags: tuple[str, ...] = ()
    interval: float = 1.0
    state_dir: Path = field(default_factory=default_state_dir)
    ca_file: str = ""
    """A CA bundle for the hub's certificate instead of the system trust store."""
    spool_hours: float = 3.0
    """How long an outage the spool rides out before dropping the oldest reports."""
    processes: str = "top"
    """`top` (the busiest processes by CPU and by memory), `all` or `none`."""
    log_level: str = "info"

    @property
    def spool_capacity(self) -> int:
        """Reports the spool holds."""
        return max(int(self.spool_hours * 3600 / self.interval), 10)


def agent_settings(*layers: Mapping[str, Any]) -> AgentSettings:
    """Settings from layers applied in order, later ones winning, each value checked."""
    known = {f.name for f in fields(AgentSettings)}
    values: dict[str, Any] = {}
    for layer in layers:
        for raw_name, value in layer.items():
            name = raw_name.replace("-", "_")
            if name not in known:
                raise ConfigError(f"unknown agent setting: {name}")
            values[name] = value
    try:
        if "interval" in values:
            values["interval"] = parse_duration(values["interval"])
        if "spool_hours" in values:
            values["spool_hours"] = float(values["spool_hours"])
        if "tags" in values:
            raw = values["tags"]
            items = raw.split(",") if isinstance(raw, str) else list(raw)
            values["tags"] = tuple(str(t).strip() for t in items if str(t).strip())
        if "state_dir" in values:
            values["state_dir"] = Path(str(values["state_dir"])).expanduser()
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"invalid agent setting: {exc}") from exc
    settings = replace(AgentSettings(), **values)
    _validate(settings)
    return settings


def environment_layer(environ: Mapping[str, str]) -> dict[str, str]:
    """HOSTWATCH_HUB, HOSTWATCH_TOKEN, HOSTWATCH_NAME, HOSTWATCH_TAGS, ... as a layer."""
    names = {f.name for f in fields(AgentSettings)}
    return {name: environ[f"HOSTWATCH_{name.upper()}"] for name in names
            if f"HOSTWATCH_{name.upper()}" in environ}


def _validate(settings: AgentSettings) -> None:
    url = urlsplit(settings.hub)
    if url.scheme not in ("http", "https") or not url.netloc:
        raise ConfigError(f"--hub must be an http:// or https:// URL, got {settings.hub!r}")
    if not settings.token:
        raise ConfigError("an agent token is required (--token or HOSTWATCH_TOKEN)")
    if settings.processes not in PROCESS_MODES:
        raise ConfigError(f"processes must be one of {', '.join(PROCESS_MODES)}")
    if settings.spool_hours <= 0:
        raise ConfigError("spool_hours must be positive")
    if settings.ca_file and not Path(settings.ca_file).is_file():
        raise ConfigError(f"CA file not found: {settings.ca_file}")
