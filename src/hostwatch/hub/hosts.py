"""The hosts a hub knows: the local one first, then every agent that reports."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import msgspec

from hostwatch.errors import UnknownHostError
from hostwatch.hub.database import HubDatabase

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


_FIELDS = ("id", "agent_id", "name", "tags", "first_seen", "last_seen", "interval", "address", "version",
           "local", "ipv4", "ipv6", "display_index", "hide_for_guest", "last_seq")


class HostRegistry:
    """Hosts by numeric id, found by id, name or agent id; kept in hub.sqlite when given one.

    Identity and settings (registration, rename, tags, delete) are written at
    once; activity (last seen, address, version, sequence) is written in batches
    by `save_activity`, which the hub calls every few seconds and at shutdown.
    """

    def __init__(self, database: HubDatabase | None = None) -> None:
        self._hosts: dict[int, Host] = {}
        self._by_agent: dict[str, int] = {}
        self._database = database
        self._active: set[int] = set()
        self._local_id: int | None = None
        if database is not None:
            for row in database.query(f"SELECT {', '.join(_FIELDS)} FROM hosts ORDER BY id"):
                values = dict(zip(_FIELDS, row, strict=True))
                values["tags"] = json.loads(values["tags"])
                values["local"] = bool(values["local"])
                values["hide_for_guest"] = bool(values["hide_for_guest"])
                host = Host(**values)
                self._hosts[host.id] = host
                self._by_agent[host.agent_id] = host.id
                if host.local:
                    self._local_id = host.id

    def __iter__(self) -> Iterator[Host]:
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
        if local:
            self._local_id = host.id
        self.save(host)
        return host

    def save(self, host: Host) -> None:
        """Write every field of `host` now."""
        if self._database is None:
            return
        values = [getattr(host, name) for name in _FIELDS]
        values[_FIELDS.index("tags")] = json.dumps(host.tags)
        with self._database.transaction() as connection:
            connection.execute(f"INSERT OR REPLACE INTO hosts ({', '.join(_FIELDS)}) "
                               f"VALUES ({', '.join('?' * len(_FIELDS))})", values)
        self._active.discard(host.id)

    def delete(self, host_id: int) -> Host:
        """Forget a host (its history stays in the store); UnknownHostError if there is none."""
        host = self.get(host_id)
        del self._hosts[host_id]
        del self._by_agent[host.agent_id]
        if self._local_id == host_id:
            self._local_id = None
        self._active.discard(host_id)
        if self._database is not None:
            with self._database.transaction() as connection:
                connection.execute("DELETE FROM hosts WHERE id = ?", (host_id,))
        return host

    def save_activity(self) -> None:
        """Write what reports changed since the last call, in one transaction."""
        if self._database is None or not self._active:
            self._active.clear()
            return
        hosts = [self._hosts[i] for i in self._active if i in self._hosts]
        self._active.clear()
        with self._database.transaction() as connection:
            connection.executemany(
                "UPDATE hosts SET first_seen = ?, last_seen = ?, interval = ?, address = ?, version = ?, "
                "ipv4 = ?, ipv6 = ?, last_seq = ? WHERE id = ?",
                [(h.first_seen, h.last_seen, h.interval, h.address, h.version, h.ipv4, h.ipv6, h.last_seq,
                  h.id) for h in hosts])

    def find(self, host_id: int) -> Host | None:
        """The host with this numeric id, if any."""
        return self._hosts.get(host_id)

    def local(self) -> Host | None:
        """The hub's own host, when it watches one."""
        return None if self._local_id is None else self._hosts.get(self._local_id)

    def by_agent(self, agent_id: str) -> Host | None:
        """The host of an agent id, if registered."""
        host_id = self._by_agent.get(agent_id)
        return None if host_id is None else self._hosts[host_id]

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
        self._active.add(host.id)
