"""`hostwatch store stats|compact|export`: the history store, offline, on the data dir.

`stats` and `export` only read, so they also work beside a running hub;
`compact` writes, and refuses while a hub holds the store.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from typing import TYPE_CHECKING, TextIO

import msgspec

from hostwatch.config import Settings
from hostwatch.errors import ConfigError

if TYPE_CHECKING:
    from hostwatch.store.base import StoreStats
    from hostwatch.store.sqlite import SqliteStore

EXPORT_FORMATS = ("csv", "json")


def add_store_commands(store: argparse.ArgumentParser) -> None:
    """The `store` subcommands and their flags."""
    actions = store.add_subparsers(dest="store_command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", dest="data_dir", default=argparse.SUPPRESS,
                        help="the hub's data directory (default as for `serve`)")
    common.add_argument("--config", default=argparse.SUPPRESS, help="TOML config file")
    actions.add_parser("stats", parents=[common],
                       help="series, points per tier, bytes on disk and bytes per point")
    actions.add_parser("compact", parents=[common],
                       help="seal open rows, apply retention and rewrite the file at its smallest")
    export = actions.add_parser("export", parents=[common], help="write series as CSV or JSON")
    export.add_argument("--host", required=True, type=int, help="numeric host id (1 is the hub's own)")
    export.add_argument("--metric", required=True,
                        help="comma-separated metrics, e.g. cpu.total,disk.filesystems[/].percent")
    export.add_argument("--range", dest="span", default=None, help="5m … 365d (default 1h)")
    export.add_argument("--from", dest="start", default=None, help="start: Unix seconds or ISO 8601")
    export.add_argument("--to", dest="end", default=None, help="end: Unix seconds or ISO 8601")
    export.add_argument("--points", type=int, default=0, help="at most this many points per series (0: all)")
    export.add_argument("--tier", choices=("raw", "1m", "1h"), default=None, help="force a tier")
    export.add_argument("--format", choices=EXPORT_FORMATS, default="csv")


def run_store_command(args: argparse.Namespace, settings: Settings, out: TextIO = sys.stdout) -> int:
    """Run one `store` subcommand; exit status."""
    from hostwatch.store.factory import store_for

    store = store_for(settings, read_only=args.store_command != "compact")
    store.open()
    try:
        if args.store_command == "stats":
            _print_stats(store.stats(), out)
        elif args.store_command == "compact":
            before = store.stats().file_bytes
            store.flush(seal=True)
            store.apply_retention()
            store.vacuum()
            after = store.stats()
            out.write(f"compacted {after.path}: {before:,} -> {after.file_bytes:,} bytes\n")
        else:
            _export(store, args, out)
    finally:
        store.close()
    return 0


def _print_stats(stats: StoreStats, out: TextIO) -> None:
    out.write(f"file            {stats.path}\n")
    out.write(f"hosts           {stats.hosts}\n")
    out.write(f"series          {stats.series}\n")
    for tier in stats.tiers:
        out.write(f"tier {tier.name:<4}       {tier.points:>14,} points in {tier.chunks:,} chunks, "
                  f"{tier.bytes:,} bytes\n")
    out.write(f"journal         {stats.journal_bytes:,} bytes (open rows)\n")
    out.write(f"on disk         {stats.file_bytes:,} bytes\n")
    out.write(f"bytes per point {stats.bytes_per_raw_point:.2f} (raw, file share included)\n")


def _export(store: SqliteStore, args: argparse.Namespace, out: TextIO) -> None:
    from hostwatch.store.ranges import resolve_range
    from hostwatch.store.series import parse_metric

    try:
        keys = [parse_metric(m) for m in args.metric.split(",") if m.strip()]
        start, end = resolve_range(args.span, args.start, args.end, time.time())
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    if args.points < 0:
        raise ConfigError("--points must be 0 (all) or more")
    result = store.query(args.host, keys, start, end, args.points, args.tier)
    if args.format == "json":
        out.write(msgspec.json.encode(result.document()).decode() + "\n")
        return
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["metric", "unit", "time", "value", "min", "max"])
    for series in result.series:
        metric = series.key.metric()
        for row in zip(series.times, series.values, series.min, series.max, strict=True):
            writer.writerow([metric, series.unit, *row])
