"""Settings layering: defaults < config file < environment < flags, each value checked."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from hostwatch.cli import build_parser, check_bind, settings_from
from hostwatch.config import Settings, build_settings, from_environment, parse_duration
from hostwatch.errors import ConfigError, UnsafeBindError


def parse(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["serve", *argv])


def test_defaults_are_vminfos() -> None:
    """With nothing given: loopback, port 20021, 1 s, no token, the local agent on."""
    settings, generated = settings_from(parse(), {})
    assert (settings.bind, settings.port, settings.interval) == ("127.0.0.1", 20021, 1.0)
    assert settings.token is None
    assert settings.local is True
    assert generated is False


def test_each_layer_overrides_the_one_before(tmp_path: Path) -> None:
    """The file beats defaults, the environment beats the file, flags beat the environment."""
    config = tmp_path / "c.toml"
    config.write_text('port = 1111\ninterval = "2s"\nbind = "127.0.0.2"\n[health]\ncpu_warning = 50\n'
                      "[refresh]\nprocesses = 5\n")
    env = {"HOSTWATCH_PORT": "2222", "HOSTWATCH_INTERVAL": "3s", "HOSTWATCH_HEALTH_CPU_CRITICAL": "70"}
    settings, _ = settings_from(parse("--config", str(config), "--port", "3333"), env)
    assert settings.port == 3333
    assert settings.interval == 3.0
    assert settings.bind == "127.0.0.2"
    assert settings.health.cpu_warning == 50
    assert settings.health.cpu_critical == 70
    assert settings.refresh == {"processes": 5.0}


def test_no_local_and_insecure_flags() -> None:
    """`--no-local` turns the embedded agent off; `--insecure` is recorded."""
    settings, _ = settings_from(parse("--no-local", "--insecure"), {})
    assert settings.local is False
    assert settings.insecure is True


def test_bare_token_generates_a_url_safe_secret() -> None:
    """`--token` with no value generates one; `--token VALUE` keeps the value."""
    generated, was_generated = settings_from(parse("--token"), {})
    assert was_generated
    assert generated.token
    assert len(generated.token) >= 32
    given, was_generated = settings_from(parse("--token", "abc"), {})
    assert given.token == "abc"
    assert not was_generated


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1s", 1.0), ("500ms", 0.5), ("2m", 120.0), ("1h", 3600.0), ("0.25", 0.25), (3, 3.0)],
)
def test_durations(text: str | int, seconds: float) -> None:
    """Durations take ms, s, m and h suffixes, or plain seconds."""
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(
    ("layer", "message"),
    [
        ({"port": "http"}, "port: invalid value"),
        ({"interval": "0s"}, "positive"),
        ({"nope": 1}, "unknown setting: nope"),
        ({"health": {"cpu_warnin": 1}}, "unknown health threshold"),
        ({"health": 5}, "health must be a table"),
        ({"log_level": "loud"}, "log_level"),
        ({"local": "perhaps"}, "local: invalid value"),
    ],
)
def test_invalid_values_name_the_setting(layer: dict[str, object], message: str) -> None:
    """Every invalid value raises a ConfigError that names the setting."""
    with pytest.raises(ConfigError, match=message):
        build_settings(layer)


def test_environment_layer_reads_only_hostwatch_variables() -> None:
    """Only HOSTWATCH_* variables count, with HEALTH_ and REFRESH_ prefixes for the tables."""
    layer = from_environment({"HOSTWATCH_BIND": "::1", "HOSTWATCH_REFRESH_SENSORS": "10s",
                              "HOSTWATCH_HEALTH_DISK_WARNING": "70", "PATH": "/bin"})
    assert layer == {"bind": "::1", "refresh": {"sensors": "10s"}, "health": {"disk_warning": "70"}}


@pytest.mark.parametrize("bind", ["127.0.0.1", "::1", "localhost", "127.0.0.5"])
def test_loopback_needs_no_token(bind: str) -> None:
    """Loopback addresses are allowed without authentication."""
    check_bind(Settings(bind=bind))


@pytest.mark.parametrize("bind", ["0.0.0.0", "::", "192.0.2.10", "example.org"])
def test_public_bind_needs_a_token_or_insecure(bind: str) -> None:
    """Other addresses are refused without a token, and allowed with one or with --insecure."""
    with pytest.raises(UnsafeBindError):
        check_bind(Settings(bind=bind))
    check_bind(Settings(bind=bind, token="t"))
    check_bind(Settings(bind=bind, insecure=True))
