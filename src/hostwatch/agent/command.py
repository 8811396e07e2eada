"""`hostwatch agent`: flags, settings and the process around `run_agent`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from pathlib import Path

from hostwatch.config import load_file

EXIT_REFUSED = 3


def add_agent_flags(agent: argparse.ArgumentParser) -> None:
    """The agent's flags; each also comes from HOSTWATCH_<NAME> or the config's [agent] table."""
    s = argparse.SUPPRESS
    agent.add_argument("--hub", default=s, help="the hub's URL, e.g. https://hub.example:20021")
    agent.add_argument("--token", default=s, help="an agent token from `hostwatch token create` on the hub")
    agent.add_argument("--name", default=s, help="this host's name at the hub (default: its hostname)")
    agent.add_argument("--tags", default=s, help="comma-separated tags, e.g. web,eu")
    agent.add_argument("--interval", default=s, help="seconds between snapshots: 1s, 5s, 1m (default 1s)")
    agent.add_argument("--state-dir", dest="state_dir", default=s,
                       help="where the agent keeps its identity and spool")
    agent.add_argument("--ca-file", dest="ca_file", default=s,
                       help="CA bundle for the hub's certificate (default: the system trust store)")
    agent.add_argument("--spool-hours", dest="spool_hours", default=s,
                       help="hours of reports kept while the hub is unreachable (default 3)")
    agent.add_argument("--processes", default=s, choices=("top", "all", "none"),
                       help="which processes reports carry (default top: the busiest)")
    agent.add_argument("--log-level", dest="log_level", default=s, help="debug, info, warning, error")
    agent.add_argument("--config", default=s, help="TOML config file ([agent] table)")


def run_agent_command(args: argparse.Namespace, environ: dict[str, str]) -> int:
    """Build the settings, run the agent until SIGINT/SIGTERM; exit status."""
    from hostwatch.agent.remote import AgentRefused, run_agent
    from hostwatch.agent.settings import agent_settings, environment_layer
    from hostwatch.cli import configure_logging

    flags = {k: v for k, v in vars(args).items()
             if k in {"hub", "token", "name", "tags", "interval", "state_dir", "ca_file", "spool_hours",
                      "processes", "log_level"}}
    config_path = getattr(args, "config", None) or environ.get("HOSTWATCH_CONFIG")
    file_layer = load_file(Path(config_path)).get("agent", {}) if config_path else {}
    settings = agent_settings(file_layer, environment_layer(environ), flags)
    configure_logging(settings.log_level)
    # One line per push would drown the agent's own messages.
    logging.getLogger("httpx").setLevel(logging.WARNING)

    async def main() -> None:
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, task.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await run_agent(settings)

    try:
        asyncio.run(main())
    except AgentRefused as exc:
        print(f"hostwatch agent: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    return 0
