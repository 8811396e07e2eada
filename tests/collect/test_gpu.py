"""NVIDIA GPUs through NVML; without the package or a driver the list is empty."""

from __future__ import annotations

import sys

import pytest

from hostwatch.collect.gpu import GpuSource
from hostwatch.model import Gpu


def test_without_pynvml_the_gpu_source_reports_no_gpus(monkeypatch: pytest.MonkeyPatch) -> None:
    """A host without nvidia-ml-py installed gives [] rather than an ImportError."""
    monkeypatch.setitem(sys.modules, "pynvml", None)  # makes `import pynvml` raise ImportError
    source = GpuSource()
    assert source.sample(0.0) == []
    assert source.sample(1.0) == source.empty() == []


def test_gpu_source_on_this_host_gives_gpu_records() -> None:
    """Whatever this host has, the source gives a list of Gpu records numbered from 0."""
    gpus = GpuSource().sample(0.0)
    assert isinstance(gpus, list)
    assert all(isinstance(g, Gpu) for g in gpus)
    assert [g.index for g in gpus] == list(range(len(gpus)))
