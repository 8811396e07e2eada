"""NVIDIA GPUs through NVML, when the nvidia-ml-py package and a driver are present."""

from __future__ import annotations

import logging
from types import ModuleType
from typing import Any

from hostwatch.collect.base import Source
from hostwatch.model import Gpu

logger = logging.getLogger(__name__)


def _load_nvml() -> ModuleType | None:
    """pynvml initialised, or None where the package or the driver is missing."""
    try:
        import pynvml
    except ImportError:
        return None
    try:
        pynvml.nvmlInit()
    except Exception as exc:  # pynvml raises NVMLError subclasses per missing piece
        logger.info("no NVIDIA GPU monitoring: %s", exc)
        return None
    module: ModuleType = pynvml
    return module


def _read(call: Any, *args: Any) -> Any:
    """One NVML query; None where this device does not support it."""
    try:
        return call(*args)
    except Exception:  # NVMLError_NotSupported and friends: the field stays empty
        return None


class GpuSource(Source):
    """Name, utilisation, memory, temperature, fan and power of each device."""

    name = "gpu"
    refresh = 2.0

    def __init__(self) -> None:
        self._nvml: ModuleType | None = None
        self._tried = False

    def sample(self, now: float) -> list[Gpu]:
        if not self._tried:
            self._tried = True
            self._nvml = _load_nvml()
        nvml = self._nvml
        if nvml is None:
            return []
        gpus: list[Gpu] = []
        for index in range(nvml.nvmlDeviceGetCount()):
            device = nvml.nvmlDeviceGetHandleByIndex(index)
            name = _read(nvml.nvmlDeviceGetName, device) or ""
            util = _read(nvml.nvmlDeviceGetUtilizationRates, device)
            memory = _read(nvml.nvmlDeviceGetMemoryInfo, device)
            temperature = _read(nvml.nvmlDeviceGetTemperature, device, nvml.NVML_TEMPERATURE_GPU)
            fan = _read(nvml.nvmlDeviceGetFanSpeed, device)
            power = _read(nvml.nvmlDeviceGetPowerUsage, device)
            uuid = _read(nvml.nvmlDeviceGetUUID, device) or ""
            gpus.append(
                Gpu(
                    index=index,
                    name=name.decode() if isinstance(name, bytes) else str(name),
                    uuid=uuid.decode() if isinstance(uuid, bytes) else str(uuid),
                    proc_percent=float(util.gpu) if util is not None else None,
                    mem_percent=round(100.0 * memory.used / memory.total, 1)
                    if memory is not None and memory.total
                    else None,
                    mem_used=int(memory.used) if memory is not None else None,
                    mem_total=int(memory.total) if memory is not None else None,
                    temperature=float(temperature) if temperature is not None else None,
                    fan_percent=float(fan) if fan is not None else None,
                    power_watts=round(power / 1000.0, 1) if power is not None else None,
                )
            )
        return gpus

    def empty(self) -> list[Gpu]:
        return []
