"""RateMeter: counters to per-second rates, with no spike on the first sample or a reset."""

from __future__ import annotations

import pytest

from hostwatch.collect.base import RateMeter, Source


def test_first_sample_of_a_key_reports_zero_rates() -> None:
    """A key never seen before has no previous value, so its rates are zero, not the whole counter."""
    meter = RateMeter()
    assert meter.rates("eth0", (10_000_000.0, 5.0), now=100.0) == (0.0, 0.0)


def test_rates_are_counter_deltas_over_elapsed_seconds() -> None:
    """Two samples two seconds apart give (after - before) / 2 per counter."""
    meter = RateMeter()
    meter.rates("eth0", (1000.0, 10.0), now=100.0)
    assert meter.rates("eth0", (3000.0, 10.0), now=102.0) == (1000.0, 0.0)
    assert meter.elapsed("eth0", now=103.5) == pytest.approx(1.5)


def test_counter_going_backwards_reports_zero_not_negative() -> None:
    """A counter reset (wrap, device re-created) gives 0 for that interval, then rates resume."""
    meter = RateMeter()
    meter.rates("sda", (5000.0, 100.0), now=1.0)
    assert meter.rates("sda", (40.0, 150.0), now=2.0) == (0.0, 50.0)
    assert meter.rates("sda", (140.0, 150.0), now=3.0) == (100.0, 0.0)


def test_no_elapsed_time_reports_zero() -> None:
    """Samples at one instant (or a clock stepping back) make no rate: zero, never a division error."""
    meter = RateMeter()
    meter.rates("k", (1.0,), now=5.0)
    assert meter.rates("k", (9.0,), now=5.0) == (0.0,)
    assert meter.rates("k", (20.0,), now=4.0) == (0.0,)


def test_changed_number_of_counters_reports_zero() -> None:
    """A key whose counter tuple changes length starts afresh instead of raising."""
    meter = RateMeter()
    meter.rates("k", (1.0, 2.0), now=1.0)
    assert meter.rates("k", (5.0, 6.0, 7.0), now=2.0) == (0.0, 0.0, 0.0)


def test_forget_makes_the_next_sample_a_first_sample() -> None:
    """After `forget`, the key's next rates are zero and `elapsed` is 0."""
    meter = RateMeter()
    meter.rates("pid:42", (100.0,), now=1.0)
    meter.forget("pid:42")
    assert meter.elapsed("pid:42", now=2.0) == 0.0
    assert meter.rates("pid:42", (900.0,), now=2.0) == (0.0,)
    meter.forget("never-seen")  # forgetting an unknown key is harmless


def test_forget_missing_drops_only_keys_that_are_gone() -> None:
    """Keys absent from the current set lose their state; present keys keep their rates."""
    meter = RateMeter()
    meter.rates("kept", (0.0,), now=0.0)
    meter.rates("gone", (0.0,), now=0.0)
    meter.forget_missing({"kept"})
    assert meter.rates("kept", (10.0,), now=1.0) == (10.0,)
    assert meter.rates("gone", (10.0,), now=1.0) == (0.0,)


def test_source_base_class_declares_the_contract() -> None:
    """A Source subclass that forgets to implement sample or empty fails loudly."""

    class Incomplete(Source):
        name = "incomplete"

    with pytest.raises(NotImplementedError):
        Incomplete().sample(0.0)
    with pytest.raises(NotImplementedError):
        Incomplete().empty()
