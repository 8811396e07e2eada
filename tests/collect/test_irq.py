"""Interrupt lines from /proc/interrupts, summed over CPUs, and their rates."""

from __future__ import annotations

from pathlib import Path

from hostwatch.collect.irq import IrqSource, parse_interrupts
from hostwatch.model import IrqRate

TWO_CPUS = """\
           CPU0       CPU1
  0:         44          0   IO-APIC   2-edge      timer
  1:          9          3   IO-APIC   1-edge      i8042
  8:          0          1   IO-APIC   8-edge      rtc0
 24:      12345       6789   PCI-MSI 512000-edge      ahci[0000:00:1f.2]
 25:          0          0   PCI-MSI 327680-edge      xhci_hcd
NMI:          0          0   Non-maskable interrupts
LOC:     123456     654321   Local timer interrupts
RES:       1500       1700   Rescheduling interrupts
ERR:          0
MIS:          0
"""


def test_two_cpu_table_sums_each_line_over_both_cpus() -> None:
    """Counts of CPU0 and CPU1 add up; numbered lines carry their device name, named lines keep theirs."""
    assert parse_interrupts(TWO_CPUS) == {
        "0_timer": 44,
        "1_i8042": 12,
        "8_rtc0": 1,
        "24_ahci[0000:00:1f.2]": 19134,
        "25_xhci_hcd": 0,
        "NMI": 0,
        "LOC": 777777,
        "RES": 3200,
        "ERR": 0,
        "MIS": 0,
    }


def test_empty_table_has_no_lines() -> None:
    """An empty file yields no interrupt lines rather than an error."""
    assert parse_interrupts("") == {}


def test_irq_source_first_sample_has_zero_rates_then_non_negative() -> None:
    """The first sample reports totals with zero rates; a later one never reports a negative rate."""
    source = IrqSource()
    first = source.sample(100.0)
    assert all(isinstance(line, IrqRate) for line in first)
    assert all(line.rate == 0.0 for line in first)
    second = source.sample(101.0)
    assert all(line.rate >= 0.0 for line in second)
    if Path("/proc/interrupts").exists():
        assert first, "/proc/interrupts exists, so some interrupt line is listed"
        before = {line.line: line.total for line in first}
        # Interrupt counters only grow, so every line present twice has not shrunk.
        assert all(line.total >= before[line.line] for line in second if line.line in before)
    else:
        assert first == second == []
