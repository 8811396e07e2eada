"""Request-scoped access to the app's parts, and the `?host=` resolution every host route shares."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query
from starlette.requests import HTTPConnection

from hostwatch.api.responses import ApiError, BodyCache
from hostwatch.errors import NoDataYetError, UnknownHostError
from hostwatch.hub.hub import Hub
from hostwatch.hub.state import HostState


def hub_of(connection: HTTPConnection) -> Hub:
    """The hub this app serves."""
    hub: Hub = connection.app.state.hub
    return hub


def body_cache(connection: HTTPConnection) -> BodyCache:
    """The app's cache of encoded documents."""
    cache: BodyCache = connection.app.state.bodies
    return cache


HostQuery = Annotated[
    str | None, Query(description="Host id, name or agent id; the local host by default")
]
"""The `?host=` parameter every host-scoped route of every surface takes."""


def reported_state(connection: HTTPConnection, host: str | None) -> HostState:
    """The state of the host named by `host`; UnknownHostError or NoDataYetError otherwise.

    Each surface turns those two errors into its own error shape.
    """
    state = hub_of(connection).state(host)
    if not state.reported:
        raise NoDataYetError(f"host {state.host.name!r} has not reported yet")
    return state


async def host_state(connection: HTTPConnection, host: HostQuery = None) -> HostState:
    """The state of the host named by `?host=`, which must have reported at least once.

    Async although it never awaits: FastAPI runs a plain `def` dependency in a
    thread pool, which cost more than the whole rest of a cached request.
    """
    try:
        return reported_state(connection, host)
    except UnknownHostError as exc:
        raise ApiError(404, "unknown_host", str(exc)) from None
    except NoDataYetError as exc:
        raise ApiError(503, "no_data", str(exc)) from None


HostStateDep = Annotated[HostState, Depends(host_state)]
