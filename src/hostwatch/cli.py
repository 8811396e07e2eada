"""`hostwatch serve | snapshot | token`, and vminfo's spelling `hostwatch --web ...`."""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import logging
import os
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import msgspec

from hostwatch import __version__
from hostwatch.agent.command import add_agent_flags, run_agent_command
from hostwatch.auth.token_commands import add_agent_token_commands, run_agent_token_command
from hostwatch.collect.collector import SECTION_SOURCES, Collector, sources_for
from hostwatch.config import Settings, build_settings, from_environment, load_file, parse_duration
from hostwatch.errors import ConfigError, HostwatchError, UnsafeBindError
from hostwatch.store.commands import add_store_commands, run_store_command

logger = logging.getLogger("hostwatch")

_GENERATE = object()
_TOKEN_IN_TEXT = re.compile(r"(token=)[^&\s\"']+")


class RedactTokens(logging.Filter):
    """Replaces `token=...` in any log record, so tokens never reach a log."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "token=" in message:
            record.msg, record.args = _TOKEN_IN_TEXT.sub(r"\1[redacted]", message), None
        return True


def _add_serve_flags(parser: argparse.ArgumentParser) -> None:
    s = argparse.SUPPRESS
    parser.add_argument("--bind", default=s, help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=s, help="port (default 20021)")
    parser.add_argument("--interval", default=s, help="seconds between snapshots: 1s, 500ms, 2m")
    parser.add_argument("--token", nargs="?", const=_GENERATE, default=s,
                        help="require a token; bare --token generates one")
    parser.add_argument("--data-dir", dest="data_dir", default=s, help="directory for hostwatch's files")
    parser.add_argument("--config", default=s, help="TOML config file")
    parser.add_argument("--no-local", dest="local", action="store_false", default=s,
                        help="do not watch this machine (a pure hub)")
    parser.add_argument("--insecure", action="store_true", default=s,
                        help="allow a non-loopback address without a token")
    parser.add_argument("--log-level", dest="log_level", default=s, help="debug, info, warning, error")
    parser.add_argument("--no-history", dest="history", action="store_const", const={"enabled": False},
                        default=s, help="keep no history on disk (charts cover the in-memory minutes only)")


def build_parser() -> argparse.ArgumentParser:
    """The command line: subcommands, and `--web` as vminfo spells `serve`."""
    parser = argparse.ArgumentParser(prog="hostwatch", description="Self-hosted system monitoring hub.")
    parser.add_argument("--version", action="version", version=f"hostwatch {__version__}")
    parser.add_argument("--web", action="store_true", help="same as `hostwatch serve` (vminfo's spelling)")
    _add_serve_flags(parser)
    commands = parser.add_subparsers(dest="command")
    serve = commands.add_parser("serve", help="watch this machine and serve the dashboard and APIs")
    _add_serve_flags(serve)
    snap = commands.add_parser("snapshot", help="print one snapshot of this machine as JSON")
    snap.add_argument("--pretty", action="store_true", help="indent the JSON")
    snap.add_argument("--only", default=None,
                      help=f"comma-separated sections: {','.join(SECTION_SOURCES)}")
    snap.add_argument("--interval", default="1s",
                      help="time between the priming sample and the reported one, so rates are real")
    _add_token_commands(commands.add_parser("token", help="make credentials for clients of this hub"))
    add_store_commands(commands.add_parser("store", help="inspect and maintain the history store offline"))
    add_agent_flags(commands.add_parser("agent", help="watch this machine and push to a hub"))
    return parser


def _add_token_commands(token: argparse.ArgumentParser) -> None:
    """`hostwatch token <kind>`: one subcommand per kind of credential."""
    kinds = token.add_subparsers(dest="token_command", required=True)
    jwt = kinds.add_parser("jwt", help="print a JWT for TurboCore's /api/health/ws `auth` command")
    jwt.add_argument("--ttl", default="1h", help="how long the JWT holds: 30m, 1h, 24h (default 1h)")
    jwt.add_argument("--data-dir", dest="data_dir", default=argparse.SUPPRESS,
                     help="the hub's data directory, where the signing secret lives")
    jwt.add_argument("--config", default=argparse.SUPPRESS, help="TOML config file (for its data_dir)")
    add_agent_token_commands(kinds)


def settings_from(args: argparse.Namespace, environ: dict[str, str]) -> tuple[Settings, bool]:
    """Settings from defaults < file < environment < flags, and whether the token was generated."""
    flags: dict[str, Any] = {
        k: v for k, v in vars(args).items()
        if k in {"bind", "port", "interval", "token", "data_dir", "local", "insecure", "log_level", "history"}
    }
    generated = flags.get("token") is _GENERATE
    if generated:
        from hostwatch.auth.tokens import generate_token

        flags["token"] = generate_token()
    config_path = getattr(args, "config", None) or environ.get("HOSTWATCH_CONFIG")
    file_layer = load_file(Path(config_path)) if config_path else {}
    return build_settings(file_layer, from_environment(environ), flags), generated


def check_bind(settings: Settings) -> None:
    """Refuse a non-loopback address without a token unless told `--insecure`."""
    host = settings.bind.strip("[]")
    if host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback and not settings.token and not settings.insecure:
        raise UnsafeBindError(
            f"refusing to listen on {settings.bind} without authentication: anyone who can reach "
            "this address could read this machine's processes and metrics. Add --token (or "
            "--token VALUE), or --insecure if a firewall or proxy already protects it."
        )


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(RedactTokens())
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


def serve(settings: Settings, generated_token: bool) -> int:
    """Run the hub (and the local agent) until SIGINT or SIGTERM."""
    import uvicorn

    from hostwatch.agent.local import LocalAgent
    from hostwatch.alerts.engine import AlertEngine
    from hostwatch.alerts.rules import glances_rules
    from hostwatch.api.app import create_app
    from hostwatch.api.glances.limits import effective_limits
    from hostwatch.gc_tuning import tune_garbage_collector
    from hostwatch.hub.database import HubDatabase
    from hostwatch.hub.hub import Hub
    from hostwatch.store.factory import hub_store_for

    check_bind(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    # Glances' limits (with the [glances.*] overrides) are the alert rules for now.
    rules = glances_rules(effective_limits(settings.glances))
    hub = Hub(settings.health, history_size=settings.history_size, queue_size=settings.ws_queue_size,
              alerts=AlertEngine(lambda _host_id: rules),
              store=hub_store_for(settings) if settings.history.enabled else None,
              database=HubDatabase(settings.data_dir))
    agent = (
        LocalAgent(hub, Collector(interval=settings.interval, refresh=settings.refresh))
        if settings.local
        else None
    )
    app = create_app(settings, hub, agent)
    host = settings.bind.strip("[]")
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{settings.port}/"
    if generated_token:
        # Printed once, on the terminal only: the one place the generated token is shown.
        print(f"hostwatch dashboard: {url}?token={settings.token}", flush=True)
    else:
        print(f"hostwatch dashboard: {url}", flush=True)
    config = uvicorn.Config(
        app,
        host=host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        access_log=False,
        log_config=None,
        server_header=False,  # no need to tell every client (and scanner) the server software
        ws_max_size=1 << 20,
        # Per-connection compression would deflate the same snapshot once per client
        # on the event loop; with 500 clients that alone pushed delivery lag past 250 ms.
        ws_per_message_deflate=False,
        timeout_graceful_shutdown=3,
    )
    tune_garbage_collector()
    # uvicorn re-raises SIGINT after its graceful shutdown; by then the shutdown is done.
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(config).run()
    return 0


def snapshot(args: argparse.Namespace) -> int:
    """Print one snapshot; rates span `--interval` after a priming sample."""
    only = [s.strip() for s in args.only.split(",") if s.strip()] if args.only else None
    unknown = [s for s in only or [] if s not in SECTION_SOURCES]
    if unknown:
        raise ConfigError(
            f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTION_SOURCES)}"
        )
    interval = parse_duration(args.interval)
    # Every source is due on both samples, so each rate spans exactly --interval.
    every_time = dict.fromkeys(sources_for(only or SECTION_SOURCES), 0.0)
    collector = Collector(interval=interval, only=only, refresh=every_time)
    collector.collect()
    time.sleep(interval)
    snap = collector.collect()
    document = msgspec.to_builtins(snap)
    if only:
        keep = {*only, "time", "seq", "interval", "schema"}
        document = {k: v for k, v in document.items() if k in keep}
    encoded = msgspec.json.encode(document)
    if args.pretty:
        encoded = msgspec.json.format(encoded, indent=2)
    sys.stdout.write(encoded.decode() + "\n")
    return 0


def token_jwt(args: argparse.Namespace) -> int:
    """Print one JWT signed with the data dir's secret, creating the secret if missing."""
    from hostwatch.auth import jwt_tokens

    ttl = parse_duration(args.ttl)
    # The data dir resolves as for `serve` (flag > environment > file), so both use one secret.
    settings, _ = settings_from(args, dict(os.environ))
    try:
        secret = jwt_tokens.load_or_create_secret(settings.data_dir)
    except OSError as exc:
        raise ConfigError(f"cannot create the JWT secret in {settings.data_dir}: {exc.strerror}") from exc
    sys.stdout.write(jwt_tokens.mint(secret, ttl) + "\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `hostwatch` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "snapshot":
            configure_logging("warning")
            return snapshot(args)
        if args.command == "token" and args.token_command == "jwt":
            configure_logging("warning")
            return token_jwt(args)
        if args.command == "token":
            configure_logging("warning")
            settings, _ = settings_from(args, dict(os.environ))
            return run_agent_token_command(args, settings)
        if args.command == "agent":
            return run_agent_command(args, dict(os.environ))
        if args.command == "store":
            configure_logging("warning")
            settings, _ = settings_from(args, dict(os.environ))
            return run_store_command(args, settings)
        if args.command == "serve" or args.web:
            settings, generated = settings_from(args, dict(os.environ))
            configure_logging(settings.log_level)
            return serve(settings, generated)
    except HostwatchError as exc:
        print(f"hostwatch: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader of our output (`| head`) left; nothing more to say.
        sys.stderr.close()
        return 0
    parser.print_help()
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
