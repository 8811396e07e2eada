"""`hostwatch snapshot` as a real process: JSON on stdout, `--only` sections, errors on stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from collect_support import meminfo


def hostwatch_command() -> list[str]:
    """The installed `hostwatch` script beside this interpreter, else `python -m hostwatch`."""
    script = Path(sys.executable).parent / "hostwatch"
    return [str(script)] if script.exists() else [sys.executable, "-m", "hostwatch"]


def snapshot(*args: str) -> subprocess.CompletedProcess[str]:
    """Run `hostwatch snapshot ARGS` to completion."""
    return subprocess.run(
        [*hostwatch_command(), "snapshot", *args], capture_output=True, text=True, timeout=60, check=False
    )


@pytest.fixture(scope="module")
def cpu_memory() -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """One `snapshot --pretty --only cpu,memory --interval 200ms` run and its parsed output."""
    result = snapshot("--pretty", "--only", "cpu,memory", "--interval", "200ms")
    assert result.returncode == 0, result.stderr
    return result, json.loads(result.stdout)


def test_only_prints_the_chosen_sections_and_the_envelope(
    cpu_memory: tuple[subprocess.CompletedProcess[str], dict[str, Any]],
) -> None:
    """`--only cpu,memory` prints those two sections plus time, seq, interval and schema, nothing else."""
    result, document = cpu_memory
    assert set(document) == {"cpu", "memory", "time", "seq", "interval", "schema"}
    assert document["interval"] == 0.2
    assert document["seq"] == 2  # a priming sample, then the reported one
    assert document["schema"] == 1
    assert "Traceback" not in result.stderr


def test_snapshot_values_are_this_machines(
    cpu_memory: tuple[subprocess.CompletedProcess[str], dict[str, Any]],
) -> None:
    """The printed memory total is MemTotal and the core count is os.cpu_count()."""
    _, document = cpu_memory
    assert document["memory"]["total"] == meminfo()["MemTotal"]
    assert document["cpu"]["cores"] == os.cpu_count()
    assert len(document["cpu"]["per_core"]) == os.cpu_count()
    assert 0.0 <= document["cpu"]["total"] <= 100.0


def test_pretty_output_is_indented_json(
    cpu_memory: tuple[subprocess.CompletedProcess[str], dict[str, Any]],
) -> None:
    """`--pretty` spreads the document over indented lines and ends with a newline."""
    result, _ = cpu_memory
    assert result.stdout.startswith("{\n  ")
    assert result.stdout.endswith("}\n")


def test_reported_sample_covers_the_interval_after_the_priming_one(
    cpu_memory: tuple[subprocess.CompletedProcess[str], dict[str, Any]],
) -> None:
    """The cpu figures printed span --interval (the promise of the flag), not the priming sample's zeros."""
    _, document = cpu_memory
    assert document["cpu"]["time_since_update"] > 0


def test_compact_output_is_one_line() -> None:
    """Without `--pretty` the snapshot is a single JSON line."""
    result = snapshot("--only", "load", "--interval", "100ms")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1
    assert set(json.loads(result.stdout)) == {"load", "time", "seq", "interval", "schema"}


def test_unknown_section_exits_2_with_a_message_naming_it() -> None:
    """`--only bogus` prints which section is unknown and the valid ones on stderr, exit status 2."""
    result = snapshot("--only", "bogus", "--interval", "100ms")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "unknown section" in result.stderr
    assert "bogus" in result.stderr
    assert "cpu" in result.stderr  # the valid choices are listed
    assert "Traceback" not in result.stderr
