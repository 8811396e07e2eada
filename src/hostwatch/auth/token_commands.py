"""`hostwatch token create|list|revoke`: agent tokens in the data dir's hub.sqlite.

They work beside a running hub (SQLite in WAL mode); a revoked token is refused
from the agent's next report on.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import TextIO

from hostwatch.config import Settings
from hostwatch.errors import ConfigError


def add_agent_token_commands(kinds: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`create`, `list` and `revoke` under `hostwatch token`."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", dest="data_dir", default=argparse.SUPPRESS,
                        help="the hub's data directory (default as for `serve`)")
    common.add_argument("--config", default=argparse.SUPPRESS, help="TOML config file (for its data_dir)")
    create = kinds.add_parser("create", parents=[common], help="make an agent token (printed once)")
    create.add_argument("--name", default="", help="a note (enrolment) or the host's name (--host)")
    create.add_argument("--host", action="store_true",
                        help="a token for one host, bound to the first agent that reports with it")
    kinds.add_parser("list", parents=[common], help="list agent tokens (never the tokens themselves)")
    revoke = kinds.add_parser("revoke", parents=[common], help="revoke an agent token by id")
    revoke.add_argument("id", type=int, help="the token's id from `token list`")


def run_agent_token_command(args: argparse.Namespace, settings: Settings, out: TextIO = sys.stdout) -> int:
    """Run `token create|list|revoke`; exit status."""
    from hostwatch.auth.agent_tokens import AgentTokens
    from hostwatch.hub.database import HubDatabase

    database = HubDatabase(settings.data_dir)
    tokens = AgentTokens(database)
    try:
        if args.token_command == "create":
            if args.host and not args.name:
                raise ConfigError("a host token needs --name: the host's name")
            record, token = tokens.create(args.name or "enrolment", "host" if args.host else "enrol")
            out.write(f"{token}\n")
            print(f"token {record.id} ({record.kind}) created; it is shown only now", file=sys.stderr)
        elif args.token_command == "list":
            out.write(f"{'id':>4}  {'kind':<6} {'name':<24} {'host':>5}  {'created':<20} state\n")
            for record in tokens.list():
                created = dt.datetime.fromtimestamp(record.created_at, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
                state = "revoked" if record.revoked_at else "live"
                host = "" if record.host_id is None else str(record.host_id)
                out.write(f"{record.id:>4}  {record.kind:<6} {record.name:<24} {host:>5}  "
                          f"{created:<20} {state}\n")
        elif not tokens.revoke(args.id):
            raise ConfigError(f"no live agent token with id {args.id}")
        else:
            out.write(f"token {args.id} revoked\n")
    finally:
        database.close()
    return 0
