"""The command line: `serve`, vminfo's `--web` spelling, bind safety, signals and bad settings."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from conftest import HOSTWATCH, free_port, start_server


def test_web_spelling_serves_like_serve(tmp_path: Path) -> None:
    """`hostwatch --web --bind --port --interval` starts the same server as `serve`."""
    port = free_port()
    process = subprocess.Popen(
        [*HOSTWATCH, "--web", "--bind", "127.0.0.1", "--port", str(port), "--interval", "1s",
         "--data-dir", str(tmp_path / "data")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        from conftest import Server, wait_until_responds

        server = Server(process=process, port=port, data_dir=tmp_path / "data", log=tmp_path / "none")
        wait_until_responds(server)
        assert httpx.get(f"{server.url}/api/v1/system").json()["hostname"]
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signals_shut_down_cleanly(tmp_path: Path, sig: int) -> None:
    """SIGINT and SIGTERM stop the server after a clean shutdown.

    uvicorn re-raises the signal once shut down, so the status is the signal's own
    (as systemd expects of a service stopped by SIGTERM), or 0.
    """
    server = start_server(tmp_path)
    assert server.stop(sig) in (0, -sig)
    assert "Application shutdown complete" in server.output()
    assert "Traceback" not in server.output()


def test_non_loopback_bind_without_token_is_refused(tmp_path: Path) -> None:
    """Listening on 0.0.0.0 without a token exits 2 and says why and what to do."""
    result = subprocess.run(
        [*HOSTWATCH, "serve", "--bind", "0.0.0.0", "--port", str(free_port()),
         "--data-dir", str(tmp_path)],
        capture_output=True, text=True, timeout=30, check=False,
    )
    assert result.returncode == 2
    assert "refusing to listen on 0.0.0.0" in result.stderr
    assert "--token" in result.stderr
    assert "--insecure" in result.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--interval", "soon"], "not a duration"),
        (["--port", "70000"], "port must be"),
    ],
)
def test_bad_settings_exit_2_with_a_message(tmp_path: Path, args: list[str], words: str) -> None:
    """An invalid flag value is reported in one line, exit status 2, no traceback."""
    result = subprocess.run(
        [*HOSTWATCH, "serve", "--data-dir", str(tmp_path), *args],
        capture_output=True, text=True, timeout=30, check=False,
    )
    assert result.returncode == 2
    assert words in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_config_file_exits_2(tmp_path: Path) -> None:
    """A malformed TOML file or an unknown key is a clear error, not a crash."""
    config = tmp_path / "hostwatch.toml"
    config.write_text("port = [oops\n")
    result = subprocess.run([*HOSTWATCH, "serve", "--config", str(config)],
                            capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 2
    assert "not valid TOML" in result.stderr
    config.write_text("prot = 8080\n")
    result = subprocess.run([*HOSTWATCH, "serve", "--config", str(config)],
                            capture_output=True, text=True, timeout=30, check=False)
    assert result.returncode == 2
    assert "unknown setting: prot" in result.stderr


def test_config_file_and_environment_reach_the_server(tmp_path: Path) -> None:
    """Thresholds from the TOML file and the environment change what the running server reports."""
    config = tmp_path / "hostwatch.toml"
    config.write_text("[health]\nmemory_warning = 0.0\nmemory_critical = 100.0\n")
    server = start_server(tmp_path, "--config", str(config), env={"HOSTWATCH_HEALTH_CPU_WARNING": "0"})
    try:
        codes = {w["code"] for w in httpx.get(f"{server.url}/api/v1/health").json()["warnings"]}
        assert {"memory_high", "cpu_high"} <= codes
    finally:
        server.stop()


def test_help_lists_the_commands() -> None:
    """`hostwatch --help` names serve and snapshot."""
    result = subprocess.run([sys.executable, "-m", "hostwatch", "--help"], capture_output=True, text=True,
                            timeout=30, check=True)
    assert "serve" in result.stdout
    assert "snapshot" in result.stdout
