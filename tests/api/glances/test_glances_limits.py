"""Glances limits: the reference's defaults, overridden from hostwatch's config file."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from conftest import start_server
from hostwatch.api.glances.limits import DEFAULT_LIMITS, decoration, effective_limits, is_hidden
from hostwatch.errors import ConfigError


def test_defaults_are_the_reference_values() -> None:
    """A few of the reference's all/limits values, copied as literals."""
    assert DEFAULT_LIMITS["cpu"]["cpu_user_careful"] == 50.0
    assert DEFAULT_LIMITS["cpu"]["cpu_iowait_critical"] == 6.25
    assert DEFAULT_LIMITS["fs"]["fs_hide"] == ["/boot.*", ".*/snap.*"]
    assert DEFAULT_LIMITS["network"]["network_hide"] == ["docker.*", "lo"]
    assert DEFAULT_LIMITS["wifi"]["wifi_critical"] == -85.0


def test_overrides_are_checked_and_typed() -> None:
    """Overrides keep Glances' types; an unknown plugin or key names itself in a ConfigError."""
    limits = effective_limits({"cpu": {"cpu_user_careful": 40}, "fs": {"fs_hide": "/data.*"}})
    assert limits["cpu"]["cpu_user_careful"] == 40.0
    assert isinstance(limits["cpu"]["cpu_user_careful"], float)
    assert limits["fs"]["fs_hide"] == ["/data.*"]
    assert DEFAULT_LIMITS["cpu"]["cpu_user_careful"] == 50.0
    with pytest.raises(ConfigError, match=r"glances\.cpux"):
        effective_limits({"cpux": {}})
    with pytest.raises(ConfigError, match=r"glances\.cpu\.cpu_usr_careful"):
        effective_limits({"cpu": {"cpu_usr_careful": 1}})
    with pytest.raises(ConfigError, match=r"glances\.mem\.mem_careful"):
        effective_limits({"mem": {"mem_careful": "high"}})


def test_decorations_and_hide_patterns() -> None:
    """Values are judged against careful/warning/critical; hide patterns match whole names."""
    mem = DEFAULT_LIMITS["mem"]
    assert [decoration(v, mem, "mem") for v in (10, 50, 75, 95)] == ["OK", "CAREFUL", "WARNING", "CRITICAL"]
    assert decoration(-90.0, DEFAULT_LIMITS["wifi"], "wifi") == "CRITICAL"
    assert decoration(1.0, mem, "nothing") == "DEFAULT"
    assert is_hidden("lo", ["docker.*", "lo"])
    assert not is_hidden("lo0x", ["lo"])


def test_config_file_overrides_reach_the_api(tmp_path: Path) -> None:
    """[glances.*] tables of --config show in /all/limits and /{plugin}/limits and hide rows."""
    config = tmp_path / "hostwatch.toml"
    config.write_text('[glances.cpu]\ncpu_user_careful = 40\n\n[glances.fs]\nfs_hide = ["/"]\n')
    server = start_server(tmp_path, "--config", str(config))
    try:
        everything = httpx.get(f"{server.url}/api/4/all/limits").json()
        assert everything["cpu"]["cpu_user_careful"] == 40.0
        assert everything["cpu"]["cpu_user_warning"] == 70.0
        assert httpx.get(f"{server.url}/api/4/cpu/limits").json()["cpu_user_careful"] == 40.0
        mounts = httpx.get(f"{server.url}/api/4/fs/mnt_point").json()["mnt_point"]
        assert "/" not in mounts
    finally:
        server.stop()


def test_unknown_limit_in_config_stops_the_server(tmp_path: Path) -> None:
    """A misspelt limit is refused at start-up with a message naming it."""
    config = tmp_path / "hostwatch.toml"
    config.write_text("[glances.cpu]\ncpu_usr_careful = 40\n")
    server = start_server(tmp_path, "--config", str(config), ready=False)
    assert server.process.wait(timeout=30) != 0
    assert "cpu_usr_careful" in server.output()
