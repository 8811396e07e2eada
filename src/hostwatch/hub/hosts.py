"""The hosts a hub knows: the local one first, then every agent that reports."""

from __future__ import annotations

import time

import msgspec

from hostwatch.errors import UnknownHostError

LOCAL_AGENT_ID = "local"


class Host(msgspec.Struct, kw_only=True):
    """A reporting host's identity and bookkeeping."""

    id: int
    agent_id: str
    name: str
    tags: list[str] = []
    first_seen: float = 0.0
    """Unix seconds of the first report."""
    last_seen: float = 0.0
    """Unix seconds of the latest report; 0 when it never reported."""
    interval: float = 1.0
    address: str = ""
    """The address the hub saw the host's reports come from."""
    version: str = ""
    local: bool = False
    ipv4: str = ""
    """The host's own IPv4 address as its agent reports it (its default route's)."""
    ipv6: str = ""
    display_index: int = 0
    """Sort weight in lists, higher first (Nezha's `display_index`)."""
    hide_for_guest: bool = False
    """Hidden from readers without a token where a surface has guests (Nezha)."""
    last_seq: int = 0
    """The agent's newest accepted report sequence number: replays at or below it are duplicates."""


class HostRegistry:
    """Hosts by numeric id, found by id, name or agent id."""

    def __init__(self) -> None:
        self._hosts: dict[int, Host] = {}
        self._by_agent: dict[str, int] = {}

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(list(self._hosts.values()))

    def __len__(self) -> int:
        return len(self._hosts)

    def register(self, agent_id: str, name: str, *, local: bool = False,
                 tags: list[str] | None = None) -> Host:
        """The host for `agent_id`, created with the next free id if new."""
        existing = self._by_agent.get(agent_id)
        if existing is not None:
            return self._hosts[existing]
        host = Host(id=max(self._hosts, default=0) + 1, agent_id=agent_id, name=name,
                    tags=list(tags or []), local=local)
        self._hosts[host.id] = host
        self._by_agent[agent_id] = host.id
        return host

    def get(self, host_id: int) -> Host:
        """The host with this numeric id."""
        try:
            return self._hosts[host_id]
        except KeyError:
            raise UnknownHostError(f"unknown host: {host_id}") from None

    def resolve(self, ref: str | int | None) -> Host:
        """The host named by an id, a name or an agent id; the first host when `ref` is None."""
        if ref is None or ref == "":
            if not self._hosts:
                raise UnknownHostError("no host has reported yet")
            return self._hosts[min(self._hosts)]
        text = str(ref).strip()
        if text.isdigit() and int(text) in self._hosts:
            return self._hosts[int(text)]
        if text in self._by_agent:
            return self._hosts[self._by_agent[text]]
        for host in self._hosts.values():
            if host.name == text:
                return host
        raise UnknownHostError(f"unknown host: {text!r}")

    def seen(self, host: Host, when: float | None = None, address: str = "") -> None:
        """Record a report from `host`."""
        now = when if when is not None else time.time()
        if not host.first_seen:
            host.first_seen = now
        host.last_seen = now
        if address:
            host.address = address
