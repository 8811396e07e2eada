"""Shared parts of the benchmarks: the Glances venv, free ports, child processes and the result table.

Every child process started here is tracked by a `Child` and must be stopped
with `Child.stop()` in a `finally`; every wait is bounded in time.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx
import psutil

BENCH_DIR = Path(__file__).resolve().parent
GLANCES_VENV = BENCH_DIR / ".venv-glances"
GLANCES_SPEC = "glances[web]>=4,<5"
HOSTWATCH_BIN = Path(sys.executable).with_name("hostwatch")
START_TIMEOUT_S = 60.0
LOCALHOST = "127.0.0.1"


def log(message: str) -> None:
    """Progress line on stderr, so stdout holds only the results."""
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def glances_python() -> Path:
    """The Glances venv's interpreter, creating the venv and installing Glances 4 if missing."""
    python = GLANCES_VENV / "bin" / "python"
    glances = GLANCES_VENV / "bin" / "glances"
    if python.exists() and glances.exists():
        return python
    log(f"creating {GLANCES_VENV} and installing {GLANCES_SPEC!r} (once)")
    subprocess.run(["python3", "-m", "venv", str(GLANCES_VENV)], check=True, timeout=300)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", GLANCES_SPEC],
        check=True,
        timeout=900,
    )
    return python


def glances_version() -> str:
    """Version string of the Glances installed in the bench venv."""
    out = subprocess.run(
        [str(glances_python()), "-c", "import glances; print(glances.__version__)"],
        check=True, capture_output=True, text=True, timeout=60,
    )
    return out.stdout.strip()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOCALHOST, 0))
        return int(sock.getsockname()[1])


@dataclass
class Child:
    """A process this benchmark started, with its log file; `stop()` kills it and its children."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    log_file: IO[bytes] = field(repr=False)

    @property
    def pid(self) -> int:
        """Process id of the child."""
        return self.popen.pid

    def alive(self) -> bool:
        """Whether the child is still running."""
        return self.popen.poll() is None

    def log_tail(self, lines: int = 15) -> str:
        """The last lines of the child's combined output, for error messages."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """Terminate the child (then kill it after 5 s) and any processes it started."""
        try:
            kids = psutil.Process(self.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            kids = []
        if self.alive():
            self.popen.terminate()
            try:
                self.popen.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=5)
        for kid in kids:
            with contextlib.suppress(psutil.NoSuchProcess):
                kid.kill()
        self.log_file.close()


def spawn(name: str, argv: Sequence[str], workdir: Path, stdin_pipe: bool = False) -> Child:
    """Start `argv` with stdout and stderr going to a log file under `workdir`."""
    log_path = workdir / f"{name}.log"
    log_file = log_path.open("wb")
    popen = subprocess.Popen(
        list(argv),
        stdout=log_file,
        stderr=subprocess.STDOUT,
        stdin=subprocess.PIPE if stdin_pipe else subprocess.DEVNULL,
        cwd=workdir,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    return Child(name=name, popen=popen, log_path=log_path, log_file=log_file)


def wait_http_ok(child: Child, url: str, timeout: float = START_TIMEOUT_S) -> None:
    """Poll `url` until it answers 200, failing early if the child exits."""
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if not child.alive():
                raise RuntimeError(f"{child.name} exited early:\n{child.log_tail()}")
            try:
                if client.get(url).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
    raise RuntimeError(f"{child.name} not ready at {url} after {timeout:.0f} s:\n{child.log_tail()}")


def start_glances(workdir: Path, refresh: float | None = None) -> tuple[Child, str]:
    """Start `glances -w --disable-webui` on a free port; return it and its base URL once ready."""
    python = glances_python()
    port = free_port()
    argv = [
        str(python.with_name("glances")), "-w", "--disable-webui", "-B", LOCALHOST, "-p", str(port),
        "--disable-check-update",
    ]
    if refresh is not None:
        argv += ["-t", f"{refresh:g}"]
    child = spawn("glances", argv, workdir)
    base = f"http://{LOCALHOST}:{port}"
    try:
        wait_http_ok(child, f"{base}/api/4/status")
    except BaseException:
        child.stop()
        raise
    return child, base


def start_hostwatch(workdir: Path, interval: float = 1.0) -> tuple[Child, str]:
    """Start `hostwatch serve` on a free port with a data dir under `workdir`; return it once ready."""
    port = free_port()
    data_dir = workdir / "hostwatch-data"
    data_dir.mkdir(exist_ok=True)
    argv = [
        str(HOSTWATCH_BIN), "serve", "--port", str(port), "--interval", f"{interval:g}s",
        "--data-dir", str(data_dir), "--log-level", "warning",
    ]
    child = spawn("hostwatch", argv, workdir)
    base = f"http://{LOCALHOST}:{port}"
    try:
        wait_http_ok(child, f"{base}/healthz")
    except BaseException:
        child.stop()
        raise
    return child, base


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process, without its children."""
    return sum(psutil.Process(pid).cpu_times()[:2])


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its live children."""
    proc = psutil.Process(pid)
    total = sum(proc.cpu_times()[:2])
    for kid in proc.children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):
            total += sum(kid.cpu_times()[:2])
    return total


def peak_rss_bytes(pid: int) -> int:
    """The kernel's high-water mark of a process's resident set (VmHWM), in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmHWM for pid {pid}")


@dataclass(frozen=True)
class Row:
    """One line of the result table: a figure for both tools, their ratio and the target."""

    figure: str
    hostwatch: str
    glances: str
    ratio: float | None
    target: str
    passed: bool | None

    @property
    def verdict(self) -> str:
        """PASS, FAIL or '-' when the figure has no target."""
        if self.passed is None:
            return "-"
        return "PASS" if self.passed else "FAIL"


def print_table(rows: Sequence[Row]) -> None:
    """Print the rows as an aligned text table."""
    header = ("figure", "hostwatch", "Glances", "ratio hw/gl", "target", "result")
    cells = [header] + [
        (r.figure, r.hostwatch, r.glances, "-" if r.ratio is None else f"{r.ratio:.3f}", r.target, r.verdict)
        for r in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    for n, row in enumerate(cells):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))


def machine_line() -> str:
    """CPU count, load and Python version, to read the numbers against."""
    load = os.getloadavg()
    return (
        f"machine: {psutil.cpu_count()} logical CPUs, load avg {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, "
        f"Python {sys.version.split()[0]}, psutil {psutil.__version__}"
    )


def mib(n_bytes: float) -> str:
    """Bytes as MiB with one decimal."""
    return f"{n_bytes / 2**20:.1f} MiB"
