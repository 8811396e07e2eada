"""Processes: a child the test starts is found by pid, with its facts, CPU share and I/O."""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from collect_support import SLEEP, SPIN, child, marker, poll

from hostwatch.collect.collector import Collector
from hostwatch.collect.process_procfs import ProcfsProcessReader
from hostwatch.collect.processes import ProcessSource, PsutilProcessReader, group_by_program, summarize
from hostwatch.model import ProcessInfo, ProcessIO, ProcessMemory, ProcessStats


def row_of(stats: ProcessStats, pid: int) -> ProcessInfo | None:
    """The row for `pid`, or None when the sample does not list it."""
    return next((row for row in stats.items if row.pid == pid), None)


@pytest.fixture
def sleeper() -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """An idle child process with a unique marker in its command line."""
    word = marker()
    with child(SLEEP, word) as process:
        yield process, word


@pytest.fixture
def spinner() -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """A child process spinning on one core, with a unique marker in its command line."""
    word = marker()
    with child(SPIN, word) as process:
        yield process, word


def test_child_is_found_by_pid_with_its_parent_command_line_user_and_start(
    sleeper: tuple[subprocess.Popen[bytes], str],
) -> None:
    """The child's row has ppid = this process, the marker in cmdline, our user, and a start time of now."""
    process, word = sleeper
    started = time.time()
    row = row_of(ProcessSource().sample(time.monotonic()), process.pid)
    assert row is not None
    assert row.ppid == os.getpid()
    assert word in row.cmdline
    assert row.cmdline[:2] == [sys.executable, "-c"]
    assert row.username == pwd.getpwuid(os.getuid()).pw_name
    assert row.name == psutil.Process(process.pid).name()
    # create_time derives from the boot time, which the kernel gives in whole seconds.
    assert started - 30 <= row.create_time <= time.time() + 2
    assert row.memory.rss > 0
    assert row.memory.vms >= row.memory.rss
    assert row.num_threads >= 1
    assert row.status in {"running", "sleeping"}


def test_own_childs_io_counters_are_reported(sleeper: tuple[subprocess.Popen[bytes], str]) -> None:
    """The kernel tells a parent its child's I/O, so `io` is present, with zero rates on the first sample."""
    process, _ = sleeper
    row = row_of(ProcessSource().sample(time.monotonic()), process.pid)
    assert row is not None
    assert isinstance(row.io, ProcessIO)
    assert row.io.read_bytes_rate == row.io.write_bytes_rate == 0.0
    assert row.io.read_count >= 0


def test_spinning_child_reports_zero_first_then_a_high_cpu_percent(
    spinner: tuple[subprocess.Popen[bytes], str],
) -> None:
    """The first sample reports 0.0 % for every process (no spike); a later one shows the spinner busy."""
    process, _ = spinner
    source = ProcessSource()
    first = source.sample(time.monotonic())
    first_row = row_of(first, process.pid)
    assert first_row is not None
    assert first_row.cpu_percent == 0.0
    assert {row.cpu_percent for row in first.items} == {0.0}

    def busy() -> ProcessInfo | None:
        stats = source.sample(time.monotonic())
        assert min(row.cpu_percent for row in stats.items) >= 0.0
        row = row_of(stats, process.pid)
        assert row is not None
        return row if row.cpu_percent > 20.0 else None

    time.sleep(0.3)
    row = poll(busy, deadline=20, step=0.3, what="the spinning child's cpu_percent > 20")
    assert row.cpu_times.user + row.cpu_times.system > 0


def test_programs_group_contains_the_child(sleeper: tuple[subprocess.Popen[bytes], str]) -> None:
    """The child's program name is a group that lists its pid and counts it."""
    process, _ = sleeper
    stats = ProcessSource().sample(0.0)
    row = row_of(stats, process.pid)
    assert row is not None
    program = next(p for p in stats.programs if p.name == row.name)
    assert process.pid in program.pids
    assert program.count == len(program.pids) >= 1
    assert sum(p.count for p in stats.programs) == stats.total


