"""The history store run by a child process, so its work does not share the server's GIL.

Under load the server's event loop holds the GIL almost all the time. A writer
thread beside it then paid twice: its own CPU work (flattening, rollups,
sealing, about a third of each agent report) came out of the same core, and
every SQLite step or zstd call that let the GIL go waited up to the switch
interval to win it back. `ProcessStore` keeps the `SqliteStore` (buffers, file
and all) in a child process and talks to it over two pipes:

- down: batches of appended snapshots (MessagePack, packed by a sender thread a
  few times a second) and calls (pickled), in the order they were made, so a
  `flush` or `query` sees every append made before it;
- up: each call's result or exception.

The child does its work in one thread: it takes batches as they come, flushes
every `flush_interval`, applies retention every `retention_interval`, and
answers calls in between. If it dies, the sender starts a new one (backing off
while that fails); meanwhile appends queue up to `max_pending` (a batch the dead
child's pipe refused among them) and calls raise `StoreError`. What the dead
child had received but not yet flushed (at most `flush_interval`) is lost.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import multiprocessing
import pickle
import signal
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeVar, cast

import msgspec

from hostwatch.errors import StoreError
from hostwatch.gc_tuning import tune_garbage_collector
from hostwatch.model import ProcessStats, Snapshot, variant_fields, without_process_rows
from hostwatch.store.base import QueryResult, Retention, Store, StoreStats
from hostwatch.store.series import SeriesKey
from hostwatch.store.sqlite import FILE_NAME, SqliteStore

log = logging.getLogger(__name__)

SEND_INTERVAL = 0.05
"""Seconds between the sender's batches; appends wait at most this long in the server."""
START_TIMEOUT = 120.0
"""Opening replays the journal, which can take a while after a crash with many hosts."""
STOP_TIMEOUT = 60.0
LOCK_WAIT = 10.0
"""A store process whose server was killed flushes what it holds and exits; a restarted
server's store waits this long for it to let go of the file."""
PIPE_BUFFER = 1 << 20

_APPENDS = b"A"
_CALL = b"C"
_STOP = b"S"

T = TypeVar("T")


@dataclass(frozen=True)
class StoreConfig:
    """What the child needs to open the store."""

    data_dir: Path
    retention: Retention
    flush_interval: float
    retention_interval: float
    max_pending: int = 200_000


class _Append(msgspec.Struct, array_like=True, tag=0):
    host_id: int
    snapshot: msgspec.Raw


class _Points(msgspec.Struct, array_like=True, tag=1):
    host_id: int
    time: float
    interval: float
    keys: list[tuple[str, str, str]]
    values: list[float]


_Batch = list[_Append | _Points]


_ProcessCounts = msgspec.defstruct(
    "ProcessCounts", variant_fields(ProcessStats, leave_out=("items", "programs")), kw_only=True, gc=False)
StoredSnapshot = msgspec.defstruct(
    "StoredSnapshot", variant_fields(Snapshot, types={"processes": _ProcessCounts}), kw_only=True, gc=False)
"""What the child decodes a snapshot into: a `Snapshot` whose process part has the counts but
not the rows (no series come from them). Decoding skips the rows, which are most of an agent's
snapshot, at about half the cost of a full decode; `flatten` reads it by field name alike."""


