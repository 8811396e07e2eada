"""Running real `hostwatch agent` processes against a real hub in tests."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from conftest import HOSTWATCH, Server


@dataclass
class Agent:
    """A running agent process."""

    process: subprocess.Popen[bytes]
    state_dir: Path
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self, timeout: float = 10) -> int:
        if self.process.poll() is None:
            self.process.terminate()
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


def create_token(hub: Server, *extra: str) -> str:
    """A new agent token from the hub's data dir, through the real command."""
    result = subprocess.run([*HOSTWATCH, "token", "create", "--data-dir", str(hub.data_dir), *extra],
                            capture_output=True, text=True, timeout=60, check=True)
    return result.stdout.strip()


def start_agent(tmp_path: Path, hub: Server, token: str, name: str, *extra: str) -> Agent:
    """Start `hostwatch agent` pushing to `hub` with its own state dir."""
    state_dir = tmp_path / f"agent-{name}"
    log = tmp_path / f"agent-{name}.log"
    command = [*HOSTWATCH, "agent", "--hub", hub.url, "--token", token, "--name", name,
               "--state-dir", str(state_dir), *extra]
    with log.open("ab") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=dict(os.environ))
    return Agent(process, state_dir, log)