def test_counts_by_state_add_up_to_the_total() -> None:
    """running + sleeping + idle + stopped + zombie + other is every listed process."""
    stats = ProcessSource().sample(0.0)
    assert stats.total == len(stats.items) > 0
    by_state = (stats.running, stats.sleeping, stats.idle, stats.stopped, stats.zombie, stats.other)
    assert sum(by_state) == stats.total
    assert stats.threads == sum(row.num_threads for row in stats.items)
    assert stats.threads >= stats.total - stats.zombie
    assert stats.pid_max == int(Path("/proc/sys/kernel/pid_max").read_text())
    assert row_of(stats, os.getpid()) is not None


def test_process_that_exits_between_samples_is_dropped_without_error() -> None:
    """A child killed between samples is listed as a zombie until reaped, then is gone; nothing raises."""
    source = ProcessSource()
    with child(SLEEP, marker()) as process:
        assert row_of(source.sample(1.0), process.pid) is not None
        process.kill()
        # Until this process reaps it, the kernel keeps the killed child as a zombie.
        poll(lambda: True if psutil.Process(process.pid).status() == psutil.STATUS_ZOMBIE else None,
             deadline=10, step=0.05, what="the killed child to become a zombie")
        during = source.sample(2.0)
        zombie = row_of(during, process.pid)
        assert zombie is not None
        assert zombie.status == "zombie"
        assert during.zombie >= 1
        process.wait(timeout=10)
    after = source.sample(3.0)
    assert row_of(after, process.pid) is None
    assert after.total == len(after.items)


def test_every_process_rate_is_non_negative_over_several_samples() -> None:
    """CPU shares and I/O rates of all processes are never negative, however processes come and go."""
    source = ProcessSource()
    for step in range(3):
        stats = source.sample(10.0 + step)
        for row in stats.items:
            assert row.cpu_percent >= 0.0
            assert 0.0 <= row.memory_percent <= 100.0
            if row.io is not None:
                assert row.io.read_bytes_rate >= 0.0
                assert row.io.write_bytes_rate >= 0.0
        time.sleep(0.05)


def info(
    pid: int, name: str, status: str, *, cpu: float = 0.0, rss: int = 0, threads: int = 1
) -> ProcessInfo:
    """A process row with the fields grouping and counting look at."""
    return ProcessInfo(pid=pid, name=name, status=status, cpu_percent=cpu, num_threads=threads,
                       memory=ProcessMemory(rss=rss), username="alice",
                       io=ProcessIO(read_bytes_rate=10.0, write_bytes_rate=1.0))


def test_summarize_maps_every_state_to_one_counter() -> None:
    """disk-sleep counts as sleeping, tracing-stop as stopped, unknown states as other."""
    rows = [
        info(1, "init", "sleeping"), info(2, "dd", "disk-sleep"), info(3, "gdb", "tracing-stop"),
        info(4, "vi", "stopped"), info(5, "yes", "running"), info(6, "kworker", "idle"),
        info(7, "sh", "zombie"), info(8, "odd", "dead"), info(9, "new", "parked"),
    ]
    stats = summarize(rows, pid_max=32768, elapsed=2.0)
    assert (stats.running, stats.sleeping, stats.idle, stats.stopped, stats.zombie, stats.other) == (
        1, 2, 1, 2, 1, 2,
    )
    assert (stats.total, stats.threads, stats.pid_max, stats.time_since_update) == (9, 9, 32768, 2.0)


def test_programs_add_up_processes_of_one_name_busiest_first() -> None:
    """Processes sharing a name are summed (CPU, memory, threads, I/O); the busiest program leads."""
    programs = group_by_program([
        info(10, "nginx", "sleeping", cpu=1.25, rss=100, threads=1),
        info(11, "nginx", "sleeping", cpu=2.5, rss=300, threads=2),
        info(20, "postgres", "running", cpu=50.0, rss=50, threads=1),
        info(30, "cron", "sleeping", cpu=0.0, rss=10, threads=1),
    ])
    assert [p.name for p in programs] == ["postgres", "nginx", "cron"]
    nginx = programs[1]
    assert (nginx.pids, nginx.count, nginx.rss, nginx.num_threads) == ([10, 11], 2, 400, 3)
    assert nginx.cpu_percent == 3.8  # 3.75 rounded to one decimal
    assert (nginx.io_read_bytes_rate, nginx.io_write_bytes_rate) == (20.0, 2.0)
    assert nginx.username == "alice"


