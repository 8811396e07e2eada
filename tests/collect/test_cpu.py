"""CPU usage from the kernel's tick counters: cores, breakdown, rates, and a busy child."""

from __future__ import annotations

import os
import time
from contextlib import ExitStack
from pathlib import Path

import pytest
from collect_support import SPIN, child, marker, poll, proc_stat_counter

from hostwatch.collect.cpu import CpuSource, parse_proc_stat, times_percent, usage_of
from hostwatch.model import CpuStats, CpuTimesPercent

BREAKDOWN = ("user", "system", "idle", "iowait", "irq", "softirq", "nice", "steal")
PERCENTAGES = (*BREAKDOWN, "guest", "guest_nice", "total")


def second_sample(source: CpuSource) -> CpuStats:
    """A sample taken once the kernel has counted some ticks since the source's previous one."""

    def measured() -> CpuStats | None:
        stats = source.sample(time.monotonic())
        return stats if sum(getattr(stats, f) for f in BREAKDOWN) > 0 else None

    time.sleep(0.05)
    return poll(measured, deadline=10, step=0.05, what="CPU ticks to advance")


def assert_percentages_sane(usage: CpuTimesPercent) -> None:
    """Every share is in 0..100, the breakdown sums to ~100, and total is the non-idle share."""
    for field in PERCENTAGES:
        assert 0.0 <= getattr(usage, field) <= 100.0, field
    # Each of eight shares is rounded to 0.1, so the sum may be off by 0.4.
    assert sum(getattr(usage, f) for f in BREAKDOWN) == pytest.approx(100.0, abs=0.5)
    assert usage.total == pytest.approx(100.0 - usage.idle - usage.iowait, abs=0.3)


def test_logical_cores_match_os_cpu_count() -> None:
    """`cores` and the per-core list both count the logical CPUs, numbered from 0."""
    stats = CpuSource().sample(0.0)
    assert stats.cores == os.cpu_count()
    assert [core.number for core in stats.per_core] == list(range(os.cpu_count() or 0))


def test_first_sample_reports_zero_usage_and_rates_not_a_spike() -> None:
    """With no previous ticks, every percentage and every rate is zero, for the machine and each core."""
    stats = CpuSource().sample(time.monotonic())
    for field in PERCENTAGES:
        assert getattr(stats, field) == 0.0, field
    assert (stats.ctx_switches_rate, stats.interrupts_rate, stats.soft_interrupts_rate) == (0.0, 0.0, 0.0)
    assert stats.syscalls_rate == 0.0
    assert stats.time_since_update == 0.0
    assert all(core.total == 0.0 and core.idle == 0.0 for core in stats.per_core)


def test_later_sample_breakdown_sums_to_100_and_rates_are_non_negative() -> None:
    """A measured interval gives shares in 0..100 summing to ~100, and event rates of at least zero."""
    source = CpuSource()
    source.sample(time.monotonic())
    stats = second_sample(source)
    assert_percentages_sane(stats)
    for core in stats.per_core:
        # A core may have counted no tick of its own in a short interval: then all zeros.
        if sum(getattr(core, f) for f in BREAKDOWN) > 0:
            assert_percentages_sane(core)
    assert stats.time_since_update > 0
    assert stats.ctx_switches_rate >= 0.0
    assert stats.interrupts_rate >= 0.0
    assert stats.soft_interrupts_rate >= 0.0


def test_event_counters_are_the_kernels_own() -> None:
    """Context switches, interrupts and softirqs are /proc/stat's ctxt, intr and softirq totals."""
    before = {name: proc_stat_counter(name) for name in ("ctxt", "intr", "softirq")}
    stats = CpuSource().sample(0.0)
    after = {name: proc_stat_counter(name) for name in ("ctxt", "intr", "softirq")}
    assert before["ctxt"] <= stats.ctx_switches <= after["ctxt"]
    assert before["intr"] <= stats.interrupts <= after["intr"]
    assert before["softirq"] <= stats.soft_interrupts <= after["softirq"]
    assert stats.syscalls == 0  # Linux does not count system calls


