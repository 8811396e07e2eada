"""Agents' process rows left encoded until read: the same snapshot in the end, decoded once,
health and alerts still see the processes, and rows that do not decode break nothing else."""

from __future__ import annotations

import logging

import msgspec
import pytest

from hostwatch.agent.protocol import encode_apart
from hostwatch.alerts.engine import AlertEngine
from hostwatch.alerts.rules import ThresholdRule
from hostwatch.collect.collector import Collector
from hostwatch.hub.hub import Hub
from hostwatch.hub.process_rows import BriefProcess, decode_reported, rows_apart
from hostwatch.model import CpuStats, ProcessInfo, ProcessStats, ProgramInfo, Snapshot

ENCODINGS = {"msgpack": (msgspec.msgpack.encode, True), "json": (msgspec.json.encode, False)}


@pytest.fixture(scope="module")
def real() -> Snapshot:
    snapshot = Collector().collect()
    assert snapshot.processes.items
    assert snapshot.processes.programs
    return snapshot


def _busy(cpu: dict[str, float], total: float = 10.0) -> Snapshot:
    rows = [ProcessInfo(pid=n + 100, name=name, cpu_percent=value)
            for n, (name, value) in enumerate(cpu.items())]
    return Snapshot(time=50.0, seq=1, cpu=CpuStats(total=total),
                    processes=ProcessStats(total=len(rows), items=rows, programs=[ProgramInfo(name="x")]))


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_rows_filled_in_give_the_whole_snapshot(real: Snapshot, encoding: str) -> None:
    """Decoded apart and filled in, a real snapshot equals its whole decode; before that the
    snapshot has every count and no rows."""
    encode, msgpack = ENCODINGS[encoding]
    light, rows = decode_reported(encode(real), msgpack=msgpack)
    assert light.processes.items == []
    assert light.processes.programs == []
    assert light.processes.total == real.processes.total
    assert msgspec.structs.replace(light, processes=real.processes) == real
    assert rows.fill(light) == real
    assert rows.error == ""


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_busiest_is_read_without_the_rows(encoding: str) -> None:
    encode, msgpack = ENCODINGS[encoding]
    _, rows = decode_reported(encode(_busy({"idle": 0.5, "hog": 97.0, "web": 12.0})), msgpack=msgpack)
    assert rows.busiest() == BriefProcess(101, "hog", 97.0, 0.0)
    rows.decode()
    assert rows.busiest() == BriefProcess(101, "hog", 97.0, 0.0)
    _, none = decode_reported(encode(Snapshot(time=1.0)), msgpack=msgpack)
    assert none.busiest() is None
    assert none.decode() == ([], [])


def test_rows_sent_apart_fill_in_as_the_agent_had_them(real: Snapshot) -> None:
    """What `hostwatch agent` sends (the snapshot, its rows apart) reads back as the snapshot;
    the busiest process is known before the rows are decoded."""
    body, document = encode_apart(real, msgspec.msgpack.Encoder())
    light = msgspec.msgpack.decode(body, type=Snapshot)
    rows = rows_apart(document)
    top = max(real.processes.items, key=lambda p: p.cpu_percent)
    assert rows.busiest() == BriefProcess(top.pid, top.name, top.cpu_percent, top.memory_percent)
    assert rows.fill(light) == real
    assert encode_apart(Snapshot(time=1.0), msgspec.msgpack.Encoder())[1] == b""


def test_anything_but_the_rows_is_checked_at_once() -> None:
    """A bad figure outside the rows fails the decode as a whole snapshot's would."""
    body = msgspec.msgpack.encode({"time": 1.0, "cpu": {"total": "busy"}})
    with pytest.raises(msgspec.ValidationError, match=r"cpu\.total"):
        decode_reported(body, msgpack=True)


def test_the_state_decodes_rows_once_and_only_when_read() -> None:
    hub = Hub()
    host = hub.register("agent-r", "rows")
    whole = _busy({"a": 1.0, "b": 2.0})
    light, rows = decode_reported(msgspec.msgpack.encode(whole), msgpack=True)
    state = hub.ingest(host, light, rows=rows)
    assert state.reported
    assert state.figures is light
    assert state.figures.processes.items == []
    assert state.snapshot == whole
    assert state.snapshot is state.snapshot
    assert state.figures is state.snapshot


def test_rows_that_do_not_decode_read_as_none(caplog: pytest.LogCaptureFixture) -> None:
    """A row of the wrong shape costs that snapshot its rows (logged), nothing else."""
    body = msgspec.msgpack.encode({"time": 7.0, "seq": 3, "cpu": {"total": 42.0},
                                   "processes": {"total": 2, "list": [{"pid": "one"}, {"pid": 2}]}})
    light, rows = decode_reported(body, msgpack=True)
    assert rows.busiest() is None
    hub = Hub()
    state = hub.ingest(hub.register("agent-bad", "bad"), light, rows=rows)
    with caplog.at_level(logging.WARNING):
        snapshot = state.snapshot
    assert snapshot is not None
    assert snapshot.processes.items == []
    assert snapshot.processes.total == 2
    assert snapshot.cpu.total == 42.0
    assert "process rows" in caplog.text
    assert "pid" in caplog.text


def test_health_and_alerts_see_the_processes_of_encoded_rows() -> None:
    """The busiest process raises `process_cpu_high`, and an alert names the top processes,
    though the state's rows are still encoded."""
    rule = ThresholdRule(type="CPU", measure=lambda s: s.cpu.total, careful=30.0, warning=50.0, critical=90.0)
    engine = AlertEngine(lambda host_id: [rule])
    hub = Hub(alerts=engine)
    host = hub.register("agent-h", "hot")
    light, rows = decode_reported(msgspec.msgpack.encode(_busy({"sh": 1.0, "hog": 99.0, "db": 40.0}, 70.0)),
                                  msgpack=True)
    state = hub.ingest(host, light, rows=rows)
    found = {w.code: w for w in state.health.warnings}
    assert found["process_cpu_high"].subject == "101"
    assert "hog" in found["process_cpu_high"].message
    (event,) = engine.events(host.id)
    assert event.top == ["hog", "db", "sh"]