class ProcessStore(Store):
    """A `SqliteStore` in a child process; see the module's docstring."""

    def __init__(self, config: StoreConfig) -> None:
        self.config = config
        self.path = config.data_dir / FILE_NAME
        self._pending: deque[tuple[int, Snapshot] | _Append | _Points] = deque()
        """Appends not yet sent: snapshots to encode, or already encoded ones, and points."""
        self._dropped = 0
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._down_lock = threading.Lock()
        """Serialises writes to the down pipe (the sender's batches and callers' calls)."""
        self._call_lock = threading.Lock()
        """One call at a time: its answer is the next message up."""
        self._process: multiprocessing.process.BaseProcess | None = None
        self._down: Connection | None = None
        self._up: Connection | None = None
        self._sender: threading.Thread | None = None
        self._encoder = msgspec.msgpack.Encoder()

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> None:
        if self._process is not None:
            return
        self._process, self._down, self._up = self._spawn()
        self._stopping.clear()
        self._sender = threading.Thread(target=self._send_forever, name="hostwatch-store-sender", daemon=True)
        self._sender.start()

    def _spawn(self) -> tuple[multiprocessing.process.BaseProcess, Connection, Connection]:
        """A child with the store open, and the pipes down to it and up from it."""
        context = multiprocessing.get_context("spawn")
        down_read, down_write = context.Pipe(duplex=False)
        up_read, up_write = context.Pipe(duplex=False)
        _widen(down_write)
        process = context.Process(target=_child_main, args=(self.config, down_read, up_write),
                                  name="hostwatch-store", daemon=True)
        process.start()
        down_read.close()
        up_write.close()
        try:
            if not up_read.poll(START_TIMEOUT):
                process.kill()
                raise StoreError(f"the history store at {self.path} did not open "
                                 f"within {START_TIMEOUT:.0f} s")
            try:
                outcome, detail = pickle.loads(up_read.recv_bytes())
            except EOFError:
                raise StoreError(f"the history store process exited while opening {self.path}") from None
            if outcome != "ready":
                raise detail if isinstance(detail, Exception) else StoreError(str(detail))
        except BaseException:
            process.join(5)
            down_write.close()
            up_read.close()
            raise
        return process, down_write, up_read

    def close(self) -> None:
        if self._process is None:
            return
        self._stopping.set()
        self._wake.set()
        if self._sender is not None:
            self._sender.join()
            self._sender = None
        try:
            with self._down_lock:
                self._send_pending()
                assert self._down is not None
                self._down.send_bytes(_STOP)
            if self._up is not None and self._up.poll(STOP_TIMEOUT):
                self._up.recv_bytes()
        except (OSError, EOFError):
            log.error("history store process was gone at shutdown; unflushed points are lost")
        self._release()

    def _release(self) -> None:
        """Wait for (or end) the child and close the pipes."""
        if self._process is not None:
            self._process.join(STOP_TIMEOUT)
            if self._process.is_alive():
                self._process.kill()
                self._process.join(5)
        for connection in (self._down, self._up):
            if connection is not None:
                connection.close()
        self._process = self._down = self._up = None

    def _revive(self) -> None:
        """Start a new child after the last one died, retrying until it opens or we stop.
        Appends keep queueing (bounded by `max_pending`) and go down once it runs."""
        exit_code = self._process.exitcode if self._process is not None else None
        log.error("history store process died (exit code %s); starting a new one", exit_code)
        wait = 1.0
        while not self._stopping.wait(wait):
            with self._call_lock, self._down_lock:
                self._release()
                try:
                    self._process, self._down, self._up = self._spawn()
                except StoreError as exc:
                    log.error("history store process did not start again: %s; retrying in %.0f s", exc, wait)
                    wait = min(wait * 2, 30.0)
                    continue
            log.warning("history store process running again; %d snapshots dropped so far", self._dropped)
            return

    # -- writing -------------------------------------------------------------------------------

    def append(self, host_id: int, snapshot: Snapshot, encoded: bytes | None = None) -> None:
        self._queue((host_id, snapshot) if encoded is None else _Append(host_id, msgspec.Raw(encoded)))

    def append_points(self, host_id: int, time: float, points: dict[SeriesKey, float],
                      interval: float = 1.0) -> None:
        self._queue(_Points(host_id, time, interval, [tuple(key) for key in points],  # type: ignore[misc]
                            [float(value) for value in points.values()]))

    def _queue(self, item: tuple[int, Snapshot] | _Append | _Points) -> None:
        if len(self._pending) >= self.config.max_pending:
            self._pending.popleft()
            self._count_dropped(1)
        self._pending.append(item)

    def _count_dropped(self, count: int) -> None:
        before = self._dropped
        self._dropped += count
        if before == 0 or self._dropped // 1000 > before // 1000:
            log.warning("history store: %d snapshots dropped so far (writer behind or gone)", self._dropped)

    def _send_forever(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(SEND_INTERVAL)
            self._wake.clear()
            try:
                with self._down_lock:
                    self._send_pending()
                dead = self._process is not None and not self._process.is_alive()
            except OSError:
                dead = True
            if dead:
                self._revive()

    def _send_pending(self) -> None:
        """Pack what is queued into one message down (caller holds `_down_lock`); a batch the
        pipe refuses (the child died) goes back to the queue for the next child."""
        pending = self._pending
        if not pending:
            return
        items = list(pending)
        pending.clear()
        encode = self._encoder.encode
        batch: _Batch = [
            # Process rows are no series, and most of a snapshot's bytes (and of the child's decoding).
            _Append(item[0], msgspec.Raw(encode(without_process_rows(item[1])))) if isinstance(item, tuple)
            else item for item in items]
        try:
            if self._down is None:
                raise BrokenPipeError("no history store process")
            message = bytearray(_APPENDS)
            self._encoder.encode_into(batch, message, 1)  # after the tag, with no copy to join them
            self._down.send_bytes(message)
        except OSError:
            pending.extendleft(reversed(items))
            while len(pending) > self.config.max_pending:
                pending.popleft()
                self._count_dropped(1)
            raise

    def flush(self) -> None:
        self._call("flush")

    # -- calls ---------------------------------------------------------------------------------

    def _call(self, name: str, *args: Any) -> Any:
        with self._call_lock:
            if self._process is None or self._down is None or self._up is None:
                raise StoreError("the history store is not running")
            try:
                with self._down_lock:
                    self._send_pending()
                    self._down.send_bytes(_CALL + pickle.dumps((name, args)))
                outcome, value = pickle.loads(self._up.recv_bytes())
            except (OSError, EOFError):
                self._wake.set()  # the sender notices and starts a new child
                raise StoreError("the history store process has stopped; a new one is starting") from None
        if outcome == "error":
            raise value
        return value

    def series(self, host_id: int) -> list[SeriesKey]:
        return _typed(self._call("series", host_id), list)

    def query(self, host_id: int, keys: list[SeriesKey], start: float, end: float,
              max_points: int = 0, tier: str | None = None) -> QueryResult:
        return _typed(self._call("query", host_id, keys, start, end, max_points, tier), QueryResult)

    def apply_retention(self, now: float | None = None) -> int:
        return _typed(self._call("apply_retention", now), int)

    def stats(self) -> StoreStats:
        return _typed(self._call("stats"), StoreStats)

    @property
    def dropped(self) -> int:
        """Snapshots dropped because the child was behind or gone."""
        return self._dropped


def _widen(connection: Connection) -> None:
    """Give the pipe a 1 MiB buffer (Linux): a batch of agents' snapshots is megabytes, and in
    the default 64 KiB each batch went down in dozens of writes, each waiting for the child."""
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None)
    if set_size is not None:
        with contextlib.suppress(OSError):
            fcntl.fcntl(connection.fileno(), set_size, PIPE_BUFFER)