def test_busy_children_raise_total_cpu_usage() -> None:
    """While child processes spin, the busy share of the machine reaches at least half their load.

    One spinner per core, up to two: on a 2-core machine that is up to 100 % busy,
    and half of it is reached even when other work shares the machine.
    """
    cores = os.cpu_count() or 1
    count = min(cores, 2)
    expected = 100.0 * count / cores
    source = CpuSource()
    with ExitStack() as stack:
        for _ in range(count):
            stack.enter_context(child(SPIN, marker()))
        source.sample(time.monotonic())

        def busy() -> CpuStats | None:
            stats = source.sample(time.monotonic())
            return stats if stats.total >= expected / 2 else None

        time.sleep(0.3)
        stats = poll(busy, deadline=20, step=0.3, what=f"cpu.total >= {expected / 2:.0f} %")
    assert_percentages_sane(stats)


def test_times_percent_leaves_guest_time_out_of_the_denominator() -> None:
    """Guest time is already inside user time, so counting it again would shrink every share."""
    # user system idle iowait irq softirq nice steal guest guest_nice
    before = (100.0, 50.0, 800.0, 10.0, 0.0, 0.0, 0.0, 0.0, 20.0, 0.0)
    after = (160.0, 70.0, 900.0, 30.0, 0.0, 0.0, 0.0, 0.0, 40.0, 0.0)
    shares = times_percent(before, after)
    assert shares["user"] == 30.0
    assert shares["system"] == 10.0
    assert shares["idle"] == 50.0
    assert shares["iowait"] == 10.0
    assert shares["guest"] == 10.0
    assert shares["total"] == 40.0


def test_times_percent_of_no_elapsed_ticks_or_a_counter_going_back_is_zero() -> None:
    """No ticks between samples gives zeros; a tick counter that went backwards counts as no time."""
    same = (1.0,) * 10
    assert set(times_percent(same, same).values()) == {0.0}
    went_back = times_percent((5.0, 5.0, 5.0, *(0.0,) * 7), (4.0, 6.0, 5.0, *(0.0,) * 7))
    assert went_back["user"] == 0.0
    assert went_back["system"] == 100.0
    assert went_back["total"] == 100.0


def test_usage_of_keeps_only_the_breakdown() -> None:
    """usage_of drops counters and cores and keeps every percentage."""
    stats = CpuStats(total=12.5, user=10.0, system=2.5, idle=87.5, cores=4, ctx_switches=99)
    assert usage_of(stats) == CpuTimesPercent(total=12.5, user=10.0, system=2.5, idle=87.5)


def test_proc_stat_parses_in_one_pass() -> None:
    """One /proc/stat text gives the total ticks, each core's, and the event counters, in state order."""
    text = (
        "cpu  10 1 5 100 2 0 3 4 0 0\n"
        "cpu0 5 1 2 50 1 0 1 2 0 0\n"
        "cpu1 5 0 3 50 1 0 2 2 0 0\n"
        "intr 999 1 2 3\nctxt 12345\nbtime 1\nprocesses 5\nsoftirq 77 1 2\n"
    )
    total, cores, counters = parse_proc_stat(text)
    # _STATES order: user, system, idle, iowait, irq, softirq, nice, steal, guest, guest_nice
    assert total == (10.0, 5.0, 100.0, 2.0, 0.0, 3.0, 1.0, 4.0, 0.0, 0.0)
    assert len(cores) == 2
    assert cores[1][1] == 3.0
    assert counters == (12345, 999, 77, 0)


def test_proc_stat_reading_matches_psutil() -> None:
    """The single-read parser agrees with psutil's three reads on this machine's counters."""
    import psutil

    _, cores, counters = parse_proc_stat(Path("/proc/stat").read_text())
    assert len(cores) == len(psutil.cpu_times(percpu=True))
    stats = psutil.cpu_stats()
    assert counters[0] <= stats.ctx_switches
    assert counters[1] <= stats.interrupts
