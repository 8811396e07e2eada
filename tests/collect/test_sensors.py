"""Temperatures, fans and batteries; hosts without them report an empty list."""

from __future__ import annotations

from collections import namedtuple

import psutil
import pytest

from hostwatch.collect.sensors import SensorSource
from hostwatch.model import Sensor

Temp = namedtuple("Temp", "label current high critical")
Fan = namedtuple("Fan", "label current")
Battery = namedtuple("Battery", "percent secsleft power_plugged")


def test_sensor_source_on_this_host_gives_sensor_records() -> None:
    """The declared type is a list of Sensor; a VM without hwmon or batteries gives []."""
    readings = SensorSource().sample(0.0)
    assert isinstance(readings, list)
    assert all(isinstance(r, Sensor) for r in readings)
    assert all(r.kind in {"temperature", "fan", "battery"} for r in readings)
    expected = len(
        [t for entries in psutil.sensors_temperatures().values() for t in entries]
    ) + len([f for entries in psutil.sensors_fans().values() for f in entries]) + (
        1 if psutil.sensors_battery() is not None else 0
    )
    assert len(readings) == expected
    assert SensorSource().empty() == []


def test_readings_keep_labels_units_and_marks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unlabelled entries are named after their chip; batteries carry plug state and time left."""
    monkeypatch.setattr(psutil, "sensors_temperatures", lambda: {
        "coretemp": [Temp("Package id 0", 48.0, 80.0, 100.0), Temp("", 45.0, None, None)],
    })
    monkeypatch.setattr(psutil, "sensors_fans", lambda: {"thinkpad": [Fan("", 2900)]})
    monkeypatch.setattr(psutil, "sensors_battery",
                        lambda: Battery(87.456, psutil.POWER_TIME_UNLIMITED, True))
    assert SensorSource().sample(0.0) == [
        Sensor(label="Package id 0", kind="temperature", value=48.0, unit="C", chip="coretemp",
               high=80.0, critical=100.0),
        Sensor(label="coretemp 1", kind="temperature", value=45.0, unit="C", chip="coretemp"),
        Sensor(label="thinkpad 0", kind="fan", value=2900.0, unit="RPM", chip="thinkpad"),
        Sensor(label="Battery", kind="battery", value=87.5, unit="%", plugged=True, secs_left=None),
    ]


def test_battery_time_left_is_kept_when_known(monkeypatch: pytest.MonkeyPatch) -> None:
    """A discharging battery's estimate in seconds is reported, unplugged."""
    monkeypatch.setattr(psutil, "sensors_temperatures", dict)
    monkeypatch.setattr(psutil, "sensors_fans", dict)
    monkeypatch.setattr(psutil, "sensors_battery", lambda: Battery(50, 3600, False))
    [battery] = SensorSource().sample(0.0)
    assert (battery.plugged, battery.secs_left) == (False, 3600.0)