def test_procfs_rows_agree_with_psutil(sleeper: tuple[subprocess.Popen[bytes], str]) -> None:
    """The /proc reader and psutil describe the same child identically."""
    process, _ = sleeper
    row = row_of(ProcessSource(reader=ProcfsProcessReader(psutil.boot_time())).sample(1.0), process.pid)
    assert row is not None
    handle = psutil.Process(process.pid)
    with handle.oneshot():
        assert (row.ppid, row.name, row.cmdline) == (handle.ppid(), handle.name(), handle.cmdline())
        assert row.username == handle.username()
        assert row.num_threads == handle.num_threads()
        assert row.nice == handle.nice()
        assert abs(row.create_time - handle.create_time()) < 0.05
        memory = handle.memory_info()
        # The child may still be importing between the two reads: allow a few MiB of growth.
        assert abs(row.memory.vms - memory.vms) <= 4 << 20
        assert abs(row.memory.rss - memory.rss) <= 4 << 20
        assert abs(row.cpu_times.user - handle.cpu_times().user) < 0.1
        counters = handle.io_counters()
        assert row.io is not None
        assert row.io.read_count <= counters.read_count


def test_psutil_reader_finds_the_child_and_measures_its_cpu(
    spinner: tuple[subprocess.Popen[bytes], str],
) -> None:
    """The portable psutil reader (used off Linux) finds the child and sees it spin."""
    process, word = spinner
    source = ProcessSource(reader=PsutilProcessReader())
    first = row_of(source.sample(time.monotonic()), process.pid)
    assert first is not None
    assert word in first.cmdline
    assert first.cpu_percent == 0.0

    def busy() -> float | None:
        row = row_of(source.sample(time.monotonic()), process.pid)
        return row.cpu_percent if row is not None and row.cpu_percent > 20 else None

    assert poll(busy, deadline=20.0)


def test_kernel_threads_have_no_memory_or_io() -> None:
    """Children of kthreadd are listed with zero memory and zero I/O, as the kernel accounts them."""
    rows = ProcessSource().sample(0.0).items
    kernel = [r for r in rows if r.ppid == 2]
    for row in kernel:
        assert row.memory == ProcessMemory()
        assert row.io == ProcessIO()
        assert row.cmdline == []


def test_extended_facts_only_for_the_processes_asked_for(
    sleeper: tuple[subprocess.Popen[bytes], str],
) -> None:
    """A pid in `extended_pids` gets open fds, context switches, USS and affinity; others get none."""
    process, _ = sleeper
    source = ProcessSource()
    source.extended_pids = frozenset({process.pid})
    rows = source.sample(0.0).items
    row = row_of(ProcessStats(items=rows), process.pid)
    assert row is not None
    assert row.extended is not None
    # The child may still be starting and opening files: stdin, stdout and stderr at least.
    assert row.extended.num_fds is not None
    assert row.extended.num_fds >= 3
    assert row.extended.memory_uss is not None
    assert row.extended.memory_uss > 0
    assert row.extended.cpu_affinity
    assert all(r.extended is None for r in rows if r.pid != process.pid)


def test_collector_forwards_extended_pids_to_the_process_source() -> None:
    """`Collector.extend_processes` reaches the process source, so this process gets extended facts."""
    collector = Collector(interval=1.0, only=["processes"])
    collector.extend_processes([os.getpid()])
    mine = row_of(collector.collect().processes, os.getpid())
    assert mine is not None
    assert mine.extended is not None
    assert mine.extended.num_fds
