"""Helpers shared by the collector tests: kernel readings, child processes, bounded polling.

A plain module rather than a conftest.py: the suite's root conftest is imported by
name (`from conftest import ...`), and a second conftest module would shadow it.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import pytest

T = TypeVar("T")

SPIN = "while True:\n    pass\n"
SLEEP = "import time\nwhile True:\n    time.sleep(60)\n"


def meminfo() -> dict[str, int]:
    """/proc/meminfo as field name to bytes (the kernel writes kB)."""
    values: dict[str, int] = {}
    with open("/proc/meminfo", encoding="ascii") as handle:
        for line in handle:
            key, _, rest = line.partition(":")
            words = rest.split()
            if words:
                values[key] = int(words[0]) * (1024 if words[1:] == ["kB"] else 1)
    return values


def proc_stat_counter(name: str) -> int:
    """The first number on the `name` line of /proc/stat (`ctxt`, `intr`, `softirq`)."""
    with open("/proc/stat", encoding="ascii") as handle:
        for line in handle:
            words = line.split()
            if words and words[0] == name:
                return int(words[1])
    raise AssertionError(f"/proc/stat has no {name} line")


def poll(produce: Callable[[], T | None], *, deadline: float = 15.0, step: float = 0.2,
         what: str = "condition") -> T:
    """Call `produce` until it returns something other than None; that value, or a test failure."""
    end = time.monotonic() + deadline
    while True:
        value = produce()
        if value is not None:
            return value
        if time.monotonic() >= end:
            pytest.fail(f"{what} not met within {deadline} s")
        time.sleep(step)


def marker() -> str:
    """A command-line word no other process on this machine carries."""
    return f"hostwatch-test-{uuid.uuid4().hex}"


@contextmanager
def child(code: str, *args: str) -> Iterator[subprocess.Popen[bytes]]:
    """A `python -c code args...` child of this test process, killed and reaped on exit."""
    process = subprocess.Popen([sys.executable, "-c", code, *args])
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)

