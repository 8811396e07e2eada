"""Temperatures, fans and batteries, with the hardware's own high and critical marks."""

from __future__ import annotations

from typing import Any

import psutil

from hostwatch.collect.base import Source
from hostwatch.model import Sensor


class SensorSource(Source):
    """psutil's hwmon readings; hosts without sensors (most VMs) give an empty list."""

    name = "sensors"
    refresh = 5.0

    def sample(self, now: float) -> list[Sensor]:
        readings: list[Sensor] = []
        temperatures: dict[str, Any] = getattr(psutil, "sensors_temperatures", lambda: {})() or {}
        for chip, entries in temperatures.items():
            for index, entry in enumerate(entries):
                readings.append(
                    Sensor(
                        label=entry.label or f"{chip} {index}",
                        kind="temperature",
                        value=float(entry.current),
                        unit="C",
                        chip=chip,
                        high=entry.high,
                        critical=entry.critical,
                    )
                )
        fans: dict[str, Any] = getattr(psutil, "sensors_fans", lambda: {})() or {}
        for chip, entries in fans.items():
            for index, entry in enumerate(entries):
                readings.append(
                    Sensor(
                        label=entry.label or f"{chip} {index}",
                        kind="fan",
                        value=float(entry.current),
                        unit="RPM",
                        chip=chip,
                    )
                )
        battery = getattr(psutil, "sensors_battery", lambda: None)()
        if battery is not None:
            secs = battery.secsleft
            readings.append(
                Sensor(
                    label="Battery",
                    kind="battery",
                    value=round(float(battery.percent), 1),
                    unit="%",
                    plugged=battery.power_plugged,
                    secs_left=float(secs) if isinstance(secs, int | float) and secs >= 0 else None,
                )
            )
        return readings

    def empty(self) -> list[Sensor]:
        return []