def _typed(value: Any, kind: Callable[..., T]) -> T:
    if not isinstance(value, kind):  # type: ignore[arg-type]
        raise StoreError(f"the history store process answered {type(value).__name__}")
    return value  # type: ignore[no-any-return]


# -- the child ---------------------------------------------------------------------------------

_CALLS = frozenset({"flush", "series", "query", "apply_retention", "stats"})


def _child_main(config: StoreConfig, down: Connection, up: Connection) -> None:
    """The child: open the store, then take batches and calls until told to stop."""
    # The server decides when the store stops (it sends what it still holds, then STOP); a
    # Ctrl-C or a service manager's SIGTERM to the whole group must not cut that short.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    store = SqliteStore(config.data_dir, config.retention, flush_interval=config.flush_interval,
                        retention_interval=config.retention_interval, max_pending=config.max_pending,
                        lock_wait=LOCK_WAIT)
    try:
        store.open()
    except Exception as exc:  # reported to the parent, which raises it from start()
        up.send_bytes(pickle.dumps(("error", exc if isinstance(exc, StoreError) else StoreError(str(exc)))))
        return
    up.send_bytes(pickle.dumps(("ready", None)))
    tune_garbage_collector()
    decode_batch = msgspec.msgpack.Decoder(_Batch).decode
    decode_snapshot = msgspec.msgpack.Decoder(StoredSnapshot).decode
    next_flush = time.monotonic() + config.flush_interval
    next_retention = time.monotonic() + config.retention_interval
    try:
        while True:
            if down.poll(max(0.0, next_flush - time.monotonic())):
                message = down.recv_bytes()
                kind, body = message[:1], memoryview(message)[1:]
                if kind == _STOP:
                    break
                if kind == _APPENDS:
                    for item in decode_batch(body):
                        if isinstance(item, _Append):
                            # Read by field name, a StoredSnapshot is a Snapshot to the store.
                            store.append(item.host_id, cast(Snapshot, decode_snapshot(item.snapshot)))
                        else:
                            store.append_points(item.host_id, item.time,
                                                dict(zip(map(SeriesKey._make, item.keys), item.values,
                                                         strict=True)), item.interval)
                elif kind == _CALL:
                    up.send_bytes(pickle.dumps(_answer(store, body)))
            now = time.monotonic()
            if now >= next_flush:
                next_flush = now + config.flush_interval
                _guarded(store.flush)
            if now >= next_retention:
                next_retention = now + config.retention_interval
                _guarded(store.apply_retention)
    except EOFError:
        log.warning("history store: the server went away; flushing and closing")
    finally:
        store.close()
        with contextlib.suppress(OSError):  # the server may be gone; then nothing waits for this
            up.send_bytes(pickle.dumps(("closed", None)))


def _answer(store: Any, body: bytes | memoryview) -> tuple[str, Any]:
    try:
        name, args = pickle.loads(body)
        if name not in _CALLS:
            raise StoreError(f"no such store call: {name}")
        return "ok", getattr(store, name)(*args)
    except Exception as exc:  # the caller re-raises it in the server
        return "error", exc


def _guarded(work: Callable[[], object]) -> None:
    try:
        work()
    except Exception:  # the child keeps going; the next flush retries
        log.exception("history store: write failed; retrying at the next flush")
